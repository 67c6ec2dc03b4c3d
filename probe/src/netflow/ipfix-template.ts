import { IE, kindOf, reverseWanted, REVERSE, REVERSE_PEN, type Kind } from './ie.js';
import type { TemplateDef, TemplateField } from './types.js';

/** Field length meaning "variable" (RFC 7011 section 7). */
export const VARIABLE = 65535;

/**
 * A template prepared for decoding: per field the FieldValues key (-1: skip without decoding),
 * its wire kind and length. Built once per template definition, used for every record.
 */
export interface CompiledTemplate {
  def: TemplateDef;
  keys: Int32Array;
  kinds: Uint8Array;
  lengths: Uint16Array;
  /** Smallest possible record: fixed lengths plus one length octet per variable field. */
  minLength: number;
  /** Identity of the definition, to tell a refresh from a redefinition. */
  signature: string;
  /** Address family whose fields come first (0: none): stored in each record under FIRST_FAMILY. */
  family: number;
}

/** 4 or 6 for the family of the first address field in the list, 0 without one. */
export function firstFamily(fields: readonly TemplateField[], from = 0): number {
  for (let i = from; i < fields.length; i++) {
    const f = fields[i]!;
    if (f.pen !== 0) continue;
    if (f.id === IE.sourceIPv4Address || f.id === IE.destinationIPv4Address) return 4;
    if (f.id === IE.sourceIPv6Address || f.id === IE.destinationIPv6Address) return 6;
  }
  return 0;
}

export function templateSignature(def: TemplateDef): string {
  let s = `${def.scopeCount}`;
  for (const f of def.fields) s += `,${f.id}/${f.pen}/${f.length}`;
  return s;
}

export function compileTemplate(def: TemplateDef): CompiledTemplate {
  const n = def.fields.length;
  const keys = new Int32Array(n);
  const kinds = new Uint8Array(n);
  const lengths = new Uint16Array(n);
  let minLength = 0;
  const seen = new Set<number>();
  for (let i = 0; i < n; i++) {
    const f = def.fields[i]!;
    lengths[i] = f.length;
    minLength += f.length === VARIABLE ? 1 : f.length;
    let key = -1;
    let kind: Kind | undefined;
    // Options scope fields are decoded like any other: a scope of selectorId or ingressInterface
    // is exactly what tells us which data records a sampling rate applies to.
    if (f.pen === 0) {
      kind = kindOf(f.id);
      if (kind !== undefined) key = f.id;
    } else if (f.pen === REVERSE_PEN && reverseWanted(f.id)) {
      kind = kindOf(f.id);
      if (kind !== undefined) key = REVERSE + f.id;
    }
    // Enterprise-specific fields (any other PEN) are skipped by length: their meaning is the vendor's.
    // An IE repeated in one template describes an inner header (tunnel templates list the outer
    // header first): the flow is keyed on the first, as a router keys it and tshark shows it.
    if (key >= 0 && seen.has(key)) key = -1;
    if (key >= 0) seen.add(key);
    keys[i] = key;
    kinds[i] = kind ?? 0;
  }
  return { def, keys, kinds, lengths, minLength, signature: templateSignature(def), family: firstFamily(def.fields, def.scopeCount) };
}

/**
 * Reads one IPFIX template or options template record at `o` (RFC 7011 sections 3.4.1, 3.4.2).
 * Returns the definition and where the next record starts, a withdrawal (field count 0), or
 * `malformed` with the end of the record when it can still be skipped (-1 when it cannot).
 */
export type TemplateRead =
  { type: 'template'; def: TemplateDef; next: number } | { type: 'withdraw'; id: number; next: number } | { type: 'malformed'; next: number };

export function readTemplateRecord(b: Uint8Array, o: number, end: number, options: boolean): TemplateRead {
  const id = (b[o]! << 8) | b[o + 1]!;
  const count = (b[o + 2]! << 8) | b[o + 3]!;
  if (count === 0) return { type: 'withdraw', id, next: o + 4 };
  let p = o + 4;
  let scopeCount = 0;
  if (options) {
    if (p + 2 > end) return { type: 'malformed', next: -1 };
    scopeCount = (b[p]! << 8) | b[p + 1]!;
    p += 2;
  }
  const fields: TemplateField[] = [];
  for (let i = 0; i < count; i++) {
    if (p + 4 > end) return { type: 'malformed', next: -1 };
    const raw = (b[p]! << 8) | b[p + 1]!;
    const length = (b[p + 2]! << 8) | b[p + 3]!;
    p += 4;
    let pen = 0;
    if (raw & 0x8000) {
      if (p + 4 > end) return { type: 'malformed', next: -1 };
      pen = ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
      p += 4;
    }
    fields.push({ id: raw & 0x7fff, pen, length });
  }
  // Data set ids start at 256; an options template needs 1..count scope fields; a record of zero
  // octets would let one set claim unlimited records.
  let minLength = 0;
  for (const f of fields) minLength += f.length === VARIABLE ? 1 : f.length;
  if (id < 256 || (options && (scopeCount === 0 || scopeCount > count)) || minLength === 0) return { type: 'malformed', next: p };
  return { type: 'template', def: { id, scopeCount, fields }, next: p };
}
