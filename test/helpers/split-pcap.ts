import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';

/**
 * Splits a classic little-endian microsecond Ethernet pcap (what the scenario writes) into `n`
 * captures by address pair, as n probes would see a site whose hosts sit behind different mirror
 * ports: every conversation goes to exactly one output, whole, so the ground truth is unchanged.
 * Frames that are not IP go to the first output. Returns the frame count of each output.
 */
export function splitPcapByHosts(input: string, outputs: string[]): number[] {
  const buf = readFileSync(input);
  if (buf.readUInt32LE(0) !== 0xa1b2c3d4 || buf.readUInt32LE(20) !== 1) throw new Error(`${input}: not a little-endian microsecond Ethernet pcap`);
  const fds = outputs.map((o) => openSync(o, 'w'));
  const counts = outputs.map(() => 0);
  const pending: Buffer[][] = outputs.map(() => []);
  const pendingBytes = outputs.map(() => 0);
  const flush = (i: number) => {
    writeSync(fds[i]!, Buffer.concat(pending[i]!));
    pending[i] = [];
    pendingBytes[i] = 0;
  };
  try {
    for (let i = 0; i < outputs.length; i++) writeSync(fds[i]!, buf.subarray(0, 24));
    for (let p = 24; p + 16 <= buf.length;) {
      const len = buf.readUInt32LE(p + 8);
      const rec = buf.subarray(p, p + 16 + len);
      const frame = rec.subarray(16);
      p += 16 + len;
      let off = 12;
      let type = frame.readUInt16BE(off);
      while (type === 0x8100 || type === 0x88a8) type = frame.readUInt16BE((off += 4));
      const ip = off + 2;
      let a: Buffer | null = null;
      let b: Buffer | null = null;
      if (type === 0x0800 && frame.length >= ip + 20) [a, b] = [frame.subarray(ip + 12, ip + 16), frame.subarray(ip + 16, ip + 20)];
      else if (type === 0x86dd && frame.length >= ip + 40) [a, b] = [frame.subarray(ip + 8, ip + 24), frame.subarray(ip + 24, ip + 40)];
      let out = 0;
      if (a && b) {
        const [lo, hi] = Buffer.compare(a, b) <= 0 ? [a, b] : [b, a];
        let h = 0x811c9dc5;
        for (const x of [lo, hi]) for (const byte of x) h = Math.imul(h ^ byte, 0x01000193);
        out = (h >>> 0) % outputs.length;
      }
      pending[out]!.push(rec);
      pendingBytes[out]! += rec.length;
      counts[out]!++;
      if (pendingBytes[out]! > 1 << 22) flush(out);
    }
    for (let i = 0; i < outputs.length; i++) flush(i);
  } finally {
    for (const fd of fds) closeSync(fd);
  }
  return counts;
}
