import { homedir, hostname } from 'node:os';
import { join } from 'node:path';
import { parseCommandLine, parseHostPort, SpanmapError, UsageError, errorLine } from '@spanmap/shared';
import { createLogger, LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel } from '@spanmap/shared/log';
import { createConsole } from './app.js';
import { loadOrCreateToken } from './api/token-file.js';
import type { EmbeddedBrokerOptions } from './broker/embedded.js';
import { loadBrokerTls } from './broker/tls.js';
import { runtimeAlerts } from './sinks/config.js';
import { loadConsoleConfig, dumpConsoleConfig, listenAddress, ConsoleConfigError, clientIdFor, groupProblems, type ConsoleConfig } from './config.js';
import { parseStoreUrl } from './store/store-url.js';

export const CONSOLE_USAGE = `usage: spanmap console [--config FILE] [options]

Starts the console: ingests probe summaries over MQTT (an embedded broker by default),
stores weeks of history, and serves the HTTP API, the web UI and Prometheus /metrics.

options (each overrides the config file):
  --config FILE         YAML configuration (example: deploy/console.yaml)
  --check               validate the configuration and exit: 0 valid, 1 not (every problem listed)
  --dump                print the effective configuration (defaults filled in, secrets hidden) and exit
  --data DIR            where the console keeps its store (default $XDG_STATE_HOME/spanmap/console);
                        with a shared store, its local cache of the model
  --store URL           lmdb:DIR (the embedded store; --data DIR is its short form) or
                        clickhouse://HOST:PORT[,HOST:PORT...]/DATABASE[?cluster=NAME], a store
                        shared by several consoles (ClickHouse's HTTP port; clickhouses:// for
                        HTTPS; see docs/multi-console.md)
  --ingest-group NAME   split the probes' batches with the other consoles of group NAME (MQTT 5
                        shared subscription $share/NAME/spanmap/v1/+/flows); needs --mqtt and a
                        clickhouse:// store
  --http HOST:PORT      HTTP API and UI (default 127.0.0.1:8080)
  --broker HOST:PORT    the embedded MQTT broker (default 127.0.0.1:1883)
  --mqtt URL            use an external broker instead (e.g. mqtt://127.0.0.1:1883, Mosquitto)
  --mqtt-username U     credentials for the external broker (password: SPANMAP_MQTT_PASSWORD)
  --client-id ID        MQTT client id of this console (default spanmap-console; in an ingest
                        group, one derived from the host name and data directory)
  --broker-tls-cert FILE  serve mqtts on --broker with this certificate (PEM; its subjectAltName
                        must name the host or address probes connect to)
  --broker-tls-key FILE   the certificate's private key (PEM)
  --broker-tls-ca FILE    require client certificates signed by this CA (CN = the probe id)
  --log-format F        text (default: lines on stderr) or json (pino, one object per line on stdout)
  --log-level L         fatal, error, warn, info (default), debug, trace
  -h, --help            show this help

Secrets come from the environment (systemd: EnvironmentFile=/etc/spanmap/console.env):
  SPANMAP_MQTT_USERS="probe-a:secret,probe-b:other"  embedded broker credentials (each username is
                        a probe id). Once any is set, anonymous clients are refused and each probe
                        may publish only under spanmap/v1/<its id>/ and read only its own
                        acknowledgements (see docs/mqtt-security.md).
  SPANMAP_API_TOKEN     an editor API token (api.tokens in the config adds named viewer/editor tokens);
                        with no token at all, one is generated on first start, kept in DATA/api-token
                        and printed once.
  SPANMAP_MQTT_PASSWORD the external broker's password.
  SPANMAP_CLICKHOUSE_USER, SPANMAP_CLICKHOUSE_PASSWORD  the ClickHouse store's credentials.`;

export function defaultConsoleDir(): string {
  return join(process.env.XDG_STATE_HOME || join(homedir(), '.local', 'state'), 'spanmap', 'console');
}

type Flags = Partial<
  Record<
    | 'config'
    | 'data'
    | 'store'
    | 'ingest-group'
    | 'http'
    | 'broker'
    | 'mqtt'
    | 'mqtt-username'
    | 'client-id'
    | 'broker-tls-cert'
    | 'broker-tls-key'
    | 'broker-tls-ca'
    | 'log-level',
    string
  >
>;

