import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { parseIP, type FlowRecord } from '@spanmap/shared';
import { FLOWTRUTH } from './paths.js';

/** {"lowIP|highIP|proto|lowPort|highPort": [packets, ipBytes]} as flowtruth.py prints it. */
export type Conversations = Map<string, [number, number]>;

const run = promisify(execFile);

/** Runs tshark; a damaged capture makes it exit non-zero after printing what it could read, which is what we want. */
export async function tshark(args: string[]): Promise<string> {
  try {
    return (await run('tshark', ['-n', ...args], { encoding: 'utf8', maxBuffer: 256 << 20 })).stdout;
  } catch (e) {
    const out = (e as { stdout?: string }).stdout;
    if (typeof out === 'string') return out;
    throw e;
  }
}

export async function oracle(file: string): Promise<Conversations> {
  const { stdout } = await run('python3', [FLOWTRUTH, file], { encoding: 'utf8', maxBuffer: 256 << 20 });
  return new Map(Object.entries(JSON.parse(stdout || '{}') as Record<string, [number, number]>));
}

/** The oracle's key for a flow record: endpoints ordered by (IP version, address, port); ports only for TCP/UDP. */
export function oracleKey(src: string, sport: number, dst: string, dport: number, proto: number): string {
  if (proto !== 6 && proto !== 17) sport = dport = 0;
  const a = parseIP(src)!;
  const b = parseIP(dst)!;
  const aFirst = a.family !== b.family ? a.family < b.family : a.value !== b.value ? a.value < b.value : sport <= dport;
  return aFirst ? `${src}|${dst}|${proto}|${sport}|${dport}` : `${dst}|${src}|${proto}|${dport}|${sport}`;
}

/** Our records summed per oracle conversation (both directions, all records of a conversation). */
export function aggregate(records: FlowRecord[]): Conversations {
  const m: Conversations = new Map();
  for (const r of records) {
    const k = oracleKey(r.src, r.sport, r.dst, r.dport, r.proto);
    const c = m.get(k) ?? [0, 0];
    c[0] += r.packets + r.rpackets;
    c[1] += r.bytes + r.rbytes;
    m.set(k, c);
  }
  return m;
}

/** IPv6 extension headers: flowtruth.py reports the first next-header (ipv6.nxt), we report the upper-layer protocol. */
export const IPV6_EXTENSION_PROTOS = new Set([0, 43, 44, 51, 60, 135, 139, 140]);

export interface Comparison {
  total: number;
  exact: number;
  /** Conversations that differ only in a documented, deliberate way (reconciled per address pair). */
  explained: number;
  unexplained: string[];
}

/**
 * Compares per-conversation totals. Deliberate differences that keep packets within the same
 * address pair are reconciled there: (1) IPv6 extension headers (the oracle keys on the first
 * next-header, we on the upper-layer protocol and its ports) and (2) non-first IP fragments
 * (the oracle gives them ports 0, we count them toward their first fragment's flow). A pair is
 * explained when its totals agree and every oracle conversation that differs is of those kinds.
 */
export function compare(truth: Conversations, ours: Conversations): Comparison {
  const pair = (k: string) => k.split('|').slice(0, 2).join('|');
  const mismatched = new Set<string>();
  let exact = 0;
  for (const [k, v] of truth) {
    const o = ours.get(k);
    if (o && o[0] === v[0] && o[1] === v[1]) exact++;
    else mismatched.add(k);
  }
  for (const k of ours.keys()) if (!truth.has(k)) mismatched.add(k);
  const pairs = new Map<string, string[]>();
  for (const k of mismatched) pairs.set(pair(k), [...(pairs.get(pair(k)) ?? []), k]);
  let explained = 0;
  const unexplained: string[] = [];
  for (const [p, keys] of pairs) {
    const sum = (m: Conversations) => [...m].filter(([k]) => pair(k) === p).reduce((s, [, v]) => [s[0] + v[0], s[1] + v[1]], [0, 0]);
    const [tp, tb] = sum(truth);
    const [op, ob] = sum(ours);
    const deliberate = keys
      .filter((k) => truth.has(k))
      .every((k) => {
        const [, , proto, lp, hp] = k.split('|').map(Number) as number[];
        return (
          IPV6_EXTENSION_PROTOS.has(proto!) || ((proto === 6 || proto === 17) && lp === 0 && hp === 0) || (ours.has(k) && ours.get(k)![0] >= truth.get(k)![0])
        );
      });
    const truthKeys = keys.filter((k) => truth.has(k));
    if (tp === op && tb === ob && deliberate) explained += truthKeys.length;
    else unexplained.push(...keys.map((k) => `${k} oracle=${JSON.stringify(truth.get(k) ?? null)} ours=${JSON.stringify(ours.get(k) ?? null)}`));
  }
  return { total: truth.size, exact, explained, unexplained };
}
