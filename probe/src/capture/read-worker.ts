import { parentPort, workerData } from 'node:worker_threads';
import { FlowTable, type FlowTableOptions, type FlowCounters } from '../flowtable/flow-table.js';
import { postingSink, type OutputMessage } from './worker-output.js';
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

export type ReadWorkerMessage = OutputMessage | { type: 'done'; result: WorkerResult };

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
const output = postingSink(port, data.output);
const table = new FlowTable(data.flow, output.sink);
const names = data.names ? await nameObserver() : null;
const stats = await replayFiles(data.files, table, {
  decapInner: data.decapInner,
  dedupWindowMs: data.dedupWindowMs,
  names,
  partition: { index: data.index, count: data.count },
});
table.flush('eof');
output.flush();
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
