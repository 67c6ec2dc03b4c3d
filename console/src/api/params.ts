import type { Context } from 'hono';
import { SpanmapError, canonicalIP } from '@spanmap/shared';
import type { Range } from '../matrix/accumulate.js';

const bad = (field: string, message: string): never => {
  throw new SpanmapError('bad_request', `${field}: ${message}`, { field });
};

/** Query parameters, refusing any not in `allowed` (a typo should not silently widen a query). */
export function queryParams(c: Context, allowed: readonly string[]): Record<string, string> {
  const q = c.req.query();
  for (const k of Object.keys(q)) if (!allowed.includes(k)) bad(k, `unknown query parameter (allowed: ${allowed.join(', ')})`);
  return q;
}

export function intParam(q: Record<string, string>, name: string, min: number, max: number): number | undefined {
  const v = q[name];
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isInteger(n) || n < min || n > max) bad(name, `expected a whole number from ${min} to ${max}, got "${v}"`);
  return n;
}

/** A time: milliseconds since the epoch, or an ISO 8601 date. */
export function timeParam(q: Record<string, string>, name: string): number | undefined {
  const v = q[name];
  if (v === undefined) return undefined;
  if (/^\d+$/.test(v)) return Number(v);
  const t = Date.parse(v);
  if (Number.isNaN(t) || !/^\d{4}-\d{2}-\d{2}/.test(v)) bad(name, `expected milliseconds since the epoch or an ISO date, got "${v}"`);
  return t;
}

/** from/to (default: everything). Ranges resolve to whole hours. */
export function rangeParams(q: Record<string, string>, now: number): Range {
  const from = timeParam(q, 'from') ?? 0;
  const to = timeParam(q, 'to') ?? now + 3_600_000;
  if (to <= from) bad('to', `must be after from (${from} >= ${to})`);
  return { from, to };
}

export function ipParam(q: Record<string, string>, name: string): string | undefined {
  const v = q[name];
  if (v === undefined) return undefined;
  return canonicalIP(v) ?? bad(name, `"${v}" is not an IP address`);
}

export function boolParam(q: Record<string, string>, name: string): boolean | undefined {
  const v = q[name];
  if (v === undefined) return undefined;
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  return bad(name, `expected true or false, got "${v}"`);
}

/** The JSON body, or a 400 that says what is wrong with it. */
export async function jsonBody(c: Context): Promise<unknown> {
  const type = c.req.header('content-type') ?? '';
  if (!type.includes('application/json')) bad('content-type', 'expected application/json');
  try {
    return await c.req.json();
  } catch {
    return bad('body', 'not valid JSON');
  }
}

/** Object fields, refusing unknown ones. */
export function fields(body: unknown, at: string, allowed: readonly string[]): Record<string, unknown> {
  if (!body || typeof body !== 'object' || Array.isArray(body)) bad(at, 'expected a JSON object');
  for (const k of Object.keys(body as object))
    if (!allowed.includes(k)) bad(at === 'body' ? k : `${at}.${k}`, `unknown field (expected ${allowed.join(', ')})`);
  return body as Record<string, unknown>;
}

export { bad };
