import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { observeCapture, type CaptureNames } from './capture.js';
import { tsharkNames } from './tshark.js';

/** The real captures beside the checkout (../shared/pcaps, or SPANMAP_SHARED_DIR/pcaps). */
export const PCAPS = join(process.env.SPANMAP_SHARED_DIR ?? join(fileURLToPath(new URL('../../../../..', import.meta.url)), 'shared'), 'pcaps');

export function capture(name: string): string {
  return join(PCAPS, name);
}

export interface Comparison {
  file: string;
  /** Frame-level "source ip name" triples both found. */
  agree: number;
  /** Distinct (source, ip, name) the observer found. */
  distinct: number;
  /** "frame triple" lines only tshark found / only the observer found. */
  missing: string[];
  extra: string[];
  observed: CaptureNames;
}

/**
 * Runs a capture through the observer and through tshark, and compares per frame the
 * (source, address, name) triples of the given sources.
 */
export function compareWithTshark(file: string, sources: readonly string[]): Comparison {
  const observed = observeCapture(file);
  const oracle = tsharkNames(file);
  const keep = (t: string) => sources.includes(t.slice(0, t.indexOf(' ')));
  const frames = [...new Set([...observed.byFrame.keys(), ...oracle.keys()])].sort((a, b) => a - b);
  const c: Comparison = { file, agree: 0, distinct: 0, missing: [], extra: [], observed };
  const distinct = new Set<string>();
  for (const f of frames) {
    const mine = [...(observed.byFrame.get(f) ?? [])].filter(keep);
    const theirs = new Set([...(oracle.get(f) ?? [])].filter(keep));
    for (const t of mine) {
      distinct.add(t);
      if (theirs.delete(t)) c.agree++;
      else c.extra.push(`${f} ${t}`);
    }
    for (const t of theirs) c.missing.push(`${f} ${t}`);
  }
  c.distinct = distinct.size;
  return c;
}
