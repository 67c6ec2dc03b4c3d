import { describe, it, expect } from 'vitest';
import { createSocket } from 'node:dgram';
import { isIP } from 'node:net';
import { pcapsIn } from './helpers/paths.js';
import { readExportCapture } from '@spanmap/probe/netflow/export-capture';
import { createFlowExportListener } from '@spanmap/probe/netflow/listener';
import { REJECT_REASONS } from '@spanmap/probe/netflow/types';
import { END_REASONS, INITIATOR_HOWS, type FlowRecord } from '@spanmap/shared';
import { Rng } from '@spanmap/scenario';

/*
 * Fuzzing the whole receive path: random datagrams and mutated real ones (bit flips, truncation,
 * corrupted length and count fields, splices) go into the listener the way the socket hands them
 * over (`handleDatagram`), and a share through a real UDP socket. Nothing may throw, every
 * datagram must be accounted for (decoded as some version, or rejected with a reason), the
 * decoders' own guard must leave node-netflowv9 nothing to throw on, and every record that
 * comes out must be a well-formed FlowRecord.
 */

/** The scenario generator's seeded PRNG (mulberry32), with the two shorthands the mutations use; a failure can be replayed. */
function rng(seed: number) {
  const g = new Rng(seed);
  return { next: () => g.next(), int: (n: number) => Math.floor(g.next() * n), pick: <T>(xs: readonly T[]) => g.pick(xs) };
}

const SEEDS: Buffer[] = pcapsIn('netflow').flatMap((f) => readExportCapture(f).map((d) => d.payload));

/** Offsets of set / FlowSet headers in a v9 or IPFIX message (as far as they can be followed). */
function setHeaders(b: Buffer): number[] {
  const v = b.length >= 2 ? b.readUInt16BE(0) : 0;
  let o = v === 9 ? 20 : v === 10 ? 16 : -1;
  const out: number[] = [];
  while (o >= 0 && o + 4 <= b.length) {
    out.push(o);
    const len = b.readUInt16BE(o + 2);
    if (len < 4) break;
    o += len;
  }
  return out;
}

type R = ReturnType<typeof rng>;
const LENGTHS = (len: number) => [0, 1, 2, 3, 4, 5, 6, 7, 8, len - 1, len + 1, len + 4, 0x7fff, 0xfffe, 0xffff];

function mutate(r: R, seed: Buffer): Buffer {
  const b = Buffer.from(seed);
  switch (r.int(7)) {
    case 0: {
      // bit flips
      for (let i = r.int(16) + 1; i > 0 && b.length > 0; i--) b[r.int(b.length)]! ^= 1 << r.int(8);
      return b;
    }
    case 1:
      return b.subarray(0, r.int(b.length + 1));
    case 2: {
      // a set length, or a template's field count / field length, set to a boundary value
      const heads = setHeaders(b);
      if (heads.length === 0) return b;
      const h = r.pick(heads);
      const at = r.next() < 0.5 ? h + 2 : Math.min(b.length - 2, h + 4 + 2 * r.int(8));
      if (at + 2 <= b.length && at >= 0) b.writeUInt16BE(r.pick(LENGTHS(b.readUInt16BE(at))) & 0xffff, at);
      return b;
    }
    case 3: {
      // header length / count field
      if (b.length >= 4) b.writeUInt16BE(r.pick(LENGTHS(b.length)) & 0xffff, 2);
      return b;
    }
    case 4: {
      // splice two real datagrams
      const other = r.pick(SEEDS);
      return Buffer.concat([b.subarray(0, r.int(b.length + 1)), other.subarray(r.int(other.length + 1))]);
    }
    case 5: {
      // the version of another protocol on this body
      if (b.length >= 2) b.writeUInt16BE(r.pick([5, 9, 10, 0x0900, 0x0a00, 7, 1]), 0);
      return b;
    }
    default: {
      // random bytes after a plausible header
      const body = Buffer.alloc(r.int(1500));
      for (let i = 0; i < body.length; i++) body[i] = r.int(256);
      const v = r.pick([5, 9, 10, r.int(65536)]);
      if (body.length >= 2) body.writeUInt16BE(v, 0);
      if (v === 10 && body.length >= 4) body.writeUInt16BE(body.length, 2);
      return body;
    }
  }
}

