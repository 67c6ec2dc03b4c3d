import { createHash } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import { stringify } from 'yaml';
import { ConfigError, readYamlFile } from '@spanmap/shared/config-file';
import { Check, SpanmapError, errorLine, parseListen } from '@spanmap/shared';
import type { Role } from './api/auth.js';
import { parseUsersEnv } from './broker/users.js';
import { parseStoreUrl } from './store/store-url.js';
import { checkAlerts, redactAlerts, DEFAULT_ALERTS, type AlertsFileConfig } from './sinks/config.js';

const MiB = 1 << 20;

export interface ConsoleConfig {
  /**
   * `store`: null for the embedded LMDB store in `data`, or a ClickHouse store shared by several
   * consoles (`clickhouse://HOST:PORT/DATABASE`), `data` then holding this console's cache.
   */
  console: { data: string; http: string; store: string | null };
  /** The embedded broker; not started when `mqtt.url` names an external one. */
  broker: { listen: string; users: Array<{ username: string; password: string }>; tls: { cert: string; key: string; ca: string | null } | null };
  /**
   * `shareGroup`: the ingest group (`--ingest-group`), only with an external broker and a shared
   * store. `clientId`: null derives one from the host name and data directory in a group (each
   * member needs its own), and is "spanmap-console" otherwise.
   */
  mqtt: { url: string | null; username: string | null; password: string | null; clientId: string | null; shareGroup: string | null };
  api: { tokens: Array<{ name: string; role: Role; token: string }>; bodyLimit: number };
  metrics: { enabled: boolean; auth: boolean };
  log: { level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' };
  /** History kept: days (null: all) and a disk budget in bytes (null: none). */
  store: { retentionDays: number | null; maxBytes: number | null };
  /** One conversation seen by several probes or VLANs: clock skew allowed between them, longest record span searched. */
  merge: { clockSkewMs: number; maxRecordSpanMs: number; stagedRecords: number };
  /** Alert delivery (syslog, webhooks) and storm grouping: README "Alerts". */
  alerts: AlertsFileConfig;
}

export function defaultConsoleConfig(dataDir: string): ConsoleConfig {
  return {
    console: { data: dataDir, http: '127.0.0.1:8080', store: null },
    broker: { listen: '127.0.0.1:1883', users: [], tls: null },
    mqtt: { url: null, username: null, password: null, clientId: null, shareGroup: null },
    api: { tokens: [], bodyLimit: MiB },
    metrics: { enabled: true, auth: true },
    log: { level: 'info' },
    store: { retentionDays: null, maxBytes: null },
    merge: { clockSkewMs: 1000, maxRecordSpanMs: 6 * 3_600_000, stagedRecords: 500_000 },
    alerts: DEFAULT_ALERTS,
  };
}

/** Every problem found, one line each (`file: key: problem`). */
export { ConfigError as ConsoleConfigError };

export function loadConsoleConfig(file: string | null, dataDir: string, env: NodeJS.ProcessEnv = process.env): ConsoleConfig {
  if (file === null) return validateConsoleConfig({}, { dataDir, env });
  return validateConsoleConfig(readYamlFile(file), { file, baseDir: dirname(resolve(file)), dataDir, env });
}

/**
 * Merges a parsed document over the defaults and validates it; environment variables override
 * secrets (SPANMAP_API_TOKEN adds an editor token, SPANMAP_MQTT_PASSWORD, SPANMAP_MQTT_USERS).
 */
export function validateConsoleConfig(raw: unknown, ctx: { file?: string; baseDir?: string; dataDir: string; env?: NodeJS.ProcessEnv }): ConsoleConfig {
  const problems: string[] = [];
  const v = new Check(problems);
  const d = defaultConsoleConfig(ctx.dataDir);
  const env = ctx.env ?? {};
  const top = v.map(raw, '', ['console', 'broker', 'mqtt', 'api', 'metrics', 'log', 'store', 'merge', 'alerts']) ?? {};
  const path = (x: string) => resolve(ctx.baseDir ?? process.cwd(), x);

  const c = v.map(top.console, 'console', ['data', 'http', 'store']) ?? {};
  let data = c.data === undefined ? d.console.data : path(v.str(c.data, 'console.data', d.console.data, /./, 'a directory'));
  const http = c.http === undefined ? d.console.http : (v.hostPort(c.http, 'console.http') ?? d.console.http);
  let sharedStore: string | null = null;
  if (c.store !== undefined && c.store !== null) {
    const s = v.str(c.store, 'console.store', '', /./, 'lmdb:DIR or clickhouse://HOST:PORT/DATABASE');
    try {
      const spec = parseStoreUrl(s, ctx.baseDir ?? process.cwd());
      if (spec.kind === 'lmdb') data = spec.dir;
      else sharedStore = s;
    } catch (e) {
      v.problem('console.store', errorLine(e).replace(/^--store "[^"]*": /, ''));
    }
  }

  const b = v.map(top.broker, 'broker', ['listen', 'users', 'tls']) ?? {};
  const listen = b.listen === undefined ? d.broker.listen : (v.hostPort(b.listen, 'broker.listen') ?? d.broker.listen);
  const users = v.list(b.users, 'broker.users', 10_000).map((u, i) => {
    const o = v.map(u, `broker.users[${i}]`, ['username', 'password']) ?? {};
    return {
      username: v.str(o.username, `broker.users[${i}].username`, '', /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'a probe id (letters, digits, ".", "_", "-")'),
      password: v.secret(o.password, `broker.users[${i}].password`, /^.{8,}$/, 'a password of at least 8 characters'),
    };
  });
  if (env.SPANMAP_MQTT_USERS) {
    try {
      users.push(...parseUsersEnv(env.SPANMAP_MQTT_USERS));
    } catch (e) {
      v.problem('SPANMAP_MQTT_USERS', errorLine(e).replace(/^SPANMAP_MQTT_USERS: /, ''));
    }
  }
  v.unique(
    users.map((u) => u.username),
    (i) => `broker.users[${i}].username`,
  );
  let tls: ConsoleConfig['broker']['tls'] = null;
  if (b.tls !== undefined && b.tls !== null) {
    const t = v.map(b.tls, 'broker.tls', ['cert', 'key', 'ca']) ?? {};
    const file = (x: unknown, key: string, required: boolean): string | null => {
      if ((x === undefined || x === null) && required) v.problem(key, 'missing (a PEM file)');
      return v.readableFile(x, key, ctx.baseDir ?? process.cwd());
    };
    tls = { cert: file(t.cert, 'broker.tls.cert', true) ?? '', key: file(t.key, 'broker.tls.key', true) ?? '', ca: file(t.ca, 'broker.tls.ca', false) };
  }

  const m = v.map(top.mqtt, 'mqtt', ['url', 'username', 'password', 'clientId', 'shareGroup']) ?? {};
  const mqtt: ConsoleConfig['mqtt'] = {
    url: m.url === undefined || m.url === null ? null : v.mqttUrl(m.url, 'mqtt.url', 'mqtt.username and mqtt.password') || null,
    username: m.username === undefined || m.username === null ? null : v.str(m.username, 'mqtt.username', ''),
    password:
      env.SPANMAP_MQTT_PASSWORD || (m.password === undefined || m.password === null ? null : v.secret(m.password, 'mqtt.password', /^.+$/, 'a password')),
    clientId: m.clientId === undefined || m.clientId === null ? null : v.str(m.clientId, 'mqtt.clientId', '', CLIENT_ID, 'letters, digits, ".", "_", "-"'),
    shareGroup:
      m.shareGroup === undefined || m.shareGroup === null
        ? null
        : v.str(m.shareGroup, 'mqtt.shareGroup', '', GROUP, 'letters, digits, ".", "_", "-" (or null for none)'),
  };

  const a = v.map(top.api, 'api', ['tokens', 'bodyLimit']) ?? {};
  const tokens = v.list(a.tokens, 'api.tokens', 1000).map((t, i) => {
    const o = v.map(t, `api.tokens[${i}]`, ['name', 'role', 'token']) ?? {};
    return {
      name: v.str(o.name, `api.tokens[${i}].name`, '', /^[^\s].{0,63}$/, 'a name (who this is, for the audit trail)'),
      role: v.choice(o.role, `api.tokens[${i}].role`, ['viewer', 'editor'] as const, 'viewer'),
      token: v.secret(o.token, `api.tokens[${i}].token`, /^[A-Za-z0-9._~+/=-]{16,256}$/, 'at least 16 characters (letters, digits, ._~+/=-)'),
    };
  });
  if (env.SPANMAP_API_TOKEN) tokens.push({ name: 'env-token', role: 'editor', token: env.SPANMAP_API_TOKEN });
  v.unique(
    tokens.map((t) => t.token),
    (i) => `api.tokens[${i}].token`,
  );
  const bodyLimit = v.size(a.bodyLimit, 'api.bodyLimit', d.api.bodyLimit, 1024, 64 * MiB);

  const mt = v.map(top.metrics, 'metrics', ['enabled', 'auth']) ?? {};
  const lg = v.map(top.log, 'log', ['level']) ?? {};
  const metrics = { enabled: v.bool(mt.enabled, 'metrics.enabled', true), auth: v.bool(mt.auth, 'metrics.auth', true) };
  const log = { level: v.choice(lg.level, 'log.level', ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const, 'info') };
  const alerts = top.alerts === undefined ? d.alerts : checkAlerts(v, top.alerts, { baseDir: ctx.baseDir ?? process.cwd(), env });

  const st = v.map(top.store, 'store', ['retentionDays', 'maxBytes']) ?? {};
  const store: ConsoleConfig['store'] = {
    retentionDays: st.retentionDays === undefined || st.retentionDays === null ? null : v.num(st.retentionDays, 'store.retentionDays', 0, 1, 3650, true),
    maxBytes: st.maxBytes === undefined || st.maxBytes === null ? null : v.size(st.maxBytes, 'store.maxBytes', 0, 16 * MiB, 2 ** 50),
  };
  const mg = v.map(top.merge, 'merge', ['clockSkewMs', 'maxRecordSpanMs', 'stagedRecords']) ?? {};
  const merge: ConsoleConfig['merge'] = {
    clockSkewMs: v.num(mg.clockSkewMs, 'merge.clockSkewMs', d.merge.clockSkewMs, 0, 600_000),
    maxRecordSpanMs: v.num(mg.maxRecordSpanMs, 'merge.maxRecordSpanMs', d.merge.maxRecordSpanMs, 60_000, 7 * 86_400_000),
    stagedRecords: v.num(mg.stagedRecords, 'merge.stagedRecords', d.merge.stagedRecords, 1000, 10_000_000),
  };

  if (problems.length > 0) throw new ConfigError(problems.map((p) => (ctx.file ? `${ctx.file}: ${p}` : p)));
  return {
    console: { data, http, store: sharedStore },
    broker: { listen, users, tls },
    mqtt,
    api: { tokens, bodyLimit },
    metrics,
    log,
    store,
    merge,
    alerts,
  };
}

export const CLIENT_ID = /^[A-Za-z0-9._-]{1,64}$/;
export const GROUP = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * An ingest group splits the batches between consoles: each must see what the others applied,
 * so a group needs a store they share, and a broker they share. (Before issue 19 the console
 * subscribed through a shared subscription by default: two consoles with their own stores on one
 * broker silently held half the data each.)
 */
export function groupProblems(c: { store: string | null; mqtt: { url: string | null; shareGroup: string | null } }): string[] {
  if (c.mqtt.shareGroup === null) return [];
  const out: string[] = [];
  if (c.store === null || !/^clickhouses?:/.test(c.store))
    out.push(
      'an ingest group needs a store its consoles share (--store clickhouse://HOST:PORT/DATABASE): with their own stores, consoles splitting the batches would each hold only part of them',
    );
  if (c.mqtt.url === null) out.push('an ingest group needs an external broker the consoles share (--mqtt URL)');
  return out;
}

/** This console's MQTT client id: as configured, else one of its own in a group (host and data directory), else "spanmap-console". */
export function clientIdFor(c: ConsoleConfig, host: string): string {
  if (c.mqtt.clientId !== null) return c.mqtt.clientId;
  if (c.mqtt.shareGroup === null) return 'spanmap-console';
  const h = host.replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 32);
  return `spanmap-console-${h}-${createHash('sha256').update(resolve(c.console.data)).digest('hex').slice(0, 8)}`;
}

/** The effective configuration as YAML, secrets hidden. */
export function dumpConsoleConfig(c: ConsoleConfig): string {
  const hide = (s: string | null) => (s ? '(hidden)' : s);
  return stringify(
    {
      ...c,
      broker: { ...c.broker, users: c.broker.users.map((u) => ({ username: u.username, password: '(hidden)' })) },
      mqtt: { ...c.mqtt, password: hide(c.mqtt.password) },
      api: { ...c.api, tokens: c.api.tokens.map((t) => ({ ...t, token: '(hidden)' })) },
      alerts: redactAlerts(c.alerts),
    },
    { lineWidth: 0 },
  );
}

export function listenAddress(s: string): { host: string; port: number } {
  const hp = parseListen(s);
  if (!hp) throw new SpanmapError('bad_config', `not HOST:PORT: ${s}`);
  return { host: hp.host === '*' ? '0.0.0.0' : hp.host, port: hp.port };
}
