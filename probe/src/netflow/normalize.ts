import { formatIPv6, type EndReason } from '@spanmap/shared';
import { icmpKey } from '../flowtable/initiator.js';
import { FIRST_FAMILY, IE, REVERSE, type FieldValues } from './ie.js';
import { fromPacketSection } from './packet-section.js';
import type { NfRecord } from './nflib.js';
import type { ExportContext, UniFlow } from './types.js';

// Where exported records get their meaning, once for every protocol: node-netflowv9's snake_case
// records and our IPFIX decoder's records both become FieldValues (IE number → value), and
// FieldValues become UniFlows (one direction, in FlowRecord units: epoch ms, sampled counts
// scaled, ICMP type/code in dport, ports 0 without ports). orient.ts then turns one or two
// UniFlows into the FlowRecord.

type Conv = 'num' | 'text' | 'sec' | 'ntp' | 'v6hex' | 'hex';

/** node-netflowv9 field names (js/nf9/nftypes.js, js/nf5/nf5decode.js) → IE number and conversion. */
const NF_NAMES: Record<string, [number, Conv]> = {
  in_bytes: [IE.octetDeltaCount, 'num'],
  in_pkts: [IE.packetDeltaCount, 'num'],
  protocol: [IE.protocolIdentifier, 'num'],
  tcp_flags: [IE.tcpControlBits, 'num'],
  l4_src_port: [IE.sourceTransportPort, 'num'],
  ipv4_src_port: [IE.sourceTransportPort, 'num'], // v5
  ipv4_src_addr: [IE.sourceIPv4Address, 'text'],
  input_snmp: [IE.ingressInterface, 'num'],
  scope_interface: [IE.ingressInterface, 'num'], // v9 options scope: sampling per interface
  l4_dst_port: [IE.destinationTransportPort, 'num'],
  ipv4_dst_port: [IE.destinationTransportPort, 'num'], // v5
  ipv4_dst_addr: [IE.destinationIPv4Address, 'text'],
  output_snmp: [IE.egressInterface, 'num'],
  last_switched: [IE.flowEndSysUpTime, 'num'],
  first_switched: [IE.flowStartSysUpTime, 'num'],
  ipv6_src_addr: [IE.sourceIPv6Address, 'v6hex'],
  ipv6_dst_addr: [IE.destinationIPv6Address, 'v6hex'],
  ip_protocol_version: [IE.ipVersion, 'num'],
  icmp_type: [IE.icmpTypeCodeIPv4, 'num'],
  sampling_interval: [IE.samplingInterval, 'num'],
  sampling_algorithm: [IE.samplingAlgorithm, 'num'],
  flow_sampler_id: [IE.samplerId, 'num'],
  flow_sampler_mode: [IE.samplerMode, 'num'],
  flow_sampler_random_interval: [IE.samplerRandomInterval, 'num'],
  src_vlan: [IE.vlanId, 'num'],
  in_permanent_bytes: [IE.octetTotalCount, 'num'],
  in_permanent_pkts: [IE.packetTotalCount, 'num'],
  flowEndReason: [IE.flowEndReason, 'num'],
  icmpTypeCodeIPv6: [IE.icmpTypeCodeIPv6, 'num'],
  flowStartSeconds: [IE.flowStartSeconds, 'sec'],
  flowEndSeconds: [IE.flowEndSeconds, 'sec'],
  flowStartMilliseconds: [IE.flowStartMilliseconds, 'num'],
  flowEndMilliseconds: [IE.flowEndMilliseconds, 'num'],
  flowStartMicroseconds: [IE.flowStartMicroseconds, 'ntp'],
  flowEndMicroseconds: [IE.flowEndMicroseconds, 'ntp'],
  flowStartNanoseconds: [IE.flowStartNanoseconds, 'ntp'],
  flowEndNanoseconds: [IE.flowEndNanoseconds, 'ntp'],
  flowStartDeltaMicroseconds: [IE.flowStartDeltaMicroseconds, 'num'],
  flowEndDeltaMicroseconds: [IE.flowEndDeltaMicroseconds, 'num'],
  systemInitTimeMilliseconds: [IE.systemInitTimeMilliseconds, 'num'],
  flowDurationMilliseconds: [IE.flowDurationMilliseconds, 'num'],
  flowDurationMicroseconds: [IE.flowDurationMicroseconds, 'num'],
  icmpTypeIPv4: [IE.icmpTypeIPv4, 'num'],
  icmpCodeIPv4: [IE.icmpCodeIPv4, 'num'],
  icmpTypeIPv6: [IE.icmpTypeIPv6, 'num'],
  icmpCodeIPv6: [IE.icmpCodeIPv6, 'num'],
  udpSourcePort: [IE.udpSourcePort, 'num'],
  udpDestinationPort: [IE.udpDestinationPort, 'num'],
  tcpSourcePort: [IE.tcpSourcePort, 'num'],
  tcpDestinationPort: [IE.tcpDestinationPort, 'num'],
  initiatorOctets: [IE.initiatorOctets, 'num'],
  responderOctets: [IE.responderOctets, 'num'],
  biflow_direction: [IE.biflowDirection, 'num'],
  dot1qVlanId: [IE.dot1qVlanId, 'num'],
  initiatorPackets: [IE.initiatorPackets, 'num'],
  responderPackets: [IE.responderPackets, 'num'],
  selectorId: [IE.selectorId, 'num'],
  samplingPacketInterval: [IE.samplingPacketInterval, 'num'],
  samplingPacketSpace: [IE.samplingPacketSpace, 'num'],
  samplingSize: [IE.samplingSize, 'num'],
  samplingPopulation: [IE.samplingPopulation, 'num'],
  ipHeaderPacketSection: [IE.ipHeaderPacketSection, 'hex'],
  dataLinkFrameSection: [IE.dataLinkFrameSection, 'hex'],
};

