import type { FlowRecord } from '@spanmap/shared';
import { FlowTable, type FlowCounters, type FlowTableOptions } from '../flowtable/flow-table.js';
import { JsonLines } from '../flowtable/json-lines.js';
import type { NameCounters, NameObserver } from '../names/types.js';
import { replayFiles, type ReplayStats } from './replay.js';

// `probe read` without publishing: capture files through the packet path into JSON lines or
// records, on one thread or several (parallel-read.ts). The CLI owns flags and output; this owns
// the choice of threads and what is counted.

export interface ReadFilesOptions {
  files: string[];
  decapInner: boolean;
  dedupWindowMs: number;
  flow: FlowTableOptions;
  /** Worker threads asked for; fewer are used for small inputs (see workersFor). */
  workers: number;
  /** Passive naming on: names are decoded and counted (where they go is the caller's sink). */
  names: boolean;
  onProgress?: (done: number, total: number) => void;
}

export interface ReadFilesResult {
  stats: ReplayStats;
  counters: FlowCounters;
  storageBytes: number;
  /** Threads that counted flows. */
  workers: number;
  names: NameCounters | null;
}

/** Bytes of capture each worker thread beyond the first must have to be worth its start-up. */
export const BYTES_PER_WORKER = 64 << 20;

/** Threads to use: as asked, but one per BYTES_PER_WORKER of input at most (and at least one). */
export function workersFor(asked: number, inputBytes: number): number {
  return Math.max(1, Math.min(asked, Math.floor(inputBytes / BYTES_PER_WORKER)));
}

/**
 * Reads the files; JSON lines go to `onBytes` (whole lines, possibly several, reusable buffer), or
 * records to `onRecord`. `workers` must already be decided (workersFor).
 */
export async function readFiles(
  o: ReadFilesOptions,
  out: { onBytes: (b: Uint8Array) => void } | { onRecord: (r: FlowRecord) => void },
): Promise<ReadFilesResult> {
  if (o.workers === 2) {
    // two threads: decoding on this one, the flow table on the other
    const { readPipelined } = await import('./pipelined-read.js');
    const names = async () => (o.names ? nameObserver() : null);
    const r = await readPipelined(
      o.files,
      { decapInner: o.decapInner, dedupWindowMs: o.dedupWindowMs, flow: o.flow, names, ...(o.onProgress ? { onProgress: o.onProgress } : {}) },
      'onBytes' in out ? { onChunk: out.onBytes } : out,
    );
    return { stats: r.stats, counters: r.counters, storageBytes: r.storageBytes, workers: 2, names: r.names?.counters ?? null };
  }
  if (o.workers > 2) {
    // more: each thread decodes every packet and counts its share of the flows
    const { readInWorkers } = await import('./parallel-read.js');
    const r = await readInWorkers(
      o.files,
      { workers: o.workers, decapInner: o.decapInner, dedupWindowMs: o.dedupWindowMs, flow: o.flow, names: o.names },
      'onBytes' in out ? { onChunk: out.onBytes } : out,
    );
    return { ...r, workers: o.workers };
  }
  const names = o.names ? await nameObserver() : null;
  const lines = 'onBytes' in out ? new JsonLines(out.onBytes) : null;
  const table = new FlowTable(o.flow, lines ?? (out as { onRecord: (r: FlowRecord) => void }).onRecord);
  const stats = await replayFiles(o.files, table, {
    decapInner: o.decapInner,
    dedupWindowMs: o.dedupWindowMs,
    names,
    ...(o.onProgress ? { onProgress: o.onProgress } : {}),
  });
  table.flush('eof');
  lines?.flush();
  return { stats, counters: table.counters, storageBytes: table.storageBytes, workers: 1, names: names?.counters ?? null };
}

/** A name observer whose names are only counted (plain `probe read` prints flow records only). */
export async function nameObserver(): Promise<NameObserver> {
  const { createNameObserver } = await import('../names/observer.js');
  return createNameObserver(() => {});
}
