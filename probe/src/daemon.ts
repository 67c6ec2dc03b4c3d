import type { Component, FlowRecord } from '@spanmap/shared';
import { FlowTable, type FlowTableOptions } from './flowtable/flow-table.js';
import type { LiveCapture, LiveCaptureConfig, LiveCaptureStats } from './capture/live.js';
import type { LiveWorkers, LiveWorkerStats } from './capture/live-workers.js';
import type { OwnEndpoint } from './capture/live-filter.js';
import type { FlowExportListener, ListenerCounters } from './netflow/index.js';
import type { NameObserver, NameCounters } from './names/types.js';
import { brokerAddress, parseHostPort, type ProbeConfig } from './config.js';
import { join } from 'node:path';

// The input half of `spanmap probe run`: the flow table, live capture on the configured
// interfaces, and the NetFlow/IPFIX listeners, as three components (app.ts wires them between the
// record sink and the metrics). Records from both inputs go to `sink`. Capture and NetFlow are
// imported only when configured.

export interface InputDeps {
  sink: (record: FlowRecord) => void;
  /** Passive naming on the captured packets (null or absent: off). */
  names?: NameObserver | null;
  /** One human line for stderr. */
  log: (line: string) => void;
  /** Wall clock in ms: the flow table's expiry time (captures stamp packets on the same clock). */
  now: () => number;
}

/** The status message's names counters: names learned, name-carrying payloads skipped as malformed. */
export function nameStatus(c: NameCounters): { learned: number; errors: number } {
  const sum = (o: Record<string, number>) => Object.values(o).reduce((a, b) => a + b, 0);
  return { learned: sum(c.names), errors: sum(c.errors) };
}

/** Expiry runs this often; flows end within a second of their timeout. */
const TICK_MS = 1000;

export function flowTableOptions(c: ProbeConfig): FlowTableOptions {
  return { idleMs: c.flows.idle * 1000, activeMs: c.flows.active * 1000, graceMs: c.flows.grace * 1000, maxFlows: c.flows.maxFlows };
}

/** The probe's own connections, which no capture may count. */
export function ownEndpoints(c: ProbeConfig): OwnEndpoint[] {
  const out: OwnEndpoint[] = [];
  if (c.publish) out.push({ what: 'publish.url', proto: 'tcp', side: 'remote', ...brokerAddress(c.publish.url) });
  c.netflow.listeners.forEach((l, i) => {
    const hp = parseHostPort(l.listen);
    if (hp) out.push({ what: `netflow.listeners[${i}]`, proto: 'udp', side: 'local', ...hp });
  });
  const m = c.metrics.listen ? parseHostPort(c.metrics.listen) : null;
  if (m) out.push({ what: 'metrics.listen', proto: 'tcp', side: 'local', ...m });
  return out;
}

export function liveCaptureConfig(c: ProbeConfig): LiveCaptureConfig {
  return {
    backend: c.capture.backend,
    interfaces: c.capture.interfaces,
    decapInner: c.flows.decap === 'inner',
    own: ownEndpoints(c),
    dedupWindowMs: c.flows.dedupWindow,
  };
}

const NO_CAPTURE: LiveCaptureStats = {
  interfaces: [],
  captured: 0,
  kernelDrops: 0,
  ifaceDrops: 0,
  decodeErrors: {},
  fragments: { matched: 0, orphaned: 0, absorbed: 0 },
  duplicates: 0,
  reloadDuplicates: 0,
  reloadLost: 0,
};

export type InputStats = LiveCaptureStats & {
  probe: string;
  uptime: number;
  packets: number;
  bytes: number;
  flows: { active: number; created: number; emitted: Record<string, number>; maxActive: number };
  exporters: ListenerCounters | null;
  /** Capture threads, when capture.workers splits the interfaces between several: how many, and the packets each counted. */
  workers?: { count: number; packets: number[] };
  /** Passive naming, when on: packets parsed and names learned by protocol, payloads skipped by reason. */
  names: NameCounters | null;
};

export interface FlowInputs {
  /** Flow table (expiry; its stop flushes every flow), capture, NetFlow/IPFIX: started in this order. */
  readonly components: readonly Component[];
  /** SIGHUP: captures whose settings changed are re-opened, flows are kept. Throws (keeping the old setup) when the new one cannot be applied. */
  reload(next: ProbeConfig): Promise<void>;
  stats(): InputStats;
}

