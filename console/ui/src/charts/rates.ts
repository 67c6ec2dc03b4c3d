/** Per-second rates from a probe's cumulative counters (status snapshots every ~10 s). Pure. */

export interface HistoryPoint {
  time: number;
  online: boolean;
  packets: number;
  drops: number | null;
  ifDrops: number | null;
  backlog: number;
}

export interface RateSeries {
  /** Seconds since the epoch (uPlot's time scale). */
  t: number[];
  packets: Array<number | null>;
  drops: Array<number | null>;
  backlog: Array<number | null>;
  online: Array<number | null>;
}

/**
 * Rate between consecutive snapshots. A counter that goes backwards is a restarted probe: the new
 * value is the count since the restart. A gap longer than `maxGapMs` (the probe was away) breaks
 * the line instead of averaging over it; drops unknown to the backend (null) stay null.
 */
export function counterRates(points: readonly HistoryPoint[], maxGapMs = 120_000): RateSeries {
  const sorted = [...points].sort((a, b) => a.time - b.time);
  const out: RateSeries = { t: [], packets: [], drops: [], backlog: [], online: [] };
  const rate = (cur: number | null, prev: number | null, dt: number): number | null => {
    if (cur === null || prev === null || dt <= 0) return null;
    const d = cur >= prev ? cur - prev : cur;
    return d / (dt / 1000);
  };
  let prev: HistoryPoint | undefined;
  for (const p of sorted) {
    const dt = prev ? p.time - prev.time : 0;
    if (prev !== undefined && dt === 0) continue;
    const usable = prev !== undefined && dt <= maxGapMs;
    out.t.push(p.time / 1000);
    out.packets.push(usable ? rate(p.packets, prev!.packets, dt) : null);
    const drops = p.drops === null && p.ifDrops === null ? null : (p.drops ?? 0) + (p.ifDrops ?? 0);
    const prevDrops = !prev || (prev.drops === null && prev.ifDrops === null) ? null : (prev.drops ?? 0) + (prev.ifDrops ?? 0);
    out.drops.push(usable ? rate(drops, prevDrops, dt) : null);
    out.backlog.push(p.backlog);
    out.online.push(p.online ? 1 : 0);
    prev = p;
  }
  return out;
}

/**
 * Columns for a chart over a fixed window: null points at both edges (when the data does not reach
 * them) so the x axis always spans the window the user chose, however little data there is.
 */
export function frameWindow(
  t: readonly number[],
  series: ReadonlyArray<ReadonlyArray<number | null>>,
  fromSec: number,
  toSec: number,
): [number[], ...Array<Array<number | null>>] {
  const head = t.length === 0 || t[0]! > fromSec;
  const tail = t.length === 0 || t[t.length - 1]! < toSec;
  const x = [...(head ? [fromSec] : []), ...t, ...(tail ? [toSec] : [])];
  const ys = series.map((s) => [...(head ? [null] : []), ...s, ...(tail ? [null] : [])]);
  return [x, ...ys];
}
