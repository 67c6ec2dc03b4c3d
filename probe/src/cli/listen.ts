import { parseCommandLine, numberOption, choiceOption, UsageError, flowRecordJson, type FlowRecord } from '@spanmap/shared';
import { createFlowExportListener, DEFAULT_RECV_BUFFER, type ListenerCounters } from '../netflow/listener.js';
import { DEFAULT_COLLECTOR } from '../netflow/collector.js';
import { LineWriter } from '../output/line-writer.js';
import { formatTable } from '../output/table.js';

export const LISTEN_USAGE = `usage: spanmap probe listen [--netflow HOST:PORT] [--ipfix HOST:PORT] [options]

Receives NetFlow v5, v9 and IPFIX over UDP and prints one JSON flow record per line, as
"spanmap probe read" does, until SIGTERM or SIGINT; then prints the records still waiting
for their reverse direction and exits 0. Every socket accepts all three versions.

options:
  --netflow HOST:PORT    receive here (repeatable); e.g. 0.0.0.0:2055, [::]:2055, :2055
  --ipfix HOST:PORT      receive here (repeatable); e.g. 0.0.0.0:4739
                         (neither given: 0.0.0.0:2055 and 0.0.0.0:4739)
  --format jsonl|table   output format (default jsonl; table prints at exit)
  --data DIR             keep NetFlow v9/IPFIX templates in LMDB under DIR/netflow-templates,
                         so a restart decodes at once instead of waiting for the exporters
  --pair-window S        how long a one-direction record waits for its reverse direction to be
                         paired into one bidirectional record (default ${DEFAULT_COLLECTOR.windowMs / 1000}; 0: no pairing)
  --recv-buffer BYTES    kernel receive buffer per socket (default ${DEFAULT_RECV_BUFFER}; Linux caps it
                         at net.core.rmem_max, and the granted size is reported)
  --stats                print all counters as JSON to stderr at exit
  -h, --help             show this help

At exit (and on SIGUSR1) one summary line goes to stderr: datagrams, records, flows, what was
rejected (by reason), what exporters' sequence numbers say was lost, and kernel receive-buffer
drops.`;

export async function listenMain(argv: string[]): Promise<number> {
  const { values } = parseCommandLine(
    argv,
    {
      netflow: { type: 'string', multiple: true },
      ipfix: { type: 'string', multiple: true },
      format: { type: 'string' },
      data: { type: 'string' },
      'pair-window': { type: 'string' },
      'recv-buffer': { type: 'string' },
      stats: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    false,
  );
  if (values.help) {
    process.stdout.write(LISTEN_USAGE + '\n');
    return 0;
  }
  const format = choiceOption(values.format, '--format', ['jsonl', 'table'] as const, 'jsonl');
  const pairWindow = numberOption(values['pair-window'], '--pair-window', DEFAULT_COLLECTOR.windowMs / 1000, { min: 0, max: 3600 });
  const recvBuffer = numberOption(values['recv-buffer'], '--recv-buffer', DEFAULT_RECV_BUFFER, { min: 4096, max: 2 ** 31 - 1, integer: true });
  if (values.data === '') throw new UsageError('--data: expected a directory');
  let netflow = values.netflow ?? [];
  let ipfix = values.ipfix ?? [];
  if (netflow.length === 0 && ipfix.length === 0) {
    netflow = ['0.0.0.0:2055'];
    ipfix = ['0.0.0.0:4739'];
  }

  const out = new LineWriter();
  const collected: FlowRecord[] = [];
  let flushQueued = false;
  const send =
    format === 'jsonl'
      ? (r: FlowRecord) => {
          out.line(flowRecordJson(r));
          // Live output: records go out at the end of the event-loop turn, not when 64 KiB have gathered.
          if (!flushQueued) {
            flushQueued = true;
            setImmediate(() => {
              flushQueued = false;
              out.flush();
            });
          }
        }
      : (r: FlowRecord) => void collected.push(r);

  const listener = createFlowExportListener({ netflow, ipfix, dataDir: values.data, pairWindowMs: pairWindow * 1000, recvBufferBytes: recvBuffer }, { send });
  const stopped = new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  await listener.start();
  const initial = listener.counters();
  for (const s of initial.sockets) {
    const { requested, granted } = s.recvBuffer;
    // Linux reports twice the size asked for (it counts its bookkeeping): compare against that.
    const capped = granted < requested * 2 ? ` of ${requested} asked: capped by net.core.rmem_max, raise it to absorb bigger bursts` : '';
    process.stderr.write(
      `spanmap: listening for ${s.kind === 'ipfix' ? 'IPFIX' : 'NetFlow'} on ${s.address} (udp, receive buffer ${granted} bytes${capped})\n`,
    );
  }
  if (initial.templates.restored > 0) process.stderr.write(`spanmap: restored ${initial.templates.restored} templates from ${initial.templateStore?.path}\n`);

  // kill -USR1: the summary line now, without stopping (a long-running collector's health check).
  const onUsr1 = () => process.stderr.write(summaryLine(listener.counters()) + '\n');
  process.on('SIGUSR1', onUsr1);
  await stopped;
  process.off('SIGUSR1', onUsr1);
  const final = await stopAndCount(listener);
  if (format === 'table') out.line(formatTable(collected).trimEnd());
  await out.end();
  process.stderr.write(summaryLine(final) + '\n');
  if (values.stats) process.stderr.write(JSON.stringify(final) + '\n');
  return 0;
}

async function stopAndCount(listener: ReturnType<typeof createFlowExportListener>): Promise<ListenerCounters> {
  await listener.stop();
  return listener.counters();
}

/** One line a network engineer can read at a glance. */
export function summaryLine(c: ListenerCounters): string {
  const d = c.datagrams;
  const rejected = Object.entries(c.rejected)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k} ${n}`);
  const drops = c.sockets.map((s) => s.kernelDrops);
  const kernel = drops.some((x) => x === null) ? 'unknown' : String(drops.reduce((a, b) => a! + b!, 0));
  return [
    `spanmap: listen: ${d.v5 + d.v9 + d.ipfix + d.rejected} datagrams (v5 ${d.v5}, v9 ${d.v9}, ipfix ${d.ipfix})`,
    `${c.records.v5 + c.records.v9 + c.records.ipfix} records -> ${c.flows.emitted} flows (${c.flows.paired} paired, ${c.flows.alone} alone, ${c.flows.biflow} biflow)`,
    `rejected: ${rejected.length ? rejected.join(', ') : 'none'}`,
    `lost per exporter sequence: v5 flows ${c.lost.v5Flows}, v9 packets ${c.lost.v9Packets}, ipfix records ${c.lost.ipfixRecords}`,
    `kernel drops ${kernel}`,
  ].join('; ');
}
