import type { FlowRecord } from '@spanmap/shared';
import { FlowTable, type FlowTableOptions } from './flowtable/flow-table.js';
import { createLiveCapture, type LiveCapture, type LiveCaptureConfig, type LiveCaptureStats } from './capture/live.js';
import type { OwnEndpoint } from './capture/live-filter.js';
import { brokerAddress, parseHostPort, type ProbeConfig } from './config.js';
import { createFlowExportListener, type FlowExportListener } from './netflow/index.js';
import { join } from 'node:path';

// `spanmap probe run`: creates the probe's components from the configuration. Inert until
// start(); stop() closes the captures and listeners and flushes every flow. Records from live
// capture and from NetFlow/IPFIX exporters go to `sink`: the publish session (store → outbox →
// MQTT) when publishing is configured, stdout JSON lines otherwise (the CLI decides).

export interface DaemonDeps {
  sink: (record: FlowRecord) => void;
  /** One human line for stderr. */
  log: (line: string) => void;
  /** Wall clock in ms: the flow table's expiry time (captures stamp packets on the same clock). */
  now: () => number;
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
  return { backend: c.capture.backend, interfaces: c.capture.interfaces, decapInner: c.flows.decap === 'inner', own: ownEndpoints(c) };
}

export function createDaemon(initial: ProbeConfig, deps: DaemonDeps) {
  let config = initial;
  const table = new FlowTable(flowTableOptions(config), deps.sink);
  let capture: LiveCapture | null = null;
  let listener: FlowExportListener | null = null;
  let timer: NodeJS.Timeout | null = null;
  let startedAt = 0;

  const tick = () => {
    const now = deps.now();
    table.expire(now);
    capture?.expire(now);
  };

  return {
    async start(): Promise<void> {
      startedAt = deps.now();
      if (config.capture.interfaces.length > 0) {
        capture = createLiveCapture(liveCaptureConfig(config), { table, log: deps.log });
        await capture.start();
      }
      const l = config.netflow.listeners;
      if (l.length > 0) {
        listener = createFlowExportListener(
          {
            netflow: l.filter((x) => x.protocol === 'netflow').map((x) => x.listen),
            ipfix: l.filter((x) => x.protocol === 'ipfix').map((x) => x.listen),
            dataDir: join(config.store.dir, 'templates'),
          },
          { send: deps.sink, now: deps.now },
        );
        try {
          await listener.start();
        } catch (e) {
          await capture?.stop();
          throw e;
        }
      }
      timer = setInterval(tick, TICK_MS);
    },

    /** SIGHUP: captures whose settings changed are re-opened, flows are kept. Throws (keeping the old setup) when the new one cannot be applied. */
    async reload(next: ProbeConfig): Promise<void> {
      const restart: string[] = [];
      for (const k of ['probe', 'flows', 'store', 'publish', 'netflow', 'metrics'] as const) {
        if (JSON.stringify(next[k]) !== JSON.stringify(config[k])) restart.push(k);
      }
      if (next.capture.interfaces.length > 0 && !capture) {
        const c = createLiveCapture(liveCaptureConfig(next), { table, log: deps.log });
        await c.start();
        capture = c;
      } else if (capture) {
        await capture.reload(liveCaptureConfig(next));
      }
      config = next;
      // The own-traffic exclusion follows publish/netflow/metrics at once; the rest needs a restart.
      if (restart.length > 0) deps.log(`changes to ${restart.join(', ')} take effect at the next start (the own-traffic filter is already updated)`);
    },

    stats() {
      const c = table.counters;
      const live: LiveCaptureStats = capture?.stats() ?? {
        interfaces: [],
        captured: 0,
        kernelDrops: 0,
        ifaceDrops: 0,
        decodeErrors: {},
        fragments: { matched: 0, orphaned: 0, absorbed: 0 },
        reloadDuplicates: 0,
      };
      const exporters = listener?.counters() ?? null;
      return {
        probe: config.probe.id,
        uptime: Math.round((deps.now() - startedAt) / 1000),
        ...live,
        packets: c.packets,
        bytes: c.bytes,
        flows: { active: table.size, created: c.flowsCreated, emitted: c.flowsEmitted, maxActive: c.maxActive },
        exporters,
      };
    },

    /** Stops capturing, then emits every flow still held: closed ones with their reason, open ones "eof" (input ended). */
    async stop(): Promise<void> {
      if (timer) clearInterval(timer);
      timer = null;
      await capture?.stop();
      await listener?.stop();
      table.flush('eof');
    },
  };
}

export type Daemon = ReturnType<typeof createDaemon>;
