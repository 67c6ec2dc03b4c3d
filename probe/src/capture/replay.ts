import { CaptureFileReader, CaptureFileError } from './file-reader.js';
import { decodeFrame, PacketInfo, DECODE_REASONS, type DecodeReason } from '../decode/index.js';
import { FragmentTracker } from '../decode/fragments.js';
import type { FlowTable } from '../flowtable/flow-table.js';

export interface ReplayOptions {
  /** Key tunnelled traffic on the innermost IP header (default) or the outermost. */
  decapInner: boolean;
  /** Called between steps with bytes read so far and the total, for progress display. */
  onProgress?: (done: number, total: number) => void;
  /** Lets the caller yield to the event loop between steps (e.g. to publish); sync when absent. */
  yieldEvery?: () => Promise<void>;
}

export interface ReplayStats {
  files: number;
  frames: number;
  decodeErrors: Record<DecodeReason, number>;
  fragmentsMatched: number;
  fragmentsOrphaned: number;
  /** Later fragments of tunnel packets whose inner packet was already counted. */
  fragmentsAbsorbed: number;
  caplenOverLen: number;
  /** One entry per file that could not be read to its end. */
  errors: CaptureFileError[];
}

/** Expiry runs whenever the packet clock has advanced this far since the last run. */
const EXPIRE_EVERY_MS = 1000;

/**
 * Reads capture files in order into one flow table, with packet timestamps as the clock.
 * A corrupt or truncated file stops that file only: its error is collected, flows read up to
 * that point stay, and the next file is read. The caller flushes the table at the end.
 */
export async function replayFiles(paths: readonly string[], table: FlowTable, opts: ReplayOptions): Promise<ReplayStats> {
  const stats: ReplayStats = {
    files: 0,
    frames: 0,
    decodeErrors: Object.fromEntries(DECODE_REASONS.map((r) => [r, 0])) as Record<DecodeReason, number>,
    fragmentsMatched: 0,
    fragmentsOrphaned: 0,
    fragmentsAbsorbed: 0,
    caplenOverLen: 0,
    errors: [],
  };
  const p = new PacketInfo();
  const frags = new FragmentTracker();
  const errors = new Uint32Array(DECODE_REASONS.length);
  const inner = opts.decapInner;
  let nextExpire = -Infinity;
  const totalBytes = paths.length;
  let ifaceBase = 0;

  let clock: Float64Array<ArrayBufferLike> = new Float64Array(1);
  const onPacket = (data: Uint8Array, off: number, caplen: number, _wirelen: number, linktype: number, ifIndex: number) => {
    const r = decodeFrame(data, off, caplen, linktype, p, inner);
    if (r !== 0) {
      errors[r]!++;
      return;
    }
    const ts = clock[0]!;
    p.ts = ts;
    if ((p.frag !== 0 || p.outerFragKey !== '') && !frags.resolve(p, data, ts)) return;
    table.add(p, ifaceBase + ifIndex);
    if (ts >= nextExpire) {
      table.expire(ts);
      frags.expire(ts);
      nextExpire = ts + EXPIRE_EVERY_MS;
    }
  };

  for (const [i, path] of paths.entries()) {
    let reader: CaptureFileReader;
    try {
      reader = new CaptureFileReader(path);
    } catch (e) {
      if (e instanceof CaptureFileError) {
        stats.errors.push(e);
        continue;
      }
      throw e;
    }
    stats.files++;
    clock = reader.clock;
    try {
      for (;;) {
        const more = reader.step(onPacket, 32768);
        opts.onProgress?.(i + reader.offset / Math.max(1, reader.size), totalBytes);
        if (!more) break;
        if (opts.yieldEvery) await opts.yieldEvery();
      }
    } catch (e) {
      reader.close();
      if (e instanceof CaptureFileError) stats.errors.push(e);
      else throw e;
    }
    stats.caplenOverLen += reader.caplenOverLen;
    ifaceBase += reader.interfaces.length;
  }
  stats.frames = table.counters.packets + errors.reduce((a, b) => a + b, 0);
  DECODE_REASONS.forEach((r, i) => (stats.decodeErrors[r] = errors[i]!));
  stats.fragmentsMatched = frags.matched;
  stats.fragmentsOrphaned = frags.orphans;
  stats.fragmentsAbsorbed = frags.absorbed;
  return stats;
}
