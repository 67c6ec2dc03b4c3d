import type { SegmentDef } from '../api.js';

/** A segment as edited: lists as free text (one item per line, or separated by commas/spaces). */
export interface SegmentDraft {
  /** Stable identity while editing (names change). */
  uid: number;
  name: string;
  cidrs: string;
  vlans: string;
  hosts: string;
}

let uid = 0;

export function toDraft(s: SegmentDef): SegmentDraft {
  return { uid: ++uid, name: s.name, cidrs: s.cidrs.join('\n'), vlans: s.vlans.join(', '), hosts: s.hosts.join('\n') };
}

export function emptyDraft(): SegmentDraft {
  return { uid: ++uid, name: '', cidrs: '', vlans: '', hosts: '' };
}

export function items(text: string): string[] {
  return text.split(/[\s,;]+/).filter((s) => s !== '');
}

/** The body of PUT /segments. VLANs that are not numbers go as they are: the API names them. */
export function toBody(drafts: readonly SegmentDraft[]): Array<{ name: string; cidrs: string[]; vlans: Array<number | string>; hosts: string[] }> {
  return drafts.map((d) => ({
    name: d.name.trim(),
    cidrs: items(d.cidrs),
    vlans: items(d.vlans).map((v) => (/^\d+$/.test(v) ? Number(v) : v)),
    hosts: items(d.hosts),
  }));
}

export interface FieldError {
  /** Index in the list sent, or null for the whole body. */
  index: number | null;
  field: 'name' | 'cidrs' | 'vlans' | 'hosts' | null;
  /** Item within the list, when the message names one. */
  item: number | null;
  message: string;
}

/**
 * Where an API validation error belongs: `segments[1].cidrs[0]: 10.10.1.0/24 is also in segment
 * "web" (ambiguous)` → segment 1, CIDRs, item 0, and the message after the field.
 */
export function locateError(field: string | null, message: string): FieldError {
  const f = field ?? /^([^\s:]+):/.exec(message)?.[1] ?? '';
  const m = /^segments\[(\d+)\](?:\.(name|cidrs|vlans|hosts)(?:\[(\d+)\])?)?/.exec(f);
  const text = f && message.startsWith(`${f}: `) ? message.slice(f.length + 2) : message;
  if (!m) return { index: null, field: null, item: null, message: text };
  return { index: Number(m[1]), field: (m[2] as FieldError['field']) ?? null, item: m[3] !== undefined ? Number(m[3]) : null, message: text };
}
