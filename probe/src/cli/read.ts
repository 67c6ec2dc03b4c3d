import { statSync } from 'node:fs';
import { parseCommandLine, numberOption, choiceOption, UsageError, type FlowRecord } from '@spanmap/shared';
import { DEFAULT_FLOW_OPTIONS, type FlowCounters, type FlowTableOptions } from '../flowtable/flow-table.js';
import type { ReplayStats } from '../capture/replay.js';
import { readFiles, workersFor } from '../capture/read-files.js';
import type { NameCounters } from '../names/types.js';
import { DEFAULT_DEDUP_WINDOW, defaultWorkers } from '../config.js';
import { LineWriter } from '../output/line-writer.js';
import { formatTable } from '../output/table.js';
import { Progress } from '../output/progress.js';
import { publishOptions } from '../publish/options.js';

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
  --dedup-window MS      drop copies of an IP packet seen again within MS milliseconds (mirror
                         ports deliver them twice); 0 keeps every copy (default ${DEFAULT_DEDUP_WINDOW})
  --names on|off         passive naming: learn host names from DNS, DHCP, NetBIOS, mDNS and TLS
                         (counted in --stats; published with --publish) (default on)
  --workers N            threads (default: the cores, at most 8; one per 64 MiB of input at
                         most); 2: decoding and the flow table on one each, the output that of
                         one thread; 3 or more: each counts its share of flows by address pair
  --stats                print counters (packets, duplicates, decode errors by reason, flows by end
                         reason) to stderr
  -h, --help             show this help

publishing to a console instead of printing:
  --publish URL          mqtt://HOST:PORT (or mqtts://) of the console's broker
  --probe-id ID          this probe's id (letters, digits, . _ -)
  --data DIR             the probe's store (default $XDG_STATE_HOME/spanmap/probe-ID); records wait
                         here until the console acknowledges them, across restarts
  --username U           broker user (default: the probe id when a password is given)
  --password P           broker password (or SPANMAP_MQTT_PASSWORD)
  --ca FILE              with mqtts://: the CA (PEM) that signed the broker's certificate
  --cert FILE --key FILE with mqtts://: this probe's client certificate and key (PEM)
  --interval S           summary interval in seconds (default 10)
  --ack-timeout S        publish a batch again when the console has not acknowledged it
                         after S seconds (default 30, doubling per attempt)
  --batch-entries N      summary entries per batch at most (default 2000)
  --inflight N           batches published and not yet acknowledged, at most (default 32)
  Exits 0 only once the console has acknowledged every batch; retries while the broker or the
  console is away (Ctrl-C stops waiting; run again with the same --data to resume).

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
  'dedup-window': { type: 'string' },
  names: { type: 'string' },
} as const;

/** --dedup-window MS (0 keeps every copy). */
export function dedupWindowFrom(values: { 'dedup-window'?: string }): number {
  return numberOption(values['dedup-window'], '--dedup-window', DEFAULT_DEDUP_WINDOW, { min: 0, max: 1000 });
}

