import type { EdgeModel } from '../matrix/model.js';
import type { EdgeLabels, LabelSource } from '../matrix/query.js';
import type { EdgeRows } from '../store/edge-rows.js';
import { detectPeriod, DAY, HOUR, type Activity, type Observation } from './period.js';
import { LabelTable } from './labels.js';
import { Infrastructure } from './infrastructure.js';

/** History analysed for periods (a monthly job needs a couple of months). */
const WINDOW_MS = 95 * DAY;
/** Background work per event-loop turn, ms. */
const SLICE_MS = 15;

export interface EdgeAnalysis extends EdgeLabels {
  activeHours: number;
  activeDays: number;
}

/**
 * Long-tail analysis per edge: period labels from its hourly activity (one range read per edge),
 * and the infrastructure flag from ports confirmed by behaviour. Incremental: only edges whose
 * activity changed are analysed again (all of them when the set of observed days changes), in
 * slices between other work, so ingest and queries are never starved; `refresh(true)` finishes
 * what is pending first. The labels are persisted (labels.ts) with the rollup checkpoints.
 */
export class Analyzer implements LabelSource {
  table = new LabelTable();
  private dirty = new Uint8Array(1024);
  private queue: number[] = [];
  private observedKey = '';
  private readonly infra: Infrastructure;
  private timer: NodeJS.Immediate | null = null;
  private running = false;
  observation: Observation = { observedDay: () => false, observedDays: () => 0, lastDay: 0 };

  constructor(
    private readonly model: EdgeModel,
    private readonly rows: EdgeRows,
  ) {
    this.infra = new Infrastructure(model);
  }

  /** Starts analysing in the background whatever is pending. */
  start(): void {
    this.running = true;
    this.schedule();
  }

  stop(): void {
    this.running = false;
    if (this.timer) clearImmediate(this.timer);
    this.timer = null;
  }

  /** Edges whose activity changed (after an ingest commit). */
  touched(ids: Iterable<number>): void {
    for (const e of ids) this.mark(e);
    this.schedule();
  }

  /** All edges (the observed days changed, or no labels were persisted). */
  markAll(): void {
    for (let e = 0; e < this.model.catalog.maxId; e++) this.mark(e);
    this.schedule();
  }

  labels(edge: number): EdgeLabels | null {
    const l = this.table.get(edge);
    if (!l) return { period: null, nextExpected: null, confidence: null, note: null, infrastructure: this.infrastructure(edge) };
    return { ...l, infrastructure: this.infrastructure(edge) };
  }

  get(edge: number): EdgeAnalysis | null {
    const l = this.table.get(edge);
    return l ? { ...l, infrastructure: this.infrastructure(edge) } : null;
  }

  activity(edge: number): { activeHours: number; activeDays: number } | null {
    return this.table.get(edge);
  }

  /** Edges waiting to be analysed. */
  get pending(): number {
    return this.queue.length;
  }

  pendingIds(): number[] {
    return this.queue;
  }

  /** Analyses what is pending now (force), before an answer that needs every label. */
  refresh(force = false): void {
    this.observe();
    if (force) this.work(Infinity);
  }

  private mark(e: number): void {
    if (e >= this.dirty.length) {
      const d = new Uint8Array(Math.max(e + 1, this.dirty.length * 2));
      d.set(this.dirty);
      this.dirty = d;
    }
    if (this.dirty[e]) return;
    this.dirty[e] = 1;
    this.queue.push(e);
  }

  private schedule(): void {
    if (!this.running || this.timer || this.queue.length === 0) return;
    this.timer = setImmediate(() => {
      this.timer = null;
      this.observe();
      this.work(SLICE_MS);
      this.schedule();
    });
  }

  /** Observed days: any data at all that day (a day without data is unknown, not absence). */
  private observe(): void {
    const days = this.model.rollup.activeDays();
    const key = `${days.length}|${days[0]}|${days.at(-1)}`;
    if (key === this.observedKey) return;
    const set = new Set(days);
    const lastDay = days.at(-1) ?? 0;
    this.observation = { observedDay: (d) => set.has(d), observedDays: (a, b) => days.filter((d) => d >= a && d < b).length, lastDay };
    const first = this.observedKey === '';
    this.observedKey = key;
    if (!first) this.markAll(); // absence on a newly observed day can change any label
  }

  private work(budgetMs: number): void {
    const t0 = performance.now();
    const span = this.model.rollup.span();
    const toHour = span ? span.to / HOUR : 0;
    const fromHour = span ? Math.max(span.from, span.to - WINDOW_MS) / HOUR : 0;
    let n = 0;
    while (this.queue.length > 0) {
      const e = this.queue.pop()!;
      this.dirty[e] = 0;
      this.analyse(e, fromHour, toHour);
      if ((++n & 63) === 0 && performance.now() - t0 > budgetMs) break;
    }
  }

  private analyse(e: number, fromHour: number, toHour: number): void {
    const acts: Activity[] = [];
    const days = new Set<number>();
    let last = -Infinity;
    for (const [h, v] of this.rows.edgeHours(e, fromHour, toHour)) {
      acts.push({ t: v[4], flows: v[0] });
      days.add(Math.floor(h / 24));
      if (v[5] > last) last = v[5];
    }
    // No activity left in the window (retention dropped it): what was learned about the edge stays.
    if (acts.length === 0 && this.table.get(e)) return;
    const labels = acts.length === 0 ? { period: null, nextExpected: null, confidence: null, note: null } : detectPeriod(acts, this.observation);
    this.table.set(e, labels, acts.length, days.size, acts.length ? last : NaN);
  }

  /** Whether an edge is shared infrastructure (infrastructure.ts). */
  infrastructure(edge: number): boolean {
    return this.infra.has(edge);
  }
}
