import type { SummaryBatch } from '@spanmap/shared';
import type { StateEvent } from '../store/shared-state.js';
import { quote, type ClickHouse } from './client.js';

/** A batch as the log keeps it: its key, when and where it was received, the wire payload. */
export interface LoggedBatch {
  probe: string;
  epoch: string;
  seq: number;
  receivedMs: number;
  payload: Uint8Array;
}

export interface BatchKey {
  probe: string;
  epoch: string;
  seq: number;
  receivedMs: number;
}

export const batchKey = (b: { probe: string; epoch: string; seq: number }) => `${b.probe}\u0000${b.epoch}\u0000${b.seq}`;

/** The UTC day of a time, as the logs' partition column holds it. */
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
/** A time filter that also prunes partitions (the tables are partitioned by month of `day`). */
const since = (ms: number) => `day >= toDate('${day(Math.max(0, ms))}') AND received_ms >= ${Math.max(0, Math.floor(ms))}`;

/** JSONEachRow gives 64-bit integers as strings. */
type Wire<T> = { [K in keyof T]: T[K] extends number ? number | string : T[K] };

/**
 * The log of every batch any console received: inserted before the batch is applied or
 * acknowledged, read by every console to apply what others received. Payloads travel as base64
 * (JSONEachRow strings must be UTF-8; 18.16 has no base64Decode to do it server-side).
 */
export class BatchLog {
  constructor(
    private readonly ch: ClickHouse,
    private readonly table: string,
    private readonly consoleId: string,
    /** insert_distributed_sync=1 behind a Distributed table: the insert returns once the shard has it. */
    private readonly distributed: boolean,
  ) {}

  async insert(items: Array<{ batch: SummaryBatch; payload: Uint8Array }>, receivedMs: number): Promise<void> {
    const rows = items.map(({ batch: b, payload }) => ({
      probe: b.probe,
      epoch: b.epoch,
      seq: b.seq,
      received_ms: receivedMs,
      day: day(receivedMs),
      console: this.consoleId,
      records: b.records.length + b.entries.length,
      payload: Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('base64'),
    }));
    await this.ch.insert(this.table, rows, this.distributed ? { insert_distributed_sync: 1 } : {});
  }

  /** Keys of the batches received at or after `ms` (duplicates collapsed here, merge-on-read). */
  async keysSince(ms: number): Promise<BatchKey[]> {
    const rows = await this.ch.query<Wire<{ probe: string; epoch: string; seq: number; r: number }>>(
      `SELECT probe, epoch, seq, min(received_ms) AS r FROM ${this.table} WHERE ${since(ms)} GROUP BY probe, epoch, seq`,
    );
    return rows.map((r) => ({ probe: r.probe, epoch: r.epoch, seq: Number(r.seq), receivedMs: Number(r.r) }));
  }

  /**
   * The payloads of these batches (one copy each, whatever was logged twice). Asked for by key in
   * pages of a few dozen, so each request is short and bounded in memory however long the log a
   * console catches up with (one streamed answer for a whole log outlives any request time limit).
   */
  async fetch(keys: BatchKey[]): Promise<LoggedBatch[]> {
    if (keys.length === 0) return [];
    let lo = Infinity;
    let hi = 0;
    for (const k of keys) [lo, hi] = [Math.min(lo, k.receivedMs), Math.max(hi, k.receivedMs)];
    const tuples = keys.map((k) => `(${quote(k.probe)}, ${quote(k.epoch)}, ${Math.floor(k.seq)})`).join(', ');
    const rows = await this.ch.query<Wire<{ probe: string; epoch: string; seq: number; r: number; payload: string }>>(
      `SELECT probe, epoch, seq, min(received_ms) AS r, any(payload) AS payload FROM ${this.table}
       WHERE ${since(lo)} AND received_ms <= ${Math.floor(hi)} AND (probe, epoch, seq) IN (${tuples}) GROUP BY probe, epoch, seq`,
    );
    return rows.map((r) => ({ probe: r.probe, epoch: r.epoch, seq: Number(r.seq), receivedMs: Number(r.r), payload: Buffer.from(r.payload, 'base64') }));
  }

  /** How many distinct batches and rows (copies) the log holds: the bench counts duplicates with it. */
  async count(): Promise<{ batches: number; rows: number }> {
    const [r] = await this.ch.query<{ b: string; n: string }>(`SELECT uniqExact(probe, epoch, seq) AS b, count() AS n FROM ${this.table}`);
    return { batches: Number(r?.b ?? 0), rows: Number(r?.n ?? 0) };
  }
}

/** The log of changes people make (segments, reviews, policies...), replayed last-writer-wins. */
export class StateLog {
  constructor(
    private readonly ch: ClickHouse,
    private readonly table: string,
    private readonly distributed: boolean,
  ) {}

  async insert(events: StateEvent[], receivedMs: number): Promise<void> {
    const rows = events.map((e) => ({
      ts: e.ts,
      console: e.console,
      seq: e.seq,
      db: e.db,
      key: e.key,
      value: e.value ?? '',
      deleted: e.value === null ? 1 : 0,
      received_ms: receivedMs,
      day: day(receivedMs),
    }));
    await this.ch.insert(this.table, rows, this.distributed ? { insert_distributed_sync: 1 } : {});
  }

  /** Events published at or after `ms`, each once. */
  async since(ms: number): Promise<Array<StateEvent & { receivedMs: number }>> {
    const rows = await this.ch.query<Wire<{ ts: number; console: string; seq: number; db: string; key: string; value: string; deleted: number; r: number }>>(
      `SELECT ts, console, seq, any(db) AS db, any(key) AS key, any(value) AS value, any(deleted) AS deleted, min(received_ms) AS r
       FROM ${this.table} WHERE ${since(ms)} GROUP BY console, ts, seq`,
    );
    return rows.map((r) => ({
      ts: Number(r.ts),
      console: r.console,
      seq: Number(r.seq),
      db: r.db,
      key: r.key,
      value: Number(r.deleted) ? null : r.value,
      receivedMs: Number(r.r),
    }));
  }
}