/** The fields of a node-netflowv9 record we read: worked out once per template (records of one template have the same names). */
export type NfPlan = Array<[string, number, Conv]>;

export function nfPlan(o: NfRecord): NfPlan {
  const plan: NfPlan = [];
  for (const name of Object.keys(o)) {
    const m = NF_NAMES[name];
    if (m) plan.push([name, m[0], m[1]]);
  }
  return plan;
}

/** A node-netflowv9 record as FieldValues. Fields it names that we do not read are dropped. */
export function fieldsFromNetflow(o: NfRecord, plan: NfPlan = nfPlan(o)): FieldValues {
  const v: FieldValues = {};
  for (const [name, ie, conv] of plan) {
    const x = o[name];
    if (conv === 'text') {
      if (typeof x === 'string') v[ie] = x;
    } else if (conv === 'v6hex' || conv === 'hex') {
      if (typeof x !== 'string' || x.length % 2 !== 0) continue;
      const bytes = Buffer.from(x, 'hex');
      if (conv === 'hex') v[ie] = bytes;
      else if (bytes.length === 16) v[ie] = ipv6Text(bytes);
    } else if (typeof x === 'number' && Number.isFinite(x)) {
      // The library returns timestamps in wire units: seconds, or NTP 64-bit as one number.
      v[ie] = conv === 'sec' ? x * 1000 : conv === 'ntp' ? Math.floor((x / 4294967296 - 2_208_988_800) * 1000) : x;
    }
  }
  return v;
}

function ipv6Text(b: Uint8Array): string {
  const w = (i: number) => ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;
  return formatIPv6(w(0), w(4), w(8), w(12));
}

export const num = (x: unknown): number | undefined => (typeof x === 'number' && Number.isFinite(x) ? x : undefined);
const PORTED = new Set([6, 17, 33, 132, 136]);

