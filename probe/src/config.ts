import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, resolve } from 'node:path';
import { parseDocument, stringify } from 'yaml';
import { SpanmapError, errorLine } from '@spanmap/shared';
import { DEFAULT_FLOW_OPTIONS } from './flowtable/flow-table.js';

// The probe's YAML configuration: merged over the defaults below and validated once at start
// (and on SIGHUP). Every problem names its key and what was wrong, e.g.
// `capture.interfaces[0].snaplen: expected a whole number from 64 to 262144, got "big"`.

export interface InterfaceConfig { name: string; filter: string; promisc: boolean; snaplen: number; bufferSize: number }
export interface ListenerConfig { protocol: 'netflow' | 'ipfix'; listen: string }
export interface PublishConfig { url: string; username: string | null; password: string | null; interval: number; inflight: number }

export interface ProbeConfig {
  probe: { id: string };
  capture: { backend: 'native' | 'cap'; interfaces: InterfaceConfig[] };
  netflow: { listeners: ListenerConfig[] };
  /** Seconds, as in the file; maxFlows bounds memory. */
  flows: { idle: number; active: number; grace: number; maxFlows: number; decap: 'inner' | 'outer' };
  store: { dir: string; maxAgeDays: number; maxBytes: number };
  /** Absent: flow records are printed as JSON lines on stdout. */
  publish: PublishConfig | null;
  metrics: { listen: string | null };
}

const MiB = 1 << 20;
export const INTERFACE_DEFAULTS = { filter: '', promisc: true, snaplen: 256, bufferSize: 32 * MiB } as const;
export const PUBLISH_DEFAULTS = { username: null, password: null, interval: 10, inflight: 8 } as const;

export function defaultConfig(): ProbeConfig {
  return {
    probe: { id: hostname() },
    capture: { backend: 'native', interfaces: [] },
    netflow: { listeners: [] },
    flows: {
      idle: DEFAULT_FLOW_OPTIONS.idleMs / 1000,
      active: DEFAULT_FLOW_OPTIONS.activeMs / 1000,
      grace: DEFAULT_FLOW_OPTIONS.graceMs / 1000,
      maxFlows: DEFAULT_FLOW_OPTIONS.maxFlows,
      decap: 'inner',
    },
    store: { dir: '/var/lib/spanmap', maxAgeDays: 30, maxBytes: 1024 * MiB },
    publish: null,
    metrics: { listen: null },
  };
}

/** Every problem found, one line each (`file: key: problem`); the message is the first. */
export class ConfigError extends SpanmapError {
  constructor(readonly problems: string[]) {
    super('bad_config', problems.length > 1 ? `${problems[0]} (and ${problems.length - 1} more; run with --check to list them)` : problems[0]!);
  }
}

/** Reads, parses and validates a config file. `env` supplies secrets (SPANMAP_MQTT_PASSWORD). */
export function loadConfig(file: string, env: NodeJS.ProcessEnv = process.env): ProbeConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError([errorLine(e)]);
  }
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const where = (e: (typeof doc.errors)[number]) => (e.linePos ? `${e.linePos[0].line}:${e.linePos[0].col}:` : '');
    throw new ConfigError(doc.errors.map((e) => `${file}:${where(e)} ${e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`));
  }
  return validateConfig(doc.toJS() ?? {}, { file, baseDir: dirname(resolve(file)), env });
}

