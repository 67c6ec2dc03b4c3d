import { parseIP, type NameSource } from '@spanmap/shared';
import type { EdgeModel } from '../matrix/model.js';
import type { Names, ResolvedName } from './names.js';

/** A row of GET /hosts: one address and one name it had (or none). */
export interface HostRow {
  ip: string;
  /** null: never named (or not yet at `at`), never a guess. */
  name: string | null;
  source: NameSource | null;
  segment: string;
  /** Named: the name's first and last observation for this address (operator: when set). Unnamed: the address's traffic. */
  firstSeen: number | null;
  lastSeen: number | null;
  /** When the same source named the address differently; null while the name holds (and for unnamed rows). */
  validUntil: number | null;
  /** Observations of the name (0 when unnamed). */
  observations: number;
  /** Who set an operator's name. */
  by?: string;
  /** The address's first and last traffic (any edge), or null when it was only named, never seen talking. */
  traffic: { firstSeen: number; lastSeen: number } | null;
}

export interface HostQuery {
  /** One address: every name it had (history), newest first. */
  ip?: string;
  /** Addresses starting with it, or names containing it (case-insensitive): every matching name it had. */
  q?: string;
  /** The time names are resolved at (default: now, the latest). */
  at?: number;
  /** Only addresses with (true) or without (false) a name at `at`. */
  named?: boolean;
  sort?: 'ip' | 'name';
}

/**
 * The host directory behind GET /hosts: every address seen in traffic or named, with the name it
 * has (or had at `at`), its segment and when it was seen. An address's traffic times come from the
 * per-edge totals, folded per host once per data version.
 */
export class HostDirectory {
  private cache: { key: string; first: Float64Array; last: Float64Array; order: string[] } | null = null;

  constructor(
    private readonly names: Names,
    private readonly model: EdgeModel,
  ) {}

  list(query: HostQuery, offset: number, limit: number): { rows: HostRow[]; total: number } {
    const at = query.at ?? Infinity;
    let rows: HostRow[];
    if (query.ip !== undefined) {
      const hist = this.names.history(query.ip);
      rows = hist.length > 0 ? hist.map((n) => this.row(query.ip!, n)) : this.known(query.ip) ? [this.row(query.ip, null)] : [];
    } else if (query.q !== undefined) {
      const text = query.q.toLowerCase();
      rows = [];
      for (const ip of this.all()) {
        if (ip.startsWith(text)) rows.push(this.row(ip, this.names.resolve(ip, at)));
        else if (this.names.hasNameContaining(ip, text))
          for (const n of this.names.history(ip)) if (n.name.toLowerCase().includes(text)) rows.push(this.row(ip, n));
      }
    } else rows = this.all().map((ip) => this.row(ip, this.names.resolve(ip, at)));
    if (query.named !== undefined) rows = rows.filter((r) => (r.name !== null) === query.named);
    if (query.sort === 'name') rows.sort((a, b) => (a.name ?? '\uffff').localeCompare(b.name ?? '\uffff'));
    return { rows: rows.slice(offset, offset + limit), total: rows.length };
  }

  private known(ip: string): boolean {
    return this.model.catalog.findHost(ip) >= 0;
  }

  private row(ip: string, n: ResolvedName | null): HostRow {
    const traffic = this.traffic(ip);
    return {
      ip,
      name: n?.name ?? null,
      source: n?.source ?? null,
      segment: this.model.segmentOf(ip),
      firstSeen: n ? n.from : (traffic?.firstSeen ?? null),
      lastSeen: n ? n.last : (traffic?.lastSeen ?? null),
      validUntil: n?.until ?? null,
      observations: n?.count ?? 0,
      ...(n?.by !== undefined ? { by: n.by } : {}),
      traffic,
    };
  }

  private traffic(ip: string): HostRow['traffic'] {
    const h = this.model.catalog.findHost(ip);
    const c = this.refresh();
    if (h < 0 || h >= c.first.length || c.first[h] === Infinity) return null;
    return { firstSeen: c.first[h]!, lastSeen: c.last[h]! };
  }

  /** Every address, seen or named, in address order (IPv4 first). */
  private all(): string[] {
    return this.refresh().order;
  }

  private refresh() {
    const cat = this.model.catalog;
    const key = `${this.model.version}|${this.names.version}`;
    if (this.cache?.key === key) return this.cache;
    const n = cat.hosts.length;
    const first = new Float64Array(n).fill(Infinity);
    const last = new Float64Array(n).fill(-Infinity);
    const t = this.model.rollup.totals;
    for (let e = 0; e < cat.maxId && e < t.records.length; e++) {
      if (t.records[e] === 0) continue;
      for (const h of [cat.src[e]!, cat.dst[e]!]) {
        if (t.first[e]! < first[h]!) first[h] = t.first[e]!;
        if (t.last[e]! > last[h]!) last[h] = t.last[e]!;
      }
    }
    const ips = new Set(cat.hosts);
    for (const ip of this.names.addresses()) ips.add(ip);
    const keyed = [...ips].map((ip) => {
      const p = parseIP(ip);
      return { ip, f: p?.family ?? 9, v: p?.value ?? 0n };
    });
    keyed.sort((a, b) => a.f - b.f || (a.v < b.v ? -1 : a.v > b.v ? 1 : 0));
    this.cache = { key, first, last, order: keyed.map((k) => k.ip) };
    return this.cache;
  }
}
