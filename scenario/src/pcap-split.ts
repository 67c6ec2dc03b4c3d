import { readFileSync } from 'node:fs';
import { PcapWriter } from './pcap-writer.js';

/**
 * Splits a capture written by this package (classic pcap, microsecond timestamps) at a time:
 * packets before `atMs` go to `before`, the rest to `after` — a week of history replayed first,
 * then the week a policy monitors. Returns the packets written to each.
 */
export function splitCapture(input: string, atMs: number, before: string, after: string): { before: number; after: number } {
  const buf = readFileSync(input);
  if (buf.length < 24 || buf.readUInt32LE(0) !== 0xa1b2c3d4) throw new Error(`${input}: not a little-endian microsecond pcap`);
  const a = new PcapWriter(before);
  const b = new PcapWriter(after);
  const n = { before: 0, after: 0 };
  try {
    for (let p = 24; p + 16 <= buf.length;) {
      const tsUs = buf.readUInt32LE(p) * 1e6 + buf.readUInt32LE(p + 4);
      const len = buf.readUInt32LE(p + 8);
      const frame = buf.subarray(p + 16, p + 16 + len);
      p += 16 + len;
      if (tsUs < atMs * 1000) {
        a.write(tsUs, frame);
        n.before++;
      } else {
        b.write(tsUs, frame);
        n.after++;
      }
    }
  } finally {
    a.close();
    b.close();
  }
  return n;
}
