import type { FlowRecord } from '@spanmap/shared';
import { FlowTable, type FlowCounters, type FlowTableOptions } from '../flowtable/flow-table.js';
import type { NameCounters, NameObserver } from '../names/types.js';
import { nameStatus } from '../daemon.js';
import { replayFiles, type ReplayStats } from '../capture/replay.js';
import { Progress } from '../output/progress.js';
import { PublishSession } from './session.js';
import type { SessionOptions } from './options.js';

// The two commands that publish and then exit once the console has acknowledged everything:
// `probe read FILE... --publish` (capture files through a flow table into the session) and
// `probe send` (only what already waits in the store). The CLI owns flags and signals; these own
// the wiring. Loaded only when publishing, so plain `probe read` never loads mqtt or lmdb.

export interface OneShot {
  /** Runs to the end; resolves to the exit status. */
  run(): Promise<number>;
  /** Stops waiting (Ctrl-C): what was not acknowledged stays in the store for the next run. */
  interrupt(): Promise<void>;
  readonly dataDir: string;
}

const log = (msg: string) => void process.stderr.write(`spanmap: ${msg}\n`);

export interface FileUploadOptions {
  files: string[];
  decapInner: boolean;
  /** Copies of a packet within this many ms are dropped (0 keeps them). */
  dedupWindowMs: number;
  /** Passive naming: learned names travel in the batches with the records. */
  names: boolean;
  flows: FlowTableOptions;
  session: SessionOptions;
  /** Print the counters line at the end. */
  stats: boolean;
  /** The counters of a plain `probe read --stats`, extended with the store's and publisher's. */
  statsSummary: (stats: ReplayStats, table: { counters: FlowCounters; storageBytes: number; names?: NameCounters | null }) => object;
}

export function fileUpload(o: FileUploadOptions): OneShot {
  let decodeErrors = 0;
  let sink: (r: FlowRecord) => void = () => {};
  let names: NameObserver | null = null;
  const table = new FlowTable(o.flows, (r) => sink(r));
  const s = new PublishSession(o.session, {
    capture: () => ({
      packets: table.counters.packets,
      drops: 0,
      ifDrops: 0,
      decodeErrors,
      activeFlows: table.size,
      emittedFlows: Object.values(table.counters.flowsEmitted).reduce((a, b) => a + b, 0),
      ...(names ? { names: nameStatus(names.counters) } : {}),
    }),
    log,
  });
  sink = s.send;
  let interrupted = false;
  return {
    dataDir: s.dataDir,
    async interrupt() {
      interrupted = true;
      await s.stop();
    },
    async run() {
      await s.start();
      if (o.names) names = (await import('../names/observer.js')).createNameObserver(s.sendName);
      const progress = new Progress('reading');
      const stats = await replayFiles(o.files, table, {
        decapInner: o.decapInner,
        dedupWindowMs: o.dedupWindowMs,
        names,
        onProgress: (d, t) => progress.update(d, t),
        yieldEvery: () => new Promise((r) => setImmediate(r)),
      });
      progress.done();
      table.flush('eof');
      decodeErrors = Object.entries(stats.decodeErrors).reduce((a, [k, v]) => (k === 'ok' ? a : a + v), 0);
      for (const e of stats.errors) log(e.message);
      const waiting = new Progress('waiting for the console to acknowledge');
      await s.drain((backlog) =>
        waiting.update(0, 0, `${backlog} batches left${s.publisher.connected ? '' : ` (broker unreachable: ${s.publisher.lastError ?? 'connecting'})`}`),
      );
      waiting.done();
      if (interrupted) return 130;
      if (o.stats)
        process.stderr.write(
          JSON.stringify({
            ...o.statsSummary(stats, { counters: table.counters, storageBytes: table.storageBytes, names: names?.counters ?? null }),
            store: s.store.counters,
            publisher: s.publisher.counters,
          }) + '\n',
        );
      await s.stop();
      return stats.errors.length > 0 ? 1 : 0;
    },
  };
}

/** `probe send`: what waits in the store (records never summarized are summarized first). */
export function backlogSend(session: SessionOptions): OneShot {
  const s = new PublishSession(session, {
    capture: () => ({ packets: 0, drops: null, ifDrops: null, decodeErrors: 0, activeFlows: 0, emittedFlows: 0 }),
    log,
  });
  return {
    dataDir: s.dataDir,
    interrupt: () => s.stop(),
    async run() {
      await s.start();
      // Counted once started (the outbox has summarized what it recovered): what waits, plus what
      // the console may already have acknowledged since the connection came up.
      const left = s.store.backlog();
      const total = { batches: left.batches + s.publisher.counters.acked, records: left.records };
      const progress = new Progress('sending');
      await s.drain((n) => progress.update(total.batches - n, total.batches, `${n} batches left`));
      progress.done();
      log(`sent ${total.batches} batches (${total.records} records) from ${s.dataDir}`);
      await s.stop();
      return 0;
    },
  };
}
