import type { Database } from 'lmdb';
import { SpanmapError } from '@spanmap/shared';
import type { ConsoleStore } from '../store/console-store.js';
import type { EdgeKey } from '../catalog/catalog.js';

export function edgeKeyString(k: EdgeKey): string {
  return `${k.src}|${k.dst}|${k.proto}|${k.port}`;
}

export type ReviewStatus = 'expected' | 'investigate' | 'rejected';
export const REVIEW_STATUSES: readonly ReviewStatus[] = ['expected', 'investigate', 'rejected'];

export interface Review {
  status: ReviewStatus;
  note: string;
  by: string;
  at: number;
}

export interface AuditEntry {
  at: number;
  by: string;
  action: string;
  /** What was changed (edge keys, segment names, policy id...). */
  target: unknown;
  detail?: unknown;
}

/**
 * Review state of edges (latest per edge, in memory and in LMDB) and the audit trail: an
 * append-only log of every change, keyed by time and sequence, never rewritten.
 */
export class Reviews {
  private readonly latest = new Map<string, Review>();
  private seq = 0;

  constructor(private readonly store: ConsoleStore) {
    store.shared.names.add('reviews');
    store.shared.names.add('audit');
    store.shared.onRemoteChange('reviews', () => {
      this.latest.clear();
      for (const { key, value } of this.db.getRange({})) this.latest.set(key, value);
    });
    store.shared.onRemoteChange('audit', () => {
      const last = [...this.audit.getKeys({ reverse: true, limit: 1 })][0];
      this.seq = Math.max(this.seq, last ? last[1] + 1 : 0);
    });
  }

  private get db(): Database<Review, string> {
    return this.store.db<Review, string>('reviews');
  }

  private get audit(): Database<AuditEntry, [number, number]> {
    return this.store.db<AuditEntry, [number, number]>('audit');
  }

  /** Reads the review states and where the audit trail stands (start). */
  load(): void {
    for (const { key, value } of this.db.getRange({})) this.latest.set(key, value);
    const last = [...this.audit.getKeys({ reverse: true, limit: 1 })][0];
    this.seq = last ? last[1] + 1 : 0;
  }

  get(k: EdgeKey): Review | null {
    return this.latest.get(edgeKeyString(k)) ?? null;
  }

  /** Marks edges; one audit entry per call. */
  async review(edges: EdgeKey[], status: ReviewStatus, note: string, by: string, now: number): Promise<Review> {
    if (!REVIEW_STATUSES.includes(status)) throw new SpanmapError('bad_request', `status: expected one of ${REVIEW_STATUSES.join(', ')}`);
    const r: Review = { status, note, by, at: now };
    await this.store.atomic(() => {
      for (const e of edges) this.db.put(edgeKeyString(e), r);
      this.audit.put([now, this.seq++], { at: now, by, action: 'review', target: edges, detail: { status, note } });
    });
    for (const e of edges) this.latest.set(edgeKeyString(e), r);
    return r;
  }

  /** Appends any other change to the audit trail. */
  async record(entry: AuditEntry): Promise<void> {
    await this.audit.put([entry.at, this.seq++], entry);
  }

  history(from = 0, to = Infinity, limit = 1000): AuditEntry[] {
    const out: AuditEntry[] = [];
    for (const { value } of this.audit.getRange({ start: [from, 0], end: [to === Infinity ? 2 ** 52 : to, 0], reverse: false })) {
      out.push(value);
      if (out.length >= limit) break;
    }
    return out;
  }

  /** Every reviewed edge key with its state. */
  all(): Array<[string, Review]> {
    return [...this.latest];
  }
}
