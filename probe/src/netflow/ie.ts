/**
 * The information elements we read, by IANA IPFIX number. NetFlow v9 field types 1-127 are the
 * same numbers (IPFIX inherited them), so one table serves both protocols: decoders turn every
 * record into `FieldValues` keyed by these numbers, and normalize.ts interprets them once.
 * Everything not listed here is skipped without being decoded.
 */
export const IE = {
  octetDeltaCount: 1,
  packetDeltaCount: 2,
  protocolIdentifier: 4,
  tcpControlBits: 6,
  sourceTransportPort: 7,
  sourceIPv4Address: 8,
  ingressInterface: 10,
  destinationTransportPort: 11,
  destinationIPv4Address: 12,
  egressInterface: 14,
  flowEndSysUpTime: 21,
  flowStartSysUpTime: 22,
  sourceIPv6Address: 27,
  destinationIPv6Address: 28,
  icmpTypeCodeIPv4: 32,
  samplingInterval: 34,
  samplingAlgorithm: 35,
  samplerId: 48,
  samplerMode: 49,
  samplerRandomInterval: 50,
  vlanId: 58,
  ipVersion: 60,
  octetTotalCount: 85,
  packetTotalCount: 86,
  flowEndReason: 136,
  icmpTypeCodeIPv6: 139,
  flowStartSeconds: 150,
  flowEndSeconds: 151,
  flowStartMilliseconds: 152,
  flowEndMilliseconds: 153,
  flowStartMicroseconds: 154,
  flowEndMicroseconds: 155,
  flowStartNanoseconds: 156,
  flowEndNanoseconds: 157,
  flowStartDeltaMicroseconds: 158,
  flowEndDeltaMicroseconds: 159,
  systemInitTimeMilliseconds: 160,
  flowDurationMilliseconds: 161,
  flowDurationMicroseconds: 162,
  icmpTypeIPv4: 176,
  icmpCodeIPv4: 177,
  icmpTypeIPv6: 178,
  icmpCodeIPv6: 179,
  udpSourcePort: 180,
  udpDestinationPort: 181,
  tcpSourcePort: 182,
  tcpDestinationPort: 183,
  initiatorOctets: 231,
  responderOctets: 232,
  biflowDirection: 239,
  dot1qVlanId: 243,
  initiatorPackets: 298,
  responderPackets: 299,
  selectorId: 302,
  samplingPacketInterval: 305,
  samplingPacketSpace: 306,
  samplingSize: 309,
  samplingPopulation: 310,
  samplingProbability: 311,
  ipHeaderPacketSection: 313,
  dataLinkFrameSection: 315,
} as const;

/**
 * Not an IE (0 is reserved in the IANA registry): the decoders store under it the address
 * family (4 or 6) whose address fields come first in the record's template. Templates that
 * describe a tunnel list the outer header's fields before the inner one's (Cisco SRv6, GRE);
 * templates for "any family" carry both pairs and zero the unused one.
 */
export const FIRST_FAMILY = 0;

/** RFC 5103 reverse information elements: enterprise number 29305, same IE number as the forward one. */
export const REVERSE_PEN = 29305;
/** FieldValues key of a reverse IE: its forward number plus this. */
export const REVERSE = 0x10000;

/** How a value is encoded on the wire (RFC 7011 section 6.1 abstract data types we need). */
export const Kind = {
  /** unsigned integer, 1-8 octets (reduced-size encoding allowed) */
  Unsigned: 0,
  IPv4: 1,
  IPv6: 2,
  /** dateTimeSeconds: 32-bit seconds since the epoch */
  Seconds: 3,
  /** dateTimeMilliseconds: 64-bit milliseconds since the epoch */
  Millis: 4,
  /** dateTimeMicroseconds / dateTimeNanoseconds: NTP 64-bit format (seconds since 1900 + fraction) */
  Ntp: 5,
  /** float64, or float32 under reduced-size encoding */
  Float: 6,
  /** octetArray kept as a view on the datagram (only the packet sections) */
  Bytes: 7,
} as const;
export type Kind = (typeof Kind)[keyof typeof Kind];

const KINDS = new Map<number, Kind>();
for (const id of Object.values(IE)) KINDS.set(id, Kind.Unsigned);
for (const id of [IE.sourceIPv4Address, IE.destinationIPv4Address]) KINDS.set(id, Kind.IPv4);
for (const id of [IE.sourceIPv6Address, IE.destinationIPv6Address]) KINDS.set(id, Kind.IPv6);
for (const id of [IE.flowStartSeconds, IE.flowEndSeconds]) KINDS.set(id, Kind.Seconds);
for (const id of [IE.flowStartMilliseconds, IE.flowEndMilliseconds, IE.systemInitTimeMilliseconds]) KINDS.set(id, Kind.Millis);
for (const id of [IE.flowStartMicroseconds, IE.flowEndMicroseconds, IE.flowStartNanoseconds, IE.flowEndNanoseconds]) KINDS.set(id, Kind.Ntp);
KINDS.set(IE.samplingProbability, Kind.Float);
for (const id of [IE.ipHeaderPacketSection, IE.dataLinkFrameSection]) KINDS.set(id, Kind.Bytes);

/** The wire kind of an IANA IE we read, or undefined for one we skip. */
export function kindOf(id: number): Kind | undefined {
  return KINDS.get(id);
}

/** Reverse IEs worth reading for a biflow (counters, flags, ICMP type, times). */
const REVERSE_WANTED = new Set<number>([
  IE.octetDeltaCount,
  IE.packetDeltaCount,
  IE.octetTotalCount,
  IE.packetTotalCount,
  IE.tcpControlBits,
  IE.icmpTypeCodeIPv4,
  IE.icmpTypeCodeIPv6,
  IE.vlanId,
  IE.dot1qVlanId,
  IE.ingressInterface,
  IE.flowStartSysUpTime,
  IE.flowEndSysUpTime,
  IE.flowStartSeconds,
  IE.flowEndSeconds,
  IE.flowStartMilliseconds,
  IE.flowEndMilliseconds,
  IE.flowStartMicroseconds,
  IE.flowEndMicroseconds,
  IE.flowStartNanoseconds,
  IE.flowEndNanoseconds,
  IE.flowStartDeltaMicroseconds,
  IE.flowEndDeltaMicroseconds,
]);

export function reverseWanted(id: number): boolean {
  return REVERSE_WANTED.has(id);
}

/**
 * One decoded record: IE number → value (numbers, address text, or a byte view for packet
 * sections). Reverse IEs are stored under `REVERSE + id`.
 */
export type FieldValues = { [ie: number]: number | string | Uint8Array | undefined };
