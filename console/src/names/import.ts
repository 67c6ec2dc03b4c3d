import { SpanmapError, canonicalIP, nameProblem } from '@spanmap/shared';
import type { NameChange } from './names.js';

/** Most names one request may set or remove. */
export const MAX_CHANGES = 100_000;

export type ImportFormat = 'json' | 'csv' | 'hosts';

const bad = (field: string, message: string): never => {
  throw new SpanmapError('bad_request', `${field}: ${message}`, { field });
};

/**
 * An operator's name as stored: the trailing dot of a fully qualified name removed, the spelling
 * kept (names compare without case). Refused, naming the field, when it is not a valid host name
 * (shared nameProblem: at most 253 characters, labels of 1-63, printable ASCII without spaces).
 */
export function operatorName(v: unknown, field: string): string | null {
  if (v === null) return null;
  if (typeof v !== 'string') return bad(field, 'expected a host name, or null to remove the operator name');
  const n = v.endsWith('.') ? v.slice(0, -1) : v;
  const problem = nameProblem(n);
  if (problem) bad(field, problem);
  return n;
}

function address(v: unknown, field: string): string {
  const ip = typeof v === 'string' ? canonicalIP(v.trim()) : null;
  return ip ?? bad(field, `${JSON.stringify(v)} is not an IP address`);
}

/** `PUT /names` as JSON: [{"ip","name"}], name null removes the operator's name. */
export function parseJsonChanges(body: unknown): NameChange[] {
  if (!Array.isArray(body)) return bad('body', 'expected an array of {"ip","name"} (name null removes an operator name)');
  if (body.length > MAX_CHANGES) bad('body', `at most ${MAX_CHANGES} names per request`);
  return body.map((e, i) => {
    if (!e || typeof e !== 'object' || Array.isArray(e)) return bad(`[${i}]`, 'expected {"ip","name"}');
    for (const k of Object.keys(e as object)) if (k !== 'ip' && k !== 'name') bad(`[${i}].${k}`, 'unknown field (expected ip, name)');
    const o = e as Record<string, unknown>;
    if (!('name' in o)) bad(`[${i}].name`, 'missing (a host name, or null to remove the operator name)');
    return { ip: address(o.ip, `[${i}].ip`), name: operatorName(o.name, `[${i}].name`) };
  });
}

/**
 * A hosts file (hosts(5)): "ADDRESS NAME [ALIAS...]" per line, "#" starts a comment. The first
 * name of a line is the address's name (what a reverse lookup of the file gives); when an address
 * is on several lines, its first line counts, as in a resolver. Aliases are not names of their own.
 */
export function parseHostsFile(text: string): NameChange[] {
  const out: NameChange[] = [];
  const seen = new Set<string>();
  lines(text).forEach(([raw, n]) => {
    const line = raw.replace(/#.*/, '').trim();
    if (line === '') return;
    const [ip, name] = line.split(/\s+/);
    if (name === undefined) bad(`line ${n}`, `"${clip(line)}" has an address but no name`);
    const addr = address(ip, `line ${n}`);
    const nm = operatorName(name, `line ${n}`)!;
    if (seen.has(addr)) return;
    seen.add(addr);
    out.push({ ip: addr, name: nm });
  });
  if (out.length > MAX_CHANGES) bad('body', `at most ${MAX_CHANGES} names per request`);
  return out;
}

/**
 * CSV (RFC 4180 quoting): "ip,name" per line, an optional header line naming the columns (ip and
 * name in any order; other columns are ignored). An empty name removes the operator's name.
 */
export function parseCsv(text: string): NameChange[] {
  const rows = lines(text).filter(([l]) => l.trim() !== '');
  if (rows.length === 0) return [];
  let ipCol = 0;
  let nameCol = 1;
  const head = splitCsv(rows[0]![0], rows[0]![1]).map((h) => h.trim().toLowerCase());
  if (head.includes('ip') || head.includes('address')) {
    ipCol = head.indexOf('ip') >= 0 ? head.indexOf('ip') : head.indexOf('address');
    nameCol = head.indexOf('name') >= 0 ? head.indexOf('name') : head.indexOf('hostname');
    if (nameCol < 0) bad('line 1', 'the header names an ip column but no name (or hostname) column');
    rows.shift();
  }
  if (rows.length > MAX_CHANGES) bad('body', `at most ${MAX_CHANGES} names per request`);
  return rows.map(([l, n]) => {
    const cells = splitCsv(l, n);
    if (cells.length <= Math.max(ipCol, nameCol)) bad(`line ${n}`, `expected ip,name, got "${clip(l)}"`);
    const name = cells[nameCol]!.trim();
    return { ip: address(cells[ipCol], `line ${n}`), name: name === '' ? null : operatorName(name, `line ${n}`) };
  });
}

/** The body of `PUT /names` by its content type. */
export function parseChanges(format: ImportFormat, body: string | unknown): NameChange[] {
  if (format === 'json') return parseJsonChanges(body);
  return format === 'csv' ? parseCsv(body as string) : parseHostsFile(body as string);
}

function lines(text: string): Array<[string, number]> {
  return text.split(/\r?\n/).map((l, i): [string, number] => [l, i + 1]);
}

/**
 * One CSV line into fields (RFC 4180 quotes, "" for a quote). Hand-written: two columns of
 * addresses and names, one record per line (a name cannot hold a line break), is not worth a
 * dependency.
 */
function splitCsv(line: string, n: number): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"' && cur.trim() === '') {
      quoted = true;
      cur = '';
    } else if (ch === ',') {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (quoted) bad(`line ${n}`, 'unterminated quoted field');
  out.push(cur);
  return out;
}

function clip(s: string): string {
  return s.length > 60 ? `${s.slice(0, 60)}…` : s;
}
