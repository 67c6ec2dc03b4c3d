/** Independent checks for tests: tshark, the shared flowtruth oracle, and a tiny pcap reader. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseIP } from '@spanmap/shared';
import type { TruthConversation } from '../truth.js';

export const FLOWTRUTH = '/work/shared/tools/flowtruth.py';

/** Application dissectors to switch off: payloads are zeros, and only L2-L4 matter here. */
const APP_PROTOCOLS = [
  'dns',
  'ntp',
  'snmp',
  'ldap',
  'kerberos',
  'tls',
  'http',
  'pgsql',
  'smb',
  'smb2',
  'nbss',
  'ftp',
  'ftp-data',
  'rsync',
  'syslog',
  'dhcp',
  'tds',
  'ssh',
  'cldap',
  'bootp',
];

export function tmpDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'spanmap-scenario-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** tshark -T fields output as rows of strings. */
export function tsharkFields(pcap: string, fields: string[], extra: string[] = []): string[][] {
  const args = [
    '-n',
    '-r',
    pcap,
    ...APP_PROTOCOLS.flatMap((p) => ['--disable-protocol', p]),
    ...extra,
    '-T',
    'fields',
    '-E',
    'separator=\t',
    '-E',
    'occurrence=a',
    '-E',
    'aggregator=;',
    ...fields.flatMap((f) => ['-e', f]),
  ];
  const out = execFileSync('tshark', args, { maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'ignore'] }).toString();
  return out
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => l.split('\t'));
}

export type ConvTotals = Record<string, [number, number]>;

/** Runs the shared tshark-based oracle. */
export function flowtruth(pcap: string): ConvTotals {
  return JSON.parse(execFileSync('python3', [FLOWTRUTH, pcap], { maxBuffer: 1 << 30 }).toString()) as ConvTotals;
}

/**
 * Truth conversations keyed the way flowtruth.py keys them: "lowIP|highIP|proto|lowPort|highPort",
 * ordered by (IP version, address, port), ports only for TCP/UDP, both directions summed.
 */
export function aggregateLikeFlowtruth(convs: TruthConversation[]): ConvTotals {
  const out: ConvTotals = {};
  for (const c of convs) {
    const a = parseIP(c.src)!,
      b = parseIP(c.dst)!;
    const ports = c.proto === 6 || c.proto === 17;
    const sp = ports ? c.sport : 0,
      dp = ports ? c.dport : 0;
    const cmp = a.family !== b.family ? a.family - b.family : a.value < b.value ? -1 : a.value > b.value ? 1 : sp - dp;
    const [lo, lp, hi, hp] = cmp <= 0 ? [c.src, sp, c.dst, dp] : [c.dst, dp, c.src, sp];
    const k = `${lo}|${hi}|${c.proto}|${lp}|${hp}`;
    const e = (out[k] ??= [0, 0]);
    e[0] += c.packets + c.rpackets;
    e[1] += c.bytes + c.rbytes;
  }
  return out;
}

export interface RawPacket {
  tsUs: number;
  vlan: number | null;
  family: 4 | 6 | 0;
  src: string;
  dst: string;
  proto: number;
  sport: number;
  dport: number;
  tcpFlags: number;
  ipBytes: number;
}

/** A deliberately simple pcap reader (classic LE µs pcap, Ethernet, optional 802.1Q). */
export function readPcap(path: string): { linktype: number; snaplen: number; packets: RawPacket[] } {
  const b = readFileSync(path);
  if (b.readUInt32LE(0) !== 0xa1b2c3d4) throw new Error('not a LE microsecond pcap');
  const snaplen = b.readUInt32LE(16);
  const linktype = b.readUInt32LE(20);
  const packets: RawPacket[] = [];
  let o = 24;
  while (o < b.length) {
    const tsUs = b.readUInt32LE(o) * 1e6 + b.readUInt32LE(o + 4);
    const incl = b.readUInt32LE(o + 8);
    const orig = b.readUInt32LE(o + 12);
    if (incl !== orig) throw new Error('truncated record');
    let p = o + 16;
    const end = p + incl;
    let type = b.readUInt16BE(p + 12);
    p += 14;
    let vlan: number | null = null;
    if (type === 0x8100) {
      vlan = b.readUInt16BE(p) & 0xfff;
      type = b.readUInt16BE(p + 2);
      p += 4;
    }
    const pkt: RawPacket = { tsUs, vlan, family: 0, src: '', dst: '', proto: 0, sport: 0, dport: 0, tcpFlags: 0, ipBytes: 0 };
    let l4 = -1;
    if (type === 0x0800) {
      pkt.family = 4;
      pkt.proto = b[p + 9]!;
      pkt.ipBytes = b.readUInt16BE(p + 2);
      pkt.src = [...b.subarray(p + 12, p + 16)].join('.');
      pkt.dst = [...b.subarray(p + 16, p + 20)].join('.');
      l4 = p + (b[p]! & 15) * 4;
    } else if (type === 0x86dd) {
      pkt.family = 6;
      pkt.proto = b[p + 6]!;
      pkt.ipBytes = b.readUInt16BE(p + 4) + 40;
      const hex = (x: Buffer) => Array.from({ length: 8 }, (_, i) => x.readUInt16BE(i * 2).toString(16)).join(':');
      pkt.src = hex(b.subarray(p + 8, p + 24));
      pkt.dst = hex(b.subarray(p + 24, p + 40));
      l4 = p + 40;
    }
    if (l4 >= 0 && (pkt.proto === 6 || pkt.proto === 17)) {
      pkt.sport = b.readUInt16BE(l4);
      pkt.dport = b.readUInt16BE(l4 + 2);
      if (pkt.proto === 6) pkt.tcpFlags = b[l4 + 13]!;
    }
    packets.push(pkt);
    o = end;
  }
  return { linktype, snaplen, packets };
}