export async function createFlowInputs(initial: ProbeConfig, deps: InputDeps): Promise<FlowInputs> {
  let config = initial;
  // capture.workers > 1 (native backend): worker threads each count a share of every interface
  // (a kernel fanout), each with a table of maxFlows / workers flows.
  let workers = config.capture.backend === 'native' && config.capture.interfaces.length > 0 ? config.capture.workers : 1;
  if (workers > 1 && 'error' in (await import('./capture/backends/index.js')).loadNativeAddon()) workers = 1; // cap has no fanout
  const flows = flowTableOptions(config);
  const share = { ...flows, maxFlows: Math.max(1, Math.ceil(flows.maxFlows / workers)) };
  const table = new FlowTable(share, deps.sink);
  const newCapture = async (c: ProbeConfig): Promise<LiveCapture | LiveWorkers> => {
    const captureDeps = { table, log: deps.log, names: deps.names ?? null };
    if (workers > 1)
      return (await import('./capture/live-workers.js')).createLiveWorkers(liveCaptureConfig(c), { ...captureDeps, sink: deps.sink, flow: share }, workers);
    return (await import('./capture/live.js')).createLiveCapture(liveCaptureConfig(c), captureDeps);
  };
  let capture: LiveCapture | LiveWorkers | null = config.capture.interfaces.length > 0 ? await newCapture(config) : null;
  const l = config.netflow.listeners;
  const listener: FlowExportListener | null =
    l.length > 0
      ? (await import('./netflow/index.js')).createFlowExportListener(
          {
            netflow: l.filter((x) => x.protocol === 'netflow').map((x) => x.listen),
            ipfix: l.filter((x) => x.protocol === 'ipfix').map((x) => x.listen),
            dataDir: join(config.store.dir, 'templates'),
          },
          { send: deps.sink, now: deps.now },
        )
      : null;
  let timer: NodeJS.Timeout | null = null;
  let startedAt = deps.now();

  const flowTable: Component = {
    name: 'flow table',
    async start() {
      startedAt = deps.now();
      timer = setInterval(() => {
        const now = deps.now();
        table.expire(now);
        capture?.expire(now);
      }, TICK_MS);
    },
    /** Emits every flow still held: closed ones with their reason, open ones "eof" (input ended). */
    async stop() {
      if (timer) clearInterval(timer);
      timer = null;
      table.flush('eof');
    },
  };
  const components: Component[] = [flowTable];
  // Reload may open a capture where none was configured: the component looks it up when stopping.
  components.push({ name: 'capture', start: async () => capture?.start(), stop: async () => capture?.stop() });
  if (listener) components.push({ name: 'netflow', start: () => listener.start(), stop: () => listener.stop() });

  return {
    components,

    async reload(next: ProbeConfig): Promise<void> {
      const restart: string[] = [];
      for (const k of ['probe', 'flows', 'store', 'publish', 'netflow', 'metrics'] as const) {
        if (JSON.stringify(next[k]) !== JSON.stringify(config[k])) restart.push(k);
      }
      if (next.capture.interfaces.length > 0 && !capture) {
        const c = await newCapture(next);
        await c.start();
        capture = c;
      } else if (capture) {
        await capture.reload(liveCaptureConfig(next));
      }
      config = next;
      // The own-traffic exclusion follows publish/netflow/metrics at once; the rest needs a restart.
      if (restart.length > 0) deps.log(`changes to ${restart.join(', ')} take effect at the next start (the own-traffic filter is already updated)`);
    },

    stats(): InputStats {
      const c = table.counters;
      const { workers: others = [], ...live } = (capture?.stats() ?? NO_CAPTURE) as LiveCaptureStats & { workers?: LiveWorkerStats[] };
      const emitted = { ...c.flowsEmitted };
      for (const w of others) for (const k of Object.keys(emitted) as Array<keyof typeof emitted>) emitted[k] += w.flows.emitted[k];
      const sum = (f: (w: LiveWorkerStats) => number) => others.reduce((a, w) => a + f(w), 0);
      return {
        probe: config.probe.id,
        uptime: Math.round((deps.now() - startedAt) / 1000),
        ...live,
        ...(others.length > 0 ? { workers: { count: others.length + 1, packets: [c.packets, ...others.map((w) => w.packets)] } } : {}),
        packets: c.packets + sum((w) => w.packets),
        bytes: c.bytes + sum((w) => w.bytes),
        flows: {
          active: table.size + sum((w) => w.flows.active),
          created: c.flowsCreated + sum((w) => w.flows.created),
          emitted,
          maxActive: c.maxActive + sum((w) => w.flows.maxActive),
        },
        exporters: listener?.counters() ?? null,
        names: deps.names?.counters ?? null,
      };
    },
  };
}
