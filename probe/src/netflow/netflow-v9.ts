import type { NfDecoder, NfRecord } from './nflib.js';
import type { NfPlan } from './normalize.js';
import { firstFamily, templateSignature } from './ipfix-template.js';
import { MAX_TEMPLATES, type RejectReason, type TemplateChanges, type TemplateDef, type TemplateField } from './types.js';

// NetFlow v9 (RFC 3954) is decoded by node-netflowv9, but that library trusts its input: a
// FlowSet length of 0 or a zero-length template loops forever, padding after a template record
// or a short packet throws, and only one options template per FlowSet is read. So we walk the
// packet first, keep our own copy ("shadow") of each template, and hand the library a rebuilt
// packet holding only what is well-formed: template FlowSets with new or changed templates only
// (it recompiles a function per template it sees), one options template per FlowSet, and data
// FlowSets whose template we hold.

export const V9_HEADER = 20;

export interface V9Header {
  count: number;
  uptimeMs: number;
  unixSecs: number;
  sequence: number;
  sourceId: number;
}

export interface V9Template {
  def: TemplateDef;
  /** Octets per data record. */
  length: number;
  signature: string;
  /** Address family whose fields come first (see FIRST_FAMILY). */
  family: number;
  /** The node-netflowv9 field names normalize.ts reads, found on the first record (set by the collector). */
  plan?: NfPlan;
}

export interface V9Result extends TemplateChanges {
  data: NfRecord[];
  options: NfRecord[];
  errors: Partial<Record<RejectReason, number>>;
}

export function readV9Header(b: Uint8Array): V9Header | RejectReason {
  if (b.length < V9_HEADER) return 'tooShort';
  return { count: u16(b, 2), uptimeMs: u32(b, 4), unixSecs: u32(b, 8), sequence: u32(b, 12), sourceId: u32(b, 16) };
}

const MAX_RECORD = 65535 - V9_HEADER - 4;

/** Records a well-formed v9 template in `shadow`; true when it is new or changed (to be passed on to node-netflowv9). */
function learn(def: TemplateDef, shadow: Map<number, V9Template>, r: V9Result): boolean {
  let length = 0;
  for (const f of def.fields) length += f.length;
  const signature = templateSignature(def);
  const old = shadow.get(def.id);
  if (old && old.signature === signature) {
    r.refreshed++;
    return false;
  }
  if (!old && shadow.size >= MAX_TEMPLATES) {
    r.errors.tooManyTemplates = (r.errors.tooManyTemplates ?? 0) + 1;
    return false;
  }
  shadow.set(def.id, { def, length, signature, family: firstFamily(def.fields, def.scopeCount) });
  r.added.push(def);
  return true;
}

function valid(fields: TemplateField[]): boolean {
  let length = 0;
  for (const f of fields) {
    if (f.length === 65535) return false; // variable length exists only in IPFIX
    length += f.length;
  }
  return length > 0 && length <= MAX_RECORD;
}

/** Walks the packet, updates `shadow`, and decodes what is well-formed with node-netflowv9. */
export function decodeV9(msg: Buffer, shadow: Map<number, V9Template>, lib: NfDecoder, scope: string): V9Result {
  const r: V9Result = { data: [], options: [], errors: {}, added: [], withdrawn: [], refreshed: 0 };
  const parts: Buffer[] = [msg.subarray(0, V9_HEADER)];
  const bad = (reason: RejectReason) => (r.errors[reason] = (r.errors[reason] ?? 0) + 1);
  const forget = (id: number) => {
    // A broken redefinition: the exporter's data no longer follows the layout we hold.
    if (id >= 256 && shadow.delete(id)) {
      lib.dropTemplate(scope, id);
      r.withdrawn.push(id);
    }
  };
  let o = V9_HEADER;
  // Most packets are data FlowSets of known templates only: those go to the library as they came.
  let rebuilt = false;
  while (o + 4 <= msg.length) {
    const fsId = u16(msg, o);
    const len = u16(msg, o + 2);
    if (len < 4 || o + len > msg.length) {
      bad('badSetLength');
      rebuilt = true;
      break;
    }
    const end = o + len;
    if (fsId < 256) rebuilt = true;
    if (fsId === 0) {
      const keep: Buffer[] = [];
      let p = o + 4;
      while (end - p >= 4) {
        const id = u16(msg, p);
        const cnt = u16(msg, p + 2);
        if (id === 0 && cnt === 0) break; // padding
        if (cnt === 0 || p + 4 + cnt * 4 > end) {
          bad('malformedTemplate');
          forget(id);
          break;
        }
        const fields: TemplateField[] = [];
        for (let i = 0; i < cnt; i++) fields.push({ id: u16(msg, p + 4 + 4 * i), pen: 0, length: u16(msg, p + 6 + 4 * i) });
        const rec = msg.subarray(p, p + 4 + cnt * 4);
        p += 4 + cnt * 4;
        if (id < 256 || !valid(fields)) {
          bad('malformedTemplate');
          forget(id);
        } else if (learn({ id, scopeCount: 0, fields }, shadow, r)) keep.push(firstOccurrence(rec, 4, 0));
      }
      if (keep.length > 0) parts.push(flowSet(0, keep));
    } else if (fsId === 1) {
      let p = o + 4;
      while (end - p >= 6) {
        const id = u16(msg, p);
        const scopeLen = u16(msg, p + 2);
        const optLen = u16(msg, p + 4);
        if (id === 0 && scopeLen === 0 && optLen === 0) break; // padding
        if (scopeLen % 4 !== 0 || optLen % 4 !== 0 || p + 6 + scopeLen + optLen > end) {
          bad('malformedTemplate');
          forget(id);
          break;
        }
        const fields: TemplateField[] = [];
        for (let q = p + 6; q < p + 6 + scopeLen + optLen; q += 4) fields.push({ id: u16(msg, q), pen: 0, length: u16(msg, q + 2) });
        const rec = msg.subarray(p, p + 6 + scopeLen + optLen);
        p += 6 + scopeLen + optLen;
        if (id < 256 || !valid(fields)) {
          bad('malformedTemplate');
          forget(id);
        } else if (learn({ id, scopeCount: scopeLen / 4, fields }, shadow, r)) parts.push(flowSet(1, [firstOccurrence(rec, 6, scopeLen / 4)]));
      }
    } else if (fsId >= 256) {
      const t = shadow.get(fsId);
      if (t && len - 4 >= t.length) parts.push(msg.subarray(o, end));
      else {
        if (!t) bad('noTemplate');
        rebuilt = true;
      }
    } else bad('reservedSetId');
    o = end;
  }
  if (parts.length > 1) {
    let out;
    try {
      out = lib.v9(rebuilt ? Buffer.concat(parts) : msg, scope);
    } catch {
      bad('decoderException');
      return r;
    }
    for (const f of out.flows) (f.isOption ? r.options : r.data).push(f);
  }
  return r;
}

