import { parseCommandLine, numberOption, UsageError, errorLine } from '@spanmap/shared';
import { createLogger, LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel } from '@spanmap/shared/log';
import { dumpConfig, ConfigError, type ProbeConfig } from '../config.js';
import { createProbe, loadProbeConfig, type Probe } from '../app.js';

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
    config = await loadProbeConfig(file);
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

  // JSON logs go to stdout, unless flow records do (no publish section).
  const logger = createLogger({
    format: logFormat,
    level: logLevel,
    name: 'probe',
    textPrefix: 'spanmap: ',
    base: { probe: config.probe.id },
    jsonFd: config.publish ? 1 : 2,
  });
  const probe = await createProbe(config, { log: (line) => logger.info(line), now: Date.now });
  await probe.start();
  return untilStopped(probe, {
    stats: values.stats === true,
    statsEvery,
    reload: async () => {
      await probe.reload(await loadProbeConfig(file));
      logger.info(`${file}: configuration reloaded`);
    },
    warn: (line) => logger.warn(line),
  });
}

/** Signals: SIGTERM/SIGINT stop (exit 0), SIGHUP reloads, SIGUSR1 prints the counters; one at a time. */
function untilStopped(probe: Probe, o: { stats: boolean; statsEvery: number; reload: () => Promise<void>; warn: (line: string) => void }): Promise<number> {
  const printStats = () => void process.stderr.write(JSON.stringify(probe.stats()) + '\n');
  const statsTimer = o.stats ? setInterval(printStats, o.statsEvery) : null;
  let pending: Promise<void> = Promise.resolve(); // reloads and the stop run one at a time
  let stopping = false;
  return new Promise<number>((resolveExit, rejectExit) => {
    const reload = () => {
      if (stopping) return;
      pending = pending.then(() => o.reload().catch((e) => o.warn(`reload failed, still running the previous configuration: ${errorLine(e)}`)));
    };
    const stop = () => {
      if (stopping) return;
      stopping = true;
      pending = pending
        .then(async () => {
          if (statsTimer) clearInterval(statsTimer);
          process.off('SIGTERM', stop).off('SIGINT', stop).off('SIGHUP', reload).off('SIGUSR1', printStats);
          await probe.stop(); // the last summaries go to the store; unacknowledged batches wait there
          if (o.stats) printStats();
          resolveExit(0);
        })
        .catch(rejectExit);
    };
    process.on('SIGTERM', stop).on('SIGINT', stop).on('SIGHUP', reload).on('SIGUSR1', printStats);
  });
}
