import { formatIPv4, formatIPv6 } from '@spanmap/shared';
import { decodeFrame } from '../decode/link.js';
import { PacketInfo, DECODE_OK, LINKTYPE } from '../decode/packet-info.js';
import { IE, type FieldValues } from './ie.js';

const p = new PacketInfo();

/**
 * Packet-sampling exports (IPFIX dataLinkFrameSection, ipHeaderPacketSection: Juniper inline
 * monitoring, Cisco, akvorado's test data) carry the sampled packet's first octets instead of
 * flow keys. We decode them with the probe's own packet decoder (outermost IP header, as an
 * exporter keys flows) and fill in the flow-key IEs the record lacks: one sampled packet of the
 * IP length its header states. Returns false when there is no section or it holds no IP packet.
 */
export function fromPacketSection(v: FieldValues): boolean {
  const frame = v[IE.dataLinkFrameSection];
  const ip = v[IE.ipHeaderPacketSection];
  let rc = -1;
  if (frame instanceof Uint8Array) rc = decodeFrame(frame, 0, frame.length, LINKTYPE.ETHERNET, p, false);
  else if (ip instanceof Uint8Array) rc = decodeFrame(ip, 0, ip.length, LINKTYPE.RAW, p, false);
  if (rc !== DECODE_OK || p.family === 0) return false;
  if (p.family === 4) {
    v[IE.sourceIPv4Address] = formatIPv4(p.s0);
    v[IE.destinationIPv4Address] = formatIPv4(p.d0);
  } else {
    v[IE.sourceIPv6Address] = formatIPv6(p.s0, p.s1, p.s2, p.s3);
    v[IE.destinationIPv6Address] = formatIPv6(p.d0, p.d1, p.d2, p.d3);
  }
  v[IE.protocolIdentifier] ??= p.proto;
  if (p.proto === 1) v[IE.icmpTypeCodeIPv4] ??= p.dport;
  else if (p.proto === 58) v[IE.icmpTypeCodeIPv6] ??= p.dport;
  v[IE.sourceTransportPort] ??= p.sport;
  v[IE.destinationTransportPort] ??= p.dport;
  v[IE.tcpControlBits] ??= p.tcpFlags;
  v[IE.packetDeltaCount] ??= 1;
  v[IE.octetDeltaCount] ??= p.ipBytes;
  if (p.vlan >= 0) v[IE.vlanId] ??= p.vlan;
  return true;
}
