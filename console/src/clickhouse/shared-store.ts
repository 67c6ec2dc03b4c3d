import type { SummaryBatch } from '@spanmap/shared';
import type { ConsoleStore } from '../store/console-store.js';
import type { StoreSpec } from '../store/store-url.js';
import { ClickHouse } from './client.js';
import { migrate, tables } from './schema.js';
import { BatchLog, StateLog } from './logs.js';
import { Tailer } from './tailer.js';

export type ClickHouseSpec = Extract<StoreSpec, { kind: 'clickhouse' }>;

export interface SharedStoreOptions {
  spec: ClickHouseSpec;
  /** SPANMAP_CLICKHOUSE_USER / SPANMAP_CLICKHOUSE_PASSWORD. */
  username?: string;
  password?: string;
  /** This console's name in the logs (its MQTT client id). */
  consoleId: string;
  /** The tail's safety lag and poll period (ms). */
  lagMs?: number;
  everyMs?: number;
  log: (kind: string, line: string) => void;
}

export interface SharedStoreDeps {
  store: ConsoleStore;
  /** Applies batches received by another console, serialized with ingest (ingester.exclusive + data.applyFromLog). */
  applyBatches(batches: SummaryBatch[], now: number): Promise<number>;
}

const CURSOR = 'clickhouse:cursor';

/**
 * The ClickHouse store shared by several consoles (issue 19): ClickHouse holds the durable logs
 * — every batch any console received, and every change people made — and each console keeps its
 * own materialized model in its local LMDB store, following the logs with a tailer. Received
 * batches are logged before they are applied and acknowledged (`beforeApply`); this console's
 * state changes are published after they commit (the shared-state sink). Inert until start(),
 * which migrates the schema and catches up with the logs.
 */
export class SharedStore {
  readonly ch: ClickHouse;
  readonly batches: BatchLog;
  readonly state: StateLog;
  readonly tailer: Tailer;
  migrated: { from: number; to: number } | null = null;

  constructor(
    private readonly opts: SharedStoreOptions,
    private readonly deps: SharedStoreDeps,
    private readonly now: () => number = Date.now,
  ) {
    const o = opts;
    this.ch = new ClickHouse({
      endpoints: o.spec.endpoints,
      ...(o.username !== undefined ? { username: o.username } : {}),
      ...(o.password !== undefined ? { password: o.password } : {}),
      // Below the tail's lag: an insert the server confirms late is still inside the others' window.
      requestTimeoutMs: 10_000,
    });
    const t = tables(o.spec);
    const distributed = o.spec.cluster !== null;
    this.batches = new BatchLog(this.ch, t.batches, o.consoleId, distributed);
    this.state = new StateLog(this.ch, t.state, distributed);
    const store = deps.store;
    this.tailer = new Tailer({
      batches: this.batches,
      state: this.state,
      applyBatches: (b, now) => deps.applyBatches(b, now),
      applyState: (events) => store.shared.apply(store.env, events, (n) => store.raw(n), store.raw('shared-clock')),
      cursor: {
        get: () => (store.meta.get(CURSOR) as number | undefined) ?? 0,
        set: async (ms) => void (await store.meta.put(CURSOR, ms)),
      },
      flush: () => this.flush(),
      log: o.log,
      lagMs: o.lagMs ?? 30_000,
      everyMs: o.everyMs ?? 1000,
    });
  }

  /** Logs a group of received batches; resolves once ClickHouse confirmed the insert. */
  async beforeApply(items: Array<{ batch: SummaryBatch; payload: Uint8Array }>, now: number): Promise<void> {
    await this.batches.insert(items, now);
    this.tailer.noteLogged(
      items.map((i) => i.batch),
      performance.now(),
    );
  }

  /**
   * After received batches committed locally: the tail need not fetch them back. (Not on insert:
   * a batch logged but not applied here, the local commit failing, must still come by the tail.)
   */
  received(batches: SummaryBatch[]): void {
    this.tailer.noteReceived(batches, this.now());
  }

  /** Publishes this console's committed state changes (API mutations wait for it before answering). */
  flush(): Promise<void> {
    return this.deps.store.shared.flush(this.deps.store.env);
  }

  async start(): Promise<void> {
    const s = this.deps.store.shared;
    this.migrated = await migrate(this.ch, this.opts.spec, this.opts.consoleId, this.now());
    s.consoleId = this.opts.consoleId;
    s.clock = this.deps.store.raw('shared-clock');
    s.sink = { publish: (events) => this.state.insert(events, this.now()) };
    await this.tailer.start();
  }

  async stop(): Promise<void> {
    await this.tailer.stop();
    try {
      await this.flush();
    } finally {
      const s = this.deps.store.shared;
      s.sink = null;
      s.clock = null;
      await this.ch.close();
    }
  }
}
