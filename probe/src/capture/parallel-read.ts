import { Worker } from 'node:worker_threads';
import type { EndReason } from '@spanmap/shared';
import { DECODE_REASONS, type DecodeReason } from '../decode/index.js';
import type { FlowCounters, FlowTableOptions } from '../flowtable/flow-table.js';
import { CaptureFileError } from './types.js';
import type { ReplayStats } from './replay.js';
import { deliver, type ReadOutput } from './worker-output.js';
import type { ReadWorkerData, ReadWorkerMessage, WorkerResult } from './read-worker.js';
import type { NameCounters } from '../names/types.js';

export interface ParallelReadOptions {
  workers: number;
  decapInner: boolean;
  dedupWindowMs: number;
  /** Each worker's table holds maxFlows / workers flows, so memory stays bounded by maxFlows. */
  flow: FlowTableOptions;
  /** Passive naming on (each worker observes its share; names are counted). */
  names?: boolean;
}

export interface ParallelReadResult {
  stats: ReplayStats;
  /** Sums over the workers (maxActive: the sum of each worker's maximum, an upper bound). */
  counters: FlowCounters;
  storageBytes: number;
  names: NameCounters | null;
}

/**
 * `probe read` on three or more cores (two: pipelined-read.ts): `workers` threads each replay every file and count the packets
 * whose address pair hashes to them (partition.ts), so each flow, with both directions, all its
 * fragments and every copy of its packets, is one worker's, and every worker's clock sees all
 * packet times (timeouts expire as they would in one table). Output: JSON lines in chunks to
 * `onChunk`, or records to `onRecord`, in the order they arrive from the workers.
 */
export async function readInWorkers(files: readonly string[], opts: ParallelReadOptions, out: ReadOutput): Promise<ParallelReadResult> {
  const count = opts.workers;
  const flow: FlowTableOptions = { ...opts.flow, maxFlows: Math.max(1, Math.ceil(opts.flow.maxFlows / count)) };
  const results = await Promise.all(
    Array.from({ length: count }, (_, index) => {
      const data: ReadWorkerData = {
        files: [...files],
        index,
        count,
        decapInner: opts.decapInner,
        dedupWindowMs: opts.dedupWindowMs,
        flow,
        output: 'onChunk' in out ? 'jsonl' : 'records',
        names: opts.names ?? false,
      };
      return new Promise<WorkerResult>((resolve, reject) => {
        const w = new Worker(workerScript(), { workerData: data });
        let result: WorkerResult | null = null;
        w.on('message', (m: ReadWorkerMessage) => {
          if (m.type === 'done') result = m.result;
          else deliver(m, out);
        });
        w.on('error', reject);
        w.on('exit', (code) => (result ? resolve(result) : reject(new Error(`read worker ${index} exited (${code}) without a result`))));
      });
    }),
  );
  return merge(results);
}

/** The worker's script: beside this module once built; tests run this module from its TypeScript source, the worker from the build. */
function workerScript(): URL {
  const here = new URL(import.meta.url);
  return here.pathname.endsWith('.ts') ? new URL('../../dist/capture/read-worker.js', here) : new URL('./read-worker.js', here);
}

/** Every worker reads every frame: per-frame counts are worker 0's; per-packet counts (its share) are summed. */
function merge(results: WorkerResult[]): ParallelReadResult {
  const first = results[0]!;
  const sum = (f: (r: WorkerResult) => number) => results.reduce((a, r) => a + f(r), 0);
  const emitted = Object.fromEntries(Object.keys(first.table.flowsEmitted).map((k) => [k, sum((r) => r.table.flowsEmitted[k as EndReason])])) as Record<
    EndReason,
    number
  >;
  return {
    stats: {
      files: first.files,
      frames: first.frames,
      decodeErrors: Object.fromEntries(DECODE_REASONS.map((k) => [k, first.decodeErrors[k] ?? 0])) as Record<DecodeReason, number>,
      duplicates: sum((r) => r.duplicates),
      fragmentsMatched: sum((r) => r.fragments[0]),
      fragmentsOrphaned: sum((r) => r.fragments[1]),
      fragmentsAbsorbed: sum((r) => r.fragments[2]),
      caplenOverLen: first.caplenOverLen,
      errors: first.errors.map((e) => new CaptureFileError(e.file, e.offset, e.problem)),
    },
    counters: {
      packets: sum((r) => r.table.packets),
      bytes: sum((r) => r.table.bytes),
      flowsCreated: sum((r) => r.table.flowsCreated),
      flowsEmitted: emitted,
      maxActive: sum((r) => r.table.maxActive),
    },
    storageBytes: sum((r) => r.storageBytes),
    names: first.names ? sumNames(results.map((r) => r.names!)) : null,
  };
}

function sumNames(all: NameCounters[]): NameCounters {
  const add = (k: keyof NameCounters) => {
    const o: Record<string, number> = {};
    for (const c of all) for (const [n, v] of Object.entries(c[k])) o[n] = (o[n] ?? 0) + v;
    return o;
  };
  return { parsed: add('parsed'), names: add('names'), errors: add('errors') };
}
