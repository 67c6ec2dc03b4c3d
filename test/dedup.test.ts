import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, basename } from 'node:path';
import { PcapWriter } from '@spanmap/scenario';
import { CaptureFileReader } from '@spanmap/probe/capture/file-reader';
import { pcap } from './helpers/paths.js';
import { readFlows } from './helpers/flows.js';
import { spanmap } from './helpers/cli.js';

/*
 * Duplicate frames (issue 14): real captures written again with every frame doubled, the way
 * mirror ports deliver them, must give the same flow records as the clean capture, with every
 * copy counted as a duplicate.
 */

// Ethernet captures of ../shared/pcaps/mixed without duplicate frames of their own.
const CLEAN = ['malcolm__KRB5.pcap', 'zeek__ctu-sme-11-win7ad-1-ldap-tcp-50041.pcap', 'arkime__wireshark-smb-on-windows10.pcap', 'zeek__snmpwalk-short.pcap'];

type Copy = (frame: Uint8Array) => Uint8Array;

/** The frame as a SPAN session mirroring both directions delivers it a second time: unchanged. */
const exact: Copy = (f) => f;

/**
 * The frame as a second mirror port sees it after a router: other MAC addresses, VLAN 77 (tag
 * added or rewritten), TTL or hop limit one lower and, for IPv4, the header checksum recomputed.
 */
const routed: Copy = (f) => {
  let type = (f[12]! << 8) | f[13]!;
  let out: Uint8Array;
  let ip: number;
  if (type === 0x8100) {
    out = Uint8Array.from(f);
    out[14] = (out[14]! & 0xf0) | 0;
    out[15] = 77;
    type = (f[16]! << 8) | f[17]!;
    ip = 18;
  } else {
    out = new Uint8Array(f.length + 4);
    out.set(f.subarray(0, 12));
    out.set([0x81, 0x00, 0x00, 77], 12);
    out.set(f.subarray(12), 16);
    ip = 18;
  }
  for (let i = 0; i < 12; i++) out[i] = out[i]! ^ 0x5a;
  if (type === 0x0800 && out.length >= ip + 20) {
    out[ip + 8] = (out[ip + 8]! - 1) & 255;
    const ihl = (out[ip]! & 15) * 4;
    out[ip + 10] = 0;
    out[ip + 11] = 0;
    let sum = 0;
    for (let i = 0; i < ihl; i += 2) sum += (out[ip + i]! << 8) | out[ip + i + 1]!;
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
    out[ip + 10] = (~sum >>> 8) & 255;
    out[ip + 11] = ~sum & 255;
  } else if (type === 0x86dd && out.length >= ip + 40) out[ip + 7] = (out[ip + 7]! - 1) & 255;
  return out;
};

/** Writes `file` again with each frame followed by its copy `delayUs` later (both streams merged in time order). */
function doubled(file: string, out: string, copy: Copy, delayUs: number): number {
  const frames: Array<{ ts: number; bytes: Uint8Array }> = [];
  const reader = new CaptureFileReader(file);
  while (reader.step((d, o, c) => void frames.push({ ts: Math.round(reader.clock[0]! * 1000), bytes: Uint8Array.from(d.subarray(o, o + c)) }), 65536));
  const all = frames.flatMap((f, i) => [
    { ts: f.ts, order: 2 * i, bytes: f.bytes },
    { ts: f.ts + delayUs, order: 2 * i + 1, bytes: copy(f.bytes) },
  ]);
  all.sort((a, b) => a.ts - b.ts || a.order - b.order);
  const w = new PcapWriter(out);
  for (const f of all) w.write(f.ts, f.bytes);
  w.close();
  return frames.length;
}

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'spanmap-dedup-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('duplicate frames', () => {
  for (const name of CLEAN) {
    it(`${name} with every frame doubled gives the clean capture's records, copies counted`, async () => {
      const clean = await readFlows(pcap('mixed', name));
      expect(clean.stats.duplicates).toBe(0);
      const ipPackets = clean.records.reduce((a, r) => a + r.packets + r.rpackets, 0);
      for (const [kind, copy, delayUs] of [
        ['exact', exact, 10],
        ['routed', routed, 400],
      ] as const) {
        const file = join(tmp, `${kind}-${basename(name)}`);
        const frames = doubled(pcap('mixed', name), file, copy, delayUs);
        const got = await readFlows(file);
        expect(got.records, kind).toEqual(clean.records);
        expect(got.stats.duplicates, kind).toBe(ipPackets);
        expect(got.stats.frames, kind).toBe(2 * frames);
        // Without deduplication every copy counts (and routed copies are flows of their own VLAN).
        const all = await readFlows(file, { dedupWindowMs: 0 });
        expect(
          all.records.reduce((a, r) => a + r.packets + r.rpackets, 0),
          kind,
        ).toBe(2 * ipPackets);
      }
    });
  }

  it('keeps copies that come later than the window (a retransmission), and honours a wider window', async () => {
    const name = CLEAN[0]!;
    const file = join(tmp, `late-${name}`);
    doubled(pcap('mixed', name), file, exact, 2500);
    const clean = await readFlows(pcap('mixed', name));
    const ipPackets = clean.records.reduce((a, r) => a + r.packets + r.rpackets, 0);
    const late = await readFlows(file);
    expect(late.stats.duplicates).toBe(0);
    expect(late.records.reduce((a, r) => a + r.packets + r.rpackets, 0)).toBe(2 * ipPackets);
    const wide = await readFlows(file, { dedupWindowMs: 3 });
    expect(wide.records).toEqual(clean.records);
  });

  it('spanmap probe read: the doubled capture prints the lines of the clean one, --stats counts the copies, --dedup-window 0 keeps them', async () => {
    const name = CLEAN[1]!;
    const file = join(tmp, `cli-${name}`);
    const frames = doubled(pcap('mixed', name), file, routed, 300);
    const clean = await spanmap(['probe', 'read', pcap('mixed', name)]);
    const got = await spanmap(['probe', 'read', '--stats', file]);
    expect(got.code).toBe(0);
    expect(got.stdout).toBe(clean.stdout);
    const stats = JSON.parse(got.stderr.trim().split('\n').at(-1)!);
    expect(stats.frames).toBe(2 * frames);
    expect(stats.duplicates).toBe(stats.packets);
    const kept = await spanmap(['probe', 'read', '--stats', '--dedup-window', '0', file]);
    const all = JSON.parse(kept.stderr.trim().split('\n').at(-1)!);
    expect(all.duplicates).toBe(0);
    expect(all.packets).toBe(2 * stats.packets);
    expect((await spanmap(['probe', 'read', '--dedup-window', 'soon', file])).stderr).toMatch(/^spanmap: --dedup-window: expected a number/);
  });
});
