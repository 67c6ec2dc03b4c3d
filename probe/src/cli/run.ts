import { parseCommandLine, numberOption, UsageError, flowRecordJson, errorLine } from '@spanmap/shared';
import { createLogger, LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel } from '@spanmap/shared/log';
import { loadConfig, dumpConfig, ConfigError, parseHostPort, type ProbeConfig } from '../config.js';
import { ProbeMetrics } from '../metrics/metrics.js';
import { createDaemon } from '../daemon.js';
import { checkFilter } from '../capture/backends/index.js';
import { LineWriter } from '../output/line-writer.js';
import { PublishSession } from '../publish/session.js';

export const RUN_USAGE = `usage: spanmap probe run --config FILE [--check] [--dump] [--stats] [--stats-interval S]

The live probe: captures on the configured interfaces (libpcap, BPF filter per interface) and
receives NetFlow/IPFIX from the configured listeners, turns both into flow records, writes them
to its store and publishes summaries to the console (publish.url). Without a publish section,
records are printed as JSON lines on stdout.

options:
  --config FILE        YAML configuration (keys and defaults: README, "Live capture")
  --check              validate the configuration (including BPF filters) and exit: 0 valid, 1 not
  --dump               print the effective configuration (defaults filled in, password hidden) and exit
  --stats              print counters (captured, kernel and interface drops, decode errors,
                       flow table) to stderr as one JSON line every --stats-interval and at exit
  --stats-interval S   seconds between counter lines with --stats (default 60)
  --log-format F       text (default: lines on stderr) or json (pino, one object per line on
                       stdout; on stderr when records go to stdout); the systemd unit uses json
  --log-level L        error, warn, info (default) or debug
  -h, --help           show this help

signals:
  SIGTERM, SIGINT      stop capturing, flush every flow ("end":"eof") and exit 0
  SIGHUP               reload the configuration: re-open captures whose settings changed, keep flows
  SIGUSR1              print the counters line now

Needs CAP_NET_RAW to capture (and CAP_NET_ADMIN for promiscuous mode), or root.`;

