import { accessSync, statSync, constants as fsConstants } from 'node:fs';
import { resolve } from 'node:path';
import { errorLine } from './errors.js';

/**
 * Configuration checking shared by the probe and the console: every problem in a file is collected
 * (one line each, naming the key), unknown keys get a "did you mean" hint, sizes accept units.
 * Parsing the YAML stays with the caller; `readableFile` checks a file exists and can be read.
 */
const MiB = 1 << 20;

/** "HOST:PORT", "[v6]:PORT" or "*:PORT" into its parts; null when malformed. */
export function parseListen(s: string): { host: string; port: number } | null {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9_.-]+|\*)):(\d{1,5})$/.exec(s);
  if (!m) return null;
  const port = Number(m[3]);
  return port >= 1 && port <= 65535 ? { host: m[1] ?? m[2]!, port } : null;
}

export function got(x: unknown): string {
  if (x === null) return 'nothing';
  if (Array.isArray(x)) return 'a list';
  if (typeof x === 'object') return 'a mapping';
  return typeof x === 'string' ? JSON.stringify(x) : String(x);
}

function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++)
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1));
  return d[a.length]![b.length]!;
}

const SIZE_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  kib: 1024,
  kb: 1000,
  m: MiB,
  mib: MiB,
  mb: 1e6,
  g: 1024 * MiB,
  gib: 1024 * MiB,
  gb: 1e9,
  t: 2 ** 40,
  tib: 2 ** 40,
  tb: 1e12,
};

function showSize(n: number): string {
  for (const [u, f] of [
    ['GiB', 1024 * MiB],
    ['MiB', MiB],
    ['KiB', 1024],
  ] as const)
    if (n >= f && n % f === 0) return `${n / f}${u}`;
  return String(n);
}

/** Collects problems instead of throwing, so one run reports every mistake in the file. */
export class Check {
  constructor(private readonly problems: string[]) {}

  problem(key: string, what: string): void {
    this.problems.push(key ? `${key}: ${what}` : what);
  }

  map(x: unknown, key: string, keys: readonly string[]): Record<string, unknown> | null {
    if (x === undefined || (x === null && key !== '')) return null;
    if (x === null || typeof x !== 'object' || Array.isArray(x)) {
      this.problem(key || '(top level)', `expected a mapping, got ${got(x)}`);
      return null;
    }
    const o = x as Record<string, unknown>;
    for (const k of Object.keys(o)) {
      if (keys.includes(k)) continue;
      const near = keys.find((c) => distance(k, c) <= (c.length <= 4 ? 1 : 2));
      this.problem(key ? `${key}.${k}` : k, `unknown key${near ? ` (did you mean "${near}"?)` : ''}; expected one of ${keys.join(', ')}`);
    }
    return o;
  }

  list(x: unknown, key: string, max: number): unknown[] {
    if (x === undefined || x === null) return [];
    if (!Array.isArray(x)) {
      this.problem(key, `expected a list, got ${got(x)}`);
      return [];
    }
    if (x.length > max) this.problem(key, `at most ${max} entries, got ${x.length}`);
    return x;
  }

  str(x: unknown, key: string, dflt: string, re?: RegExp, what?: string): string {
    if (x === undefined) return dflt;
    if (typeof x !== 'string' || (re && !re.test(x))) {
      this.problem(key, `expected ${what ?? 'a string'}, got ${got(x)}`);
      return dflt;
    }
    return x;
  }

  /** A password or token: checked like str, but a problem never repeats the value. */
  secret(x: unknown, key: string, re: RegExp, what: string): string {
    if (typeof x !== 'string' || !re.test(x)) {
      this.problem(key, `expected ${what}${typeof x === 'string' ? ` (the value is not shown)` : `, got ${got(x)}`}`);
      return '';
    }
    return x;
  }

