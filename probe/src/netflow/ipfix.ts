import { formatIPv4, formatIPv6 } from '@spanmap/shared';
import { FIRST_FAMILY, Kind, type FieldValues } from './ie.js';
import { compileTemplate, readTemplateRecord, templateSignature, VARIABLE, type CompiledTemplate } from './ipfix-template.js';
import { MAX_TEMPLATES, type RejectReason, type TemplateChanges } from './types.js';

// Our own IPFIX (RFC 7011) decoder: node-netflowv9 stops at NetFlow v9. Pure: bytes and the
// exporter scope's template map in, records and counts out; no I/O, no clock.

export const IPFIX_HEADER = 16;

export interface IpfixHeader {
  length: number;
  /** Export time, seconds since the epoch. */
  exportTime: number;
  /** Data records sent in this observation domain before this message (mod 2^32). */
  sequence: number;
  domain: number;
}

export function readIpfixHeader(b: Uint8Array): IpfixHeader | RejectReason {
  if (b.length < IPFIX_HEADER) return 'tooShort';
  const length = (b[2]! << 8) | b[3]!;
  // A message longer than its datagram was truncated on the way; shorter is trailing junk we ignore.
  if (length < IPFIX_HEADER || length > b.length) return 'badLength';
  return { length, exportTime: u32(b, 4), sequence: u32(b, 8), domain: u32(b, 12) };
}

export interface IpfixResult extends TemplateChanges {
  /** Data records in message order. */
  data: FieldValues[];
  /** Options data records (sampling, system init time...). */
  options: FieldValues[];
  /** Data records in the message (options data included): the unit of IPFIX sequence numbers. */
  dataRecords: number;
  /** False when some data set could not be decoded, so `dataRecords` undercounts. */
  complete: boolean;
  errors: Partial<Record<RejectReason, number>>;
}

const SET_TEMPLATE = 2;
const SET_OPTIONS = 3;

/**
 * Decodes the sets of one IPFIX message. `templates` is the exporter scope's template map
 * (exporter address + observation domain): template sets update it in place, in message order,
 * so data after its template in the same message decodes.
 */
export function decodeIpfix(b: Uint8Array, h: IpfixHeader, templates: Map<number, CompiledTemplate>): IpfixResult {
  const r: IpfixResult = { data: [], options: [], dataRecords: 0, complete: true, errors: {}, added: [], withdrawn: [], refreshed: 0 };
  const end = h.length;
  let o = IPFIX_HEADER;
  while (o + 4 <= end) {
    const setId = (b[o]! << 8) | b[o + 1]!;
    const setLen = (b[o + 2]! << 8) | b[o + 3]!;
    if (setLen < 4 || o + setLen > end) {
      count(r, 'badSetLength');
      r.complete = false;
      return r;
    }
    const setEnd = o + setLen;
    if (setId === SET_TEMPLATE || setId === SET_OPTIONS) templateSet(b, o + 4, setEnd, setId === SET_OPTIONS, templates, r);
    else if (setId >= 256) dataSet(b, o + 4, setEnd, templates.get(setId), r);
    else count(r, 'reservedSetId');
    o = setEnd;
  }
  return r;
}

function templateSet(b: Uint8Array, o: number, end: number, options: boolean, templates: Map<number, CompiledTemplate>, r: IpfixResult): void {
  // Anything shorter than a record header at the end of a set is padding (RFC 7011 section 3.3.1);
  // so is a run of zero octets (template id 0 does not exist).
  while (end - o >= 4) {
    if (b[o] === 0 && b[o + 1] === 0 && b[o + 2] === 0 && b[o + 3] === 0) return;
    const t = readTemplateRecord(b, o, end, options);
    if (t.type === 'malformed') {
      count(r, 'malformedTemplate');
      if (t.next < 0) return;
      o = t.next;
    } else if (t.type === 'withdraw') {
      withdraw(t.id, options, templates, r);
      o = t.next;
    } else {
      const old = templates.get(t.def.id);
      // Exporters resend their templates every few seconds: compare before compiling.
      if (old && old.signature === templateSignature(t.def)) r.refreshed++;
      else if (!old && templates.size >= MAX_TEMPLATES) count(r, 'tooManyTemplates');
      else {
        templates.set(t.def.id, compileTemplate(t.def));
        r.added.push(t.def);
      }
      o = t.next;
    }
  }
}

