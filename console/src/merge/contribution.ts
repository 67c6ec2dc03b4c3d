import { HOW_RANK, type ViewRecord } from './view-record.js';

export const HOUR_MS = 3_600_000;

/** What a conversation adds to one edge in one hour (flow-start hour of the records). */
export interface HourCounts {
  flows: number;
  records: number;
  packets: number;
  bytes: number;
  rpackets: number;
  rbytes: number;
  first: number;
  last: number;
}

/**
 * A conversation's contribution to the edge tables: the edge (initiator host, responder host,
 * protocol, responder port), its counts per hour, and what the edge row shows besides (flags,
 * initiator evidence, probes, VLANs, interfaces).
 */
export interface Contribution {
  src: string;
  dst: string;
  proto: number;
  port: number;
  hours: Map<number, HourCounts>;
  tcpFlags: number;
  rtcpFlags: number;
  /** Records counted, by how the initiator was decided (syn, port, first). */
  init: [number, number, number];
  /** Records each probe delivered into this conversation (whether or not its view was the fullest). */
  probes: Map<string, number>;
  vlans: number[];
  ifaces: string[];
}

interface Oriented {
  r: ViewRecord;
  packets: number;
  bytes: number;
  rpackets: number;
  rbytes: number;
}

/**
 * The contribution of one conversation seen as `members` (records of one conversation key from one
 * or more views: probes, VLANs, interfaces). Deterministic in the set, whatever the order:
 * - the initiator comes from the best evidence (a SYN beats a port guess beats the first packet;
 *   then the earliest record; then the view id);
 * - each direction's packets and bytes are the fullest single view of that direction (never a sum):
 *   the view with the most packets that way (then bytes, then view id), with that view's records
 *   placed in their own start hours;
 * - flows and records come from the view that began the most flows in it (ties: the fullest
 *   forward view, then view id): one conversation, counted once.
 */
export function contribution(members: readonly ViewRecord[]): Contribution {
  if (members.length === 1 && members[0]!.k === '') return aggregate(members[0]!);
  let best = members[0]!;
  for (const m of members) if (m.how < best.how || (m.how === best.how && (m.first < best.first || (m.first === best.first && m.view < best.view)))) best = m;
  // The initiator is the lo endpoint when the best record's src is lo.
  const loInit = best.fwd;
  const oriented: Oriented[] = members.map((r) =>
    r.fwd === loInit
      ? { r, packets: r.packets, bytes: r.bytes, rpackets: r.rpackets, rbytes: r.rbytes }
      : { r, packets: r.rpackets, bytes: r.rbytes, rpackets: r.packets, rbytes: r.bytes },
  );
  const views = new Map<string, { fp: number; fb: number; rp: number; rb: number; flows: number }>();
  for (const o of oriented) {
    let v = views.get(o.r.view);
    if (!v) views.set(o.r.view, (v = { fp: 0, fb: 0, rp: 0, rb: 0, flows: 0 }));
    v.fp += o.packets;
    v.fb += o.bytes;
    v.rp += o.rpackets;
    v.rb += o.rbytes;
    v.flows += o.r.flows;
  }
  const pick = (score: (v: { fp: number; fb: number; rp: number; rb: number; flows: number }) => [number, number]) => {
    let id = '';
    let s: [number, number] = [-1, -1];
    for (const [view, v] of views) {
      const t = score(v);
      if (t[0] > s[0] || (t[0] === s[0] && (t[1] > s[1] || (t[1] === s[1] && view < id)))) {
        id = view;
        s = t;
      }
    }
    return id;
  };
  const fwdView = pick((v) => [v.fp, v.fb]);
  const revView = pick((v) => [v.rp, v.rb]);
  const fwd = views.get(fwdView)!;
  const flowsView = pick((v) => [v.flows, v === fwd ? 1 : 0]);

  const c = edgeOf(best, loInit);
  let spanFirst = Infinity;
  let spanLast = -Infinity;
  for (const o of oriented) {
    const r = o.r;
    const inFwd = r.view === fwdView;
    const inRev = r.view === revView;
    const inFlows = r.view === flowsView;
    if (inFwd || inRev || inFlows) {
      const h = hourOf(c, r.first);
      if (inFwd) {
        h.packets += o.packets;
        h.bytes += o.bytes;
      }
      if (inRev) {
        h.rpackets += o.rpackets;
        h.rbytes += o.rbytes;
      }
      if (inFlows) {
        h.flows += r.flows;
        h.records += r.records;
        c.init[best.how]! += r.records;
      }
      if (r.first < h.first) h.first = r.first;
      if (r.last > h.last) h.last = r.last;
    }
    if (r.first < spanFirst) spanFirst = r.first;
    if (r.last > spanLast) spanLast = r.last;
    const same = r.fwd === loInit;
    c.tcpFlags |= same ? r.tcpFlags : r.rtcpFlags;
    c.rtcpFlags |= same ? r.rtcpFlags : r.tcpFlags;
    c.probes.set(r.probe, (c.probes.get(r.probe) ?? 0) + r.records);
    if (r.vlan !== null && !c.vlans.includes(r.vlan)) c.vlans.push(r.vlan);
    if (r.iface !== null && !c.ifaces.includes(r.iface)) c.ifaces.push(r.iface);
  }
  // The conversation was seen from its earliest to its latest record in any view.
  const hours = [...c.hours.keys()].sort((a, b) => a - b);
  const h0 = c.hours.get(hours[0]!)!;
  const h1 = c.hours.get(hours.at(-1)!)!;
  if (spanFirst < h0.first) h0.first = spanFirst;
  if (spanLast > h1.last) h1.last = spanLast;
  return c;
}

/** The edge a conversation belongs to, oriented with the initiator first. */
function edgeOf(best: ViewRecord, loInit: boolean): Contribution {
  // best.src is lo when best.fwd; the initiator is lo when loInit.
  const keep = best.fwd === loInit;
  const icmp = best.proto === 1 || best.proto === 58;
  return {
    src: keep ? best.src : best.dst,
    dst: keep ? best.dst : best.src,
    proto: best.proto,
    port: icmp ? best.dport : keep ? best.dport : best.sport,
    hours: new Map(),
    tcpFlags: 0,
    rtcpFlags: 0,
    init: [0, 0, 0],
    probes: new Map(),
    vlans: [],
    ifaces: [],
  };
}

function hourOf(c: Contribution, t: number): HourCounts {
  const hour = Math.floor(t / HOUR_MS);
  let h = c.hours.get(hour);
  if (!h) c.hours.set(hour, (h = { flows: 0, records: 0, packets: 0, bytes: 0, rpackets: 0, rbytes: 0, first: Infinity, last: -Infinity }));
  return h;
}

/** A version 1 aggregate counts as delivered. */
function aggregate(r: ViewRecord): Contribution {
  const c: Contribution = {
    src: r.src,
    dst: r.dst,
    proto: r.proto,
    port: r.dport,
    hours: new Map(),
    tcpFlags: r.tcpFlags,
    rtcpFlags: r.rtcpFlags,
    init: r.init ? [r.init.syn, r.init.port, r.init.first] : [0, 0, 0],
    probes: new Map([[r.probe, r.records]]),
    vlans: r.vlan === null ? [] : [r.vlan],
    ifaces: r.iface === null ? [] : [r.iface],
  };
  const h = hourOf(c, r.first);
  Object.assign(h, {
    flows: r.flows,
    records: r.records,
    packets: r.packets,
    bytes: r.bytes,
    rpackets: r.rpackets,
    rbytes: r.rbytes,
    first: r.first,
    last: r.last,
  });
  return c;
}

export { HOW_RANK };