/**
 * The template record with every repeated field type after the first renamed to type 0, which
 * node-netflowv9 decodes as an unknown hex string: it assigns fields in order, so the last
 * occurrence would win; we key flows on the first (the outer header of tunnel templates), as
 * our IPFIX decoder does. `skip` scope fields are left alone (their types are another namespace).
 */
function firstOccurrence(rec: Buffer, fieldsAt: number, skip: number): Buffer {
  const seen = new Set<number>();
  let copy: Buffer | null = null;
  for (let q = fieldsAt + skip * 4, i = 0; q + 4 <= rec.length; q += 4, i++) {
    const type = u16(rec, q);
    if (!seen.has(type)) {
      seen.add(type);
      continue;
    }
    copy ??= Buffer.from(rec);
    copy.writeUInt16BE(0, q);
  }
  return copy ?? rec;
}

/** One FlowSet (id, length) around the given records. */
function flowSet(id: number, records: Buffer[]): Buffer {
  const h = Buffer.alloc(4);
  let len = 4;
  for (const rec of records) len += rec.length;
  h.writeUInt16BE(id, 0);
  h.writeUInt16BE(len, 2);
  return Buffer.concat([h, ...records]);
}

/** v9 packets holding these templates (FlowSets under 64 KiB), to seed node-netflowv9 after a restart. */
export function templatePackets(defs: TemplateDef[]): Buffer[] {
  const packets: Buffer[] = [];
  let data: Buffer[] = [];
  let size = 0;
  const header = () => {
    const h = Buffer.alloc(V9_HEADER);
    h.writeUInt16BE(9, 0);
    return h;
  };
  const flushData = () => {
    if (data.length > 0) packets.push(Buffer.concat([header(), flowSet(0, data)]));
    data = [];
    size = 0;
  };
  for (const d of defs) {
    if (d.scopeCount === 0) {
      const rec = Buffer.alloc(4 + 4 * d.fields.length);
      rec.writeUInt16BE(d.id, 0);
      rec.writeUInt16BE(d.fields.length, 2);
      d.fields.forEach((f, i) => (rec.writeUInt16BE(f.id, 4 + 4 * i), rec.writeUInt16BE(f.length, 6 + 4 * i)));
      if (size + rec.length > 60_000) flushData();
      data.push(rec);
      size += rec.length;
    } else {
      const rec = Buffer.alloc(6 + 4 * d.fields.length);
      rec.writeUInt16BE(d.id, 0);
      rec.writeUInt16BE(d.scopeCount * 4, 2);
      rec.writeUInt16BE((d.fields.length - d.scopeCount) * 4, 4);
      d.fields.forEach((f, i) => (rec.writeUInt16BE(f.id, 6 + 4 * i), rec.writeUInt16BE(f.length, 8 + 4 * i)));
      packets.push(Buffer.concat([header(), flowSet(1, [rec])]));
    }
  }
  flushData();
  return packets;
}

function u16(b: Uint8Array, o: number): number {
  return (b[o]! << 8) | b[o + 1]!;
}

function u32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}