export async function consoleMain(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandLine(argv, {
    config: { type: 'string' },
    check: { type: 'boolean' },
    dump: { type: 'boolean' },
    data: { type: 'string' },
    store: { type: 'string' },
    'ingest-group': { type: 'string' },
    http: { type: 'string' },
    broker: { type: 'string' },
    mqtt: { type: 'string' },
    'mqtt-username': { type: 'string' },
    'client-id': { type: 'string' },
    'broker-tls-cert': { type: 'string' },
    'broker-tls-key': { type: 'string' },
    'broker-tls-ca': { type: 'string' },
    'log-format': { type: 'string' },
    'log-level': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(CONSOLE_USAGE + '\n');
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`console: unexpected argument "${positionals[0]}"`);
  checkFlags(values);
  const logFormat = (values['log-format'] ?? 'text') as LogFormat;
  if (!LOG_FORMATS.includes(logFormat)) throw new UsageError(`--log-format: expected ${LOG_FORMATS.join(' or ')}, got "${logFormat}"`);

  let config: ConsoleConfig;
  try {
    config = applyFlags(loadConsoleConfig(values.config ?? null, defaultConsoleDir()), values);
    if (values.check && config.broker.tls && !config.mqtt.url)
      loadBrokerTls({ certFile: config.broker.tls.cert, keyFile: config.broker.tls.key, ...(config.broker.tls.ca ? { caFile: config.broker.tls.ca } : {}) });
  } catch (e) {
    if (!values.check) throw e;
    for (const p of e instanceof ConsoleConfigError ? e.problems : [errorLine(e)]) process.stderr.write(`spanmap: ${p}\n`);
    return 1;
  }
  if (values.dump) process.stdout.write(dumpConsoleConfig(config));
  if (values.check) {
    process.stderr.write(`spanmap: ${values.config ?? '(no --config: defaults and flags)'}: configuration is valid\n`);
    return 0;
  }
  if (values.dump) return 0;
  return run(config, logFormat);
}

/** Flag combinations that make no sense, whatever the file says. */
function checkFlags(values: Flags): void {
  const tlsCert = values['broker-tls-cert'];
  const tlsKey = values['broker-tls-key'];
  const tlsCa = values['broker-tls-ca'];
  if (values.mqtt !== undefined && values.broker !== undefined) throw new UsageError('--broker (embedded) and --mqtt (external) exclude each other');
  if (values.mqtt !== undefined && (tlsCert ?? tlsKey ?? tlsCa) !== undefined)
    throw new UsageError('--broker-tls-* configure the embedded broker; they do not go with --mqtt (an external broker)');
  if ((tlsCert === undefined) !== (tlsKey === undefined)) throw new UsageError('--broker-tls-cert and --broker-tls-key go together');
  if (tlsCa !== undefined && tlsCert === undefined) throw new UsageError('--broker-tls-ca needs --broker-tls-cert and --broker-tls-key');
  if (values.store?.startsWith('lmdb:') && values.data !== undefined) throw new UsageError('--store lmdb:DIR and --data DIR say the same thing: give one');
  if (values.store !== undefined) parseStoreUrl(values.store); // a bad URL fails here, naming it
  if (values['ingest-group'] !== undefined && !/^[A-Za-z0-9._-]{1,64}$/.test(values['ingest-group']))
    throw new UsageError('--ingest-group: expected a name of letters, digits, ".", "_", "-"');
  if (values['client-id'] !== undefined && !/^[A-Za-z0-9._-]{1,64}$/.test(values['client-id']))
    throw new UsageError('--client-id: expected letters, digits, ".", "_", "-" (at most 64)');
  const level = values['log-level'];
  if (level !== undefined && !LOG_LEVELS.includes(level as LogLevel))
    throw new UsageError(`--log-level: expected one of ${LOG_LEVELS.join(', ')}, got "${level}"`);
  for (const k of ['http', 'broker'] as const) if (values[k] !== undefined) parseHostPort(values[k]!, `--${k}`); // a bad HOST:PORT fails here, naming it
}

/** Command-line options over the file (flags were checked by checkFlags). */
function applyFlags(c: ConsoleConfig, values: Flags): ConsoleConfig {
  const tls =
    values['broker-tls-cert'] !== undefined
      ? { cert: values['broker-tls-cert'], key: values['broker-tls-key']!, ca: values['broker-tls-ca'] ?? null }
      : c.broker.tls;
  const store = values.store !== undefined ? parseStoreUrl(values.store) : null;
  const out: ConsoleConfig = {
    ...c,
    console: {
      data: store?.kind === 'lmdb' ? store.dir : (values.data ?? c.console.data),
      http: values.http ?? c.console.http,
      store: store === null ? c.console.store : store.kind === 'lmdb' ? null : values.store!,
    },
    broker: { ...c.broker, listen: values.broker ?? c.broker.listen, tls },
    mqtt: {
      ...c.mqtt,
      url: values.mqtt ?? c.mqtt.url,
      username: values['mqtt-username'] ?? c.mqtt.username,
      clientId: values['client-id'] ?? c.mqtt.clientId,
      shareGroup: values['ingest-group'] ?? c.mqtt.shareGroup,
    },
    log: { level: (values['log-level'] as LogLevel | undefined) ?? c.log.level },
  };
  // After the flags: a file may name the group and the command line the store, or the reverse.
  const problems = groupProblems({ store: out.console.store, mqtt: out.mqtt });
  if (problems.length > 0) throw new SpanmapError('bad_config', problems[0]!);
  return out;
}

async function run(config: ConsoleConfig, logFormat: LogFormat): Promise<number> {
  const logger = createLogger({ format: logFormat, level: config.log.level, name: 'console', textPrefix: 'spanmap console: ' });
  const info = (line: string) => logger.info(line);
  // The components' own lines are refusals and connection trouble (rate-limited): warnings.
  const warn = (line: string) => logger.warn(line);
  const dataDir = config.console.data;
  const external = config.mqtt.url;
  if (external && config.broker.users.length > 0)
    warn('SPANMAP_MQTT_USERS / broker.users are ignored with an external broker (mqtt.url): it keeps its own users');
  const t = config.broker.tls;
  const broker: EmbeddedBrokerOptions = {
    ...listenAddress(config.broker.listen),
    ...(config.broker.users.length > 0 ? { users: config.broker.users } : {}),
    ...(t ? { tls: { certFile: t.cert, keyFile: t.key, ...(t.ca ? { caFile: t.ca } : {}) } } : {}),
    log: warn,
  };

  const tokens = config.api.tokens.map((k) => ({ token: k.token, role: k.role, name: k.name }));
  const clientId = clientIdFor(config, hostname());
  const spec = config.console.store === null ? null : parseStoreUrl(config.console.store);
  const env = process.env;
  const sharedStore =
    spec?.kind === 'clickhouse'
      ? {
          spec,
          ...(env.SPANMAP_CLICKHOUSE_USER ? { username: env.SPANMAP_CLICKHOUSE_USER } : {}),
          ...(env.SPANMAP_CLICKHOUSE_PASSWORD ? { password: env.SPANMAP_CLICKHOUSE_PASSWORD } : {}),
        }
      : null;
  const c = createConsole({
    dataDir,
    http: listenAddress(config.console.http),
    broker,
    mqttUrl: external,
    ...(config.mqtt.username !== null ? { mqttUsername: config.mqtt.username } : {}),
    ...(config.mqtt.password !== null ? { mqttPassword: config.mqtt.password } : {}),
    tokens,
    clientId,
    shareGroup: config.mqtt.shareGroup,
    ...(sharedStore ? { sharedStore } : {}),
    metrics: config.metrics,
    bodyLimit: config.api.bodyLimit,
    data: {
      retention: { days: config.store.retentionDays, maxBytes: config.store.maxBytes },
      merge: { skewMs: config.merge.clockSkewMs, maxSpanMs: config.merge.maxRecordSpanMs, stagedRecords: config.merge.stagedRecords },
    },
    alerts: runtimeAlerts(config.alerts, config.console.http, process.env),
    log: warn,
  });
  // No token configured anywhere: one of our own, kept in the store so it survives restarts.
  const file = tokens.length === 0 ? loadOrCreateToken(dataDir) : null;
  if (file) tokens.push({ token: file.token, role: 'editor', name: 'generated-token' });

  await c.start(); // a failed start has stopped what it started
  if (c.shared) {
    const m = c.shared.migrated!;
    const t = c.shared.tailer.counters.catchUp;
    info(
      `shared store ${spec!.kind === 'clickhouse' ? spec!.display : ''} (schema ${m.from === m.to ? `version ${m.to}` : `migrated ${m.from} -> ${m.to}`}); caught up with ${t.batches} batches in ${t.ms} ms; client id ${clientId}${config.mqtt.shareGroup ? `, ingest group ${config.mqtt.shareGroup}` : ''}`,
    );
  }
  info(
    `store ${dataDir}; broker ${c.brokerUrl}${c.broker?.secured ? ` (${config.broker.users.length} probe users, anonymous refused)` : ''}; http ${c.http.url}`,
  );
  if (c.metrics) info(`metrics on ${c.http.url}/metrics${config.metrics.auth ? ' (bearer token required)' : ''}`);
  if (file?.created) info(`generated an API token (kept in ${file.path}); open ${c.http.url}/#token=${file.token}`);
  else info(`open ${c.http.url}/ (token: ${file ? file.path : config.api.tokens.map((k) => k.name).join(', ')})`);

  await new Promise<void>((resolve) => {
    const stop = (sig: string) => {
      info(`${sig}: shutting down`);
      resolve();
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  try {
    await c.stop();
    info('stopped cleanly');
  } catch (e) {
    logger.error(`shutdown: ${errorLine(e)}`);
    logger.flush();
    return 1;
  }
  logger.flush();
  return 0;
}
