import type { EdgeLabels, Period } from '../matrix/query.js';

export const HOUR = 3_600_000;
export const DAY = 86_400_000;

/** One active hour of an edge: when its first flow began, and how many flows began in it. */
export interface Activity {
  /** ms since the epoch of the first flow start in the hour */
  t: number;
  flows: number;
}

/** What is known about observation: which UTC days had any data at all (probe online). */
export interface Observation {
  observedDay(day: number): boolean;
  /** Days with data in [fromDay, toDay). */
  observedDays(fromDay: number, toDay: number): number;
  /** The last day with data: nothing after it can count as absence. */
  lastDay: number;
}

/**
 * How a decision depended on what was observed: `readsObservation` when it read observed days
 * beyond those strictly inside the edge's span (the daily and weekly tests, up to the last
 * observed day); otherwise only days strictly between its first and last activity count.
 */
export interface PeriodTrace {
  readsObservation: boolean;
}

/**
 * Decides an edge's period from its hourly activity. Order matters: hourly jobs are also active
 * in every hour, so they are recognised first (one flow per hour at a consistent minute); busy
 * edges are continuous whether round the clock or during business hours; jobs (a short burst per
 * active day) are daily, weekday-only daily, weekly or monthly by when they recur; too little
 * evidence gives null — but a single run on a month boundary is surfaced as possibly monthly.
 * Days without any data (probe offline) never count as absence.
 */
export function detectPeriod(acts: Activity[], obs: Observation, trace?: PeriodTrace): EdgeLabels {
  const none = (note: string | null = null, confidence: number | null = null): EdgeLabels => ({ period: null, nextExpected: null, confidence, note });
  if (acts.length === 0) return none();
  const sorted = [...acts].sort((a, b) => a.t - b.t);
  const first = sorted[0]!.t;
  const last = sorted.at(-1)!.t;
  const hours = sorted.length;

  // Group by UTC day: active hours per day, the day's first start.
  const days = new Map<number, { first: number; hours: number; span: [number, number] }>();
  for (const a of sorted) {
    const d = Math.floor(a.t / DAY);
    const h = Math.floor((a.t % DAY) / HOUR);
    const g = days.get(d);
    if (!g) days.set(d, { first: a.t, hours: 1, span: [h, h] });
    else {
      g.hours++;
      g.span[1] = h;
    }
  }
  const dayList = [...days.keys()];
  const activeDays = dayList.length;

  // --- hourly: about one flow per active hour, at the same minute, in most observed hours -----------
  const observedHoursInSpan = observedHours(first, last, obs);
  const oneFlow = sorted.filter((a) => a.flows === 1).length / hours;
  const minute = circular(sorted.map((a) => (a.t % HOUR) / HOUR));
  if (hours >= 12 && hours >= 0.8 * observedHoursInSpan && oneFlow >= 0.9 && minute.r >= 0.9) {
    const offset = minute.mean * HOUR;
    let next = Math.floor(last / HOUR) * HOUR + offset;
    if (next <= last) next += HOUR;
    return { period: 'hourly', nextExpected: Math.round(next), confidence: round(Math.min(1, minute.r * (hours / observedHoursInSpan))), note: null };
  }

  // --- continuous: dense overall, or dense within each active day's span (business hours) ---------
  const density = hours / Math.max(1, observedHoursInSpan);
  const perDay = [...days.values()];
  const spanHours = perDay.map((g) => g.span[1] - g.span[0] + 1);
  const dayDensity = perDay.map((g, i) => g.hours / spanHours[i]!);
  if ((hours >= 24 && density >= 0.6) || (activeDays >= 3 && median(spanHours) >= 4 && median(dayDensity) >= 0.7)) {
    return { period: 'continuous', nextExpected: null, confidence: round(Math.min(1, Math.max(density, median(dayDensity)))), note: null };
  }

  // From here on the edge behaves like a job: a short burst on some days. Runs are assigned to the
  // day whose usual run time they are nearest, so a 23:55 job that slips past midnight stays on its day.
  const jobLike = median(perDay.map((g) => g.hours)) <= 3;
  const tod = circular(dayList.map((d) => (days.get(d)!.first % DAY) / DAY));
  const usual = tod.mean * DAY;
  const runDay = (t: number) => Math.floor((t - usual + DAY / 2) / DAY);
  const runs = new Map<number, number>(); // run day → first start
  for (const a of sorted) if (!runs.has(runDay(a.t))) runs.set(runDay(a.t), a.t);
  const runDays = [...runs.keys()];
  const times = [...runs.values()];

  // The daily and weekly tests read observed days beyond the edge's own span (up to the last one).
  if (trace && jobLike && runDays.length >= 2 && tod.r >= 0.9) trace.readsObservation = true;

  if (jobLike && runDays.length >= 3 && tod.r >= 0.9) {
    // --- daily, or daily on weekdays only ---------------------------------------------------------
    const fromDay = runDays[0]!;
    const toDay = Math.max(runDays.at(-1)!, obs.lastDay) + 1;
    let obsAll = 0;
    let obsWeekday = 0;
    let obsWeekend = 0;
    for (let d = fromDay; d < toDay; d++) {
      if (!obs.observedDay(d)) continue;
      obsAll++;
      if (isWeekend(d)) obsWeekend++;
      else obsWeekday++;
    }
    const onWeekday = runDays.filter((d) => !isWeekend(d)).length;
    const onWeekend = runDays.length - onWeekday;
    const offset = tod.mean * DAY;
    if (runDays.length >= 0.8 * obsAll) {
      return { period: 'daily', nextExpected: nextDaily(last, offset, false), confidence: round(tod.r * (runDays.length / Math.max(1, obsAll))), note: null };
    }
    if (obsWeekday > 0 && onWeekday >= 0.8 * obsWeekday && onWeekend <= 0.1 * Math.max(1, obsWeekend)) {
      return { period: 'daily', nextExpected: nextDaily(last, offset, true), confidence: round(tod.r * (onWeekday / obsWeekday)), note: 'weekdays only' };
    }
  }

  if (jobLike && runDays.length >= 2 && tod.r >= 0.9) {
    // --- weekly: the same weekday, intervals of whole weeks -----------------------------------------
    const gaps = runDays.slice(1).map((d, i) => d - runDays[i]!);
    // Weekly slots between the first and last run on observed days: most of them must have a run
    // (two runs four weeks apart are more likely monthly than weekly with three misses).
    let slots = 0;
    for (let d = runDays[0]!; d <= runDays.at(-1)!; d += 7) if (obs.observedDay(d)) slots++;
    if (gaps.every((g) => g % 7 === 0) && new Set(runDays.map(weekday)).size === 1 && runDays.length >= 0.6 * slots) {
      return {
        period: 'weekly',
        nextExpected: nextAfter(times.at(-1)!, 7 * DAY),
        confidence: round(tod.r * (runDays.length / Math.max(1, slots))),
        note: null,
      };
    }
    // --- monthly: 27-32 days apart on the same month position ----------------------------------------
    const pos = monthPosition(times[0]!);
    if (pos && gaps.every((g) => g >= 27 && g <= 32 * 2) && times.every((t) => samePosition(monthPosition(t), pos))) {
      return { period: 'monthly', nextExpected: nextMonthly(last, pos), confidence: round(Math.min(0.9, 0.4 + 0.2 * runDays.length)), note: null };
    }
  }

  if (runDays.length === 1) {
    const pos = monthPosition(first);
    if (pos && pos.kind !== 'dom') {
      return {
        period: 'monthly',
        nextExpected: nextMonthly(last, pos),
        confidence: 0.3,
        note: `seen once, possibly monthly (${pos.kind === 'last' ? 'last day of the month' : pos.kind === 'firstBusiness' ? 'first business day of the month' : 'first day of the month'})`,
      };
    }
    return none('seen once', null);
  }
  return none(activeDays <= 2 ? `seen on ${activeDays} days, no regular pattern` : null);
}