/** Validates a parsed document (plain data) and fills in defaults; throws ConfigError listing every problem. */
export function validateConfig(raw: unknown, ctx: { file?: string; baseDir?: string; env?: NodeJS.ProcessEnv } = {}): ProbeConfig {
  const problems: string[] = [];
  const v = new Check(problems);
  const d = defaultConfig();
  const top = v.map(raw, '', ['probe', 'capture', 'netflow', 'flows', 'store', 'publish', 'metrics']) ?? {};

  const probe = v.map(top.probe, 'probe', ['id']) ?? {};
  const id = v.str(probe.id, 'probe.id', d.probe.id, /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'letters, digits, ".", "_" or "-" (at most 64; it is part of MQTT topics)');

  const cap = v.map(top.capture, 'capture', ['backend', 'interfaces']) ?? {};
  const backend = v.choice(cap.backend, 'capture.backend', ['native', 'cap'] as const, d.capture.backend);
  const interfaces: InterfaceConfig[] = v.list(cap.interfaces, 'capture.interfaces', 64).map((entry, i) => {
    const k = `capture.interfaces[${i}]`;
    const it = typeof entry === 'string' ? { name: entry } : entry; // "- eth1" is short for "- name: eth1"
    const o = v.map(it, k, ['name', 'filter', 'promisc', 'snaplen', 'bufferSize']) ?? {};
    if (o.name === undefined && it !== null && typeof it === 'object') v.problem(`${k}.name`, 'missing (the interface to capture on, e.g. eth1)');
    return {
      name: v.str(o.name, `${k}.name`, '', /^[^\s/:]{1,15}$/, 'an interface name (1 to 15 characters, no spaces, "/" or ":")'),
      filter: v.str(o.filter, `${k}.filter`, INTERFACE_DEFAULTS.filter),
      promisc: v.bool(o.promisc, `${k}.promisc`, INTERFACE_DEFAULTS.promisc),
      snaplen: v.num(o.snaplen, `${k}.snaplen`, INTERFACE_DEFAULTS.snaplen, 64, 262144, true),
      bufferSize: v.size(o.bufferSize, `${k}.bufferSize`, INTERFACE_DEFAULTS.bufferSize, MiB, 2047 * MiB),
    };
  });
  v.unique(interfaces.map((i) => i.name), (i) => `capture.interfaces[${i}].name`);

  const nf = v.map(top.netflow, 'netflow', ['listeners']) ?? {};
  const listeners: ListenerConfig[] = v.list(nf.listeners, 'netflow.listeners', 16).map((it, i) => {
    const k = `netflow.listeners[${i}]`;
    const o = v.map(it, k, ['protocol', 'listen']) ?? {};
    if (o.listen === undefined && it !== null && typeof it === 'object') v.problem(`${k}.listen`, 'missing (HOST:PORT to receive on, e.g. "0.0.0.0:2055")');
    return { protocol: v.choice(o.protocol, `${k}.protocol`, ['netflow', 'ipfix'] as const, 'netflow'), listen: v.hostPort(o.listen, `${k}.listen`) ?? '' };
  });
  v.unique(listeners.map((l) => l.listen), (i) => `netflow.listeners[${i}].listen`);
  if (interfaces.length === 0 && listeners.length === 0 && problems.length === 0) v.problem('capture.interfaces', 'nothing to capture: list at least one interface (or a netflow listener)');

  const fl = v.map(top.flows, 'flows', ['idle', 'active', 'grace', 'maxFlows', 'decap']) ?? {};
  const flows = {
    idle: v.num(fl.idle, 'flows.idle', d.flows.idle, 1, 86400),
    active: v.num(fl.active, 'flows.active', d.flows.active, 1, 86400),
    grace: v.num(fl.grace, 'flows.grace', d.flows.grace, 0, 3600),
    maxFlows: v.num(fl.maxFlows, 'flows.maxFlows', d.flows.maxFlows, 1, 50_000_000, true),
    decap: v.choice(fl.decap, 'flows.decap', ['inner', 'outer'] as const, d.flows.decap),
  };

  const st = v.map(top.store, 'store', ['dir', 'maxAgeDays', 'maxBytes']) ?? {};
  const store = {
    dir: resolve(ctx.baseDir ?? process.cwd(), v.str(st.dir, 'store.dir', d.store.dir, /./, 'a directory')),
    maxAgeDays: v.num(st.maxAgeDays, 'store.maxAgeDays', d.store.maxAgeDays, 1, 3650),
    maxBytes: v.size(st.maxBytes, 'store.maxBytes', d.store.maxBytes, 16 * MiB, 2 ** 50),
  };

  let publish: PublishConfig | null = null;
  if (top.publish !== undefined && top.publish !== null) {
    const pb = v.map(top.publish, 'publish', ['url', 'username', 'password', 'interval', 'inflight']) ?? {};
    if (pb.url === undefined) v.problem('publish.url', 'missing (the broker, e.g. "mqtt://broker.example:1883")');
    const envPassword = ctx.env?.SPANMAP_MQTT_PASSWORD;
    publish = {
      url: v.mqttUrl(pb.url, 'publish.url'),
      username: pb.username === undefined || pb.username === null ? null : v.str(pb.username, 'publish.username', ''),
      password: envPassword !== undefined && envPassword !== '' ? envPassword : pb.password === undefined || pb.password === null ? null : v.str(pb.password, 'publish.password', ''),
      interval: v.num(pb.interval, 'publish.interval', PUBLISH_DEFAULTS.interval, 1, 3600),
      inflight: v.num(pb.inflight, 'publish.inflight', PUBLISH_DEFAULTS.inflight, 1, 1000, true),
    };
  }

  const mt = v.map(top.metrics, 'metrics', ['listen']) ?? {};
  const metrics = { listen: mt.listen === undefined || mt.listen === null ? null : v.hostPort(mt.listen, 'metrics.listen') };

  if (problems.length > 0) throw new ConfigError(problems.map((p) => (ctx.file ? `${ctx.file}: ${p}` : p)));
  return { probe: { id }, capture: { backend, interfaces }, netflow: { listeners }, flows, store, publish, metrics };
}

