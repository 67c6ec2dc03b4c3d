import type { LearnedSource } from '@spanmap/shared';
import type { Scenario } from './scenario.js';

/**
 * Ground truth of the names traffic: for every address of the site, which name it had over
 * which time range, as the wire teaches it. Computed from the conversations kept in the capture
 * and the times of the very packets that carry each name, so it is exactly what a passive
 * observer can learn, no more.
 *
 * The naming rules are the probe's (probe/src/names): DNS A/AAAA name the address after the name
 * asked (CNAMEs followed back), PTR answers the address of the reverse name, DHCP the acknowledged
 * address with the client's FQDN or host name + the domain, NetBIOS the registered/answered
 * address with its name (padding and suffix removed), mDNS the .local owner name, TLS the server
 * with the SNI. Names are lower case.
 */

/** One name a payload packet teaches (or, `refused`, carries but must never be learned). */
export interface NameFact {
  /** Index into the conversation's `content`: the payload packet that carries the name. */
  packet: number;
  ip: string;
  /** As learned: lower case, no trailing dot (as the traffic spells it when refused). */
  name: string;
  source: LearnedSource;
  /** Why no observer may learn this name (e.g. a NetBIOS name with a space). */
  refused?: string;
}

/** A name an address had from `from` (the first packet teaching it, ms) until `to` (exclusive; null: to the end). */
export interface NameInterval {
  name: string;
  /** Every source that taught it in the interval. */
  sources: LearnedSource[];
  from: number;
  to: number | null;
  /** Packets that taught it in the interval, and the last one's time. */
  observations: number;
  last: number;
}

export interface NameTruthAddress {
  ip: string;
  /** The generator's host (TruthHost.name). */
  host: string;
  segment: string;
  /** In time order; empty for an address never named. */
  names: NameInterval[];
}

export interface NamesTruth {
  /** Every address of the topology (named or not), in topology order. */
  addresses: NameTruthAddress[];
  /** Names the traffic carries that are not valid names: never learned, for any address. */
  refused: Array<{ ip: string; name: string; source: LearnedSource; reason: string; packets: number }>;
  /** (packet, address, name) observations of valid names: what a passive observer sees, without repeats filtered. */
  observations: number;
}

/**
 * Every name fact with the time (ms, floor of the µs timestamp) of the packet carrying it, in
 * time order; `packet` identifies the packet (conversation index : payload packet).
 */
export function nameFactTimes(s: Scenario): Array<{ time: number; fact: NameFact; packet: string }> {
  const out: Array<{ time: number; fact: NameFact; packet: string }> = [];
  const st = s.packets;
  for (const [ci, c] of s.conversations.entries()) {
    if (!c.nameFacts) continue;
    const times: number[] = [];
    for (let i = c.firstPacket; i < c.firstPacket + c.packetCount; i++) if (st.payload[i]! > 0) times.push(Math.floor(st.t[i]! / 1000));
    for (const fact of c.nameFacts) {
      const time = times[fact.packet];
      if (time === undefined) throw new Error(`name fact for payload packet ${fact.packet} of a conversation with ${times.length}`);
      out.push({ time, fact, packet: `${ci}:${fact.packet}` });
    }
  }
  return out.sort((a, b) => a.time - b.time);
}

export function namesTruth(s: Scenario): NamesTruth {
  const byIp = new Map<string, NameInterval[]>();
  const refused = new Map<string, NamesTruth['refused'][number]>();
  let observations = 0;
  const counted = new Set<string>();
  for (const { time, fact, packet } of nameFactTimes(s)) {
    if (fact.refused) {
      const k = `${fact.source} ${fact.ip} ${fact.name}`;
      const r = refused.get(k) ?? { ip: fact.ip, name: fact.name, source: fact.source, reason: fact.refused, packets: 0 };
      r.packets++;
      refused.set(k, r);
      continue;
    }
    let list = byIp.get(fact.ip);
    if (!list) byIp.set(fact.ip, (list = []));
    let cur = list.at(-1);
    if (!cur || cur.name !== fact.name) {
      if (list.some((n) => n.name === fact.name)) throw new Error(`${fact.ip} goes back to the name ${fact.name}: the names plan is ambiguous`);
      if (cur) cur.to = time;
      list.push((cur = { name: fact.name, sources: [], from: time, to: null, observations: 0, last: time }));
    }
    if (!cur.sources.includes(fact.source)) cur.sources.push(fact.source);
    cur.last = time;
    // one observation per packet and name (a packet may teach it twice: A and PTR in one announcement)
    const k = `${packet} ${fact.ip} ${fact.name} ${fact.source}`;
    if (!counted.has(k)) {
      counted.add(k);
      cur.observations++;
      observations++;
    }
  }
  const addresses: NameTruthAddress[] = [];
  for (const h of s.hosts) {
    for (const a of [h.v4, h.v6]) {
      if (!a) continue;
      const names = byIp.get(a.ip) ?? [];
      for (const n of names) n.sources.sort();
      addresses.push({ ip: a.ip, host: h.name, segment: h.segment, names });
      byIp.delete(a.ip);
    }
  }
  if (byIp.size > 0) throw new Error(`names taught for addresses outside the topology: ${[...byIp.keys()].join(', ')}`);
  return { addresses, refused: [...refused.values()], observations };
}

/** The name `ip` had at `time` (ms) by the truth, or null (never named, or not yet). */
export function nameAt(t: NamesTruth, ip: string, time: number): string | null {
  const a = t.addresses.find((x) => x.ip === ip);
  if (!a) return null;
  for (const n of a.names) if (n.from <= time && (n.to === null || time < n.to)) return n.name;
  return null;
}
