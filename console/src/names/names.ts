import type { Database } from 'lmdb';
import { nameProblem, normalizeName, LEARNED_SOURCES, type NameSource } from '@spanmap/shared';
import type { ConsoleStore } from '../store/console-store.js';
import type { IngestResult, TransactionHook } from '../ingest/batch-writer.js';
import type { AuditEntry } from '../review/reviews.js';
import { AddressNames, type SourcedRun, type StoredRuns } from './timeline.js';

/** A name set by an operator: it wins over learned names, at every time. */
export interface OperatorName {
  name: string;
  by: string;
  at: number;
}

/** The name an address had at a time, and where it came from. */
export interface ResolvedName {
  name: string;
  source: NameSource;
  /** Learned: the run's first and last observation and when it stopped holding; operator: when it was set. */
  from: number;
  last: number;
  until: number | null;
  count: number;
  by?: string;
}

/** One change asked of the operator names: a name, or null to remove the operator's name. */
export interface NameChange {
  ip: string;
  name: string | null;
}

export interface NamesCounters {
  /** Observations kept, and refused by reason (a batch ingested in-process bypasses the wire's checks). */
  observations: number;
  rejected: Record<string, number>;
  /** Oldest runs forgotten to keep an address within MAX_RUNS per source. */
  runsDropped: number;
}

/**
 * Host names: learned ones from every ingested batch (kept durably inside the ingest transaction,
 * as time ranges per address: timeline.ts) and the operators' (set through the API, audited).
 * Lookups are a Map access and a binary search per source: cheap enough for every edge row.
 */
export class Names implements TransactionHook {
  private readonly learned = new Map<string, AddressNames>();
  private readonly operator = new Map<string, OperatorName>();
  /** Copies changed in the running ingest transaction; they replace the originals once it has committed. */
  private pending = new Map<string, AddressNames>();
  readonly counters: NamesCounters = { observations: 0, rejected: {}, runsDropped: 0 };
  /** Bumps on every change (listings cache on it). */
  version = 0;

  constructor(
    private readonly store: ConsoleStore,
    private readonly audit: { record(e: AuditEntry): Promise<void> },
  ) {
    // Operator names are shared between consoles sharing a store; learned names each console
    // derives from the batches it applies (the same batches give the same names).
    store.shared.names.add('names-operator');
    store.shared.onRemoteChange('names-operator', () => {
      this.operator.clear();
      for (const { key, value } of this.operatorDb.getRange({})) this.operator.set(key, value);
      this.version++;
    });
  }

  private get learnedDb(): Database<StoredRuns, string> {
    return this.store.db<StoredRuns, string>('names');
  }

  private get operatorDb(): Database<OperatorName, string> {
    return this.store.db<OperatorName, string>('names-operator');
  }

  /** Reads every address's names (start). */
  load(): void {
    for (const { key, value } of this.learnedDb.getRange({})) this.learned.set(key, AddressNames.fromStored(value));
    for (const { key, value } of this.operatorDb.getRange({})) this.operator.set(key, value);
    this.version++;
  }

  /** Inside the ingest transaction: the names of the applied batches, written with them. */
  inTransaction(result: IngestResult): void {
    this.pending = new Map();
    for (const b of result.applied) {
      for (const o of b.names) {
        const name = normalizeName(o.name);
        const problem = !LEARNED_SOURCES.includes(o.source)
          ? 'bad-source'
          : !Number.isFinite(o.time) || o.time < 0
            ? 'bad-time'
            : nameProblem(name)
              ? 'bad-name'
              : null;
        if (problem) {
          this.counters.rejected[problem] = (this.counters.rejected[problem] ?? 0) + 1;
          continue;
        }
        let a = this.pending.get(o.ip);
        if (!a) this.pending.set(o.ip, (a = this.learned.get(o.ip)?.copy() ?? new AddressNames()));
        this.counters.runsDropped += a.observe(o.source, name, o.time);
        this.counters.observations++;
      }
    }
    for (const [ip, a] of this.pending) void this.learnedDb.put(ip, a.toStored());
  }

