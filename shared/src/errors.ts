/**
 * Errors with a stable code. The console maps codes to HTTP status in one place;
 * the command line prints `spanmap: <message>` and exits non-zero.
 */
export type ErrorCode =
  'bad_request' | 'bad_config' | 'bad_input' | 'not_found' | 'conflict' | 'unauthorized' | 'forbidden' | 'too_large' | 'unavailable' | 'io' | 'internal';

export class SpanmapError extends Error {
  readonly code: ErrorCode;
  readonly details?: Record<string, unknown>;
  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'SpanmapError';
    this.code = code;
    if (details) this.details = details;
  }
}

export function isSpanmapError(e: unknown): e is SpanmapError {
  return e instanceof SpanmapError;
}

/** One line for a human: the message of a coded error, or a generic description of anything else. */
export function errorLine(e: unknown): string {
  if (e instanceof SpanmapError) return e.message;
  if (e && typeof e === 'object' && 'code' in e && 'message' in e) {
    const sys = e as { code: unknown; message: unknown; path?: unknown };
    if (sys.code === 'ENOENT' && sys.path) return `${String(sys.path)}: no such file or directory`;
    if (sys.code === 'EACCES' && sys.path) return `${String(sys.path)}: permission denied`;
    if (sys.code === 'EISDIR' && sys.path) return `${String(sys.path)}: is a directory`;
    return String(sys.message);
  }
  return e instanceof Error ? e.message : String(e);
}
