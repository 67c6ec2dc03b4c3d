import type { Alert, AlertQuery, AlertStatus } from '../api.js';

/** The Alerts view's pure parts: filters in the URL, labels and badge classes. */

export const ALERT_FILTER_KEYS = ['status', 'kind', 'policy', 'segment', 'host', 'since', 'id'] as const;
const DAY = 86_400_000;

export const STATUS_OPTIONS: Array<[string, string]> = [
  ['', 'open (new, investigating)'],
  ['new', 'new'],
  ['investigate', 'investigating'],
  ['dismissed', 'dismissed (noise)'],
  ['allowed', 'allowed'],
  ['rejected', 'rejected'],
  ['reviewed', 'reviewed in a policy'],
  ['all', 'any'],
];

export const SINCE_OPTIONS: Array<[string, string]> = [
  ['', 'any time'],
  ['1', 'last 24 hours'],
  ['7', 'last 7 days'],
  ['30', 'last 30 days'],
];

/** The API query for the URL's filters; `now` turns "last N days" into a time (pass it once per change). */
export function alertQuery(q: URLSearchParams, now: number): AlertQuery {
  const out: AlertQuery = {};
  const status = q.get('status') ?? '';
  // An alert link from a message (?id=N) shows that alert whatever its status.
  if (status !== 'all' && !q.get('id')) out.status = (status || 'open') as AlertQuery['status'];
  const kind = q.get('kind');
  if (kind === 'edge' || kind === 'storm') out.kind = kind;
  for (const k of ['policy', 'segment', 'host', 'id'] as const) {
    const v = q.get(k)?.trim();
    if (v) out[k] = v;
  }
  const days = Number(q.get('since') ?? '');
  if (days > 0) out.since = now - days * DAY;
  return out;
}

export const STATUS_BADGE: Record<AlertStatus, string> = {
  new: 'svc',
  investigate: 'investigate',
  dismissed: 'none',
  allowed: 'expected',
  rejected: 'rejected',
  reviewed: 'infra',
};

export const STATUS_TEXT: Record<AlertStatus, string> = {
  new: 'new',
  investigate: 'investigating',
  dismissed: 'dismissed',
  allowed: 'allowed',
  rejected: 'rejected',
  reviewed: 'reviewed',
};

export const REASON_TEXT: Record<Alert['reason'], string> = {
  'new-edge': 'a new edge outside the policy',
  storm: 'many new edges from one source (a scan?)',
  'dismissal-expired': 'raised again: the dismissal expired',
  'segment-changed': 'raised again: its segments changed',
  'no-longer-allowed': 'raised again: the policy no longer allows it',
};

/** The address with its name, when the console knows one. */
export function hostText(ip: string | null, name: string | null | undefined): string {
  if (ip === null) return '–';
  return name ? `${name} (${ip})` : ip;
}
