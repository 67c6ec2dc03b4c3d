import { servicePortRank } from '@spanmap/shared';

/** Precomputed service rank per port for TCP-like and UDP-like protocols (hot path: one array read). */
const tcpRank = new Uint8Array(65536);
const udpRank = new Uint8Array(65536);
for (let port = 0; port < 65536; port++) {
  tcpRank[port] = servicePortRank(6, port);
  udpRank[port] = servicePortRank(17, port);
}

/**
 * Which side is the responder by port, when no SYN or ICMP request type told us:
 * 1 if port `a` looks like the service, 2 if port `b` does, 0 when undecided.
 */
export function responderByPort(proto: number, a: number, b: number): number {
  let table: Uint8Array;
  if (proto === 6 || proto === 132 || proto === 33) table = tcpRank;
  else if (proto === 17 || proto === 136) table = udpRank;
  else return 0;
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