export async function readMain(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandLine(argv, {
    ...flowCliOptions,
    format: { type: 'string' },
    stats: { type: 'boolean' },
    workers: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
    publish: { type: 'string' },
    'probe-id': { type: 'string' },
    data: { type: 'string' },
    username: { type: 'string' },
    password: { type: 'string' },
    interval: { type: 'string' },
    'ack-timeout': { type: 'string' },
    'batch-entries': { type: 'string' },
    inflight: { type: 'string' },
    ca: { type: 'string' },
    cert: { type: 'string' },
    key: { type: 'string' },
  });
  if (values.help) {
    process.stdout.write(READ_USAGE + '\n');
    return 0;
  }
  if (positionals.length === 0) throw new UsageError('probe read: no capture file given');
  const format = choiceOption(values.format, '--format', ['jsonl', 'table'] as const, 'jsonl');
  const decap = choiceOption(values.decap, '--decap', ['inner', 'outer'] as const, 'inner');
  const flowOpts = flowOptionsFrom(values);
  const dedupWindowMs = dedupWindowFrom(values);
  const names = choiceOption(values.names, '--names', ['on', 'off'] as const, 'on') === 'on';
  const asked = numberOption(values.workers, '--workers', defaultWorkers(), { min: 1, max: 64, integer: true });
  if (values.publish !== undefined) {
    if (!values['probe-id']) throw new UsageError('--publish needs --probe-id ID');
    const session = publishOptions({ flags: { ...values, publish: values.publish, 'probe-id': values['probe-id'] }, env: process.env });
    const { fileUpload } = await import('../publish/oneshot.js');
    const job = fileUpload({
      files: positionals,
      decapInner: decap === 'inner',
      dedupWindowMs,
      names,
      flows: flowOpts,
      session,
      stats: values.stats === true,
      statsSummary,
    });
    const onSignal = () => {
      process.stderr.write(`\nspanmap: interrupted; what was not acknowledged stays in ${job.dataDir} and is sent on the next run with the same --data\n`);
      void job.interrupt().finally(() => process.exit(130));
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    return job.run();
  }
  for (const o of ['probe-id', 'data', 'username', 'password', 'interval', 'ack-timeout', 'batch-entries', 'inflight', 'ca', 'cert', 'key'] as const) {
    if (values[o] !== undefined) throw new UsageError(`--${o} only makes sense with --publish`);
  }

  const out = new LineWriter();
  const collected: FlowRecord[] = [];
  const progress = new Progress('reading');
  const r = await readFiles(
    {
      files: positionals,
      decapInner: decap === 'inner',
      dedupWindowMs,
      flow: flowOpts,
      workers: workersFor(asked, inputBytes(positionals)),
      names,
      onProgress: (d, t) => progress.update(d, t),
    },
    format === 'jsonl' ? { onBytes: (b) => out.write(b) } : { onRecord: (x) => void collected.push(x) },
  );
  progress.done();
  if (format === 'table') out.line(formatTable(collected).trimEnd());
  await out.end();
  for (const e of r.stats.errors) process.stderr.write(`spanmap: ${e.message}\n`);
  if (values.stats) process.stderr.write(JSON.stringify(statsSummary(r.stats, r)) + '\n');
  return r.stats.errors.length > 0 ? 1 : 0;
}

/** Total size of the files that exist (missing ones are reported by the reader). */
function inputBytes(files: string[]): number {
  let n = 0;
  for (const f of files) {
    try {
      n += statSync(f).size;
    } catch {
      // reported when read
    }
  }
  return n;
}

/** What --stats prints about the flow table (one table, or the sum over worker threads). */
export interface TableSummary {
  counters: FlowCounters;
  storageBytes: number;
  workers?: number;
  names?: NameCounters | null;
}

export function statsSummary(stats: ReplayStats, table: TableSummary) {
  const c = table.counters;
  return {
    files: stats.files,
    frames: stats.frames,
    packets: c.packets,
    bytes: c.bytes,
    duplicates: stats.duplicates,
    decodeErrors: Object.fromEntries(Object.entries(stats.decodeErrors).filter(([k, v]) => k !== 'ok' && v > 0)),
    fragments: { matched: stats.fragmentsMatched, orphaned: stats.fragmentsOrphaned, absorbed: stats.fragmentsAbsorbed },
    caplenOverLen: stats.caplenOverLen,
    flowsCreated: c.flowsCreated,
    flowsEmitted: c.flowsEmitted,
    maxActiveFlows: c.maxActive,
    table: { storageBytes: table.storageBytes },
    ...(table.workers !== undefined ? { workers: table.workers } : {}),
    ...(table.names ? { names: { learned: sumValues(table.names.names), parsed: table.names.parsed, errors: sumValues(table.names.errors) } } : {}),
    fileErrors: stats.errors.length,
  };
}

function sumValues(o: Record<string, number>): number {
  return Object.values(o).reduce((a, b) => a + b, 0);
}
