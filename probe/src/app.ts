import { Lifecycle, flowRecordJson, type Component, type FlowRecord } from '@spanmap/shared';
import { loadConfig, ConfigError, parseHostPort, type ProbeConfig } from './config.js';
import { createFlowInputs, nameStatus, type InputStats } from './daemon.js';
import { LineWriter } from './output/line-writer.js';
import { publishOptions } from './publish/options.js';
import type { PublishSession } from './publish/session.js';
import type { StoreCounters } from './store/probe-store.js';
import type { PublisherCounters } from './publish/publisher.js';

// `spanmap probe run`, wired in one place: from the validated configuration, createProbe builds
// the record sink (store → outbox → publisher, TLS included, or JSON lines on stdout), the flow
// table, live capture, the NetFlow/IPFIX listeners and the metrics endpoint. Every component is
// inert until started; they start in that order and stop in reverse, so inputs stop and the flow
// table flushes into a sink that is still open. What the configuration does not use is never
// imported (mqtt and lmdb without publish, prom-client without metrics, NetFlow without listeners).

export interface ProbeDeps {
  /** One human line (the CLI's logger). */
  log: (line: string) => void;
  /** Wall clock (ms): flow expiry, the status message, the store's retention. */
  now: () => number;
  /** Where records go without a publish section (default: buffered JSON lines on stdout). */
  stdout?: { line(s: string): void; flush(): void; end(): Promise<void> };
}

export type ProbeStats = InputStats & { store?: StoreCounters; publisher?: PublisherCounters };

export interface Probe {
  /** In start order: record sink (TLS files, store, publisher, outbox, retention — or stdout), flow table, capture, netflow, metrics. */
  readonly components: readonly Component[];
  /** Starts everything in order (a failed start stops what already started), then says what runs. */
  start(): Promise<void>;
  /** Stops in reverse order; a failed stop still stops the rest. Harmless twice. */
  stop(): Promise<void>;
  /** SIGHUP: applies a new configuration to the captures (see FlowInputs.reload). */
  reload(next: ProbeConfig): Promise<void>;
  /** The counters line of --stats. */
  stats(): ProbeStats;
}

/** Loads and validates the file and compiles every BPF filter, so a typo fails --check (and SIGHUP) rather than the start. */
export async function loadProbeConfig(file: string): Promise<ProbeConfig> {
  const config = loadConfig(file);
  const problems: string[] = [];
  if (config.capture.interfaces.some((i) => i.filter.trim() !== '')) {
    const { checkFilter } = await import('./capture/backends/index.js');
    config.capture.interfaces.forEach((i, n) => {
      const err = checkFilter(i.filter, i.snaplen);
      if (err) problems.push(`${file}: capture.interfaces[${n}].filter: ${err}`);
    });
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/** Records are buffered into chunks; at capture rates below a chunk a second, push them out anyway. */
const STDOUT_FLUSH_MS = 1000;

export async function createProbe(config: ProbeConfig, deps: ProbeDeps): Promise<Probe> {
  let session: PublishSession | null = null;
  let sink: (r: FlowRecord) => void;
  const sinkParts: Component[] = [];
  if (config.publish) {
    const { PublishSession } = await import('./publish/session.js');
    session = new PublishSession(publishOptions({ config: config.publish, probeId: config.probe.id, store: config.store }), {
      capture: () => captureStatus(inputs.stats()),
      log: deps.log,
      now: deps.now,
    });
    sink = session.send;
    sinkParts.push(...session.components);
  } else {
    const out = deps.stdout ?? new LineWriter();
    let timer: NodeJS.Timeout | null = null;
    sink = (r) => out.line(flowRecordJson(r));
    sinkParts.push({
      name: 'stdout',
      start: async () => void (timer = setInterval(() => out.flush(), STDOUT_FLUSH_MS)),
      stop: async () => {
        if (timer) clearInterval(timer);
        await out.end();
      },
    });
  }
  // Passive naming: names learned from the captured packets travel with the records when
  // publishing; without a publisher they are only counted (stdout carries flow records).
  const { createNameObserver } = await import('./names/observer.js');
  const names = createNameObserver(session ? session.sendName : () => {});
  const inputs = await createFlowInputs(config, { sink: (r) => sink(r), log: deps.log, now: deps.now, names });

  const metricsAt = config.metrics.listen ? parseHostPort(config.metrics.listen) : null;
  const metricsParts: Component[] = [];
  if (metricsAt) {
    const { ProbeMetrics } = await import('./metrics/metrics.js');
    const s = session;
    const metrics = new ProbeMetrics({
      capture: () => inputs.stats(),
      exporters: () => inputs.stats().exporters,
      ...(s ? { store: () => s.store.counters, publisher: () => s.publisher.counters, backlog: () => s.store.backlog() } : {}),
      now: deps.now,
    });
    metricsParts.push({
      name: 'metrics',
      async start() {
        const a = await metrics.listen(metricsAt.host === '*' ? '0.0.0.0' : metricsAt.host, metricsAt.port);
        deps.log(`metrics on http://${a.host.includes(':') ? `[${a.host}]` : a.host}:${a.port}/metrics`);
      },
      stop: () => metrics.stop(),
    });
  }

  const components = [...sinkParts, ...inputs.components, ...metricsParts];
  const lifecycle = new Lifecycle(components, { onStopError: (name, e) => deps.log(`stopping ${name}: ${(e as Error).message ?? e}`) }, 'probe');
  const stats = (): ProbeStats => ({
    ...inputs.stats(),
    ...(session?.started ? { store: session.store.counters, publisher: session.publisher.counters } : {}),
  });

  return {
    components,
    async start() {
      await lifecycle.start();
      if (session) deps.log(`publishing to ${config.publish!.url} as probe "${config.probe.id}"; store ${session.dataDir}`);
      const names = config.capture.interfaces.map((i) => i.name);
      const backends = [...new Set(inputs.stats().interfaces.map((i) => i.backend))];
      deps.log(names.length > 0 ? `capturing on ${names.join(', ')} (${backends.join(', ')} backend)` : 'no capture interfaces configured');
    },
    stop: () => lifecycle.stop(),
    reload: (next) => inputs.reload(next),
    stats,
  };
}

/** What the retained status message says about the probe's input. */
function captureStatus(s: InputStats) {
  return {
    packets: s.packets,
    // The native backend counts kernel drops; cap cannot (null: unknown, never a false zero).
    drops: s.interfaces.some((i) => i.kernelDrops === null) ? null : (s.kernelDrops ?? 0),
    ifDrops: s.interfaces.some((i) => i.ifaceDrops === null) ? null : (s.ifaceDrops ?? 0),
    decodeErrors: Object.values(s.decodeErrors).reduce((a, b) => a + (b ?? 0), 0),
    activeFlows: s.flows.active,
    emittedFlows: Object.values(s.flows.emitted).reduce((a, b) => a + b, 0),
    ...(s.exporters ? { exportLost: s.exporters.lost.v5Flows + s.exporters.lost.v9Packets + s.exporters.lost.ipfixRecords } : {}),
    ...(s.names ? { names: nameStatus(s.names) } : {}),
  };
}
