import { describe, it, expect } from 'vitest';
import { isIP } from 'node:net';
import { pcap } from './helpers/paths.js';
import { CaptureFileReader } from '@spanmap/probe/capture/file-reader';
import { DECODE_OK, PacketInfo, decodeFrame } from '@spanmap/probe/decode/index';
import { createNameObserver, NAME_ERROR_REASONS } from '@spanmap/probe/names/observer';
import { LEARNED_SOURCES, nameProblem, normalizeName, type NameObservation } from '@spanmap/shared';
import { Rng } from '@spanmap/scenario';

/*
 * Seeded fuzz of passive naming: real name-carrying frames (DNS, mDNS, LLMNR, NetBIOS, DHCP,
 * TLS ClientHellos) from ../shared/pcaps, mutated in their transport header and payload (bit
 * flips, cuts, boundary values in length and count fields, compression pointers and label lengths
 * written anywhere, splices, random bytes), decoded again as the probe does and handed to one
 * observer. Nothing may throw, every packet handed over is counted once (by protocol and
 * outcome, or as passed), and every name that comes out is valid. SPANMAP_FUZZ_SEED replays a run.
 */

const SOURCES = [
  pcap('mixed', 'malcolm__DNS.pcap'),
  pcap('mixed', 'pcapplusplus__example.pcap'),
  pcap('mixed', 'try-zeek__sumstat.pcap'),
  pcap('mixed', 'elcabezzonn__macgyver.pcap'),
  pcap('mixed', 'elcabezzonn__aug19.pcap'),
  pcap('mixed', 'malcolm__DHCP.pcap'),
  pcap('mixed', 'ndpi__1kxun.pcap'),
  pcap('mixed', 'malcolm__SSL.pcap'),
  pcap('edge', 'ndpi__sites.pcapng'),
  pcap('edge', 'ndpi__vxlan.pcap'),
];
const SEED = Number(process.env.SPANMAP_FUZZ_SEED ?? 20261204);
const N = 40_000;

interface Seed {
  frame: Buffer;
  linktype: number;
  /** Where the transport header starts in `frame`. */
  l4: number;
}

/** Every frame of the sources that the observer wants, copied out with its link type. */
function seeds(): Seed[] {
  const out: Seed[] = [];
  const p = new PacketInfo();
  const probe = createNameObserver(() => {});
  for (const path of SOURCES) {
    const reader = new CaptureFileReader(path);
    while (
      reader.step((data, off, caplen, _w, linktype) => {
        if (decodeFrame(data, off, caplen, linktype, p, true) !== DECODE_OK || !probe.wants(p, data)) return;
        out.push({ frame: Buffer.from(data.subarray(off, off + caplen)), linktype, l4: p.l4Off - off });
      })
    );
  }
  return out;
}

const LENGTHS = [0, 1, 2, 3, 8, 11, 12, 63, 64, 0xc0, 0xff, 0x7fff, 0xc00c, 0xfffe, 0xffff];

