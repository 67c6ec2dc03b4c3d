import { parentPort, workerData } from 'node:worker_threads';
import type { FlowRecord } from '@spanmap/shared';
import { FlowTable, type FlowTableOptions, type FlowCounters } from '../flowtable/flow-table.js';
import { JsonLines } from '../flowtable/json-lines.js';
import { PacketBatch } from '../flowtable/packet-batch.js';
import { BatchRing } from './batch-ring.js';

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

export type TableWorkerMessage =
  | { type: 'chunk'; bytes: Uint8Array }
  | { type: 'records'; records: FlowRecord[] }
  | { type: 'done'; result: TableWorkerResult }
  | { type: 'failed'; message: string };

const port = parentPort!;
const data = workerData as TableWorkerData;
const ring = new BatchRing(data.sab);
ring.started();
try {
  let pending: FlowRecord[] = [];
  const lines = data.output === 'jsonl' ? new JsonLines((c) => void port.postMessage({ type: 'chunk', bytes: c.slice() })) : null;
  const table = new FlowTable(
    data.flow,
    lines ??
      ((r) => {
        pending.push(r);
        if (pending.length >= 1024) {
          port.postMessage({ type: 'records', records: pending });
          pending = [];
        }
      }),
  );
  const batch = new PacketBatch();
  const every = data.expireEveryMs;
  for (;;) {
    const t = ring.take(batch);
    if (batch.length > 0) table.addBatch(batch, every);
    if (t.tick === t.tick) table.tick(t.tick, every);
    if (t.end) break;
  }
  table.flush('eof');
  lines?.flush();
  if (pending.length > 0) port.postMessage({ type: 'records', records: pending });
  port.postMessage({ type: 'done', result: { table: table.counters, storageBytes: table.storageBytes } } satisfies TableWorkerMessage);
} catch (e) {
  ring.fail();
  port.postMessage({ type: 'failed', message: e instanceof Error ? (e.stack ?? e.message) : String(e) } satisfies TableWorkerMessage);
}
