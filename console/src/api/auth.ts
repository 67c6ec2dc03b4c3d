import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { SpanmapError } from '@spanmap/shared';

export type Role = 'viewer' | 'editor';

export interface ApiToken {
  token: string;
  role: Role;
  /** Who this token is, for the audit trail. */
  name: string;
}

export interface Principal {
  name: string;
  role: Role;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * Bearer-token authentication. Tokens are compared in constant time (both sides hashed first,
 * so lengths never leak either). Sets `principal` on the context.
 */
export function bearerAuth(tokens: () => ApiToken[]): MiddlewareHandler<{ Variables: { principal: Principal } }> {
  return async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!m) throw new SpanmapError('unauthorized', 'missing bearer token (Authorization: Bearer <token>)');
    const presented = digest(m[1]!);
    let match: ApiToken | undefined;
    for (const t of tokens()) if (timingSafeEqual(presented, digest(t.token))) match = t;
    if (!match) throw new SpanmapError('unauthorized', 'invalid token');
    c.set('principal', { name: match.name, role: match.role });
    await next();
  };
}

/** Refuses changes from read-only tokens. */
export function requireEditor(): MiddlewareHandler<{ Variables: { principal: Principal } }> {
  return async (c, next) => {
    if (c.get('principal').role !== 'editor') throw new SpanmapError('forbidden', 'this token may only read (viewer role)');
    await next();
  };
}
