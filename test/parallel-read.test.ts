import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { flowRecordJson, type FlowRecord } from '@spanmap/shared';
import { writeBenchCapture } from '@spanmap/scenario';
import { readInWorkers } from '@spanmap/probe/capture/parallel-read';
import { DEFAULT_FLOW_OPTIONS } from '@spanmap/probe/flowtable/flow-table';
import { pcap } from './helpers/paths.js';
import { readFlows } from './helpers/flows.js';

/*
 * `probe read` in worker threads (issue 17): each worker replays every file and counts the flows
 * whose address pair hashes to it. The records are those of one table, in another order.
 */

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'spanmap-parallel-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const lines = (records: FlowRecord[]) => records.map(flowRecordJson).sort();

async function inWorkers(files: string[], workers: number, output: 'records' | 'jsonl' = 'records') {
  const records: FlowRecord[] = [];
  const chunks: Buffer[] = [];
  const out = output === 'records' ? { onRecord: (r: FlowRecord) => void records.push(r) } : { onChunk: (b: Uint8Array) => void chunks.push(Buffer.from(b)) };
  const r = await readInWorkers(files, { workers, decapInner: true, dedupWindowMs: 2, flow: DEFAULT_FLOW_OPTIONS }, out);
  const text = Buffer.concat(chunks).toString('utf8');
  return { ...r, lines: output === 'records' ? lines(records) : text.split('\n').filter(Boolean).sort() };
}

describe('probe read in worker threads', () => {
  it('gives the records and counters of one table, with 2 and 3 workers, as records or JSON lines', async () => {
    const file = join(tmp, 'bench.pcap');
    writeBenchCapture(file, { packets: 60_000, flows: 4_000 });
    const one = await readFlows(file);
    for (const workers of [2, 3]) {
      for (const output of ['records', 'jsonl'] as const) {
        const many = await inWorkers([file], workers, output);
        expect(many.lines, `${workers} ${output}`).toEqual(lines(one.records));
        expect(many.counters.packets).toBe(60_000);
        expect(many.counters.flowsCreated).toBe(4_000);
        expect(many.stats.frames).toBe(60_000);
      }
    }
  });

  it('reads several files as one stream (a flow spanning two files stays one flow)', async () => {
    const file = join(tmp, 'whole.pcap');
    writeBenchCapture(file, { packets: 20_000, flows: 1_000 });
    const one = await readFlows([file, pcap('mixed', 'malcolm__KRB5.pcap')]);
    const many = await inWorkers([file, pcap('mixed', 'malcolm__KRB5.pcap')], 2);
    expect(many.lines).toEqual(lines(one.records));
    expect(many.stats.files).toBe(2);
  });

  it('drops duplicate frames in whichever worker counts the packet', async () => {
    const file = pcap('mixed', 'elcabezzonn__mantak.pcap');
    const one = await readFlows(file);
    const many = await inWorkers([file], 2);
    expect(many.stats.duplicates).toBe(one.stats.duplicates);
    expect(many.stats.duplicates).toBeGreaterThan(1000);
    expect(many.counters.packets).toBe(one.records.reduce((a, r) => a + r.packets + r.rpackets, 0));
  });

  it('reports a corrupt file once, with the records read before the error', async () => {
    const file = pcap('edge', 'suricata-verify__tls_DER-incomplete-header.pcap');
    const one = await readFlows(file);
    const many = await inWorkers([file], 2);
    expect(many.stats.errors.map((e) => e.message)).toEqual(one.stats.errors.map((e) => e.message));
    expect(many.lines).toEqual(lines(one.records));
  });
});