/** Loads the file and compiles every BPF filter, so a typo fails --check rather than the start. */
function load(file: string): ProbeConfig {
  const config = loadConfig(file);
  const problems: string[] = [];
  config.capture.interfaces.forEach((i, n) => {
    const err = checkFilter(i.filter, i.snaplen);
    if (err) problems.push(`${file}: capture.interfaces[${n}].filter: ${err}`);
  });
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

export async function runMain(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandLine(argv, {
    config: { type: 'string' },
    check: { type: 'boolean' },
    dump: { type: 'boolean' },
    stats: { type: 'boolean' },
    'stats-interval': { type: 'string' },
    'log-format': { type: 'string' },
    'log-level': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(RUN_USAGE + '\n');
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`probe run: unexpected argument "${positionals[0]}"`);
  const file = values.config;
  if (file === undefined) throw new UsageError('probe run: --config FILE is required');
  const logFormat = (values['log-format'] ?? 'text') as LogFormat;
  if (!LOG_FORMATS.includes(logFormat)) throw new UsageError(`--log-format: expected ${LOG_FORMATS.join(' or ')}, got "${logFormat}"`);
  const logLevel = (values['log-level'] ?? 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) throw new UsageError(`--log-level: expected one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  const statsEvery = numberOption(values['stats-interval'], '--stats-interval', 60, { min: 0.1 }) * 1000;

  let config: ProbeConfig;
  try {
    config = load(file);
  } catch (e) {
    if (!(e instanceof ConfigError) || !values.check) throw e;
    for (const p of e.problems) process.stderr.write(`spanmap: ${p}\n`);
    return 1;
  }
  if (values.dump) process.stdout.write(dumpConfig(config));
  if (values.check) {
    process.stderr.write(`spanmap: ${file}: configuration is valid\n`);
    return 0;
  }
  if (values.dump) return 0;
  return run(file, config, { stats: values.stats === true, statsEvery, logFormat, logLevel });
}

async function run(file: string, config: ProbeConfig, opts: { stats: boolean; statsEvery: number; logFormat: LogFormat; logLevel: LogLevel }): Promise<number> {
  const out = new LineWriter();
  // JSON logs go to stdout, unless flow records do (no publish section).
  const logger = createLogger({
    format: opts.logFormat,
    level: opts.logLevel,
    name: 'probe',
    textPrefix: 'spanmap: ',
    base: { probe: config.probe.id },
    jsonFd: config.publish ? 1 : 2,
  });
  const log = (line: string) => logger.info(line);
  let daemon: ReturnType<typeof createDaemon> | null = null;
  const pub = config.publish;
  const session = pub
    ? new PublishSession(
        {
          url: pub.url,
          probeId: config.probe.id,
          dataDir: config.store.dir,
          ...(pub.username ? { username: pub.username } : {}),
          ...(pub.password ? { password: pub.password } : {}),
          intervalMs: pub.interval * 1000,
          store: { maxAgeMs: config.store.maxAgeDays * 86_400_000, maxBytes: config.store.maxBytes },
          publisher: { inflight: pub.inflight },
        },
        () => {
          const s = daemon?.stats();
          return {
            packets: s?.packets ?? 0,
            // The native backend counts kernel drops; cap cannot (null: unknown, never a false zero).
            drops: s && s.interfaces.some((i) => i.kernelDrops === null) ? null : (s?.kernelDrops ?? 0),
            ifDrops: s && s.interfaces.some((i) => i.ifaceDrops === null) ? null : (s?.ifaceDrops ?? 0),
            decodeErrors: Object.values(s?.decodeErrors ?? {}).reduce((a, b) => a + b, 0),
            activeFlows: s?.flows.active ?? 0,
            emittedFlows: Object.values(s?.flows.emitted ?? {}).reduce((a, b) => a + b, 0),
            ...(s?.exporters ? { exportLost: s.exporters.lost.v5Flows + s.exporters.lost.v9Packets + s.exporters.lost.ipfixRecords } : {}),
          };
        },
        log,
      )
    : null;
  daemon = createDaemon(config, { sink: session ? session.send : (r) => out.line(flowRecordJson(r)), log, now: Date.now });
  await session?.start();
  await daemon.start();
  if (session) log(`publishing to ${pub!.url} as probe "${config.probe.id}"; store ${session.dataDir}`);
  let metrics: ProbeMetrics | null = null;
  const mAddr = config.metrics.listen ? parseHostPort(config.metrics.listen) : null;
  if (mAddr) {
    metrics = new ProbeMetrics({
      capture: () => daemon!.stats(),
      exporters: () => daemon!.stats().exporters,
      ...(session ? { store: () => session.store.counters, publisher: () => session.publisher.counters, backlog: () => session.store.backlog() } : {}),
    });
    try {
      const a = await metrics.listen(mAddr.host === '*' ? '0.0.0.0' : mAddr.host, mAddr.port);
      log(`metrics on http://${a.host.includes(':') ? `[${a.host}]` : a.host}:${a.port}/metrics`);
    } catch (e) {
      await daemon.stop();
      await session?.stop();
      await out.end();
      throw e;
    }
  }
  const names = config.capture.interfaces.map((i) => i.name);
  const backends = [...new Set(daemon.stats().interfaces.map((i) => i.backend))];
  log(names.length > 0 ? `capturing on ${names.join(', ')} (${backends.join(', ')} backend)` : 'no capture interfaces configured');

  const printStats = () =>
    void process.stderr.write(
      JSON.stringify({ ...daemon!.stats(), ...(session ? { store: session.store.counters, publisher: session.publisher.counters } : {}) }) + '\n',
    );
  // Records are buffered into chunks; at capture rates below a chunk a second, push them out anyway.
  const flushTimer = setInterval(() => out.flush(), 1000);
  const statsTimer = opts.stats ? setInterval(printStats, opts.statsEvery) : null;
  let pending: Promise<void> = Promise.resolve(); // reloads and the stop run one at a time
  let stopping = false;

  return new Promise<number>((resolveExit, rejectExit) => {
    const reload = () => {
      if (stopping) return;
      pending = pending.then(async () => {
        try {
          await daemon.reload(load(file));
          log(`${file}: configuration reloaded`);
        } catch (e) {
          logger.warn(`reload failed, still running the previous configuration: ${errorLine(e)}`);
        }
      });
    };
    const stop = () => {
      if (stopping) return;
      stopping = true;
      pending = pending
        .then(async () => {
          clearInterval(flushTimer);
          if (statsTimer) clearInterval(statsTimer);
          process.off('SIGTERM', stop).off('SIGINT', stop).off('SIGHUP', reload).off('SIGUSR1', printStats);
          await metrics?.stop();
          await daemon!.stop();
          await session?.stop(); // the last summaries go to the store; unacknowledged batches wait there
          await out.end();
          if (opts.stats) printStats();
          resolveExit(0);
        })
        .catch(rejectExit);
    };
    process.on('SIGTERM', stop).on('SIGINT', stop).on('SIGHUP', reload).on('SIGUSR1', printStats);
  });
}