  /** A path to a regular file this process can read (relative to the config file's folder); null when absent or bad. */
  readableFile(x: unknown, key: string, baseDir: string): string | null {
    if (x === undefined || x === null) return null;
    if (typeof x !== 'string' || x === '') {
      this.problem(key, `expected the path of a PEM file, got ${got(x)}`);
      return null;
    }
    const f = resolve(baseDir, x);
    try {
      if (!statSync(f).isFile()) {
        this.problem(key, `${f} is not a file`);
        return null;
      }
      accessSync(f, fsConstants.R_OK);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      this.problem(
        key,
        code === 'ENOENT' ? `${f}: no such file` : code === 'EACCES' ? `${f}: permission denied (this process cannot read it)` : `${f}: ${errorLine(e)}`,
      );
      return null;
    }
    return f;
  }
  bool(x: unknown, key: string, dflt: boolean): boolean {
    if (x === undefined) return dflt;
    if (typeof x !== 'boolean') this.problem(key, `expected true or false, got ${got(x)}`);
    return typeof x === 'boolean' ? x : dflt;
  }

  num(x: unknown, key: string, dflt: number, min: number, max: number, integer = false): number {
    if (x === undefined) return dflt;
    if (typeof x !== 'number' || !Number.isFinite(x) || (integer && !Number.isInteger(x)) || x < min || x > max) {
      this.problem(key, `expected ${integer ? 'a whole number' : 'a number'} from ${min} to ${max}, got ${got(x)}`);
      return dflt;
    }
    return x;
  }

  choice<T extends string>(x: unknown, key: string, choices: readonly T[], dflt: T): T {
    if (x === undefined) return dflt;
    if (typeof x !== 'string' || !(choices as readonly string[]).includes(x)) {
      this.problem(key, `expected one of ${choices.join(', ')}, got ${got(x)}`);
      return dflt;
    }
    return x as T;
  }

  /** Bytes: a whole number, or a string such as "64MiB", "1 GiB", "512k" (k/M/G alone are powers of 1024). */
  size(x: unknown, key: string, dflt: number, min: number, max: number): number {
    if (x === undefined) return dflt;
    const m = typeof x === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(x) : null;
    const n =
      typeof x === 'number' ? x : m && SIZE_UNITS[m[2]!.toLowerCase()] !== undefined ? Math.round(Number(m[1]) * SIZE_UNITS[m[2]!.toLowerCase()]!) : NaN;
    if (!Number.isInteger(n) || n < min || n > max) {
      this.problem(key, `expected a size in bytes (a whole number, or e.g. "64MiB") from ${showSize(min)} to ${showSize(max)}, got ${got(x)}`);
      return dflt;
    }
    return n;
  }

  hostPort(x: unknown, key: string): string | null {
    if (typeof x !== 'string' || !parseListen(x)) {
      this.problem(key, `expected "HOST:PORT" (e.g. "0.0.0.0:2055" or "[::]:4739"), got ${got(x)}`);
      return null;
    }
    return x;
  }

  /** `credentialKeys` names where a username and password go instead of the URL. */
  mqttUrl(x: unknown, key: string, credentialKeys = 'the username and password keys'): string {
    let u: URL | null;
    try {
      u = typeof x === 'string' ? new URL(x) : null;
    } catch {
      u = null;
    }
    if (!u || !['mqtt:', 'mqtts:', 'ws:', 'wss:'].includes(u.protocol) || u.hostname === '') {
      if (x !== undefined) this.problem(key, `expected an mqtt://, mqtts://, ws:// or wss:// URL with a host, got ${got(x)}`);
      return '';
    }
    if (u.username || u.password) this.problem(key, `credentials do not belong in the URL: use ${credentialKeys} (or SPANMAP_MQTT_PASSWORD)`);
    return x as string;
  }

  unique(names: string[], keyOf: (i: number) => string): void {
    names.forEach((n, i) => {
      if (n !== '' && names.indexOf(n) !== i) this.problem(keyOf(i), `"${n}" is listed twice`);
    });
  }
}
