import { Worker } from 'node:worker_threads';
import type { FlowCounters, FlowTableOptions } from '../flowtable/flow-table.js';
import { PacketBatch } from '../flowtable/packet-batch.js';
import type { NameObserver } from '../names/types.js';
import { BatchRing, RingConsumerFailed } from './batch-ring.js';
import type { BatchSink } from './packet-path.js';
import { replayFiles, EXPIRE_EVERY_MS, type ReplayStats } from './replay.js';
import { deliver, type ReadOutput } from './worker-output.js';
import type { TableWorkerData, TableWorkerMessage, TableWorkerResult } from './table-worker.js';

// `probe read` on two cores as a pipeline: this thread reads, decodes, drops duplicates, follows
// fragments, names and keys the packets (the packet path); a worker thread holds the one flow
// table and writes the output. Every packet and every tick reaches that table in the order of
// the input, so its records are those of a single-threaded read, byte for byte and in order.
// (Partitioning the table instead, parallel-read.ts, makes every thread decode every packet:
// on two cores that gained nothing.)

export interface PipelinedReadOptions {
  decapInner: boolean;
  dedupWindowMs: number;
  flow: FlowTableOptions;
  /** Passive naming: the observer, made once the table's thread is on its way (null: off). */
  names: () => Promise<NameObserver | null>;
  onProgress?: (done: number, total: number) => void;
}

export interface PipelinedReadResult {
  stats: ReplayStats;
  names: NameObserver | null;
  counters: FlowCounters;
  storageBytes: number;
}

/** The producer's end of the ring, standing in for the flow table (its expiry clock mirrored). */
export class RingSink implements BatchSink {
  private nextExpire = -Infinity;
  private readonly empty = new PacketBatch();

  constructor(private readonly ring: BatchRing) {}

  addBatch(batch: PacketBatch, expireEveryMs: number): void {
    if (expireEveryMs > 0) {
      // FlowTable.addBatch's schedule, so expiryDue() answers as the table would
      const ts = batch.ts;
      for (let i = 0, n = batch.length; i < n; i++) if (ts[i]! >= this.nextExpire) this.nextExpire = ts[i]! + expireEveryMs;
    }
    this.ring.put(batch, NaN, false);
  }

  expiryDue(ts: number): boolean {
    return ts >= this.nextExpire;
  }

  tick(ts: number, expireEveryMs: number): void {
    if (ts < this.nextExpire) return;
    this.nextExpire = ts + expireEveryMs;
    this.ring.put(this.empty, ts, false);
  }

  end(): void {
    this.ring.put(this.empty, NaN, true);
  }
}

/** The worker's script: beside this module once built; tests run this module from its TypeScript source, the worker from the build. */
function workerScript(): URL {
  const here = new URL(import.meta.url);
  return here.pathname.endsWith('.ts') ? new URL('../../dist/capture/table-worker.js', here) : new URL('./table-worker.js', here);
}

/** Reads the files through the packet path here and one flow table on a worker thread. */
export async function readPipelined(files: readonly string[], opts: PipelinedReadOptions, out: ReadOutput): Promise<PipelinedReadResult> {
  const ring = new BatchRing();
  const data: TableWorkerData = { sab: ring.sab, flow: opts.flow, output: 'onChunk' in out ? 'jsonl' : 'records', expireEveryMs: EXPIRE_EVERY_MS };
  const w = new Worker(workerScript(), { workerData: data });
  let result: TableWorkerResult | null = null;
  let failure: Error | null = null;
  const finished = new Promise<TableWorkerResult>((resolve, reject) => {
    w.on('message', (m: TableWorkerMessage) => {
      if (m.type === 'chunk' || m.type === 'records') deliver(m, out);
      else if (m.type === 'done') result = m.result;
      else failure = new Error(`probe read: the flow table thread failed: ${m.message}`);
    });
    w.on('error', (e) => (failure ??= e));
    w.on('exit', (code) => {
      if (result) resolve(result);
      else reject(failure ?? new Error(`probe read: the flow table thread exited (${code}) without a result`));
    });
  });
  finished.catch(() => {}); // observed below; never an unhandled rejection meanwhile
  /** The thread failed: its own error (finished rejects with it). */
  const threadError = async (): Promise<never> => {
    await finished;
    throw new Error('probe read: the flow table thread stopped reading');
  };

  // The observer loads while the thread starts, and reading starts before it is ready: the ring
  // holds what is decoded meanwhile.
  const sink = new RingSink(ring);
  let names: NameObserver | null;
  let stats: ReplayStats;
  try {
    names = await opts.names();
    stats = await replayFiles(files, sink, {
      decapInner: opts.decapInner,
      dedupWindowMs: opts.dedupWindowMs,
      names,
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
      // between steps: the table thread's output is written as it comes, not held until the end
      yieldEvery: () => new Promise((r) => setImmediate(r)),
    });
    sink.end();
  } catch (e) {
    if (e instanceof RingConsumerFailed) return threadError();
    await w.terminate();
    throw e;
  }
  const r = await finished;
  return { stats, names, counters: r.table, storageBytes: r.storageBytes };
}
