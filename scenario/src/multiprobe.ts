import { readFileSync } from 'node:fs';
import { cidrContains, parseCidr, parseIP } from '@spanmap/shared';
import { PcapWriter } from './pcap-writer.js';
import { Rng } from './prng.js';
import type { SegmentDef } from './topology.js';

/**
 * Two probes' captures of one site, for checking that a conversation seen by several probes is
 * counted once (issue 14). From a scenario capture written with `vlans: true`:
 *
 * - the core probe sees every frame as written (tagged with the client's VLAN);
 * - the data-centre probe sees the frames of conversations with a data-centre server, as routed
 *   traffic mirrored on the server side: VLAN rewritten (VLAN + `vlanOffset`), IP TTL / hop limit one
 *   lower (IPv4 header checksum recomputed), a fixed clock skew later (default 0.3 ms), and a share of
 *   its frames arrives twice (an exact duplicate right after, as a SPAN session mirroring both
 *   directions of a port does).
 *
 * The ground truth is the scenario's own: every conversation once, its packets once.
 */
export interface MultiProbeOptions {
  /** The scenario capture (classic pcap, Ethernet, 802.1Q-tagged). */
  input: string;
  core: string;
  dc: string;
  /** Segments whose servers sit behind the data-centre probe. */
  dcSegments: SegmentDef[];
  skewUs?: number;
  vlanOffset?: number;
  /** Share of the data-centre probe's frames delivered twice. */
  doubled?: number;
  seed?: number;
}

export interface MultiProbeStats {
  frames: number;
  core: number;
  dc: number;
  doubled: number;
}

const ETH = 14;

export function writeMultiProbeCaptures(o: MultiProbeOptions): MultiProbeStats {
  const buf = readFileSync(o.input);
  if (buf.readUInt32LE(0) !== 0xa1b2c3d4 || buf.readUInt32LE(20) !== 1) throw new Error(`${o.input}: not a little-endian microsecond Ethernet pcap`);
  const skew = o.skewUs ?? 300;
  const offset = o.vlanOffset ?? 1000;
  const share = o.doubled ?? 0.1;
  const rng = new Rng(o.seed ?? 1);
  const inDc = segmentMatcher(o.dcSegments);
  const core = new PcapWriter(o.core);
  const dc = new PcapWriter(o.dc);
  const stats: MultiProbeStats = { frames: 0, core: 0, dc: 0, doubled: 0 };
  try {
    for (let p = 24; p + 16 <= buf.length;) {
      const tsUs = buf.readUInt32LE(p) * 1e6 + buf.readUInt32LE(p + 4);
      const len = buf.readUInt32LE(p + 8);
      const frame = buf.subarray(p + 16, p + 16 + len);
      p += 16 + len;
      stats.frames++;
      core.write(tsUs, frame);
      stats.core++;
      const copy = Buffer.from(frame);
      if (!routedCopy(copy, offset, inDc)) continue;
      dc.write(tsUs + skew, copy);
      stats.dc++;
      if (rng.next() < share) {
        dc.write(tsUs + skew, copy);
        stats.doubled++;
      }
    }
  } finally {
    core.close();
    dc.close();
  }
  return stats;
}

/** Rewrites a tagged frame as the server side's mirror sees it; false when neither end is in the data centre. */
function routedCopy(f: Buffer, vlanOffset: number, inDc: (ip: string) => boolean): boolean {
  if (f.length < ETH + 4 || f.readUInt16BE(12) !== 0x8100) return false;
  const tci = f.readUInt16BE(14);
  const type = f.readUInt16BE(16);
  const ip = ETH + 4;
  let src: string, dst: string;
  if (type === 0x0800) {
    src = `${f[ip + 12]}.${f[ip + 13]}.${f[ip + 14]}.${f[ip + 15]}`;
    dst = `${f[ip + 16]}.${f[ip + 17]}.${f[ip + 18]}.${f[ip + 19]}`;
  } else if (type === 0x86dd) {
    src = ipv6(f, ip + 8);
    dst = ipv6(f, ip + 24);
  } else return false;
  if (!inDc(src) && !inDc(dst)) return false;
  f.writeUInt16BE((tci & 0xf000) | (((tci & 0x0fff) + vlanOffset) & 0x0fff), 14);
  if (type === 0x0800) {
    f[ip + 8] = f[ip + 8]! - 1;
    f.writeUInt16BE(0, ip + 10);
    const ihl = (f[ip]! & 15) * 4;
    let sum = 0;
    for (let i = 0; i < ihl; i += 2) sum += f.readUInt16BE(ip + i);
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
    f.writeUInt16BE(~sum & 0xffff, ip + 10);
  } else f[ip + 7] = f[ip + 7]! - 1;
  return true;
}

function ipv6(f: Buffer, o: number): string {
  const w: string[] = [];
  for (let i = 0; i < 16; i += 2) w.push(f.readUInt16BE(o + i).toString(16));
  return w.join(':');
}

function segmentMatcher(segs: SegmentDef[]): (ip: string) => boolean {
  const nets = segs.flatMap((s) => s.cidrs.map((c) => parseCidr(c, s.name)));
  return (ip) => {
    const p = parseIP(ip);
    return !!p && nets.some((n) => cidrContains(n, p));
  };
}
