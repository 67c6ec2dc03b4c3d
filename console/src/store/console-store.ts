import { mkdirSync } from 'node:fs';
import { open, type Database, type Key, type RootDatabase } from 'lmdb';
import { SpanmapError } from '@spanmap/shared';
import { SharedState } from './shared-state.js';

/**
 * The console's embedded LMDB store: one environment, one named database per kind of data. Inert
 * until open(); the stages keep their own logic and use the handles (catalog blocks, rollup
 * chunks and the journal, edge rows and hours, the merge index, probes, names, and the state the
 * API changes: segments, reviews, policies, alerts, audit).
 */
export class ConsoleStore {
  private root: RootDatabase | null = null;
  /**
   * The databases people change (segments, reviews, audit, policies, names, alert triage...) are
   * shared between consoles that share a store: stages declare them with `shared.names.add()`.
   */
  readonly shared: SharedState;

  /** `now` stamps the shared changes: the console's clock, the one batches are received by. */
  constructor(
    readonly dir: string,
    now: () => number = Date.now,
  ) {
    this.shared = new SharedState(now);
  }

  get env(): RootDatabase {
    if (!this.root) throw new Error('the console store is not open');
    return this.root;
  }

  get meta(): Database<unknown, string> {
    return this.db('meta');
  }

  open(): void {
    if (this.root) return;
    try {
      mkdirSync(this.dir, { recursive: true });
      this.root = open({ path: this.dir, maxDbs: 40, compression: false });
    } catch (e) {
      throw new SpanmapError('io', `cannot open the console store in ${this.dir}: ${(e as Error).message}`);
    }
  }

  private readonly dbs = new Map<string, Database<unknown, never>>();

  /**
   * Runs `work` in one write transaction that commits all of it or none: lmdb-js commits what an
   * async transaction callback wrote even when the callback throws, so the work runs in a child
   * transaction, which is rolled back when it throws (the error is passed on).
   */
  atomic<T>(work: () => T): Promise<T> {
    const env = this.env;
    const before = new Set(this.raws.keys());
    return env
      .transaction(() => env.childTransaction(work) as T)
      .catch((e: unknown) => {
        // A database first opened inside a transaction that was rolled back is not open any more.
        for (const name of [...this.raws.keys()]) {
          if (before.has(name)) continue;
          this.raws.delete(name);
          this.dbs.delete(name);
        }
        throw e;
      });
  }

  /** A named database (opened once); a shared one records its changes (shared-state.ts). */
  db<V, K extends string | number | Buffer | Array<string | number> = string>(name: string, encoding?: 'binary', keyEncoding?: 'binary'): Database<V, K> {
    let d = this.dbs.get(name);
    if (!d) {
      d = this.shared.wrap(name, this.raw(name, encoding, keyEncoding));
      this.dbs.set(name, d);
    }
    return d as unknown as Database<V, K>;
  }

  private readonly raws = new Map<string, Database<unknown, never>>();

  /** A named database without the shared-state wrapping (applying other consoles' changes). */
  raw<V, K extends Key>(name: string, encoding?: 'binary', keyEncoding?: 'binary'): Database<V, K> {
    let d = this.raws.get(name);
    if (!d) {
      d = this.env.openDB({ name, ...(encoding ? { encoding } : {}), ...(keyEncoding ? { keyEncoding } : {}) }) as unknown as Database<unknown, never>;
      this.raws.set(name, d);
    }
    return d as unknown as Database<V, K>;
  }

  /** Kept for the stages that open their own database by name. */
  openDB<V, K extends string | number | Array<string | number>>(name: string): Database<V, K> {
    return this.db<V, K>(name);
  }

  async close(): Promise<void> {
    if (!this.root) return;
    const r = this.root;
    this.root = null;
    this.dbs.clear();
    this.raws.clear();
    await r.committed;
    await r.close();
  }
}
