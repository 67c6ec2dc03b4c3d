import { CaptureFileReader, CaptureFileError } from './file-reader.js';
import { DECODE_REASONS, type DecodeReason } from '../decode/index.js';
import { PacketPath, DEFAULT_DEDUP_WINDOW_MS, type BatchSink } from './packet-path.js';
import type { NameObserver } from '../names/types.js';

export interface ReplayOptions {
  /** Key tunnelled traffic on the innermost IP header (default) or the outermost. */
  decapInner: boolean;
  /** Drop copies of a packet seen again within this many ms (default 2; 0 keeps every copy). */
  dedupWindowMs?: number;
  /** Passive naming (default: off). */
  names?: NameObserver | null;
  /** Count only this worker's share of the packets (see partition.ts). */
  partition?: { index: number; count: number };
  /** Called between steps with bytes read so far and the total, for progress display. */
  onProgress?: (done: number, total: number) => void;
  /** Lets the caller yield to the event loop between steps (e.g. to publish); sync when absent. */
  yieldEvery?: () => Promise<void>;
}

export interface ReplayStats {
  files: number;
  frames: number;
  decodeErrors: Record<DecodeReason, number>;
  /** Packets dropped as copies of a packet seen within the dedup window. */
  duplicates: number;
  fragmentsMatched: number;
  fragmentsOrphaned: number;
  /** Later fragments of tunnel packets whose inner packet was already counted. */
  fragmentsAbsorbed: number;
  caplenOverLen: number;
  /** One entry per file that could not be read to its end. */
  errors: CaptureFileError[];
}

/** Expiry runs whenever the packet clock has advanced this far since the last run. */
export const EXPIRE_EVERY_MS = 1000;

/**
 * Reads capture files in order into one flow table (or a ring to one: BatchSink), with packet timestamps as the clock.
 * A corrupt or truncated file stops that file only: its error is collected, flows read up to
 * that point stay, and the next file is read. The caller flushes the table at the end.
 */
export async function replayFiles(paths: readonly string[], table: BatchSink, opts: ReplayOptions): Promise<ReplayStats> {
  const path = new PacketPath(table, {
    decapInner: opts.decapInner,
    dedupWindowMs: opts.dedupWindowMs ?? DEFAULT_DEDUP_WINDOW_MS,
    names: opts.names ?? null,
    expireEveryMs: EXPIRE_EVERY_MS,
    ...(opts.partition ? { partition: opts.partition } : {}),
  });
  const errors: CaptureFileError[] = [];
  let files = 0;
  let frames = 0;
  let caplenOverLen = 0;
  let ifaceBase = 0;
  let clock: Float64Array = new Float64Array(1);
  const onPacket = (data: Uint8Array, off: number, caplen: number, _wirelen: number, linktype: number, ifIndex: number) => {
    frames++;
    path.frame(data, off, caplen, linktype, ifaceBase + ifIndex, clock[0]!);
  };

  for (const [i, file] of paths.entries()) {
    let reader: CaptureFileReader;
    try {
      reader = new CaptureFileReader(file);
    } catch (e) {
      if (e instanceof CaptureFileError) {
        errors.push(e);
        continue;
      }
      throw e;
    }
    files++;
    clock = reader.clock;
    try {
      for (;;) {
        const more = reader.step(onPacket, 32768);
        path.flush();
        opts.onProgress?.(i + reader.offset / Math.max(1, reader.size), paths.length);
        if (!more) break;
        if (opts.yieldEvery) await opts.yieldEvery();
      }
    } catch (e) {
      reader.close();
      path.flush();
      if (e instanceof CaptureFileError) errors.push(e);
      else throw e;
    }
    caplenOverLen += reader.caplenOverLen;
    ifaceBase += reader.interfaces.length;
  }
  const c = path.counters;
  return {
    files,
    frames,
    decodeErrors: Object.fromEntries(DECODE_REASONS.map((r) => [r, c.decodeErrors[r] ?? 0])) as Record<DecodeReason, number>,
    duplicates: c.duplicates,
    fragmentsMatched: c.fragments.matched,
    fragmentsOrphaned: c.fragments.orphaned,
    fragmentsAbsorbed: c.fragments.absorbed,
    caplenOverLen,
    errors,
  };
}
