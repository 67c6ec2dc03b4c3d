import { parseCommandLine, numberOption, choiceOption, UsageError, flowRecordJson, type FlowRecord } from '@spanmap/shared';
import { FlowTable, DEFAULT_FLOW_OPTIONS, type FlowTableOptions } from '../flowtable/flow-table.js';
import { replayFiles, type ReplayStats } from '../capture/replay.js';
import { LineWriter } from '../output/line-writer.js';
import { formatTable } from '../output/table.js';
import { Progress } from '../output/progress.js';

export const READ_USAGE = `usage: spanmap probe read FILE... [options]

Reads pcap or pcapng files and prints one JSON flow record per line (packet timestamps
are the clock; every flow still open at the end is flushed with "end":"eof").

options:
  --format jsonl|table   output format (default jsonl)
  --idle S               idle timeout in seconds (default ${DEFAULT_FLOW_OPTIONS.idleMs / 1000})
  --active S             active timeout in seconds: longer flows are split and later
                         records carry "cont":true (default ${DEFAULT_FLOW_OPTIONS.activeMs / 1000})
  --grace S              wait after FIN/RST for trailing packets (default ${DEFAULT_FLOW_OPTIONS.graceMs / 1000})
  --max-flows N          concurrent flows held; when full the least recently active flow
                         is emitted with "end":"forced" (default ${DEFAULT_FLOW_OPTIONS.maxFlows})
  --decap inner|outer    key tunnelled traffic (VXLAN, Geneve, GRE, IP-in-IP, 6in4, GTP-U)
                         on the innermost (default) or outermost IP header; ERSPAN is always stripped
  --stats                print counters (packets, decode errors by reason, flows by end reason) to stderr
  -h, --help             show this help

A corrupt or truncated file prints one error line naming the file and byte offset; flows read
up to that point are still printed and the exit status is 1.`;

export function flowOptionsFrom(values: { idle?: string; active?: string; grace?: string; 'max-flows'?: string }): FlowTableOptions {
  return {
    idleMs: numberOption(values.idle, '--idle', DEFAULT_FLOW_OPTIONS.idleMs / 1000, { min: 0.001 }) * 1000,
    activeMs: numberOption(values.active, '--active', DEFAULT_FLOW_OPTIONS.activeMs / 1000, { min: 0.001 }) * 1000,
    graceMs: numberOption(values.grace, '--grace', DEFAULT_FLOW_OPTIONS.graceMs / 1000, { min: 0 }) * 1000,
    maxFlows: numberOption(values['max-flows'], '--max-flows', DEFAULT_FLOW_OPTIONS.maxFlows, { min: 1, max: 50_000_000, integer: true }),
  };
}

export const flowCliOptions = {
  idle: { type: 'string' },
  active: { type: 'string' },
  grace: { type: 'string' },
  'max-flows': { type: 'string' },
  decap: { type: 'string' },
} as const;

export async function readMain(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandLine(argv, {
    ...flowCliOptions,
    format: { type: 'string' },
    stats: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(READ_USAGE + '\n');
    return 0;
  }
  if (positionals.length === 0) throw new UsageError('probe read: no capture file given');
  const format = choiceOption(values.format, '--format', ['jsonl', 'table'] as const, 'jsonl');
  const decap = choiceOption(values.decap, '--decap', ['inner', 'outer'] as const, 'inner');
  const flowOpts = flowOptionsFrom(values);

  const out = new LineWriter();
  const collected: FlowRecord[] = [];
  const sink = format === 'jsonl' ? (r: FlowRecord) => out.line(flowRecordJson(r)) : (r: FlowRecord) => void collected.push(r);
  const table = new FlowTable(flowOpts, sink);
  const progress = new Progress('reading');
  const stats = await replayFiles(positionals, table, { decapInner: decap === 'inner', onProgress: (d, t) => progress.update(d, t) });
  progress.done();
  table.flush('eof');
  if (format === 'table') out.line(formatTable(collected).trimEnd());
  await out.end();
  for (const e of stats.errors) process.stderr.write(`spanmap: ${e.message}\n`);
  if (values.stats) process.stderr.write(JSON.stringify(statsSummary(stats, table)) + '\n');
  return stats.errors.length > 0 ? 1 : 0;
}

export function statsSummary(stats: ReplayStats, table: FlowTable) {
  return {
    files: stats.files,
    frames: stats.frames,
    packets: table.counters.packets,
    bytes: table.counters.bytes,
    decodeErrors: Object.fromEntries(Object.entries(stats.decodeErrors).filter(([k, v]) => k !== 'ok' && v > 0)),
    fragments: { matched: stats.fragmentsMatched, orphaned: stats.fragmentsOrphaned, absorbed: stats.fragmentsAbsorbed },
    caplenOverLen: stats.caplenOverLen,
    flowsCreated: table.counters.flowsCreated,
    flowsEmitted: table.counters.flowsEmitted,
    maxActiveFlows: table.counters.maxActive,
    table: { storageBytes: table.storageBytes },
    fileErrors: stats.errors.length,
  };
}
