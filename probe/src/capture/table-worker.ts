import { parentPort, workerData } from 'node:worker_threads';
import { FlowTable, type FlowTableOptions, type FlowCounters } from '../flowtable/flow-table.js';
import { PacketBatch } from '../flowtable/packet-batch.js';
import { BatchRing } from './batch-ring.js';
import { postingSink, type OutputMessage } from './worker-output.js';

// The flow-table thread of a pipelined `probe read` (pipelined-read.ts): takes keyed packet
// batches and ticks from the ring, in the order the decoding thread produced them, and posts its
// output to the main thread: JSON lines in chunks, or records in batches, then its counters.

export interface TableWorkerData {
  sab: SharedArrayBuffer;
  flow: FlowTableOptions;
  output: 'jsonl' | 'records';
  /** Expiry runs whenever packet time advanced this far (as replay.ts runs it). */
  expireEveryMs: number;
}

export interface TableWorkerResult {
  table: FlowCounters;
  storageBytes: number;
}

export type TableWorkerMessage = OutputMessage | { type: 'done'; result: TableWorkerResult } | { type: 'failed'; message: string };

const port = parentPort!;
const data = workerData as TableWorkerData;
const ring = new BatchRing(data.sab);
ring.started();
try {
  const output = postingSink(port, data.output);
  const table = new FlowTable(data.flow, output.sink);
  const batch = new PacketBatch();
  const every = data.expireEveryMs;
  for (;;) {
    const t = ring.take(batch);
    if (batch.length > 0) table.addBatch(batch, every);
    if (t.tick === t.tick) table.tick(t.tick, every);
    if (t.end) break;
  }
  table.flush('eof');
  output.flush();
  port.postMessage({ type: 'done', result: { table: table.counters, storageBytes: table.storageBytes } } satisfies TableWorkerMessage);
} catch (e) {
  ring.fail();
  port.postMessage({ type: 'failed', message: e instanceof Error ? (e.stack ?? e.message) : String(e) } satisfies TableWorkerMessage);
}
