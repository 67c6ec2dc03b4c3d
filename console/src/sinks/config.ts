import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { parseListen, type Check } from '@spanmap/shared';
import type { StormOptions } from '../alerts/model.js';
import { FACILITIES } from './syslog-format.js';
import type { SinkConfig } from './types.js';

/** `alerts:` in console.yaml, as written (seconds, facility names, the secret's variable name). */
export interface AlertsFileConfig {
  /** Base of the links in messages (default: http://<console.http>, the machine's name for 0.0.0.0). */
  consoleUrl: string | null;
  storm: { threshold: number; windowSeconds: number };
  sinks: SinkFileConfig[];
}

export interface SinkFileConfig {
  type: 'syslog' | 'webhook';
  name: string;
  url: string;
  maxPerMinute: number;
  timeoutSeconds: number;
  retry: { initialSeconds: number; maxSeconds: number };
  facility?: string;
  appName?: string;
  hostname?: string | null;
  ca?: string | null;
  cert?: string | null;
  key?: string | null;
  secretEnv?: string;
  batchSeconds?: number;
  maxBatch?: number;
}

export const DEFAULT_ALERTS: AlertsFileConfig = { consoleUrl: null, storm: { threshold: 20, windowSeconds: 600 }, sinks: [] };

const COMMON = ['type', 'name', 'url', 'maxPerMinute', 'timeoutSeconds', 'retry'];
const KEYS = {
  syslog: [...COMMON, 'facility', 'appName', 'hostname', 'ca', 'cert', 'key'],
  webhook: [...COMMON, 'secretEnv', 'batchSeconds', 'maxBatch', 'ca'],
};
const DEFAULT_PORT: Record<string, number> = { 'udp:': 514, 'tcp:': 514, 'tls:': 6514 };

/** Checks `alerts:` (every problem into `v`, one line each, naming the key). */
export function checkAlerts(v: Check, input: unknown, ctx: { baseDir: string; env: NodeJS.ProcessEnv }): AlertsFileConfig {
  const d = DEFAULT_ALERTS;
  const a = v.map(input, 'alerts', ['consoleUrl', 'storm', 'sinks']) ?? {};
  let consoleUrl: string | null = null;
  if (a.consoleUrl !== undefined && a.consoleUrl !== null) {
    const u = url(a.consoleUrl);
    if (!u || !['http:', 'https:'].includes(u.protocol)) v.problem('alerts.consoleUrl', 'expected an http:// or https:// URL (where people open the console)');
    else consoleUrl = String(a.consoleUrl).replace(/\/+$/, '');
  }
  const st = v.map(a.storm, 'alerts.storm', ['threshold', 'windowSeconds']) ?? {};
  const storm = {
    threshold: v.num(st.threshold, 'alerts.storm.threshold', d.storm.threshold, 2, 1_000_000, true),
    windowSeconds: v.num(st.windowSeconds, 'alerts.storm.windowSeconds', d.storm.windowSeconds, 1, 86_400),
  };
  const raw = v.list(a.sinks, 'alerts.sinks', 50);
  const sinks = raw.map((x, i) => sink(v, x, `alerts.sinks[${i}]`, ctx));
  sinks.forEach((s, i) => {
    if (sinks.findIndex((o) => o.name === s.name) === i) return;
    const named = (raw[i] as { name?: unknown } | null)?.name !== undefined;
    v.problem(
      `alerts.sinks[${i}].name`,
      named ? `"${s.name}" is listed twice` : `another sink is also named "${s.name}" (the default, from its address): give each a name`,
    );
  });
  return { consoleUrl, storm, sinks };
}

function url(x: unknown): URL | null {
  try {
    return typeof x === 'string' ? new URL(x) : null;
  } catch {
    return null;
  }
}

