import { serviceFor, EPHEMERAL_FLOOR } from '@spanmap/shared/services';

/**
 * How strongly a port looks like the service end of a flow, when no SYN or ICMP type told:
 *   5 a known service below the ephemeral ranges (53, 443, 5432, 8080...),
 *   4 another privileged port (below 1024),
 *   3 an unknown port from 5001 to 32767 (above the old ephemeral range, below the modern ones),
 *   2 a known service inside the ephemeral ranges (44818 EtherNet/IP, 47808 BACnet): weak, since
 *     a client's random source port lands on one of them about once in 14,000 flows,
 *   1 an unknown port from 1024 to 5000 (the ephemeral range of older Windows and BSD clients),
 *   0 any other port (the ephemeral ranges from 32768).
 * A rank of STRONG_RANK or more decides against a lower one by itself; below it, ports decide
 * only after the endpoints' history (flow-record.ts).
 */
export function portRank(proto: number, port: number): number {
  const known = serviceFor(proto, port) !== null;
  if (port >= EPHEMERAL_FLOOR) return known ? 2 : 0;
  if (known) return 5;
  if (port > 0 && port < 1024) return 4;
  if (port > 5000) return 3;
  return port >= 1024 ? 1 : 0;
}

export const STRONG_RANK = 3;

/** Ranks per port for TCP-like and UDP-like protocols (hot path: one array read). */
const tcpRank = new Uint8Array(65536);
const udpRank = new Uint8Array(65536);
for (let port = 0; port < 65536; port++) {
  tcpRank[port] = portRank(6, port);
  udpRank[port] = portRank(17, port);
}

/** The rank table of a protocol with ports (null for protocols without). */
export function rankTable(proto: number): Uint8Array | null {
  if (proto === 6 || proto === 132 || proto === 33) return tcpRank;
  if (proto === 17 || proto === 136) return udpRank;
  return null;
}

/**
 * Which side is the responder by port alone: 1 if port `a` looks like the service, 2 if port `b`
 * does, 0 when undecided (equal ranks, or a protocol without ports).
 */
export function responderByPort(proto: number, a: number, b: number): number {
  const table = rankTable(proto);
  if (table === null) return 0;
  const ra = table[a]!;
  const rb = table[b]!;
  if (ra > rb) return 1;
  if (rb > ra) return 2;
  return 0;
}

/** ICMP request/reply pairs share one flow keyed on the request's type*256+code: returns that key. */
export function icmpKey(proto: number, typeCode: number): number {
  const type = typeCode >> 8;
  if (proto === 1) {
    if (type === 0) return (8 << 8) | (typeCode & 255);
    if (type === 14 || type === 16 || type === 18) return ((type - 1) << 8) | (typeCode & 255);
  } else if (type === 129) return (128 << 8) | (typeCode & 255);
  return typeCode;
}

/** 1 when this ICMP message is a request (its sender initiated), 2 a reply (its receiver initiated), 0 neither. */
export function icmpRole(proto: number, typeCode: number): number {
  const type = typeCode >> 8;
  if (proto === 1) {
    if (type === 8 || type === 13 || type === 15 || type === 17) return 1;
    if (type === 0 || type === 14 || type === 16 || type === 18) return 2;
    return 0;
  }
  if (type === 128) return 1;
  if (type === 129) return 2;
  return 0;
}