/** Withdrawal: one template, or with id 2 (template set) / 3 (options set) all of that kind. */
function withdraw(id: number, options: boolean, templates: Map<number, CompiledTemplate>, r: IpfixResult): void {
  if (id === (options ? SET_OPTIONS : SET_TEMPLATE)) {
    for (const [tid, t] of templates) {
      if (t.def.scopeCount > 0 === options) {
        templates.delete(tid);
        r.withdrawn.push(tid);
      }
    }
  } else if (id >= 256) {
    if (templates.delete(id)) r.withdrawn.push(id);
  } else count(r, 'malformedTemplate');
}

function dataSet(b: Uint8Array, o: number, end: number, t: CompiledTemplate | undefined, r: IpfixResult): void {
  if (!t) {
    count(r, 'noTemplate');
    r.complete = false;
    return;
  }
  const isOptions = t.def.scopeCount > 0;
  // Fewer octets left than the smallest record is padding.
  while (end - o >= t.minLength) {
    const v: FieldValues = {};
    if (t.family) v[FIRST_FAMILY] = t.family;
    const next = decodeRecord(b, o, end, t, v);
    if (next < 0) {
      count(r, 'badRecord');
      r.complete = false;
      return;
    }
    o = next;
    r.dataRecords++;
    (isOptions ? r.options : r.data).push(v);
  }
}

/** Decodes one data record into `v`; returns the offset after it, or -1 when it runs past `end`. */
export function decodeRecord(b: Uint8Array, o: number, end: number, t: CompiledTemplate, v: FieldValues): number {
  const n = t.keys.length;
  for (let i = 0; i < n; i++) {
    let len = t.lengths[i]!;
    if (len === VARIABLE) {
      if (o >= end) return -1;
      len = b[o++]!;
      if (len === 255) {
        if (o + 2 > end) return -1;
        len = (b[o]! << 8) | b[o + 1]!;
        o += 2;
      }
    }
    if (o + len > end) return -1;
    const key = t.keys[i]!;
    if (key >= 0) {
      const value = readValue(b, o, len, t.kinds[i]! as Kind);
      if (value !== undefined) v[key] = value;
    }
    o += len;
  }
  return o;
}

const NTP_TO_UNIX_S = 2_208_988_800;

/** A value of the given kind, or undefined when the length does not fit the kind (ignored). */
export function readValue(b: Uint8Array, o: number, len: number, kind: Kind): number | string | Uint8Array | undefined {
  switch (kind) {
    case Kind.Unsigned:
      return len >= 1 && len <= 8 ? uint(b, o, len) : undefined;
    case Kind.IPv4:
      return len === 4 ? formatIPv4(u32(b, o)) : undefined;
    case Kind.IPv6:
      return len === 16 ? formatIPv6(u32(b, o), u32(b, o + 4), u32(b, o + 8), u32(b, o + 12)) : undefined;
    case Kind.Seconds:
      return len === 4 ? u32(b, o) * 1000 : undefined;
    case Kind.Millis:
      return len >= 1 && len <= 8 ? uint(b, o, len) : undefined;
    case Kind.Ntp:
      return len === 8 ? (u32(b, o) - NTP_TO_UNIX_S) * 1000 + Math.floor((u32(b, o + 4) / 4294967296) * 1000) : undefined;
    case Kind.Float: {
      const dv = new DataView(b.buffer, b.byteOffset + o, len);
      return len === 8 ? dv.getFloat64(0) : len === 4 ? dv.getFloat32(0) : undefined;
    }
    case Kind.Bytes:
      return b.subarray(o, o + len);
    default:
      return undefined;
  }
}

/** Unsigned big-endian integer of 1-8 octets (exact up to 2^53, which counters do not reach). */
export function uint(b: Uint8Array, o: number, len: number): number {
  let v = 0;
  for (let i = 0; i < len; i++) v = v * 256 + b[o + i]!;
  return v;
}

export function u32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

function count(r: IpfixResult, reason: RejectReason): void {
  r.errors[reason] = (r.errors[reason] ?? 0) + 1;
}
