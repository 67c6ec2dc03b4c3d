import type { EdgeKey } from '../catalog/catalog.js';
import { selectorText, type Rule, type Selector } from '../policy/model.js';

/**
 * What the rest of the console needs of names: the name an address had at a time (ms; Infinity:
 * the name it has now), or null when it had none then — never a guess.
 */
export interface NameLookup {
  nameAt(ip: string, time: number): string | null;
}

/** Something with a source and a destination address, with their names. */
export type Named<T> = T & { srcName: string | null; dstName: string | null };

/** A rule with the names of its host selectors (now) and of its justifying edges' hosts (when seen). */
export type NamedRule<R extends Rule = Rule> = Omit<R, 'justifiedBy'> & {
  srcName: string | null;
  dstName: string | null;
  justifiedBy: Array<Named<EdgeKey>>;
};

/**
 * An edge (or anything with src and dst) with the names its addresses had at `time`: the time
 * the traffic happened, its last-seen time.
 */
export function named<T extends { src: string; dst: string }>(names: NameLookup | null | undefined, e: T, time: number): Named<T> {
  return { ...e, srcName: names?.nameAt(e.src, time) ?? null, dstName: names?.nameAt(e.dst, time) ?? null };
}

/** Each edge named at its own last-seen time. */
export function namedList<T extends { src: string; dst: string; lastSeen: number }>(names: NameLookup | null | undefined, list: T[]): Array<Named<T>> {
  return list.map((e) => named(names, e, e.lastSeen));
}

/**
 * A rule's names. A host selector is named as the address is named now: a rule applies from now
 * on, so it matters who holds the address today (after a lease moved, the host the rule now
 * admits). Justifying edges are named as their addresses were at the end of the drafting window,
 * when that traffic happened.
 */
export function namedRule<R extends Rule>(names: NameLookup | null | undefined, r: R, windowEnd: number): NamedRule<R> {
  return {
    ...r,
    srcName: selectorName(names, r.src),
    dstName: selectorName(names, r.dst),
    justifiedBy: r.justifiedBy.map((e) => named(names, e, windowEnd)),
  };
}

function selectorName(names: NameLookup | null | undefined, s: Selector): string | null {
  return 'host' in s ? (names?.nameAt(s.host, Infinity) ?? null) : null;
}

/** "10.0.0.5 (dc01.corp.example)", or the bare address when it has no name. */
export function withName(ip: string, name: string | null): string {
  return name ? `${ip} (${name})` : ip;
}

/**
 * A comment line's text naming a rule's hosts for exports ("RULEID: host:10.0.0.5 (dc01) ->
 * segment:infra"), or null when neither side is a named host. Names are printable ASCII without
 * spaces or line breaks (nameProblem), so they cannot end the comment or start a rule.
 */
export function namesComment(names: NameLookup | null | undefined, r: Rule): string | null {
  const s = selectorName(names, r.src);
  const d = selectorName(names, r.dst);
  if (!s && !d) return null;
  const side = (sel: Selector, n: string | null) => ('host' in sel ? `host:${withName(sel.host, n)}` : selectorText(sel));
  return `${r.id}: ${side(r.src, s)} -> ${side(r.dst, d)}`;
}

/** The names of a rule's host selectors now (exports: CSV columns, JSON fields). */
export function ruleHostNames(names: NameLookup | null | undefined, r: Rule): { srcName: string | null; dstName: string | null } {
  return { srcName: selectorName(names, r.src), dstName: selectorName(names, r.dst) };
}

/** A name as a CSV cell: empty when unknown; never the start of a spreadsheet formula (names come from the wire). */
export function csvText(name: string | null): string {
  if (name === null) return '';
  return /^[=+\-@]/.test(name) ? `'${name}` : name;
}
