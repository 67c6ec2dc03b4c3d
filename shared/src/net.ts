import { UsageError } from './cli.js';

/** Parses "HOST:PORT", "[IPv6]:PORT" or ":PORT" (all interfaces); `name` is used in errors. */
export function parseHostPort(s: string, name: string, defaultHost = '127.0.0.1'): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(s);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new UsageError(`${name}: expected HOST:PORT (e.g. 127.0.0.1:1883 or [::1]:1883), got "${s}"`);
  const host = m[1] ?? (m[2] === '' ? defaultHost : m[2]!);
  return { host, port };
}
