import type { Database, Key, RootDatabase } from 'lmdb';

/** One change to a shared database, as it travels between consoles that share a store. */
export interface StateEvent {
  /** Wall-clock ms of the change, then the console that made it and its own counter: a total order. */
  ts: number;
  console: string;
  seq: number;
  db: string;
  /** The LMDB key and value as JSON (keys: string, number or an array of them). */
  key: string;
  value: string | null;
}

/** Where shared changes go (a store several consoles share); null for the embedded store alone. */
export interface StateSink {
  publish(events: StateEvent[]): Promise<void>;
}

/**
 * Replication of the state people change — segments, reviews and the audit trail, policies, names,
 * alert triage — between consoles sharing one store (issue 19). Stages keep using plain LMDB
 * databases; for the databases named shared, this wraps put/remove so each change is also recorded
 * as an event, published after the change committed (`flush`), and applied by the other consoles
 * last-writer-wins per key (`apply`), which then tell the stages that cache state to reload.
 * With the embedded store alone there is no sink and nothing but the wrapping happens.
 */
export class SharedState {
  readonly names = new Set<string>();
  private pending: StateEvent[] = [];
  private seq = 0;
  private readonly listeners = new Map<string, Array<() => void>>();
  sink: StateSink | null = null;
  consoleId = 'local';
  /**
   * The per-key clock `apply` compares with (set with the sink). Local changes advance it too:
   * otherwise an older change from another console arriving after a newer local one would
   * overwrite it, and this console's own changes coming back from the shared log would be applied
   * again over newer ones.
   */
  clock: Database<[number, string, number], string> | null = null;

  constructor(private readonly now: () => number = Date.now) {}

  /** Wraps a database so its changes are recorded (only for shared names). */
  wrap<V, K extends Key>(name: string, db: Database<V, K>): Database<V, K> {
    if (!this.names.has(name)) return db;
    const record = (key: unknown, value: unknown) => {
      if (!this.sink) return;
      const e: StateEvent = {
        ts: this.now(),
        console: this.consoleId,
        seq: ++this.seq,
        db: name,
        key: JSON.stringify(key),
        value: value === null ? null : JSON.stringify(value),
      };
      this.pending.push(e);
      void this.clock?.put(`${e.db}\u0000${e.key}`, [e.ts, e.console, e.seq]);
    };
    return new Proxy(db, {
      get: (target, prop, receiver) => {
        if (prop === 'put' || prop === 'putSync')
          return (key: K, value: V, ...rest: unknown[]) => {
            record(key, value);
            return (target[prop] as (...a: unknown[]) => unknown).call(target, key, value, ...rest);
          };
        if (prop === 'remove' || prop === 'removeSync')
          return (key: K, ...rest: unknown[]) => {
            record(key, null);
            return (target[prop] as (...a: unknown[]) => unknown).call(target, key, ...rest);
          };
        const v = Reflect.get(target, prop, receiver);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
  }

  /** Publishes what changed since the last flush, once it is committed locally. */
  async flush(env: RootDatabase): Promise<void> {
    if (!this.sink || this.pending.length === 0) return;
    await env.committed;
    const events = this.pending.splice(0);
    try {
      await this.sink.publish(events);
    } catch (e) {
      this.pending.unshift(...events); // tried again with the next flush
      throw e;
    }
  }

  /** Changes waiting to be published. */
  get waiting(): number {
    return this.pending.length;
  }

  /**
   * Applies other consoles' changes (the raw, unwrapped databases are given by `db`), last writer
   * wins per key by (ts, console, seq); then tells the listeners of each database touched.
   */
  async apply(
    env: RootDatabase,
    events: StateEvent[],
    db: (name: string) => Database<unknown, Key>,
    clock: Database<[number, string, number], string>,
  ): Promise<number> {
    const touched = new Set<string>();
    let applied = 0;
    await env.transaction(() =>
      env.childTransaction(() => {
        for (const e of [...events].sort(order)) {
          const ck = `${e.db}\u0000${e.key}`;
          const last = clock.get(ck);
          if (last && order(e, { ts: last[0], console: last[1], seq: last[2] } as StateEvent) <= 0) continue;
          void clock.put(ck, [e.ts, e.console, e.seq]);
          const key = JSON.parse(e.key) as Key;
          if (e.value === null) void db(e.db).remove(key);
          else void db(e.db).put(key, JSON.parse(e.value) as unknown);
          touched.add(e.db);
          applied++;
        }
      }),
    );
    for (const name of touched) for (const f of this.listeners.get(name) ?? []) f();
    return applied;
  }

  /** Called after other consoles' changes to `name` were applied (stages reload what they cache). */
  onRemoteChange(name: string, f: () => void): void {
    const l = this.listeners.get(name) ?? [];
    l.push(f);
    this.listeners.set(name, l);
  }
}

function order(a: Pick<StateEvent, 'ts' | 'console' | 'seq'>, b: Pick<StateEvent, 'ts' | 'console' | 'seq'>): number {
  return a.ts - b.ts || (a.console < b.console ? -1 : a.console > b.console ? 1 : 0) || a.seq - b.seq;
}
