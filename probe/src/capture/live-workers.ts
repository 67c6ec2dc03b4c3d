import { Worker } from 'node:worker_threads';
import type { EndReason, FlowRecord } from '@spanmap/shared';
import type { FlowTableOptions } from '../flowtable/flow-table.js';
import { createLiveCapture, type LiveCapture, type LiveCaptureConfig, type LiveCaptureDeps, type LiveCaptureStats, type InterfaceStats } from './live.js';
import type { LiveWorkerData, LiveWorkerMessage, LiveWorkerRequest } from './live-worker.js';

// Live capture on several cores (capture.workers): the main thread's capture founds a kernel
// fanout group per interface (native backend), then worker threads join them one after the other,
// so worker k is member k of every group and the same address pair goes to the same worker on
// every interface (deduplication across interfaces still works). Each worker has its own flow
// table; its records come to `sink` here. SIGHUP reloads the main capture, then each worker.

/** What a worker reports: its captures' counters and its flow table's. */
export type LiveWorkerStats = LiveCaptureStats & {
  packets: number;
  bytes: number;
  flows: { active: number; created: number; emitted: Record<EndReason, number>; maxActive: number };
};

export interface LiveWorkersDeps extends LiveCaptureDeps {
  /** Where the workers' records go (the main table's sink). */
  sink: (r: FlowRecord) => void;
  /** Each worker's flow table (maxFlows already divided between the workers). */
  flow: FlowTableOptions;
}

interface WorkerHandle {
  w: Worker;
  latest: LiveWorkerStats | null;
  waiting: Array<{ type: string; resolve: () => void; reject: (e: Error) => void }>;
  exited: Promise<void>;
  stopped: boolean;
}

/** The worker's script: beside this module once built; tests run the TypeScript sources, the worker from the build. */
function workerScript(): URL {
  const here = new URL(import.meta.url);
  return here.pathname.endsWith('.ts') ? new URL('../../dist/capture/live-worker.js', here) : new URL('./live-worker.js', here);
}

/**
 * An interface's `bufferSize` is its kernel ring in all: each of the `count` fanout members gets
 * its share (whole pages, at least 1 MiB), so more workers do not multiply the probe's memory.
 */
export function shareRings(c: LiveCaptureConfig, count: number): LiveCaptureConfig {
  if (count <= 1) return c;
  const share = (b: number) => Math.max(1 << 20, Math.floor(b / count / 4096) * 4096);
  return { ...c, interfaces: c.interfaces.map((i) => ({ ...i, bufferSize: share(i.bufferSize) })) };
}

