import type { Context } from 'hono';
import { bad, intParam } from './params.js';

/** The query parameters every paged list takes (add them to the route's allowed list). */
export const PAGE_PARAMS = ['limit', 'cursor', 'offset'] as const;

/**
 * Where a page starts and how long it is. `cursor` is what the previous page's X-Next-Cursor said
 * (reading on from the first page); `offset` is a row number, for a client that jumps (the UI's
 * End key on a million rows asks for the last page only). One or the other, never both.
 */
export function pageParams(q: Record<string, string>, maxLimit: number, defaultLimit = 1000): { offset: number; limit: number } {
  const limit = intParam(q, 'limit', 1, maxLimit) ?? defaultLimit;
  if (q.cursor !== undefined && q.offset !== undefined) bad('offset', 'give cursor or offset, not both');
  if (q.offset !== undefined) {
    if (!/^\d+$/.test(q.offset) || !Number.isSafeInteger(Number(q.offset)))
      bad('offset', `expected a whole number from 0 to ${Number.MAX_SAFE_INTEGER}, got "${q.offset.slice(0, 40)}"`);
    return { offset: Number(q.offset), limit };
  }
  return { offset: q.cursor === undefined ? 0 : decodeCursor(q.cursor), limit };
}

/** X-Total-Count, and X-Next-Cursor while rows remain after this page: the body stays a plain array. */
export function pageHeaders(c: Context, offset: number, count: number, total: number): void {
  c.header('X-Total-Count', String(total));
  if (offset + count < total) c.header('X-Next-Cursor', encodeCursor(offset + count));
}

export function encodeCursor(offset: number): string {
  return Buffer.from(JSON.stringify({ o: offset })).toString('base64url');
}

/** A cursor this console issued: `{"o":N}`, or the bare number /longtail used to issue. */
export function decodeCursor(s: string): number {
  try {
    const text = Buffer.from(s, 'base64url').toString('utf8');
    const o = /^\d+$/.test(text) ? Number(text) : (JSON.parse(text) as { o?: unknown }).o;
    if (typeof o === 'number' && Number.isSafeInteger(o) && o >= 0) return o;
  } catch {
    // fall through
  }
  return bad('cursor', 'not a cursor this console issued');
}