function mutate(g: Rng, s: Seed, all: Seed[]): Buffer {
  const b = Buffer.from(s.frame);
  const at = () => s.l4 + g.int(0, Math.max(0, b.length - s.l4 - 1)); // transport header and payload only
  switch (g.int(0, 7)) {
    case 0:
      for (let i = g.int(1, 8); i > 0; i--) b[at()]! ^= 1 << g.int(0, 7);
      return b;
    case 1:
      return b.subarray(0, g.int(s.l4, b.length));
    case 2: {
      const o = at();
      if (o + 2 <= b.length) b.writeUInt16BE(g.pick(LENGTHS), o);
      return b;
    }
    case 3: {
      // a compression pointer anywhere: to itself, forwards, into the header, or far away
      const o = at();
      const target = g.pick([o - s.l4 - 8, o - s.l4, 0, 4, 12, g.int(0, 0x3fff)]) & 0x3fff;
      if (o + 2 <= b.length) b.writeUInt16BE(0xc000 | target, o);
      return b;
    }
    case 4:
      b[at()] = g.pick([63, 64, 127, 128, 191, 255, 0]);
      return b;
    case 5: {
      const other = g.pick(all);
      return Buffer.concat([b.subarray(0, g.int(s.l4, b.length)), other.frame.subarray(g.int(other.l4, other.frame.length))]);
    }
    case 6: {
      // a region repeated (records counted twice, names looping through copies)
      const from = at();
      const len = g.int(1, 64);
      return Buffer.concat([b.subarray(0, from + len), b.subarray(from, from + len), b.subarray(from + len)]);
    }
    default: {
      const n = g.int(0, 600);
      const junk = Buffer.alloc(n);
      for (let i = 0; i < n; i++) junk[i] = g.int(0, 255);
      // keep the transport header (ports) so the junk reaches a decoder
      return Buffer.concat([b.subarray(0, Math.min(b.length, s.l4 + (g.chance(0.5) ? 8 : 20))), junk]);
    }
  }
}

function invalid(o: NameObservation): string | null {
  if (!isIP(o.ip)) return `address ${o.ip}`;
  if (nameProblem(o.name) !== null || normalizeName(o.name) !== o.name) return `name ${JSON.stringify(o.name)}`;
  if (!LEARNED_SOURCES.includes(o.source)) return `source ${o.source}`;
  if (!Number.isInteger(o.time)) return `time ${o.time}`;
  return null;
}

describe('fuzzing passive naming', () => {
  it(`mutated real name-carrying frames and random payloads (seed ${SEED}): no exception, every packet counted, only valid names`, () => {
    const all = seeds();
    expect(all.length).toBeGreaterThan(2000);
    const emitted: NameObservation[] = [];
    const obs = createNameObserver((o) => emitted.push(o), { repeatMs: 0 });
    const g = new Rng(SEED);
    const p = new PacketInfo();
    let handed = 0;
    let t = 1_717_400_000_000;
    for (let i = 0; i < N; i++) {
      const s = g.pick(all);
      const frame = g.chance(0.15) ? s.frame : mutate(g, s, all);
      if (decodeFrame(frame, 0, frame.length, s.linktype, p, true) !== DECODE_OK) continue;
      p.ts = t += g.int(0, 5000);
      if (!(g.chance(0.5) ? obs.wants(p, frame) : obs.wants(p))) continue;
      handed++;
      expect(() => obs.observe(frame, p), `packet ${i} (seed ${SEED})`).not.toThrow();
    }
    const c = obs.counters;
    const parsed = Object.values(c.parsed).reduce((a, b) => a + b, 0);
    expect(parsed + c.passed).toBe(handed);
    expect(c.outcomes.named + c.outcomes.nameless + c.outcomes.malformed).toBe(parsed);
    const malformed = Object.entries(c.errors)
      .filter(([k]) => k !== 'bad-name')
      .reduce((a, [, n]) => a + n, 0);
    expect(malformed).toBe(c.outcomes.malformed);
    expect(Object.values(c.names).reduce((a, b) => a + b, 0)).toBe(emitted.length);
    expect(emitted.map((o) => [invalid(o), o] as const).filter(([why]) => why !== null)).toEqual([]);
    // the mutations reach every kind of rejection the decoders know about
    expect(NAME_ERROR_REASONS.filter((k) => c.errors[k] === 0)).toEqual([]);
    expect(Object.entries(c.parsed).filter(([, n]) => n < 100)).toEqual([]);
    expect(emitted.length).toBeGreaterThan(5000);
    console.log(
      `names fuzz (seed ${SEED}): ${all.length} seed frames, ${N} packets, ${handed} observed: ${JSON.stringify(c.outcomes)}, passed ${c.passed}, ` +
        `${emitted.length} names; errors ${JSON.stringify(c.errors)}`,
    );
  }, 120_000);
});
