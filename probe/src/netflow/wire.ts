import type { TemplateField } from './types.js';

// Encoders for NetFlow v9 and IPFIX messages: the inverse of the decoders, for building exact
// datagrams (tests, fuzzing seeds). Byte-level and small on purpose: what they write is what the
// RFCs draw.

export type WireSet = { id: number; body: Buffer };

export function u8(n: number): Buffer {
  return Buffer.from([n & 255]);
}

export function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n & 0xffff);
  return b;
}

export function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

export function u64(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(Math.round(n)));
  return b;
}

export function ipv4(s: string): Buffer {
  return Buffer.from(s.split('.').map(Number));
}

/** Expands `::` and writes 16 octets. */
export function ipv6(s: string): Buffer {
  const [head, tail] = s.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return Buffer.concat(groups.map((g) => u16(parseInt(g, 16))));
}

/** IPFIX variable-length encoding: one length octet, or 255 and two (RFC 7011 section 7). */
export function varlen(data: Buffer, long = data.length >= 255): Buffer {
  return Buffer.concat([long ? Buffer.concat([u8(255), u16(data.length)]) : u8(data.length), data]);
}

/** IPFIX field specifier; `pen` sets the enterprise bit. */
export function ipfixField(f: TemplateField): Buffer {
  return f.pen ? Buffer.concat([u16(f.id | 0x8000), u16(f.length), u32(f.pen)]) : Buffer.concat([u16(f.id), u16(f.length)]);
}

export function ipfixTemplate(id: number, fields: TemplateField[]): Buffer {
  return Buffer.concat([u16(id), u16(fields.length), ...fields.map(ipfixField)]);
}

export function ipfixOptionsTemplate(id: number, scopeCount: number, fields: TemplateField[]): Buffer {
  return Buffer.concat([u16(id), u16(fields.length), u16(scopeCount), ...fields.map(ipfixField)]);
}

/** A set: id, length, records, and `pad` octets of zero padding. */
export function set(id: number, records: Buffer[], pad = 0): WireSet {
  return { id, body: Buffer.concat([...records, Buffer.alloc(pad)]) };
}

export function ipfixMessage(sets: WireSet[], h: { exportTime?: number; sequence?: number; domain?: number } = {}): Buffer {
  const body = Buffer.concat(sets.map((s) => Buffer.concat([u16(s.id), u16(s.body.length + 4), s.body])));
  return Buffer.concat([u16(10), u16(16 + body.length), u32(h.exportTime ?? 1_700_000_000), u32(h.sequence ?? 0), u32(h.domain ?? 0), body]);
}

export function v9Template(id: number, fields: Array<[number, number]>): Buffer {
  return Buffer.concat([u16(id), u16(fields.length), ...fields.map(([t, l]) => Buffer.concat([u16(t), u16(l)]))]);
}

export function v9OptionsTemplate(id: number, scope: Array<[number, number]>, fields: Array<[number, number]>): Buffer {
  const enc = (l: Array<[number, number]>) => l.map(([t, n]) => Buffer.concat([u16(t), u16(n)]));
  return Buffer.concat([u16(id), u16(scope.length * 4), u16(fields.length * 4), ...enc(scope), ...enc(fields)]);
}

export function v9Packet(sets: WireSet[], h: { count?: number; uptime?: number; unixSecs?: number; sequence?: number; sourceId?: number } = {}): Buffer {
  const body = Buffer.concat(sets.map((s) => Buffer.concat([u16(s.id), u16(s.body.length + 4), s.body])));
  return Buffer.concat([
    u16(9),
    u16(h.count ?? sets.length),
    u32(h.uptime ?? 100_000),
    u32(h.unixSecs ?? 1_700_000_000),
    u32(h.sequence ?? 0),
    u32(h.sourceId ?? 0),
    body,
  ]);
}

/** A NetFlow v5 packet of the given flow records (48 octets each, as nf5 defines them). */
export function v5Packet(
  flows: Array<{
    src: string;
    dst: string;
    sport: number;
    dport: number;
    proto: number;
    packets: number;
    bytes: number;
    first: number;
    last: number;
    flags?: number;
  }>,
  h: { uptime?: number; unixSecs?: number; sequence?: number; sampling?: number } = {},
): Buffer {
  const header = Buffer.concat([
    u16(5),
    u16(flows.length),
    u32(h.uptime ?? 100_000),
    u32(h.unixSecs ?? 1_700_000_000),
    u32(0),
    u32(h.sequence ?? 0),
    u8(0),
    u8(0),
    u16(h.sampling ?? 0),
  ]);
  const recs = flows.map((f) =>
    Buffer.concat([
      ipv4(f.src),
      ipv4(f.dst),
      ipv4('0.0.0.0'),
      u16(1),
      u16(2),
      u32(f.packets),
      u32(f.bytes),
      u32(f.first),
      u32(f.last),
      u16(f.sport),
      u16(f.dport),
      u8(0),
      u8(f.flags ?? 0),
      u8(f.proto),
      u8(0),
      u16(0),
      u16(0),
      u8(24),
      u8(24),
      u16(0),
    ]),
  );
  return Buffer.concat([header, ...recs]);
}
