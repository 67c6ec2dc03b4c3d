import { ETH_HEADER, IPV4_HEADER, IPV6_HEADER, VLAN_TAG, l4HeaderLength, type PacketSpec } from './packets.js';

/**
 * Real payload bytes in a frame built by `buildFrame` (which writes zeros and a checksum over
 * the headers alone): the bytes go in after the transport header, and the TCP/UDP checksum is
 * brought up to date by adding the payload's ones'-complement sum (RFC 1624 style), so the frame
 * stays valid without a second pass over its headers.
 */
export function writePayload(buf: Uint8Array, frameOff: number, spec: PacketSpec, bytes: Uint8Array): void {
  if (bytes.length !== spec.payload) throw new Error(`payload of ${bytes.length} bytes for a packet planned with ${spec.payload}`);
  if (spec.proto !== 6 && spec.proto !== 17) throw new Error('payload bytes only for TCP and UDP');
  const l4 = frameOff + ETH_HEADER + (spec.vlan >= 0 ? VLAN_TAG : 0) + (spec.family === 4 ? IPV4_HEADER : IPV6_HEADER);
  buf.set(bytes, l4 + l4HeaderLength(spec));
  const at = l4 + (spec.proto === 6 ? 16 : 6);
  let sum = ~((buf[at]! << 8) | buf[at + 1]!) & 0xffff;
  for (let i = 0; i < bytes.length; i += 2) sum += (bytes[i]! << 8) | (bytes[i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  let c = ~sum & 0xffff;
  if (c === 0 && spec.proto === 17) c = 0xffff;
  buf[at] = c >>> 8;
  buf[at + 1] = c & 255;
}
