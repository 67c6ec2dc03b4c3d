import { describe, it, expect } from 'vitest';
import { buildFrame, frameLength, newPacketSpec, TCP_ACK, TCP_PSH, type PacketSpec } from '@spanmap/scenario';
import { decodeFrame, PacketInfo, LINKTYPE } from '../decode/index.js';
import { DuplicateFilter } from './duplicates.js';

/** A TCP data segment from 10.0.1.5:40000 to 10.0.2.9:443, untagged, TTL 64. */
function spec(over: Partial<PacketSpec> = {}): PacketSpec {
  return Object.assign(newPacketSpec(), {
    family: 4,
    srcMac: 0x0a0b0c0d,
    dstMac: 0x01020304,
    vlan: -1,
    src4: 0x0a000105,
    dst4: 0x0a000209,
    proto: 6,
    ttl: 64,
    ipId: 4711,
    sport: 40000,
    dport: 443,
    seq: 1000,
    ack: 2000,
    flags: TCP_ACK | TCP_PSH,
    window: 512,
    payload: 100,
    ...over,
  });
}

function v6(over: Partial<PacketSpec> = {}): PacketSpec {
  const s = spec({ family: 6, ...over });
  s.src6 = Uint8Array.from([0x20, 0x01, 0x0d, 0xb8, ...new Array(11).fill(0), 5]);
  s.dst6 = Uint8Array.from([0x20, 0x01, 0x0d, 0xb8, ...new Array(11).fill(0), 9]);
  return s;
}

/** Feeds frames (spec, time ms) through a filter; returns which were taken for duplicates. */
function run(frames: Array<[PacketSpec, number]>, windowMs = 2, entries?: number): { dup: boolean[]; filter: DuplicateFilter } {
  const filter = new DuplicateFilter(windowMs, entries);
  const p = new PacketInfo();
  const dup = frames.map(([s, ts]) => {
    const b = new Uint8Array(frameLength(s));
    buildFrame(b, 0, s);
    expect(decodeFrame(b, 0, b.length, LINKTYPE.ETHERNET, p, true)).toBe(0);
    return filter.seen(b, p, ts);
  });
  return { dup, filter };
}

describe('DuplicateFilter', () => {
  it('drops an exact copy within the window and counts it (a SPAN session mirroring both directions)', () => {
    const { dup, filter } = run([
      [spec(), 1000],
      [spec(), 1000.01],
    ]);
    expect(dup).toEqual([false, true]);
    expect(filter.duplicates).toBe(1);
  });

  it('drops a routed copy: another VLAN, other MAC addresses, TTL one lower (so another IP checksum), half a millisecond later', () => {
    const { dup } = run([
      [spec(), 1000],
      [spec({ vlan: 20, srcMac: 0x99, dstMac: 0x98, ttl: 63 }), 1000.5],
      [spec({ vlan: 30, ttl: 62 }), 1001.9],
    ]);
    expect(dup).toEqual([false, true, true]);
  });

  it('drops a copy processed before the original (captures on two interfaces are read in batches)', () => {
    expect(
      run([
        [spec({ vlan: 20, ttl: 63 }), 1000.4],
        [spec(), 1000],
      ]).dup,
    ).toEqual([false, true]);
  });

  it('keeps a retransmission: the same bytes later than the window, or a new IP identification', () => {
    expect(
      run([
        [spec(), 1000],
        [spec(), 1002.01],
      ]).dup,
    ).toEqual([false, false]);
    expect(
      run([
        [spec(), 1000],
        [spec({ ipId: 4712 }), 1000.1],
      ]).dup,
    ).toEqual([false, false]);
  });

  it('tells packets apart by the transport header and payload length', () => {
    const { dup } = run([
      [spec(), 1000],
      [spec({ seq: 1100 }), 1000.1],
      [spec({ flags: TCP_ACK }), 1000.1],
      [spec({ payload: 101 }), 1000.1],
      [spec({ sport: 40001 }), 1000.1],
      [spec({ dst4: 0x0a00020a }), 1000.1],
    ]);
    expect(dup).toEqual([false, false, false, false, false, false]);
  });

  it('handles IPv6: a copy with a lower hop limit is dropped, another payload length is not', () => {
    const { dup } = run([
      [v6(), 1000],
      [v6({ ttl: 63, vlan: 7 }), 1000.3],
      [v6({ payload: 99 }), 1000.3],
    ]);
    expect(dup).toEqual([false, true, false]);
  });

  it('window 0 never drops anything but an exact copy at the same instant', () => {
    expect(
      run(
        [
          [spec(), 1000],
          [spec(), 1000.001],
        ],
        0,
      ).dup,
    ).toEqual([false, false]);
  });

  it('holds bounded memory: a copy arriving after more other packets than the table holds is kept', () => {
    const frames: Array<[PacketSpec, number]> = [[spec(), 1000]];
    for (let i = 0; i < 64; i++) frames.push([spec({ sport: 1000 + i }), 1000.001]);
    frames.push([spec(), 1000.002]);
    const small = run(frames, 2, 16);
    expect(small.filter.bytes).toBe(16 * 16);
    expect(small.dup.at(-1)).toBe(false);
    expect(run(frames, 2, 1024).dup.at(-1)).toBe(true);
  });
});
