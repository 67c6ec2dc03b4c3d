/** Filters of the long-tail worklist and the coverage table (pure; the API does the rest). */
import type { LongTailRow, SegmentCoverage } from '../api.js';

export const PERIOD_OPTIONS: Array<[string, string]> = [
  ['', 'any'],
  ['periodic', 'any period'],
  ['none', 'no period'],
  ['hourly', 'hourly'],
  ['daily', 'daily'],
  ['weekly', 'weekly'],
  ['monthly', 'monthly'],
  ['continuous', 'continuous'],
];

/** Worklist filters the API does not offer (period, rarity), over the loaded rows. */
export function longTailFilter(q: URLSearchParams): (r: LongTailRow) => boolean {
  const period = q.get('period') ?? '';
  const minRarity = Number(q.get('minRarity') ?? '0') || 0;
  return (r) => {
    if (period === 'periodic' && !r.period) return false;
    if (period === 'none' && r.period) return false;
    if (period && period !== 'periodic' && period !== 'none' && r.period !== period) return false;
    if (r.rarity < minRarity) return false;
    return true;
  };
}

export const GAP_TEXT: Record<string, string> = { offline: 'probe offline', silent: 'probe silent (no status)', drops: 'probe dropping packets' };

/** Client-side filters of the coverage table. */
export function coverageFilter(q: URLSearchParams): (s: SegmentCoverage) => boolean {
  const name = (q.get('names') ?? '').toLowerCase();
  const show = q.get('show') ?? '';
  return (s) => {
    if (name && !s.segment.toLowerCase().includes(name)) return false;
    if (show === 'incomplete' && s.completeness >= 1) return false;
    if (show === 'gaps' && s.gaps.length === 0) return false;
    if (show === 'noweekly' && s.weeklyCycle) return false;
    if (show === 'nomonthend' && s.monthEnd) return false;
    return true;
  };
}
