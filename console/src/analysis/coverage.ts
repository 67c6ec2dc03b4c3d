import type { Probes } from '../store/probes.js';
import type { EdgeModel } from '../matrix/model.js';
import type { Range } from '../matrix/accumulate.js';
import { DAY } from './period.js';

export interface Gap {
  from: number;
  to: number;
  probe: string;
  reason: 'offline' | 'silent' | 'drops';
  /** Packets the probe reported dropped in the gap (reason "drops"). */
  dropped?: number;
}

export interface SegmentCoverage {
  segment: string;
  daysInWindow: number;
  daysObserved: number;
  /** Weekdays (0 = Sunday) with traffic of this segment. */
  weekdays: number[];
  weeklyCycle: boolean;
  monthEnd: boolean;
  gaps: Gap[];
  /** 0..1 */
  completeness: number;
  reasons: string[];
}

/** Status messages come every ~10 s; silence much longer than that means the probe was away. */
const SILENT_MS = 60_000;
const WEEKDAY = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/**
 * How well the window was observed, per segment: days with any of its traffic, whether every
 * weekday and a month end were seen, and the gaps when a probe carrying its traffic was offline,
 * silent or dropping packets. "Not observed" is spelled out, never silently read as "not needed".
 */
export function coverage(
  model: EdgeModel,
  probes: Probes,
  range: Range,
  segmentProbes: Map<string, Set<string>>,
): { from: number; to: number; segments: SegmentCoverage[] } {
  const fromDay = Math.floor(range.from / DAY);
  const toDay = Math.ceil(range.to / DAY);
  const names = model.resolver.names;
  const S = names.length;
  const seen: Array<Set<number>> = names.map(() => new Set());
  const hostSeg = model.hostSegments();
  const cat = model.catalog;
  for (const c of model.rollup.between(fromDay, toDay)) {
    for (let i = 0; i < c.size; i++) {
      const e = c.edge[i]!;
      if (!(c.records[i]! > 0)) continue;
      seen[hostSeg[cat.src[e]!]!]!.add(c.bucket);
      seen[hostSeg[cat.dst[e]!]!]!.add(c.bucket);
    }
  }
  const probeGaps = new Map<string, Gap[]>();
  for (const p of probes.list()) probeGaps.set(p.id, gapsOf(probes, p.id, range));
  const daysInWindow = toDay - fromDay;
  const out: SegmentCoverage[] = [];
  for (let s = 0; s < S; s++) {
    const name = names[s]!;
    const days = seen[s]!;
    if (s >= model.resolver.unassigned && days.size === 0) continue;
    const weekdays = [...new Set([...days].map((d) => (d + 4) % 7))].sort();
    const monthEnds = [...days].filter((d) => new Date((d + 1) * DAY).getUTCDate() === 1);
    const gaps = [...(segmentProbes.get(name) ?? [])].flatMap((p) => probeGaps.get(p) ?? []);
    const reasons: string[] = [];
    if (days.size < daysInWindow)
      reasons.push(
        `traffic seen on ${days.size} of ${daysInWindow} days in the window; the other days were not observed (which does not mean nothing is needed then)`,
      );
    const missing = [0, 1, 2, 3, 4, 5, 6].filter((w) => !weekdays.includes(w));
    if (missing.length > 0) reasons.push(`no full weekly cycle: ${missing.map((w) => WEEKDAY[w]).join(', ')} not observed`);
    if (monthEnds.length === 0) reasons.push('no month end observed: month-end jobs may be missing');
    const gapMs = gaps.reduce((a, g) => a + (g.to - g.from), 0);
    for (const g of gaps.slice(0, 10))
      reasons.push(
        `probe ${g.probe} ${g.reason === 'drops' ? `dropped ${g.dropped} packets` : g.reason} from ${new Date(g.from).toISOString()} to ${new Date(g.to).toISOString()}`,
      );
    if (gaps.length > 10) reasons.push(`and ${gaps.length - 10} more gaps`);
    const windowMs = daysInWindow * DAY;
    const completeness =
      0.4 * Math.min(1, days.size / Math.max(1, daysInWindow)) +
      0.2 * (weekdays.length / 7) +
      0.2 * (monthEnds.length > 0 ? 1 : 0) +
      0.2 * Math.max(0, 1 - gapMs / windowMs);
    out.push({
      segment: name,
      daysInWindow,
      daysObserved: days.size,
      weekdays,
      weeklyCycle: missing.length === 0,
      monthEnd: monthEnds.length > 0,
      gaps,
      completeness: Math.round(completeness * 100) / 100,
      reasons,
    });
  }
  return { from: fromDay * DAY, to: toDay * DAY, segments: out };
}

/** Offline, silent and dropping periods of one probe inside the range, from its status history. */
export function gapsOf(probes: Probes, probe: string, range: Range): Gap[] {
  const h = probes.statusHistory(probe, range.from, range.to);
  const gaps: Gap[] = [];
  for (let i = 1; i < h.length; i++) {
    const a = h[i - 1]!;
    const b = h[i]!;
    if (!a.online) gaps.push({ from: a.time, to: b.time, probe, reason: 'offline' });
    else if (b.time - a.time > SILENT_MS) gaps.push({ from: a.time, to: b.time, probe, reason: 'silent' });
    const da = (a.drops ?? 0) + (a.ifDrops ?? 0);
    const db = (b.drops ?? 0) + (b.ifDrops ?? 0);
    // Counters restart with the probe: only an increase within one run is a drop.
    if (db > da && b.packets >= a.packets) gaps.push({ from: a.time, to: b.time, probe, reason: 'drops', dropped: db - da });
  }
  // Merge adjacent gaps of the same kind.
  const merged: Gap[] = [];
  for (const g of gaps) {
    const last = merged.at(-1);
    if (last && last.reason === g.reason && last.to >= g.from) {
      last.to = Math.max(last.to, g.to);
      if (g.dropped) last.dropped = (last.dropped ?? 0) + g.dropped;
    } else merged.push({ ...g });
  }
  return merged;
}
