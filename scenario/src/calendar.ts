/** Calendar helpers. All times are UTC; "local time" in the scenario is UTC. */

export const SECOND_MS = 1000;
export const MINUTE_MS = 60 * SECOND_MS;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;
export const WEEK_MS = 7 * DAY_MS;

/** The default scenario start: Monday 2024-06-03 00:00 UTC. With the default 28 days the window
 * ends 2024-07-01 00:00 UTC and so contains one month-end (Sunday 2024-06-30). */
export const DEFAULT_START_MS = Date.UTC(2024, 5, 3);

/** Business hours (UTC, weekdays): [08:00, 18:00). */
export const BUSINESS_START_HOUR = 8;
export const BUSINESS_END_HOUR = 18;

export function utcMidnight(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

/** UTC midnights of every day that overlaps [startMs, endMs). */
export function daysOverlapping(startMs: number, endMs: number): number[] {
  const out: number[] = [];
  for (let d = utcMidnight(startMs); d < endMs; d += DAY_MS) out.push(d);
  return out;
}

/** Starts of the whole or partial hours overlapping [startMs, endMs), clipped to the window. */
export function hoursOverlapping(startMs: number, endMs: number): Array<{ from: number; to: number; hourStart: number }> {
  const out: Array<{ from: number; to: number; hourStart: number }> = [];
  for (let h = Math.floor(startMs / HOUR_MS) * HOUR_MS; h < endMs; h += HOUR_MS) {
    out.push({ from: Math.max(h, startMs), to: Math.min(h + HOUR_MS, endMs), hourStart: h });
  }
  return out;
}

/** 0 Sunday … 6 Saturday. */
export function weekday(ms: number): number {
  return new Date(ms).getUTCDay();
}

export function isWeekday(ms: number): boolean {
  const d = weekday(ms);
  return d >= 1 && d <= 5;
}

export function hourOfDay(ms: number): number {
  return new Date(ms).getUTCHours();
}

export function isBusinessHour(ms: number): boolean {
  const h = hourOfDay(ms);
  return isWeekday(ms) && h >= BUSINESS_START_HOUR && h < BUSINESS_END_HOUR;
}

/** True when `ms` falls on the last calendar day of its month (UTC). */
export function isLastDayOfMonth(ms: number): boolean {
  const d = new Date(ms);
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1)).getUTCDate() === 1;
}
