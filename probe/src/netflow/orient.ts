import type { EndReason, FlowRecord, InitiatorHow } from '@spanmap/shared';
import { icmpKey, icmpRole, responderByPort } from '../flowtable/initiator.js';
import { IE, REVERSE, type FieldValues } from './ie.js';
import { num } from './normalize.js';
import type { UniFlow } from './types.js';

/**
 * Who initiated, decided in this order (DESIGN: "src is the initiator"):
 *  1. the exporter said so: biflowDirection (RFC 5103) 1 initiator / 2 reverseInitiator, or NSEL
 *     initiator/responder counters. "syn" for TCP (the exporter tracked the connection, as a
 *     stateful firewall or a meter that saw the handshake does), "first" otherwise;
 *  2. the earlier flow start, when both directions have their own start times ("first");
 *  3. the ICMP request type, or the service port by the probe's own port ranking (`responderByPort`,
 *     as the flow table uses) ("port");
 *  4. the record that arrived first, or a single record's source ("first").
 * A single record whose source the port ranking says is the server (only the reply direction was
 * exported) is turned around: the record's packets become rpackets.
 */
type Side = 'a' | 'b';

/** `a` arrived first; `b` is its reverse direction, or null for a record alone (uniflow or biflow). */
export function toFlowRecord(a: UniFlow, b: UniFlow | null): FlowRecord {
  const [side, how] = b ? choosePair(a, b) : chooseAlone(a);
  // Direction of `a` as initiator → responder.
  const aForward = side === 'a';
  let fwd: Counts;
  let rev: Counts;
  if (b) {
    const ca = counts(a);
    const cb = counts(b);
    fwd = aForward ? ca : cb;
    rev = aForward ? cb : ca;
  } else {
    const out = counts(a);
    const back: Counts = { packets: a.rpackets, bytes: a.rbytes, flags: a.rtcpFlags };
    fwd = aForward ? out : back;
    rev = aForward ? back : out;
  }
  const init = b && !aForward ? b : a;
  const other = init === a ? b : a;
  const icmp = a.icmpTypeCode >= 0;
  const rec: FlowRecord = {
    src: aForward ? a.src : a.dst,
    dst: aForward ? a.dst : a.src,
    proto: a.proto,
    sport: icmp ? 0 : aForward ? a.sport : a.dport,
    dport: icmp ? a.dport : aForward ? a.dport : a.sport,
    packets: fwd.packets,
    bytes: fwd.bytes,
    rpackets: rev.packets,
    rbytes: rev.bytes,
    first: b ? Math.min(a.first, b.first) : a.first,
    last: b ? Math.max(a.last, b.last) : a.last,
    tcpFlags: fwd.flags,
    rtcpFlags: rev.flags,
    vlan: init.vlan ?? other?.vlan ?? null,
    end: b ? combineEnd(a.end, b.end) : a.end,
    initiator: how,
  };
  const ingress = init.ingress ?? other?.ingress ?? null;
  rec.iface = ingress === null ? a.exporter : `${a.exporter}#${ingress}`;
  const rate = Math.max(a.sampling, b?.sampling ?? 1);
  if (rate > 1) rec.sampling = rate;
  return rec;
}

interface Counts {
  packets: number;
  bytes: number;
  flags: number;
}

function counts(u: UniFlow): Counts {
  return { packets: u.packets, bytes: u.bytes, flags: u.tcpFlags };
}

function declaredHow(u: UniFlow): InitiatorHow {
  return u.proto === 6 ? 'syn' : 'first';
}

/** For a pair: 'a' when a's source initiated. */
function choosePair(a: UniFlow, b: UniFlow): [Side, InitiatorHow] {
  if (a.declared) return [a.declared === 1 ? 'a' : 'b', declaredHow(a)];
  if (b.declared) return [b.declared === 1 ? 'b' : 'a', declaredHow(b)];
  if (a.first !== b.first) return [a.first < b.first ? 'a' : 'b', 'first'];
  const byRole = roleOf(a);
  if (byRole) return [byRole, 'port'];
  return ['a', 'first'];
}

/** For a record alone: 'a' when its source initiated, 'b' when its destination did. */
function chooseAlone(a: UniFlow): [Side, InitiatorHow] {
  if (a.declared) return [a.declared === 1 ? 'a' : 'b', declaredHow(a)];
  if (a.biflow && Number.isFinite(a.rfirst) && a.rfirst !== a.first) return [a.first < a.rfirst ? 'a' : 'b', 'first'];
  const byRole = roleOf(a);
  if (byRole) return [byRole, 'port'];
  return ['a', 'first'];
}

/** ICMP request/reply type, or the service port: which side of `a` initiated, null when undecided. */
function roleOf(a: UniFlow): Side | null {
  if (a.icmpTypeCode >= 0) {
    const role = icmpRole(a.proto, a.icmpTypeCode);
    return role === 1 ? 'a' : role === 2 ? 'b' : null;
  }
  const responder = responderByPort(a.proto, a.sport, a.dport);
  return responder === 1 ? 'b' : responder === 2 ? 'a' : null;
}

const END_RANK: Record<EndReason, number> = { rst: 5, fin: 4, active: 3, forced: 2, eof: 1, idle: 0 };

/** Both directions ended the conversation: the more specific reason wins (a RST or FIN over a timeout). */
function combineEnd(x: EndReason, y: EndReason): EndReason {
  return END_RANK[x] >= END_RANK[y] ? x : y;
}

/**
 * A biflow record with packets in one direction only is a one-way record: turned so that its
 * source sent the packets, and made pairable, so that it meets its other half as one-way records
 * do. softflowd -b, for one, keys ICMP flows on their type and exports each as a biflow from the
 * lower address, so every reply from the higher address has an empty forward direction. An ICMP
 * type in the reverse IE (RFC 5103) is the one that applies after the turn.
 */
export function oneWay(u: UniFlow, v: FieldValues): UniFlow {
  if (!u.biflow || u.declared !== 0) return u;
  if (u.rpackets === 0 && u.rbytes === 0) return { ...u, biflow: false };
  if (u.packets !== 0 || u.bytes !== 0) return u;
  const r: UniFlow = {
    ...u,
    src: u.dst,
    dst: u.src,
    sport: u.icmpTypeCode >= 0 ? 0 : u.dport,
    dport: u.icmpTypeCode >= 0 ? u.dport : u.sport,
    packets: u.rpackets,
    bytes: u.rbytes,
    rpackets: 0,
    rbytes: 0,
    tcpFlags: u.rtcpFlags,
    rtcpFlags: 0,
    biflow: false,
  };
  if (u.icmpTypeCode >= 0) {
    const rev = num(v[REVERSE + (u.proto === 1 ? IE.icmpTypeCodeIPv4 : IE.icmpTypeCodeIPv6)]);
    if (rev !== undefined) {
      r.icmpTypeCode = rev & 0xffff;
      r.dport = icmpKey(u.proto, r.icmpTypeCode);
    }
  }
  return r;
}