function wellFormed(rec: FlowRecord): string | null {
  const okPort = (p: number) => Number.isInteger(p) && p >= 0 && p <= 65535;
  const okCount = (n: number) => Number.isFinite(n) && n >= 0;
  if (!isIP(rec.src) || !isIP(rec.dst)) return 'address';
  if (!Number.isInteger(rec.proto) || rec.proto < 0 || rec.proto > 255) return 'proto';
  if (!okPort(rec.sport) || !okPort(rec.dport)) return 'port';
  if (![rec.packets, rec.bytes, rec.rpackets, rec.rbytes].every(okCount)) return 'counts';
  if (!Number.isFinite(rec.first) || !Number.isFinite(rec.last) || rec.first > rec.last) return 'times';
  if (!END_REASONS.includes(rec.end) || !INITIATOR_HOWS.includes(rec.initiator)) return 'end/initiator';
  if (rec.vlan !== null && !(Number.isInteger(rec.vlan) && rec.vlan >= 0 && rec.vlan < 4096)) return 'vlan';
  if (rec.sampling !== undefined && !(rec.sampling > 1)) return 'sampling';
  return null;
}

describe('fuzzing the NetFlow/IPFIX receive path', () => {
  it('random and mutated datagrams: no exception, every datagram accounted for, only well-formed records', async () => {
    const records: FlowRecord[] = [];
    const l = createFlowExportListener({ netflow: ['127.0.0.1:0'], pairWindowMs: 1000, maxScopes: 64 }, { send: (x) => records.push(x) });
    await l.start();
    const r = rng(20240611);
    const exporters = ['192.0.2.1', '192.0.2.2', '2001:db8::1', '::ffff:198.51.100.7'];
    const N = 25_000;
    const sizes: number[] = [];
    for (let i = 0; i < N; i++) {
      // Alternate clean seeds (they build template state the mutations then run into) and mutations.
      const msg = r.next() < 0.2 ? r.pick(SEEDS) : mutate(r, r.pick(SEEDS));
      sizes.push(msg.length);
      expect(() => l.handleDatagram(msg, r.pick(exporters), r.int(65536))).not.toThrow();
    }
    // and some through the socket
    const port = l.bound[0]!.port;
    const s = createSocket('udp4');
    const M = 2000;
    for (let i = 0; i < M; i++) {
      const msg = mutate(r, r.pick(SEEDS));
      await new Promise<void>((res) => s.send(msg.length ? msg : Buffer.from([0]), port, '127.0.0.1', () => res()));
    }
    s.close();
    for (let i = 0; i < 200 && l.counters().sockets[0]!.datagrams < M; i++) await new Promise((res) => setTimeout(res, 10));
    await l.stop();

    const c = l.counters();
    const d = c.datagrams;
    expect(c.sockets[0]!.datagrams + (c.sockets[0]!.kernelDrops ?? 0)).toBe(M);
    expect(d.v5 + d.v9 + d.ipfix + d.rejected).toBe(N + c.sockets[0]!.datagrams);
    expect(c.rejected.internalError).toBe(0);
    expect(c.rejected.decoderException).toBe(0);
    // the mutations reach every kind of rejection the decoders know about
    const seen = REJECT_REASONS.filter((k) => c.rejected[k] > 0);
    expect(seen).toEqual(
      expect.arrayContaining([
        'tooShort',
        'unknownVersion',
        'byteSwapped',
        'badLength',
        'badSetLength',
        'malformedTemplate',
        'noTemplate',
        'badRecord',
        'tooManyScopes',
      ]),
    );
    expect(records.length).toBeGreaterThan(1000);
    const bad = records.map((x) => [wellFormed(x), x] as const).filter(([why]) => why !== null);
    expect(bad.slice(0, 3)).toEqual([]);
  }, 120_000);
});
