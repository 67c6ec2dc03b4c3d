import type { EdgeModel } from '../matrix/model.js';
import type { EdgeLabels, LabelSource } from '../matrix/query.js';
import type { EdgeRows } from '../store/edge-rows.js';
import { detectPeriod, DAY, HOUR, type Activity, type Observation, type PeriodTrace } from './period.js';
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
 * activity changed are analysed again (and those a change of the observed days can affect), in
 * slices between other work, so ingest and queries are never starved; `refresh(true)` finishes
 * what is pending first. The labels are persisted (labels.ts) with the rollup checkpoints.
 */
export class Analyzer implements LabelSource {
  table = new LabelTable();
  private dirty = new Uint8Array(1024);
  private queue: number[] = [];
  private observedKey = '';
  private observedSet = new Set<number>();
  /** The first day of the analysis window when the observed days were last read. */
  private windowFrom = 0;
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
    const before = this.observedSet;
    this.observation = { observedDay: (d) => set.has(d), observedDays: (a, b) => days.filter((d) => d >= a && d < b).length, lastDay };
    this.observedSet = set;
    const first = this.observedKey === '';
    this.observedKey = key;
    const windowFrom = this.windowFromDay();
    if (!first) {
      const changed = [...set].filter((d) => !before.has(d)).concat([...before].filter((d) => !set.has(d)));
      this.markObservationChange(changed, this.windowFrom, windowFrom);
    }
    this.windowFrom = windowFrom;
  }

  /** The first day of the analysis window. */
  private windowFromDay(): number {
    const span = this.model.rollup.span();
    return span ? Math.floor(Math.max(span.from, span.to - WINDOW_MS) / DAY) : 0;
  }

  /**
   * The observed days changed (a new day, a day dropped by retention): marks only the edges whose
   * label can change — not all of them, which at 10 M edges is minutes of work every midnight.
   * Labels that read observed days beyond their span (daily, weekly tests: `known` 1) on any
   * change; the others when a changed day lies strictly inside their activity span (the observed
   * hours between first and last activity); and edges active on days that left the window.
   */
  private markObservationChange(changed: number[], windowFromBefore: number, windowFrom: number): void {
    const { known } = this.table;
    const { first, last } = this.model.rollup.totals;
    const n = Math.min(this.model.catalog.maxId, known.length);
    const lo = Math.min(...changed) * DAY;
    const hi = (Math.max(...changed) + 1) * DAY;
    for (let e = 0; e < n; e++) {
      const k = known[e]!;
      if (k === 0) continue;
      if (k === 1 || (changed.length > 0 && first[e]! < hi - DAY && last[e]! >= lo + DAY && this.strictlyInside(changed, first[e]!, last[e]!))) this.mark(e);
    }
    for (const c of this.model.rollup.between(windowFromBefore, windowFrom)) for (let r = 0; r < c.size; r++) this.mark(c.edge[r]!);
    this.schedule();
  }

  /** Whether one of `days` lies strictly between the days of `first` and `last` (ms). */
  private strictlyInside(days: number[], first: number, last: number): boolean {
    const a = Math.floor(first / DAY);
    const b = Math.floor(last / DAY);
    return days.some((d) => d > a && d < b);
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
    const trace: PeriodTrace = { readsObservation: false };
    const labels = acts.length === 0 ? { period: null, nextExpected: null, confidence: null, note: null } : detectPeriod(acts, this.observation, trace);
    this.table.set(e, labels, acts.length, days.size, acts.length ? last : NaN, trace.readsObservation);
  }

  /** Whether an edge is shared infrastructure (infrastructure.ts). */
  infrastructure(edge: number): boolean {
    return this.infra.has(edge);
  }
}
