import type { NfDecoder, NfRecord } from './nflib.js';
import type { RejectReason } from './types.js';

export const V5_HEADER = 24;
const V5_RECORD = 48;

export interface V5Header {
  count: number;
  uptimeMs: number;
  /** Export time, ms since the epoch (seconds + nanoseconds). */
  exportMs: number;
  /** Flows exported before this packet (v5 counts flows, not packets). */
  sequence: number;
  engineType: number;
  engineId: number;
  /** 1 in N packets, 1 when unsampled (low 14 bits of the sampling field; the top 2 are the mode). */
  sampling: number;
}

export function readV5Header(b: Uint8Array): V5Header | RejectReason {
  if (b.length < V5_HEADER) return 'tooShort';
  const count = u16(b, 2);
  // node-netflowv9 reads 48-byte records until the buffer ends and throws on a partial one; we
  // hand it exactly `count` records and refuse a packet shorter than its count says.
  if (count === 0 || V5_HEADER + count * V5_RECORD > b.length) return 'badLength';
  const interval = u16(b, 22) & 0x3fff;
  return {
    count,
    uptimeMs: u32(b, 4),
    exportMs: u32(b, 8) * 1000 + Math.floor(u32(b, 12) / 1e6),
    sequence: u32(b, 16),
    engineType: b[20]!,
    engineId: b[21]!,
    sampling: interval > 1 ? interval : 1,
  };
}

/** Decodes the header's `count` records with node-netflowv9; null when it threw. */
export function decodeV5(msg: Buffer, h: V5Header, lib: NfDecoder): NfRecord[] | null {
  try {
    return lib.v5(msg.subarray(0, V5_HEADER + h.count * V5_RECORD)).flows;
  } catch {
    return null;
  }
}

function u16(b: Uint8Array, o: number): number {
  return (b[o]! << 8) | b[o + 1]!;
}

function u32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}