/** Hours in [first, last] (whole hours) that fall on observed days. */
function observedHours(first: number, last: number, obs: Observation): number {
  const fromDay = Math.floor(first / DAY);
  const toDay = Math.floor(last / DAY);
  if (fromDay === toDay) return Math.floor(last / HOUR) - Math.floor(first / HOUR) + 1;
  const middle = obs.observedDays(fromDay + 1, toDay) * 24;
  return 24 - Math.floor((first % DAY) / HOUR) + middle + Math.floor((last % DAY) / HOUR) + 1;
}

/** Mean direction (as a fraction of the cycle) and resultant length of points on a cycle. */
export function circular(fractions: number[]): { mean: number; r: number } {
  let x = 0;
  let y = 0;
  for (const f of fractions) {
    x += Math.cos(2 * Math.PI * f);
    y += Math.sin(2 * Math.PI * f);
  }
  const n = Math.max(1, fractions.length);
  let mean = Math.atan2(y, x) / (2 * Math.PI);
  if (mean < 0) mean += 1;
  return { mean, r: Math.hypot(x, y) / n };
}

function median(xs: number[]): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const round = (x: number) => Math.round(x * 100) / 100;
const weekday = (day: number) => (day + 4) % 7; // 1970-01-01 was a Thursday; 0 = Sunday
const isWeekend = (day: number) => weekday(day) === 0 || weekday(day) === 6;

function nextDaily(last: number, offset: number, weekdaysOnly: boolean): number {
  let d = Math.floor(last / DAY) + 1;
  while (weekdaysOnly && isWeekend(d)) d++;
  return Math.round(d * DAY + offset);
}

function nextAfter(last: number, step: number): number {
  return Math.round(last + step);
}

type MonthPos = { kind: 'last' } | { kind: 'first' } | { kind: 'firstBusiness' } | { kind: 'dom'; dom: number };

/** Where in its month a time falls: last day, first day, first business day, or a day of month. */
export function monthPosition(t: number): MonthPos | null {
  const d = new Date(t);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  const dom = d.getUTCDate();
  const lastDom = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  if (dom === lastDom) return { kind: 'last' };
  if (dom === firstBusinessDay(y, m)) return { kind: 'firstBusiness' };
  if (dom === 1) return { kind: 'first' };
  return { kind: 'dom', dom };
}

function firstBusinessDay(y: number, m: number): number {
  for (let dom = 1; ; dom++) {
    const wd = new Date(Date.UTC(y, m, dom)).getUTCDay();
    if (wd !== 0 && wd !== 6) return dom;
  }
}

function samePosition(a: MonthPos | null, b: MonthPos): boolean {
  if (!a) return false;
  if (a.kind !== b.kind) return false;
  return a.kind !== 'dom' || a.dom === (b as { dom: number }).dom;
}

function nextMonthly(last: number, pos: MonthPos): number {
  const d = new Date(last);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth() + 1;
  const timeOfDay = last % DAY;
  let dom: number;
  if (pos.kind === 'last') dom = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  else if (pos.kind === 'first') dom = 1;
  else if (pos.kind === 'firstBusiness') dom = firstBusinessDay(y, m);
  else dom = Math.min(pos.dom, new Date(Date.UTC(y, m + 1, 0)).getUTCDate());
  return Date.UTC(y, m, dom) + timeOfDay;
}

export type { Period };
