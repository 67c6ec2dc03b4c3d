import type { Context } from 'hono';
import { SpanmapError, type ErrorCode } from '@spanmap/shared';

/** The one place where error codes become HTTP statuses. */
export const HTTP_STATUS: Record<ErrorCode, 400 | 401 | 403 | 404 | 409 | 413 | 500 | 503> = {
  bad_request: 400,
  bad_config: 400,
  bad_input: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  too_large: 413,
  unavailable: 503,
  io: 500,
  internal: 500,
};

export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: Record<string, unknown> };
}

export function errorResponse(c: Context, e: unknown) {
  const err = e instanceof SpanmapError ? e : new SpanmapError('internal', 'internal error');
  const body: ErrorBody = { error: { code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) } };
  return c.json(body, HTTP_STATUS[err.code]);
}
