import type { FlowRecord, InitiatorHow, SummaryEntry } from '@spanmap/shared';

/** How the initiator was decided, as a rank: lower is better evidence (a SYN beats a port guess). */
export const HOW_RANK: Record<InitiatorHow, number> = { syn: 0, port: 1, first: 2 };
export const HOWS: readonly InitiatorHow[] = ['syn', 'port', 'first'];

/**
 * One probe's view of (part of) a conversation: a flow record as delivered, keyed for merging.
 * `lo`/`hi` are the conversation's endpoints in canonical order; `fwd` says whether the record's
 * initiator (its src) is the `lo` endpoint. Counts stay as the record has them (src→dst first).
 */
export interface ViewRecord {
  /** Conversation key: protocol and both endpoints in canonical order (see conversationKey). */
  k: string;
  first: number;
  last: number;
  /** View: probe id, VLAN and interface ("probe|vlan|iface"). Two records of one view never merge directly. */
  view: string;
  probe: string;
  vlan: number | null;
  iface: string | null;
  src: string;
  dst: string;
  proto: number;
  sport: number;
  dport: number;
  fwd: boolean;
  packets: number;
  bytes: number;
  rpackets: number;
  rbytes: number;
  tcpFlags: number;
  rtcpFlags: number;
  /** Initiator evidence rank (HOW_RANK); for version 1 aggregates, `init` holds the counts instead. */
  how: number;
  /** Flows begun (1, or 0 for a continuation; a version 1 aggregate carries its count). */
  flows: number;
  records: number;
  /** Version 1 aggregates only: initiator counts; such records are never merged (no source port). */
  init?: { syn: number; port: number; first: number };
  /** Cluster id once merged with another view's records; 0 while alone. */
  cl: number;
}

/**
 * The conversation key: protocol, then the two endpoints (address and port) in canonical order,
 * so both directions and every probe's orientation meet. ICMP keeps the request's type and code
 * (the probe's dport) on both sides.
 */
export function conversationKey(proto: number, src: string, sport: number, dst: string, dport: number): { k: string; fwd: boolean } {
  const icmp = proto === 1 || proto === 58;
  const srcFirst = src < dst || (src === dst && sport <= dport);
  const k = icmp
    ? `${proto}|${srcFirst ? src : dst}|${srcFirst ? dst : src}|${dport}`
    : srcFirst
      ? `${proto}|${src}|${sport}|${dst}|${dport}`
      : `${proto}|${dst}|${dport}|${src}|${sport}`;
  return { k, fwd: srcFirst };
}

export function viewId(probe: string, vlan: number | null, iface: string | null | undefined): string {
  return `${probe}|${vlan ?? ''}|${iface ?? ''}`;
}

/** A version 2 flow record from `probe`, as a view record. */
export function fromFlowRecord(probe: string, r: FlowRecord): ViewRecord {
  const { k, fwd } = conversationKey(r.proto, r.src, r.sport, r.dst, r.dport);
  const iface = r.iface ?? null;
  return {
    k,
    first: r.first,
    last: r.last,
    view: viewId(probe, r.vlan, iface),
    probe,
    vlan: r.vlan,
    iface,
    src: r.src,
    dst: r.dst,
    proto: r.proto,
    sport: r.sport,
    dport: r.dport,
    fwd,
    packets: r.packets,
    bytes: r.bytes,
    rpackets: r.rpackets,
    rbytes: r.rbytes,
    tcpFlags: r.tcpFlags,
    rtcpFlags: r.rtcpFlags,
    how: HOW_RANK[r.initiator],
    flows: r.cont ? 0 : 1,
    records: 1,
    cl: 0,
  };
}

/** A version 1 aggregate: no source port, so it is counted as delivered and never merged. */
export function fromEntry(probe: string, e: SummaryEntry): ViewRecord {
  const best = e.init.syn > 0 ? 0 : e.init.port > 0 ? 1 : 2;
  return {
    k: '',
    first: e.first,
    last: e.last,
    view: viewId(probe, e.vlan, e.iface),
    probe,
    vlan: e.vlan,
    iface: e.iface,
    src: e.src,
    dst: e.dst,
    proto: e.proto,
    sport: 0,
    dport: e.port,
    fwd: true,
    packets: e.packets,
    bytes: e.bytes,
    rpackets: e.rpackets,
    rbytes: e.rbytes,
    tcpFlags: e.tcpFlags,
    rtcpFlags: e.rtcpFlags,
    how: best,
    flows: e.flows,
    records: e.records,
    init: { ...e.init },
    cl: 0,
  };
}