/** One exported record as a UniFlow, or null when it names no IP conversation (no addresses). */
export function toUniFlow(v: FieldValues, ctx: ExportContext): UniFlow | null {
  let ends = addresses(v);
  // Packet-sampling exports carry the sampled packet's headers instead of flow keys.
  if (!ends && fromPacketSection(v)) ends = addresses(v);
  if (!ends) return null;
  const [src, dst] = ends;
  // Masks: a template may give a field more octets than its type has (reduced-size encoding only
  // allows fewer); the value's low bits are what a well-behaved exporter meant.
  const proto = (num(v[IE.protocolIdentifier]) ?? 0) & 255;
  const icmp = proto === 1 || proto === 58;
  let sport = 0;
  let dport = 0;
  let icmpTypeCode = -1;
  if (icmp) {
    icmpTypeCode = icmpTypeCodeOf(v, proto);
    dport = icmpKey(proto, icmpTypeCode);
  } else if (PORTED.has(proto)) {
    sport = (num(v[IE.sourceTransportPort]) ?? num(v[IE.udpSourcePort]) ?? num(v[IE.tcpSourcePort]) ?? 0) % 65536;
    dport = (num(v[IE.destinationTransportPort]) ?? num(v[IE.udpDestinationPort]) ?? num(v[IE.tcpDestinationPort]) ?? 0) % 65536;
  }
  const rate = ctx.samplingFor(v);
  const nsel = v[IE.initiatorOctets] !== undefined || v[IE.initiatorPackets] !== undefined;
  const rev = v[REVERSE + IE.packetDeltaCount] ?? v[REVERSE + IE.octetDeltaCount] ?? v[REVERSE + IE.packetTotalCount] ?? v[REVERSE + IE.octetTotalCount];
  const packets = num(v[IE.packetDeltaCount]) ?? num(v[IE.packetTotalCount]) ?? num(v[IE.initiatorPackets]) ?? 0;
  const bytes = num(v[IE.octetDeltaCount]) ?? num(v[IE.octetTotalCount]) ?? num(v[IE.initiatorOctets]) ?? 0;
  let rpackets = 0;
  let rbytes = 0;
  if (nsel) {
    rpackets = num(v[IE.responderPackets]) ?? 0;
    rbytes = num(v[IE.responderOctets]) ?? 0;
  } else if (rev !== undefined) {
    rpackets = num(v[REVERSE + IE.packetDeltaCount]) ?? num(v[REVERSE + IE.packetTotalCount]) ?? 0;
    rbytes = num(v[REVERSE + IE.octetDeltaCount]) ?? num(v[REVERSE + IE.octetTotalCount]) ?? 0;
  }
  const [first, last] = timesOf(v, ctx, 0);
  const rfirst = rev !== undefined ? timesOf(v, ctx, REVERSE, true)[0] : NaN;
  const tcpFlags = proto === 6 ? (num(v[IE.tcpControlBits]) ?? 0) & 255 : 0;
  const rtcpFlags = proto === 6 ? (num(v[REVERSE + IE.tcpControlBits]) ?? 0) & 255 : 0;
  const vlan = (num(v[IE.vlanId]) ?? num(v[IE.dot1qVlanId]) ?? 0) & 0xfff;
  const dir = num(v[IE.biflowDirection]);
  return {
    exporter: ctx.exporter,
    src,
    dst,
    proto,
    sport,
    dport,
    icmpTypeCode,
    packets: Math.round(packets * rate),
    bytes: Math.round(bytes * rate),
    rpackets: Math.round(rpackets * rate),
    rbytes: Math.round(rbytes * rate),
    biflow: nsel || rev !== undefined,
    first,
    last,
    rfirst,
    tcpFlags,
    rtcpFlags,
    vlan: vlan === 0 ? null : vlan,
    end: endOf(num(v[IE.flowEndReason]), tcpFlags | rtcpFlags),
    // NSEL initiator/responder counters say the source is the initiator; so does biflowDirection 1.
    declared: nsel || dir === 1 ? 1 : dir === 2 ? 2 : 0,
    ingress: num(v[IE.ingressInterface]) ?? null,
    sampling: rate,
    arrival: ctx.arrival,
  };
}

/**
 * Source and destination. A record may carry both families: a template for any traffic zeroes the
 * pair that does not apply, a tunnel template has the outer header's pair first. So: the family
 * ipVersion names, else the one first in the template unless it is all zeros, else the other.
 */
function addresses(v: FieldValues): [string, string] | null {
  const v4 = pair(v[IE.sourceIPv4Address], v[IE.destinationIPv4Address]);
  const v6 = pair(v[IE.sourceIPv6Address], v[IE.destinationIPv6Address]);
  if (!v4 || !v6) return v4 ?? v6;
  const named = v[IE.ipVersion];
  if (named === 4 || named === 6) return named === 4 ? v4 : v6;
  const [first, second] = v[FIRST_FAMILY] === 6 ? [v6, v4] : [v4, v6];
  return unspecified(first) && !unspecified(second) ? second : first;
}