/** The effective configuration as YAML, with the password hidden. */
export function dumpConfig(c: ProbeConfig): string {
  const shown = c.publish?.password ? { ...c, publish: { ...c.publish, password: '(hidden)' } } : c;
  return stringify(shown, { lineWidth: 0 });
}

/** "HOST:PORT" or "[v6]:PORT" into its parts; null when malformed. */
export function parseHostPort(s: string): { host: string; port: number } | null {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9_.-]+|\*)):(\d{1,5})$/.exec(s);
  if (!m) return null;
  const port = Number(m[3]);
  return port >= 1 && port <= 65535 ? { host: m[1] ?? m[2]!, port } : null;
}

/** Host and port of an MQTT URL (already validated). */
export function brokerAddress(url: string): { host: string; port: number } {
  const u = new URL(url);
  const port = u.port ? Number(u.port) : { 'mqtt:': 1883, 'mqtts:': 8883, 'ws:': 80, 'wss:': 443 }[u.protocol] ?? 1883;
  return { host: u.hostname.replace(/^\[(.*)\]$/, '$1'), port };
}

function got(x: unknown): string {
  if (x === null) return 'nothing';
  if (Array.isArray(x)) return 'a list';
  if (typeof x === 'object') return 'a mapping';
  return typeof x === 'string' ? JSON.stringify(x) : String(x);
}

function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1));
  return d[a.length]![b.length]!;
}

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kib: 1024, kb: 1000, m: MiB, mib: MiB, mb: 1e6, g: 1024 * MiB, gib: 1024 * MiB, gb: 1e9, t: 2 ** 40, tib: 2 ** 40, tb: 1e12 };

function showSize(n: number): string {
  for (const [u, f] of [['GiB', 1024 * MiB], ['MiB', MiB], ['KiB', 1024]] as const) if (n >= f && n % f === 0) return `${n / f}${u}`;
  return String(n);
}

/** Collects problems instead of throwing, so one run reports every mistake in the file. */
class Check {
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
    const n = typeof x === 'number' ? x : m && SIZE_UNITS[m[2]!.toLowerCase()] !== undefined ? Math.round(Number(m[1]) * SIZE_UNITS[m[2]!.toLowerCase()]!) : NaN;
    if (!Number.isInteger(n) || n < min || n > max) {
      this.problem(key, `expected a size in bytes (a whole number, or e.g. "64MiB") from ${showSize(min)} to ${showSize(max)}, got ${got(x)}`);
      return dflt;
    }
    return n;
  }

  hostPort(x: unknown, key: string): string | null {
    if (typeof x !== 'string' || !parseHostPort(x)) {
      this.problem(key, `expected "HOST:PORT" (e.g. "0.0.0.0:2055" or "[::]:4739"), got ${got(x)}`);
      return null;
    }
    return x;
  }

  mqttUrl(x: unknown, key: string): string {
    let u: URL | null = null;
    try {
      u = typeof x === 'string' ? new URL(x) : null;
    } catch {
      u = null;
    }
    if (!u || !['mqtt:', 'mqtts:', 'ws:', 'wss:'].includes(u.protocol) || u.hostname === '') {
      if (x !== undefined) this.problem(key, `expected an mqtt://, mqtts://, ws:// or wss:// URL with a host, got ${got(x)}`);
      return '';
    }
    if (u.username || u.password) this.problem(key, 'credentials do not belong in the URL: use publish.username and publish.password (or SPANMAP_MQTT_PASSWORD)');
    return x as string;
  }

  unique(names: string[], keyOf: (i: number) => string): void {
    names.forEach((n, i) => {
      if (n !== '' && names.indexOf(n) !== i) this.problem(keyOf(i), `"${n}" is listed twice`);
    });
  }
}
