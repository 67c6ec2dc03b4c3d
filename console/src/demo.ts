import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeScenario } from '@spanmap/scenario';
import { FlowTable, DEFAULT_FLOW_OPTIONS, replayFiles } from '@spanmap/probe';
import { formatTable } from '@spanmap/probe/output/table';
import type { FlowRecord } from '@spanmap/shared';

/**
 * `spanmap demo` (until the console is in place): generates a week of a realistic site with the
 * scenario generator, replays it through the probe, and shows the flow table.
 */
export async function demoMain(_argv: string[]): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'spanmap-demo-'));
  try {
    const pcap = join(dir, 'site.pcap');
    process.stderr.write('generating one week of traffic for a small site (web, app, db, infra, users, legacy)...\n');
    const truth = writeScenario(pcap, { days: 7, seed: 7 });
    const records: FlowRecord[] = [];
    const table = new FlowTable(DEFAULT_FLOW_OPTIONS, (r) => records.push(r));
    await replayFiles([pcap], table, { decapInner: true });
    table.flush('eof');
    // A readable slice: the first flow of every edge (initiator, responder, protocol, port).
    const seen = new Set<string>();
    const firstPerEdge = records
      .sort((a, b) => a.first - b.first)
      .filter((r) => {
        const k = `${r.src}|${r.dst}|${r.proto}|${r.dport}`;
        return seen.has(k) ? false : (seen.add(k), true);
      });
    process.stdout.write(formatTable(firstPerEdge));
    process.stdout.write(
      `\n${records.length} flow records from ${table.counters.packets} packets; ${firstPerEdge.length} distinct edges ` +
        `(the scenario generated ${truth.edges.length}). Shown: the first flow of each edge.\n`,
    );
    return 0;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