function sink(v: Check, raw: unknown, at: string, ctx: { baseDir: string; env: NodeJS.ProcessEnv }): SinkFileConfig {
  const type = (raw as { type?: unknown } | null)?.type;
  const known = type === 'syslog' || type === 'webhook';
  const o = v.map(raw, at, known ? KEYS[type] : [...new Set([...KEYS.syslog, ...KEYS.webhook])]) ?? {};
  if (!known) v.problem(`${at}.type`, `expected syslog or webhook, got ${JSON.stringify(type ?? null)}`);
  const u = url(o.url);
  const schemes = type === 'webhook' ? ['http:', 'https:'] : ['udp:', 'tcp:', 'tls:'];
  let host = '';
  if (!u || !schemes.includes(u.protocol) || u.hostname === '')
    v.problem(
      `${at}.url`,
      `expected ${type === 'webhook' ? 'an http:// or https://' : 'a udp://, tcp:// or tls://'} URL with a host, got ${JSON.stringify(o.url ?? null)}`,
    );
  else host = u.hostname.replace(/^\[|\]$/g, '');
  const port = u ? Number(u.port) || (type === 'webhook' ? (u.protocol === 'https:' ? 443 : 80) : (DEFAULT_PORT[u.protocol] ?? 514)) : 0;
  const retry = v.map(o.retry, `${at}.retry`, ['initialSeconds', 'maxSeconds']) ?? {};
  const out: SinkFileConfig = {
    type: known ? type : 'syslog',
    name: v.str(
      o.name,
      `${at}.name`,
      `${String(type)}-${u?.protocol.replace(':', '') ?? ''}-${host}-${port}`,
      /^[A-Za-z0-9._:-]{1,64}$/,
      'a name (letters, digits, ".", "_", ":", "-")',
    ),
    url: typeof o.url === 'string' ? o.url : '',
    maxPerMinute: v.num(o.maxPerMinute, `${at}.maxPerMinute`, 0, 0, 1_000_000, true),
    timeoutSeconds: v.num(o.timeoutSeconds, `${at}.timeoutSeconds`, 10, 0.1, 600),
    retry: {
      initialSeconds: v.num(retry.initialSeconds, `${at}.retry.initialSeconds`, 1, 0.01, 3600),
      maxSeconds: v.num(retry.maxSeconds, `${at}.retry.maxSeconds`, 300, 0.01, 86_400),
    },
  };
  if (out.retry.maxSeconds < out.retry.initialSeconds) v.problem(`${at}.retry.maxSeconds`, 'must be at least retry.initialSeconds');
  const file = (k: 'ca' | 'cert' | 'key') => v.readableFile(o[k], `${at}.${k}`, ctx.baseDir);
  if (type === 'syslog') {
    const facility = v.str(o.facility, `${at}.facility`, 'local4');
    if (FACILITIES[facility] === undefined)
      v.problem(`${at}.facility`, `expected one of ${Object.keys(FACILITIES).join(', ')}, got ${JSON.stringify(facility)}`);
    out.facility = facility;
    out.appName = v.str(o.appName, `${at}.appName`, 'spanmap', /^[\x21-\x7e]{1,48}$/, 'an app name (1-48 printable ASCII characters, no spaces)');
    out.hostname =
      o.hostname === undefined || o.hostname === null
        ? null
        : v.str(o.hostname, `${at}.hostname`, '', /^[\x21-\x7e]{1,255}$/, 'a host name (printable ASCII, no spaces)');
    out.ca = file('ca');
    out.cert = file('cert');
    out.key = file('key');
    if (u?.protocol !== 'tls:' && (o.ca ?? o.cert ?? o.key) !== undefined) v.problem(at, 'ca, cert and key are for tls:// URLs only');
    if ((o.cert === undefined) !== (o.key === undefined)) v.problem(at, 'cert and key go together');
  } else if (type === 'webhook') {
    const env = v.str(o.secretEnv, `${at}.secretEnv`, '', /^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'the name of an environment variable');
    if (o.secretEnv === undefined) v.problem(`${at}.secretEnv`, 'missing: the environment variable that holds the signing secret (X-Spanmap-Signature)');
    else if (env && (ctx.env[env] ?? '').length < 16)
      v.problem(
        `${at}.secretEnv`,
        `the environment variable ${env} ${ctx.env[env] ? 'holds fewer than 16 characters' : 'is not set'} (the webhook's signing secret)`,
      );
    out.secretEnv = env;
    out.batchSeconds = v.num(o.batchSeconds, `${at}.batchSeconds`, 0, 0, 3600);
    out.maxBatch = v.num(o.maxBatch, `${at}.maxBatch`, 100, 1, 1000, true);
    out.ca = file('ca');
  }
  return out;
}

/** The sinks as the dispatcher runs them: secrets from the environment, PEM files read. */
export function runtimeAlerts(
  c: AlertsFileConfig,
  consoleHttp: string,
  env: NodeJS.ProcessEnv,
): { consoleUrl: string; storm: StormOptions; sinks: SinkConfig[] } {
  const hp = parseListen(consoleHttp);
  const host = !hp || ['0.0.0.0', '::', '*'].includes(hp.host) ? hostname() : hp.host.includes(':') ? `[${hp.host}]` : hp.host;
  const consoleUrl = c.consoleUrl ?? `http://${host}:${hp?.port ?? 8080}`;
  const pem = (f: string | null | undefined) => (f ? readFileSync(f, 'utf8') : null);
  const sinks = c.sinks.map((s): SinkConfig => {
    const common = {
      name: s.name,
      maxPerMinute: s.maxPerMinute,
      timeoutMs: Math.round(s.timeoutSeconds * 1000),
      retry: { initialMs: Math.round(s.retry.initialSeconds * 1000), maxMs: Math.round(s.retry.maxSeconds * 1000) },
    };
    const u = new URL(s.url);
    if (s.type === 'webhook')
      return {
        ...common,
        type: 'webhook',
        url: s.url,
        secret: env[s.secretEnv!] ?? '',
        batchMs: Math.round((s.batchSeconds ?? 0) * 1000),
        maxBatch: s.maxBatch ?? 100,
        ca: pem(s.ca),
      };
    const transport = u.protocol.replace(':', '') as 'udp' | 'tcp' | 'tls';
    return {
      ...common,
      type: 'syslog',
      transport,
      host: u.hostname.replace(/^\[|\]$/g, ''),
      port: Number(u.port) || DEFAULT_PORT[u.protocol]!,
      facility: FACILITIES[s.facility ?? 'local4']!,
      appName: s.appName ?? 'spanmap',
      hostname: s.hostname ?? '',
      tls: transport === 'tls' ? { ca: pem(s.ca), cert: pem(s.cert), key: pem(s.key) } : null,
    };
  });
  return { consoleUrl, storm: { threshold: c.storm.threshold, windowMs: Math.round(c.storm.windowSeconds * 1000) }, sinks };
}

/** For --dump: URLs without credentials or query strings. */
export function redactAlerts(c: AlertsFileConfig): AlertsFileConfig {
  return {
    ...c,
    sinks: c.sinks.map((s) => {
      const u = url(s.url);
      if (!u || (!u.username && !u.password && !u.search)) return s;
      const who = u.username ? `${u.username}${u.password ? ':(hidden)' : ''}@` : '';
      const shown = `${u.protocol}//${who}${u.host}${u.pathname}${u.search ? '?(hidden)' : ''}`;
      return { ...s, url: shown };
    }),
  };
}