  /** After the ingest transaction committed: its names become visible. */
  committed(): void {
    if (this.pending.size === 0) return;
    for (const [ip, a] of this.pending) this.learned.set(ip, a);
    this.pending = new Map();
    this.version++;
  }

  /** The name `ip` had at `time` (ms; Infinity: now), or null: never named, or not yet. */
  nameAt(ip: string, time: number): string | null {
    const op = this.operator.get(ip);
    if (op) return op.name;
    return this.learned.get(ip)?.nameAt(time) ?? null;
  }

  /** Like nameAt, with the source and the range. */
  resolve(ip: string, time: number): ResolvedName | null {
    const op = this.operator.get(ip);
    if (op) return { name: op.name, source: 'operator', from: op.at, last: op.at, until: null, count: 1, by: op.by };
    const r = this.learned.get(ip)?.at(time);
    return r ? learnedName(r) : null;
  }

  /** Every name the address had, the operator's first, then learned ones newest first. */
  history(ip: string): ResolvedName[] {
    const op = this.operator.get(ip);
    const learned = (this.learned.get(ip)?.all() ?? []).reverse().map(learnedName);
    return op ? [{ name: op.name, source: 'operator', from: op.at, last: op.at, until: null, count: 1, by: op.by }, ...learned] : learned;
  }

  /** Addresses that ever had a name starting with `prefix` (lower case): the host filter's candidates. */
  addressesNamed(prefix: string): Set<string> {
    const out = new Set<string>();
    for (const [ip, op] of this.operator) if (op.name.toLowerCase().startsWith(prefix)) out.add(ip);
    for (const [ip, a] of this.learned) if (a.anyStartsWith(prefix)) out.add(ip);
    return out;
  }

  /** Whether any name the address had (operator's included) contains `text` (lower case). */
  hasNameContaining(ip: string, text: string): boolean {
    const op = this.operator.get(ip);
    if (op && op.name.toLowerCase().includes(text)) return true;
    return this.learned.get(ip)?.anyContains(text) ?? false;
  }

  /** Every address with a name (learned or the operator's). */
  addresses(): Set<string> {
    return new Set([...this.learned.keys(), ...this.operator.keys()]);
  }

  operatorName(ip: string): OperatorName | null {
    return this.operator.get(ip) ?? null;
  }

  get size(): { learned: number; operator: number } {
    return { learned: this.learned.size, operator: this.operator.size };
  }

  /**
   * Sets or removes operator names (checked by the caller: canonical addresses, valid names) in
   * one transaction, and audits what changed: each address with its name before and after.
   */
  async setOperator(changes: NameChange[], by: string, now: number, how: string): Promise<{ set: number; removed: number; unchanged: number }> {
    const diff: Array<{ ip: string; name: string | null; was: string | null }> = [];
    const last = new Map<string, string | null>();
    for (const c of changes) last.set(c.ip, c.name); // the last change of an address counts
    for (const [ip, name] of last) {
      const was = this.operator.get(ip)?.name ?? null;
      if (was !== name) diff.push({ ip, name, was });
    }
    await this.store.atomic(() => {
      for (const d of diff) {
        if (d.name === null) void this.operatorDb.remove(d.ip);
        else void this.operatorDb.put(d.ip, { name: d.name, by, at: now });
      }
    });
    for (const d of diff) {
      if (d.name === null) this.operator.delete(d.ip);
      else this.operator.set(d.ip, { name: d.name, by, at: now });
    }
    const set = diff.filter((d) => d.name !== null).length;
    const removed = diff.length - set;
    if (diff.length > 0) {
      this.version++;
      await this.audit.record({ at: now, by, action: 'names', target: diff.map((d) => d.ip), detail: { how, set, removed, changes: diff } });
    }
    return { set, removed, unchanged: last.size - diff.length };
  }
}

function learnedName(r: SourcedRun): ResolvedName {
  return { name: r.name, source: r.source, from: r.from, last: r.last, until: r.until, count: r.count };
}
