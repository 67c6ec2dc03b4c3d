import type { Database } from 'lmdb';
import type { ProbeStatus, SummaryBatch } from '@spanmap/shared';
import type { ConsoleStore } from './console-store.js';

/** What one probe delivered (its own view, before any merge), and its latest status. */
export interface ProbeTotals {
  id: string;
  /** Flows begun (records without "cont"), records, packets and bytes in both directions. */
  flows: number;
  records: number;
  packets: number;
  bytes: number;
  names: number;
  batches: number;
  duplicates: number;
  firstSeen: number;
  lastSeen: number;
  /** Flow time of the newest data ingested, ms. */
  lastFlow: number;
  status: ProbeStatus | null;
  /** For each other probe: records this probe delivered into conversations that probe also saw. */
  overlap: Record<string, number>;
}

export interface StatusPoint {
  online: boolean;
  packets: number;
  drops: number | null;
  ifDrops: number | null;
  backlog: number;
  duplicates?: number;
}

/** Per-probe totals, the latest status and a log of statuses (coverage gaps, drop charts). */
export class Probes {
  constructor(private readonly store: ConsoleStore) {}

  private get db(): Database<ProbeTotals, string> {
    return this.store.db<ProbeTotals, string>('probes');
  }

  private get log(): Database<StatusPoint, [string, number]> {
    return this.store.db<StatusPoint, [string, number]>('status-log');
  }

  get(id: string, now: number): ProbeTotals {
    const p = this.db.get(id);
    if (p) return { ...p, names: p.names ?? 0, overlap: p.overlap ?? {} };
    return {
      id,
      flows: 0,
      records: 0,
      packets: 0,
      bytes: 0,
      names: 0,
      batches: 0,
      duplicates: 0,
      firstSeen: now,
      lastSeen: now,
      lastFlow: 0,
      status: null,
      overlap: {},
    };
  }

  /** Counts a batch applied (inside the ingest transaction). */
  countBatch(p: ProbeTotals, b: SummaryBatch, now: number): void {
    p.batches++;
    // Min and max, not last: consoles sharing a store apply batches in different orders (issue 19).
    if (now > p.lastSeen) p.lastSeen = now;
    if (now < p.firstSeen) p.firstSeen = now;
    for (const r of b.records) {
      if (!r.cont) p.flows++;
      p.records++;
      p.packets += r.packets + r.rpackets;
      p.bytes += r.bytes + r.rbytes;
      if (r.last > p.lastFlow) p.lastFlow = r.last;
    }
    for (const e of b.entries) {
      p.flows += e.flows;
      p.records += e.records;
      p.packets += e.packets + e.rpackets;
      p.bytes += e.bytes + e.rbytes;
      if (e.last > p.lastFlow) p.lastFlow = e.last;
    }
    p.names += b.names.length;
  }

  /** Overlap deltas "p|q" → records (inside the ingest transaction, after the batches). */
  addOverlap(totals: Map<string, ProbeTotals>, overlap: Map<string, number>, now: number): void {
    for (const [k, n] of overlap) {
      const [p, q] = k.split('|') as [string, string];
      let t = totals.get(p);
      if (!t) totals.set(p, (t = this.get(p, now)));
      const v = (t.overlap[q] ?? 0) + n;
      if (v > 0) t.overlap[q] = v;
      else delete t.overlap[q];
    }
  }

  put(p: ProbeTotals): void {
    void this.db.put(p.id, p);
  }

  /** Keeps the latest status per probe and a log of them. */
  async recordStatus(probe: string, status: ProbeStatus, now: number): Promise<void> {
    await this.store.atomic(() => {
      const p = this.get(probe, now);
      p.status = status;
      void this.db.put(probe, p);
      void this.log.put([probe, status.time], {
        online: status.online,
        packets: status.capture.packets,
        drops: status.capture.drops,
        ifDrops: status.capture.ifDrops,
        backlog: status.backlog.batches,
        ...(status.capture.duplicates !== undefined ? { duplicates: status.capture.duplicates } : {}),
      });
    });
  }

  list(): ProbeTotals[] {
    return [...this.db.getRange({})].map((x) => ({ ...x.value, names: x.value.names ?? 0, overlap: x.value.overlap ?? {} }));
  }

  statusHistory(probe: string, from: number, to: number): Array<StatusPoint & { time: number }> {
    return [...this.log.getRange({ start: [probe, from], end: [probe, to] })].map(({ key, value }) => ({ time: key[1], ...value }));
  }
}
