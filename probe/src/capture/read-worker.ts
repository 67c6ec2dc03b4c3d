import { parentPort, workerData } from 'node:worker_threads';
import type { FlowRecord } from '@spanmap/shared';
import { FlowTable, type FlowTableOptions, type FlowCounters } from '../flowtable/flow-table.js';
import { JsonLines } from '../flowtable/json-lines.js';
import { replayFiles } from './replay.js';
import { nameObserver } from './read-files.js';
import type { NameCounters } from '../names/types.js';

// One worker thread of a parallel `probe read` (parallel-read.ts): replays every file, counting
// only its share of the packets, and posts its output to the main thread: JSON lines in chunks,
// or records in batches, then its counters.

export interface ReadWorkerData {
  files: string[];
  index: number;
  count: number;
  decapInner: boolean;
  dedupWindowMs: number;
  flow: FlowTableOptions;
  output: 'jsonl' | 'records';
  /** Passive naming on (names are counted). */
  names: boolean;
}

export type ReadWorkerMessage = { type: 'chunk'; bytes: Uint8Array } | { type: 'records'; records: FlowRecord[] } | { type: 'done'; result: WorkerResult };

export interface WorkerResult {
  files: number;
  frames: number;
  decodeErrors: Record<string, number>;
  duplicates: number;
  fragments: [number, number, number];
  caplenOverLen: number;
  errors: Array<{ file: string; offset: number | null; problem: string }>;
  table: FlowCounters;
  storageBytes: number;
  names: NameCounters | null;
}

const port = parentPort!;
const data = workerData as ReadWorkerData;
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
const names = data.names ? await nameObserver() : null;
const stats = await replayFiles(data.files, table, {
  decapInner: data.decapInner,
  dedupWindowMs: data.dedupWindowMs,
  names,
  partition: { index: data.index, count: data.count },
});
table.flush('eof');
lines?.flush();
if (pending.length > 0) port.postMessage({ type: 'records', records: pending });
const result: WorkerResult = {
  files: stats.files,
  frames: stats.frames,
  decodeErrors: stats.decodeErrors,
  duplicates: stats.duplicates,
  fragments: [stats.fragmentsMatched, stats.fragmentsOrphaned, stats.fragmentsAbsorbed],
  caplenOverLen: stats.caplenOverLen,
  errors: stats.errors.map((e) => ({ file: e.file, offset: e.offset, problem: e.problem })),
  table: table.counters,
  storageBytes: table.storageBytes,
  names: names?.counters ?? null,
};
port.postMessage({ type: 'done', result } satisfies ReadWorkerMessage);