function pair(s: unknown, d: unknown): [string, string] | null {
  return typeof s === 'string' && typeof d === 'string' ? [s, d] : null;
}

function unspecified([s, d]: [string, string]): boolean {
  return (s === '0.0.0.0' || s === '::') && (d === '0.0.0.0' || d === '::');
}

/** ICMP type*256+code: from the ICMP IEs when the exporter gave them, else the destination port (Cisco's habit). */
function icmpTypeCodeOf(v: FieldValues, proto: number): number {
  const combined = num(v[proto === 1 ? IE.icmpTypeCodeIPv4 : IE.icmpTypeCodeIPv6]);
  if (combined) return combined & 0xffff;
  const type = num(v[proto === 1 ? IE.icmpTypeIPv4 : IE.icmpTypeIPv6]);
  if (type !== undefined) return ((type & 255) << 8) | ((num(v[proto === 1 ? IE.icmpCodeIPv4 : IE.icmpCodeIPv6]) ?? 0) & 255);
  return (num(v[IE.destinationTransportPort]) ?? combined ?? 0) & 0xffff;
}

/** flowEndReason (IE 136): 1 idle, 2 active, 3 end of flow detected (FIN, or RST when the flags show one), 4 forced end, 5 lack of resources. */
function endOf(reason: number | undefined, flags: number): EndReason {
  switch (reason) {
    case 2:
      return 'active';
    case 3:
      return flags & 4 ? 'rst' : 'fin';
    case 4:
    case 5:
      return 'forced';
    default:
      return 'idle';
  }
}

/** [first, last] in ms since the epoch from whichever time IEs the record has (`k`: 0 or REVERSE). */
function timesOf(v: FieldValues, ctx: ExportContext, k: number, onlyExplicit = false): [number, number] {
  const init = num(v[IE.systemInitTimeMilliseconds]) ?? ctx.systemInitMs;
  const at = (abs: number, sec: number, ntpUs: number, ntpNs: number, sysUp: number, delta: number): number => {
    const t = num(v[k + abs]) ?? num(v[k + sec]) ?? num(v[k + ntpUs]) ?? num(v[k + ntpNs]);
    if (t !== undefined) return t;
    const up = num(v[k + sysUp]);
    if (up !== undefined) {
      if (Number.isFinite(init)) return init + up;
      // v5/v9: relative to the header's sysUptime, modulo 2^32 (exporters run for more than 49 days).
      if (Number.isFinite(ctx.uptimeMs)) return ctx.exportMs - ((ctx.uptimeMs - up) | 0);
    }
    const d = num(v[k + delta]);
    if (d !== undefined) return ctx.exportMs - Math.floor(d / 1000);
    return NaN;
  };
  let first = at(
    IE.flowStartMilliseconds,
    IE.flowStartSeconds,
    IE.flowStartMicroseconds,
    IE.flowStartNanoseconds,
    IE.flowStartSysUpTime,
    IE.flowStartDeltaMicroseconds,
  );
  let last = at(IE.flowEndMilliseconds, IE.flowEndSeconds, IE.flowEndMicroseconds, IE.flowEndNanoseconds, IE.flowEndSysUpTime, IE.flowEndDeltaMicroseconds);
  if (onlyExplicit) return [first, last];
  const dur = num(v[IE.flowDurationMilliseconds]) ?? (num(v[IE.flowDurationMicroseconds]) ?? NaN) / 1000;
  if (Number.isNaN(last) && Number.isFinite(first) && Number.isFinite(dur)) last = first + dur;
  if (Number.isNaN(first) && Number.isFinite(last) && Number.isFinite(dur)) first = last - dur;
  if (Number.isNaN(first)) first = Number.isNaN(last) ? ctx.exportMs : last;
  if (Number.isNaN(last)) last = first;
  return first <= last ? [Math.floor(first), Math.floor(last)] : [Math.floor(last), Math.floor(first)];
}
