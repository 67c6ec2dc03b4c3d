/**
 * Tiny builders for hand-made payloads in the decoders' unit tests (the real-capture tests use
 * real bytes; these make the corner cases: loops, bad pointers, long labels, split records).
 */

/** A name in DNS wire format, uncompressed, with its root label. */
export function wireName(name: string): number[] {
  const out: number[] = [];
  for (const label of name.split('.').filter(Boolean)) {
    out.push(label.length, ...Buffer.from(label, 'latin1'));
  }
  out.push(0);
  return out;
}

export const u16 = (v: number): number[] => [(v >>> 8) & 255, v & 255];
export const u32 = (v: number): number[] => [(v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255];
export const ipv4 = (s: string): number[] => s.split('.').map(Number);

/** A DNS message: header fields, then the given question and record bytes. */
export function dnsMessage(h: { flags?: number; qd?: number; an?: number; ns?: number; ar?: number }, ...parts: number[][]): Uint8Array {
  return Uint8Array.from([
    ...u16(0x1234),
    ...u16(h.flags ?? 0x8180),
    ...u16(h.qd ?? 0),
    ...u16(h.an ?? 0),
    ...u16(h.ns ?? 0),
    ...u16(h.ar ?? 0),
    ...parts.flat(),
  ]);
}

export function question(name: number[], type = 1): number[] {
  return [...name, ...u16(type), ...u16(1)];
}

/** A resource record with an owner (wire bytes, possibly a pointer) and rdata. */
export function record(owner: number[], type: number, rdata: number[], cls = 1): number[] {
  return [...owner, ...u16(type), ...u16(cls), ...u32(300), ...u16(rdata.length), ...rdata];
}

/** A compression pointer to message offset `o`. */
export const ptr = (o: number): number[] => [0xc0 | (o >>> 8), o & 255];

/** A NetBIOS name in first-level encoding (RFC 1001 section 14.1): one 32-letter label, no scope. */
export function netbiosName(name: string, suffix: number): number[] {
  const raw = [...Buffer.from(name.toUpperCase().padEnd(15, ' '), 'latin1'), suffix];
  const label = raw.flatMap((c) => [65 + (c >>> 4), 65 + (c & 15)]);
  return [32, ...label, 0];
}

/** A BOOTP/DHCP message: fixed fields, the magic cookie, then `options` ([code, bytes]) and END. */
export function dhcpMessage(
  f: { op: 1 | 2; xid: number; mac: number; ciaddr?: string; yiaddr?: string; sname?: number[]; file?: number[] },
  options: Array<[number, number[]]>,
): Uint8Array {
  const b = new Uint8Array(240);
  b[0] = f.op;
  b[1] = 1;
  b[2] = 6;
  b.set(u32(f.xid), 4);
  b.set(ipv4(f.ciaddr ?? '0.0.0.0'), 12);
  b.set(ipv4(f.yiaddr ?? '0.0.0.0'), 16);
  b.set([0x02, 0x00, ...u32(f.mac)], 28);
  if (f.sname) b.set(f.sname, 44);
  if (f.file) b.set(f.file, 108);
  b.set([0x63, 0x82, 0x53, 0x63], 236);
  return Uint8Array.from([...b, ...options.flatMap(([c, v]) => [c, v.length, ...v]), 255]);
}

export const ascii = (s: string): number[] => [...Buffer.from(s, 'latin1')];

/**
 * A TLS record holding a ClientHello with the given extensions ([type, bytes]) in order; `sni`
 * adds a server_name extension first.
 */
export function clientHello(sni: string | null, extensions: Array<[number, number[]]> = [], sessionId = 32): Uint8Array {
  const ext: Array<[number, number[]]> = [];
  if (sni !== null) {
    const name = ascii(sni);
    ext.push([0, [...u16(name.length + 3), 0, ...u16(name.length), ...name]]);
  }
  ext.push(...extensions);
  const extBytes = ext.flatMap(([t, v]) => [...u16(t), ...u16(v.length), ...v]);
  const body = [
    3,
    3,
    ...new Array(32).fill(7),
    sessionId,
    ...new Array(sessionId).fill(9),
    ...u16(4),
    0x13,
    0x01,
    0x13,
    0x02,
    1,
    0,
    ...u16(extBytes.length),
    ...extBytes,
  ];
  const hs = [1, (body.length >>> 16) & 255, ...u16(body.length & 0xffff), ...body];
  return Uint8Array.from([0x16, 3, 1, ...u16(hs.length), ...hs]);
}
