import { hostname, availableParallelism } from 'node:os';
import { dirname, resolve } from 'node:path';
import { Check, parseListen } from '@spanmap/shared';
import { ConfigError, readYamlFile, yamlModule } from '@spanmap/shared/config-file';
import { DEFAULT_FLOW_OPTIONS } from './flowtable/flow-table.js';

// The probe's YAML configuration: merged over the defaults below and validated once at start
// (and on SIGHUP). Every problem names its key and what was wrong, e.g.
// `capture.interfaces[0].snaplen: expected a whole number from 64 to 262144, got "big"`.

export interface InterfaceConfig {
  name: string;
  filter: string;
  promisc: boolean;
  snaplen: number;
  bufferSize: number;
}
export interface ListenerConfig {
  protocol: 'netflow' | 'ipfix';
  listen: string;
}
export interface PublishConfig {
  url: string;
  username: string | null;
  password: string | null;
  interval: number;
  inflight: number;
  /** mqtts: the CA (PEM) to trust the broker with, and this probe's client certificate and key; paths resolved against the config file's folder. */
  ca?: string;
  cert?: string;
  key?: string;
}

export interface ProbeConfig {
  probe: { id: string };
  /** workers: capture threads per interface, fed by a kernel fanout on flow hash (native backend). */
  capture: { backend: 'native' | 'cap'; interfaces: InterfaceConfig[]; workers: number };
  netflow: { listeners: ListenerConfig[] };
  /** Seconds, as in the file; maxFlows bounds memory; dedupWindow in milliseconds (0: keep duplicate frames). */
  flows: { idle: number; active: number; grace: number; maxFlows: number; decap: 'inner' | 'outer'; dedupWindow: number };
  store: { dir: string; maxAgeDays: number; maxBytes: number };
  /** Absent: flow records are printed as JSON lines on stdout. */
  publish: PublishConfig | null;
  metrics: { listen: string | null };
}

const MiB = 1 << 20;
export const INTERFACE_DEFAULTS = { filter: '', promisc: true, snaplen: 256, bufferSize: 32 * MiB } as const;
export const PUBLISH_DEFAULTS = { username: null, password: null, interval: 10, inflight: 8 } as const;
/** Most workers a probe uses by default, whatever the machine has. */
export const MAX_DEFAULT_WORKERS = 8;
/** Workers the probe uses unless told: the machine's cores, up to MAX_DEFAULT_WORKERS. */
export function defaultWorkers(): number {
  return Math.max(1, Math.min(MAX_DEFAULT_WORKERS, availableParallelism()));
}
/** Copies of a packet within this many milliseconds are dropped (flows.dedupWindow, --dedup-window). */
export const DEFAULT_DEDUP_WINDOW = 2;

export function defaultConfig(): ProbeConfig {
  return {
    probe: { id: hostname() },
    capture: { backend: 'native', interfaces: [], workers: defaultWorkers() },
    netflow: { listeners: [] },
    flows: {
      idle: DEFAULT_FLOW_OPTIONS.idleMs / 1000,
      active: DEFAULT_FLOW_OPTIONS.activeMs / 1000,
      grace: DEFAULT_FLOW_OPTIONS.graceMs / 1000,
      maxFlows: DEFAULT_FLOW_OPTIONS.maxFlows,
      decap: 'inner',
      dedupWindow: DEFAULT_DEDUP_WINDOW,
    },
    store: { dir: '/var/lib/spanmap', maxAgeDays: 30, maxBytes: 1024 * MiB },
    publish: null,
    metrics: { listen: null },
  };
}

/** Every problem found, one line each (`file: key: problem`); the message is the first. */
export { ConfigError };

/** Reads, parses and validates a config file. `env` supplies secrets (SPANMAP_MQTT_PASSWORD). */
export function loadConfig(file: string, env: NodeJS.ProcessEnv = process.env): ProbeConfig {
  return validateConfig(readYamlFile(file), { file, baseDir: dirname(resolve(file)), env });
}

