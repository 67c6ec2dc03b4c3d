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