export function createLiveWorkers(wanted: LiveCaptureConfig, deps: LiveWorkersDeps, count: number) {
  const initial = shareRings(wanted, count);
  const main: LiveCapture = createLiveCapture({ ...initial, fanout: { create: true } }, deps);
  const workers: WorkerHandle[] = [];

  function spawn(config: LiveCaptureConfig): Promise<WorkerHandle> {
    const data: LiveWorkerData = { config, flow: deps.flow };
    const w = new Worker(workerScript(), { workerData: data });
    let exit!: () => void;
    const h: WorkerHandle = { w, latest: null, waiting: [], exited: new Promise((r) => (exit = r)), stopped: false };
    w.on('message', (m: LiveWorkerMessage) => {
      if (m.type === 'records') for (const r of m.records) deps.sink(r);
      else if (m.type === 'log') deps.log(m.line);
      else if (m.type === 'stats' || m.type === 'stopped') h.latest = m.stats;
      if (m.type === 'failed') h.waiting.splice(0).forEach((x) => x.reject(new Error(m.message)));
      else h.waiting = h.waiting.filter((x) => (x.type === m.type ? (x.resolve(), false) : true));
    });
    w.on('error', (e) => h.waiting.splice(0).forEach((x) => x.reject(e)));
    w.on('exit', () => {
      h.waiting.splice(0).forEach((x) => x.reject(new Error('capture worker exited')));
      exit();
    });
    return answer(h, 'started').then(() => h);
  }

  function answer(h: WorkerHandle, type: string, request?: LiveWorkerRequest): Promise<void> {
    return new Promise((resolve, reject) => {
      h.waiting.push({ type, resolve, reject });
      if (request) h.w.postMessage(request);
    });
  }

  const joining = (c: LiveCaptureConfig): LiveCaptureConfig => ({ ...c, fanout: { groups: main.fanoutGroups() } });

  return {
    async start(): Promise<void> {
      await main.start();
      try {
        // One after the other: worker k becomes member k of every interface's group.
        for (let i = 1; i < count; i++) workers.push(await spawn(joining(initial)));
      } catch (e) {
        await this.stop();
        throw e;
      }
    },
    /**
     * The main capture opens its new captures (founding new groups), each worker then opens and
     * joins its own, and only then do all switch from old to new captures at one instant.
     */
    async reload(wantedNext: LiveCaptureConfig): Promise<void> {
      const next = shareRings(wantedNext, count);
      const done: Array<Promise<void>> = [];
      await main.reload({ ...next, fanout: { create: true } }, async () => {
        for (const h of workers) {
          done.push(answer(h, 'reloaded'));
          await answer(h, 'prepared', { type: 'reload', config: joining(next) });
        }
        // Every new capture has joined its group by now; rounded up, so that no frame stamped
        // within this millisecond but before the last join (the group short of members, the
        // packet sent to another worker than its flow's) counts on the new side.
        const at = Date.now() + 1;
        for (const h of workers) h.w.postMessage({ type: 'switch', at } satisfies LiveWorkerRequest);
        return at;
      });
      await Promise.all(done);
    },
    expire(now: number): void {
      main.expire(now); // workers expire their own
    },
    fanoutGroups: () => main.fanoutGroups(),
    /** The main capture's counters plus every worker's; `workers` holds the workers' flow tables. */
    stats(): LiveCaptureStats & { workers: LiveWorkerStats[] } {
      const all = [main.stats(), ...workers.map((h) => h.latest).filter((s): s is LiveWorkerStats => s !== null)];
      const sum = (f: (s: LiveCaptureStats) => number | null | undefined) =>
        all.reduce<number | null>((a, s) => (a === null || f(s) === null || f(s) === undefined ? null : a + f(s)!), 0);
      const interfaces: InterfaceStats[] = all[0]!.interfaces.map((i) => {
        const same = all.map((s) => s.interfaces.find((x) => x.name === i.name)).filter((x): x is InterfaceStats => x !== undefined);
        const add = (k: 'captured' | 'received' | 'kernelDrops' | 'ifaceDrops' | 'unread') =>
          same.reduce<number | null>((a, x) => (a === null || x[k] === null ? null : a + (x[k] as number)), 0);
        return {
          ...i,
          captured: add('captured') ?? 0,
          received: add('received'),
          kernelDrops: add('kernelDrops'),
          ifaceDrops: add('ifaceDrops'),
          unread: add('unread'),
        };
      });
      const decodeErrors: Record<string, number> = {};
      for (const s of all) for (const [k, v] of Object.entries(s.decodeErrors)) decodeErrors[k] = (decodeErrors[k] ?? 0) + (v ?? 0);
      return {
        interfaces,
        captured: sum((s) => s.captured) ?? 0,
        kernelDrops: sum((s) => s.kernelDrops),
        ifaceDrops: sum((s) => s.ifaceDrops),
        decodeErrors,
        fragments: {
          matched: sum((s) => s.fragments.matched) ?? 0,
          orphaned: sum((s) => s.fragments.orphaned) ?? 0,
          absorbed: sum((s) => s.fragments.absorbed) ?? 0,
        },
        duplicates: sum((s) => s.duplicates ?? 0) ?? 0,
        reloadDuplicates: sum((s) => s.reloadDuplicates) ?? 0,
        reloadLost: sum((s) => s.reloadLost) ?? 0,
        workers: workers.map((h) => h.latest).filter((s): s is LiveWorkerStats => s !== null),
      };
    },
    /** Stops the main capture, then each worker (which flushes its flows into `sink`). Harmless twice. */
    async stop(): Promise<void> {
      await main.stop();
      for (const h of workers) {
        if (h.stopped) continue;
        h.stopped = true;
        await answer(h, 'stopped', { type: 'stop' }).catch(() => {});
        await h.exited;
      }
    },
  };
}

export type LiveWorkers = ReturnType<typeof createLiveWorkers>;