/** Validates a parsed document (plain data) and fills in defaults; throws ConfigError listing every problem. */
export function validateConfig(raw: unknown, ctx: { file?: string; baseDir?: string; env?: NodeJS.ProcessEnv } = {}): ProbeConfig {
  const problems: string[] = [];
  const v = new Check(problems);
  const d = defaultConfig();
  const top = v.map(raw, '', ['probe', 'capture', 'netflow', 'flows', 'store', 'publish', 'metrics']) ?? {};

  const probe = v.map(top.probe, 'probe', ['id']) ?? {};
  const id = v.str(
    probe.id,
    'probe.id',
    d.probe.id,
    /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/,
    'letters, digits, ".", "_" or "-" (at most 64; it is part of MQTT topics)',
  );

  const cap = v.map(top.capture, 'capture', ['backend', 'interfaces', 'workers']) ?? {};
  const backend = v.choice(cap.backend, 'capture.backend', ['native', 'cap'] as const, d.capture.backend);
  const workers = v.num(cap.workers, 'capture.workers', d.capture.workers, 1, 64, true);
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
  v.unique(
    interfaces.map((i) => i.name),
    (i) => `capture.interfaces[${i}].name`,
  );

  const nf = v.map(top.netflow, 'netflow', ['listeners']) ?? {};
  const listeners: ListenerConfig[] = v.list(nf.listeners, 'netflow.listeners', 16).map((it, i) => {
    const k = `netflow.listeners[${i}]`;
    const o = v.map(it, k, ['protocol', 'listen']) ?? {};
    if (o.listen === undefined && it !== null && typeof it === 'object') v.problem(`${k}.listen`, 'missing (HOST:PORT to receive on, e.g. "0.0.0.0:2055")');
    return { protocol: v.choice(o.protocol, `${k}.protocol`, ['netflow', 'ipfix'] as const, 'netflow'), listen: v.hostPort(o.listen, `${k}.listen`) ?? '' };
  });
  v.unique(
    listeners.map((l) => l.listen),
    (i) => `netflow.listeners[${i}].listen`,
  );
  if (interfaces.length === 0 && listeners.length === 0 && problems.length === 0)
    v.problem('capture.interfaces', 'nothing to capture: list at least one interface (or a netflow listener)');

  const fl = v.map(top.flows, 'flows', ['idle', 'active', 'grace', 'maxFlows', 'decap', 'dedupWindow']) ?? {};
  const flows = {
    idle: v.num(fl.idle, 'flows.idle', d.flows.idle, 1, 86400),
    active: v.num(fl.active, 'flows.active', d.flows.active, 1, 86400),
    grace: v.num(fl.grace, 'flows.grace', d.flows.grace, 0, 3600),
    maxFlows: v.num(fl.maxFlows, 'flows.maxFlows', d.flows.maxFlows, 1, 50_000_000, true),
    decap: v.choice(fl.decap, 'flows.decap', ['inner', 'outer'] as const, d.flows.decap),
    dedupWindow: v.num(fl.dedupWindow, 'flows.dedupWindow', d.flows.dedupWindow, 0, 1000),
  };

  const st = v.map(top.store, 'store', ['dir', 'maxAgeDays', 'maxBytes']) ?? {};
  const store = {
    dir: resolve(ctx.baseDir ?? process.cwd(), v.str(st.dir, 'store.dir', d.store.dir, /./, 'a directory')),
    maxAgeDays: v.num(st.maxAgeDays, 'store.maxAgeDays', d.store.maxAgeDays, 1, 3650),
    maxBytes: v.size(st.maxBytes, 'store.maxBytes', d.store.maxBytes, 16 * MiB, 2 ** 50),
  };

  let publish: PublishConfig | null = null;
  if (top.publish !== undefined && top.publish !== null) {
    const pb = v.map(top.publish, 'publish', ['url', 'username', 'password', 'interval', 'inflight', 'ca', 'cert', 'key']) ?? {};
    if (pb.url === undefined) v.problem('publish.url', 'missing (the broker, e.g. "mqtt://broker.example:1883")');
    const envPassword = ctx.env?.SPANMAP_MQTT_PASSWORD;
    publish = {
      url: v.mqttUrl(pb.url, 'publish.url', 'publish.username and publish.password'),
      username: pb.username === undefined || pb.username === null ? null : v.str(pb.username, 'publish.username', ''),
      password:
        envPassword !== undefined && envPassword !== ''
          ? envPassword
          : pb.password === undefined || pb.password === null
            ? null
            : v.str(pb.password, 'publish.password', ''),
      interval: v.num(pb.interval, 'publish.interval', PUBLISH_DEFAULTS.interval, 1, 3600),
      inflight: v.num(pb.inflight, 'publish.inflight', PUBLISH_DEFAULTS.inflight, 1, 1000, true),
    };
    const base = ctx.baseDir ?? process.cwd();
    for (const k of ['ca', 'cert', 'key'] as const) {
      const f = v.readableFile(pb[k], `publish.${k}`, base);
      if (f !== null) publish[k] = f;
    }
    if ((pb.cert === undefined || pb.cert === null) !== (pb.key === undefined || pb.key === null)) {
      v.problem(
        pb.cert === undefined || pb.cert === null ? 'publish.cert' : 'publish.key',
        'publish.cert and publish.key go together (a client certificate and its private key)',
      );
    }
    if ((publish.ca ?? publish.cert ?? publish.key) !== undefined && publish.url !== '' && !/^(mqtts|wss):/.test(publish.url)) {
      v.problem(publish.ca !== undefined ? 'publish.ca' : 'publish.cert', 'only used with TLS: make publish.url an mqtts:// (or wss://) URL');
    }
  }

  const mt = v.map(top.metrics, 'metrics', ['listen']) ?? {};
  const metrics = { listen: mt.listen === undefined || mt.listen === null ? null : v.hostPort(mt.listen, 'metrics.listen') };

  if (problems.length > 0) throw new ConfigError(problems.map((p) => (ctx.file ? `${ctx.file}: ${p}` : p)));
  return { probe: { id }, capture: { backend, interfaces, workers }, netflow: { listeners }, flows, store, publish, metrics };
}

/** The effective configuration as YAML, with the password hidden. */
export function dumpConfig(c: ProbeConfig): string {
  const shown = c.publish?.password ? { ...c, publish: { ...c.publish, password: '(hidden)' } } : c;
  return yamlModule().stringify(shown, { lineWidth: 0 });
}

/** "HOST:PORT" or "[v6]:PORT" into its parts; null when malformed. */
export const parseHostPort = parseListen;

/** Host and port of an MQTT URL (already validated). */
export function brokerAddress(url: string): { host: string; port: number } {
  const u = new URL(url);
  const port = u.port ? Number(u.port) : ({ 'mqtt:': 1883, 'mqtts:': 8883, 'ws:': 80, 'wss:': 443 }[u.protocol] ?? 1883);
  return { host: u.hostname.replace(/^\[(.*)\]$/, '$1'), port };
}
