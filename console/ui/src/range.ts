/** The time window every analysis view works on: whole UTC days, relative to the data. Pure. */

export const DAY_MS = 86_400_000;
export const HOUR_MS = 3_600_000;

export interface Range {
  from: number;
  to: number;
}

/** Where the stored data starts and ends (flow time, not wall-clock time). */
export interface DataExtent {
  start: number | null;
  end: number | null;
}

export type Preset = '7d' | '14d' | '28d' | 'all' | 'custom';
export const PRESETS: Array<{ id: Preset; label: string }> = [
  { id: '7d', label: 'Last 7 days' },
  { id: '14d', label: 'Last 14 days' },
  { id: '28d', label: 'Last 28 days' },
  { id: 'all', label: 'All data' },
  { id: 'custom', label: 'Custom' },
];

export const floorDay = (ms: number) => Math.floor(ms / DAY_MS) * DAY_MS;
export const ceilDay = (ms: number) => Math.ceil(ms / DAY_MS) * DAY_MS;

/**
 * The window for a preset: "last N days of data" ends at the end of the UTC day holding the
 * newest data (or today without data) and starts N whole days earlier, never before the data.
 */
export function presetRange(preset: Exclude<Preset, 'custom'>, extent: DataExtent, now: number): Range {
  const end = extent.end ?? now;
  const to = end % DAY_MS === 0 ? end : ceilDay(end + 1);
  if (preset === 'all') {
    const from = extent.start === null ? to - 28 * DAY_MS : floorDay(extent.start);
    return { from: Math.min(from, to - DAY_MS), to };
  }
  const days = Number(preset.slice(0, -1));
  let from = to - days * DAY_MS;
  if (extent.start !== null && from < floorDay(extent.start)) from = floorDay(extent.start);
  return { from, to };
}

/** "2024-06-03" (UTC) ↔ ms at 00:00 UTC. */
export function parseDay(s: string): number | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return null;
  const t = Date.parse(`${s}T00:00:00Z`);
  return Number.isNaN(t) ? null : t;
}

export function dayString(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/**
 * The range a URL asks for: `range=7d|14d|28d|all` or `from=YYYY-MM-DD&to=YYYY-MM-DD` (custom, `to`
 * inclusive as a day). Defaults to the last 28 days of data.
 */
export function rangeFromQuery(q: URLSearchParams, extent: DataExtent, now: number): { preset: Preset; range: Range } {
  const from = parseDay(q.get('from') ?? '');
  const to = parseDay(q.get('to') ?? '');
  if (from !== null && to !== null && to >= from) return { preset: 'custom', range: { from, to: to + DAY_MS } };
  const p = q.get('range');
  const preset: Exclude<Preset, 'custom'> = p === '7d' || p === '14d' || p === '28d' || p === 'all' ? p : '28d';
  return { preset, range: presetRange(preset, extent, now) };
}

/** The query parameters that select `preset` (and for custom, the days). */
export function rangeToQuery(preset: Preset, range: Range): Record<string, string | null> {
  if (preset === 'custom') return { range: null, from: dayString(range.from), to: dayString(range.to - DAY_MS) };
  return { range: preset === '28d' ? null : preset, from: null, to: null };
}

export function rangeLabel(r: Range): string {
  const days = Math.round((r.to - r.from) / DAY_MS);
  return `${dayString(r.from)} → ${dayString(r.to - 1)} (${days} day${days === 1 ? '' : 's'}, UTC)`;
}
