import { serviceFor } from '@spanmap/shared';
import type { ConsoleStore } from '../store/console-store.js';
import type { EdgeModel } from '../matrix/model.js';
import type { EdgeLabels, LabelSource } from '../matrix/query.js';
import { detectPeriod, DAY, HOUR, type Activity, type Observation } from './period.js';

/** History analysed for periods (a monthly job needs a couple of months). */
const WINDOW_MS = 95 * DAY;

export interface EdgeAnalysis extends EdgeLabels {
  activeHours: number;
  activeDays: number;
}

/**
 * Long-tail analysis over every edge: period labels from hourly activity, and the infrastructure
 * flag from ports confirmed by behaviour. Recomputed when the data changed; for large sites (a
 * pass that takes long) at most every `10 × duration`, up to a minute, so ingest is not starved.
 */
export class Analyzer implements LabelSource {
  private result = new Map<number, EdgeAnalysis>();
  private computedAt = -Infinity;
  private computedVersion = -1;
  private lastDuration = 0;
  observation: Observation = { observedDay: () => false, observedDays: () => 0, lastDay: 0 };

  constructor(
    private readonly model: EdgeModel,
    private readonly store: ConsoleStore,
    private readonly now: () => number = Date.now,
  ) {}

  labels(edge: number): EdgeLabels | null {
    this.refresh();
    return this.result.get(edge) ?? null;
  }

  get(edge: number): EdgeAnalysis | null {
    this.refresh();
    return this.result.get(edge) ?? null;
  }

  activity(edge: number): { activeHours: number; activeDays: number } | null {
    return this.get(edge);
  }

  refresh(force = false): void {
    if (this.computedVersion === this.model.version) return;
    const wait = Math.min(60_000, 10 * this.lastDuration);
    if (!force && this.lastDuration > 200 && this.now() - this.computedAt < wait) return;
    const t0 = performance.now();
    this.compute();
    this.lastDuration = performance.now() - t0;
    this.computedAt = this.now();
  }

  private compute(): void {
    const version = this.model.version;
    const span = this.model.rollup.span();
    const result = new Map<number, EdgeAnalysis>();
    if (!span) {
      this.result = result;
      this.computedVersion = version;
      return;
    }
    const from = Math.max(span.from, span.to - WINDOW_MS);
    const fromHour = from / HOUR;
    const toHour = span.to / HOUR;
    // Observed days: any data at all that day (a day without data is unknown, not absence).
    const observed = new Set<number>();
    for (const c of this.model.rollup.between(from / DAY, span.to / DAY)) if (c.size > 0) observed.add(c.day);
    const lastDay = Math.max(...observed);
    const prefix = [...observed].sort((a, b) => a - b);
    this.observation = {
      observedDay: (d) => observed.has(d),
      observedDays: (a, b) => prefix.filter((d) => d >= a && d < b).length,
      lastDay,
    };

    // Two passes over the hourly buckets into a compact layout (edge → its active hours).
    const n = this.model.catalog.maxId;
    const count = new Uint32Array(n + 1);
    for (const [, e] of this.store.hoursBetween(fromHour, toHour)) count[e + 1]!++;
    for (let i = 1; i <= n; i++) count[i] += count[i - 1]!;
    const start = count.slice();
    const t = new Float64Array(count[n]!);
    const flows = new Uint32Array(count[n]!);
    for (const [, e, v] of this.store.hoursBetween(fromHour, toHour)) {
      const at = start[e]!++;
      t[at] = v[6];
      flows[at] = v[0];
    }
    const infra = this.infrastructure();
    for (let e = 0; e < n; e++) {
      const a = count[e]!;
      const b = count[e + 1]!;
      if (a === b) continue;
      const acts: Activity[] = [];
      for (let i = a; i < b; i++) acts.push({ t: t[i]!, flows: flows[i]! });
      const labels = detectPeriod(acts, this.observation);
      const days = new Set(acts.map((x) => Math.floor(x.t / DAY))).size;
      result.set(e, { ...labels, infrastructure: infra[e] === 1, activeHours: b - a, activeDays: days });
    }
    this.result = result;
    this.computedVersion = version;
  }

  /**
   * Shared infrastructure: an infrastructure service by port (DNS, NTP, LDAP, Kerberos, SNMP,
   * syslog, DHCP, RADIUS...); and, from behaviour, the other services of an infrastructure server
   * (a host that serves such a port to several clients) when they are used by many clients from
   * several segments — a domain controller's RPC and SMB, not an application server's API.
   */
  private infrastructure(): Uint8Array {
    const cat = this.model.catalog;
    const n = cat.maxId;
    const out = new Uint8Array(n);
    const hostSeg = this.model.hostSegments();
    const localSegments = this.model.resolver.unassigned;
    const infraClients = new Map<number, Set<number>>(); // server host → clients of its infrastructure ports
    const users = new Map<string, { clients: Set<number>; segments: Set<number> }>(); // server|proto|port
    for (let e = 0; e < n; e++) {
      if (!cat.present[e]) continue;
      const dst = cat.dst[e]!;
      if (serviceFor(cat.proto[e]!, cat.port[e]!)?.infra) {
        out[e] = 1;
        if (!infraClients.has(dst)) infraClients.set(dst, new Set());
        infraClients.get(dst)!.add(cat.src[e]!);
        continue;
      }
      const k = `${dst}|${cat.proto[e]}|${cat.port[e]}`;
      let u = users.get(k);
      if (!u) users.set(k, (u = { clients: new Set(), segments: new Set() }));
      u.clients.add(cat.src[e]!);
      const seg = hostSeg[cat.src[e]!]!;
      if (seg < localSegments) u.segments.add(seg);
    }
    for (let e = 0; e < n; e++) {
      if (!cat.present[e] || out[e]) continue;
      const dst = cat.dst[e]!;
      if ((infraClients.get(dst)?.size ?? 0) < 2) continue;
      const u = users.get(`${dst}|${cat.proto[e]}|${cat.port[e]}`)!;
      if (u.clients.size >= 5 && u.segments.size >= 3) out[e] = 1;
    }
    return out;
  }
}
