import type { LearnedSource } from '@spanmap/shared';

/**
 * Learned sources, most reliable first: DHCP binds a host's own name to the lease it was just
 * given (exact in time), DNS is what the site's zone says (right for servers, may lag a moved
 * lease), NetBIOS and mDNS are names a host claims for itself, TLS SNI is a name a client asked
 * a server for (one address serves many). An operator's name is above all of them.
 */
export const RELIABILITY: readonly LearnedSource[] = ['dhcp', 'dns', 'netbios', 'mdns', 'tls'];

/** One name an address had, from one source: first and last observation (ms) and how many. */
export interface NameRun {
  name: string;
  from: number;
  last: number;
  count: number;
}

/** A run as read back: its source and until when it held (the next run of the same source). */
export interface SourcedRun extends NameRun {
  source: LearnedSource;
  /** When the same source named the address differently (exclusive), or null: still its name. */
  until: number | null;
}

/** Runs kept per address and source; past this the oldest run is forgotten (and counted). */
export const MAX_RUNS = 64;

/** How an address and a source are stored: [source index, name, from, last, count] per run. */
export type StoredRuns = Array<[number, string, number, number, number]>;

/**
 * The names one address had over time, per source (a name belongs to an address for a time
 * range: DHCP leases move). Per source, runs are maximal stretches of one name in time order: a
 * name observed at time t holds from its first observation until the same source names the
 * address differently. Observations may arrive out of order (several probes); one that falls
 * inside another name's run splits it — approximately, since single observations are not kept:
 * the older name keeps its first observation, the new one holds from t, and the older name
 * returns at its last observation.
 *
 * `at(t)` resolves the ambiguity between sources: each source offers the run holding at t; a run
 * last observed before another source's run began is superseded (the address moved on); of the
 * rest the most reliable source wins. Before the first observation an address has no name.
 *
 * Immutable for the ingest transaction: `observe` is called on a `copy()`, which replaces the
 * original only once the transaction has committed.
 */
export class AddressNames {
  /** Per source (RELIABILITY order); a source without runs shares NONE (most addresses have one source). */
  constructor(private readonly runs: NameRun[][] = RELIABILITY.map(() => NONE)) {}

  copy(): AddressNames {
    return new AddressNames(this.runs.map((rs) => (rs === NONE ? NONE : rs.map((r) => ({ ...r })))));
  }

  /** Adds one observation; returns how many old runs were forgotten to stay within MAX_RUNS. */
  observe(source: LearnedSource, name: string, t: number): number {
    const s = RELIABILITY.indexOf(source);
    if (this.runs[s] === NONE) this.runs[s] = [];
    const rs = this.runs[s]!;
    const i = lastFrom(rs, t);
    const cur = rs[i];
    const next = rs[i + 1];
    if (cur?.name === name) {
      if (t > cur.last) cur.last = t;
      cur.count++;
      return 0;
    }
    const added: NameRun[] = [{ name, from: t, last: t, count: 1 }];
    if (cur && cur.last > t) {
      // t falls inside another name's run: that name held before t and again at its last observation.
      added.push({ name: cur.name, from: cur.last, last: cur.last, count: 1 });
      cur.last = cur.from;
      cur.count = Math.max(1, cur.count - 1);
    } else if (next?.name === name) {
      next.from = t;
      next.count++;
      return 0;
    }
    rs.splice(i + 1, 0, ...added);
    let dropped = 0;
    while (rs.length > MAX_RUNS) {
      rs.shift();
      dropped++;
    }
    return dropped;
  }

  /** The name the address had at `t` (ms; Infinity: its name now), and from which source and run. */
  at(t: number): SourcedRun | null {
    const s = this.pick(t);
    return s < 0 ? null : this.sourced(s, lastFrom(this.runs[s]!, t));
  }

  /** Just the name (no allocation: called for every edge row). */
  nameAt(t: number): string | null {
    const s = this.pick(t);
    return s < 0 ? null : this.runs[s]![lastFrom(this.runs[s]!, t)]!.name;
  }

  /** The source whose run at t wins (see the class comment), or -1. */
  private pick(t: number): number {
    let maxFrom = -Infinity;
    for (const rs of this.runs) {
      const i = rs.length === 0 ? -1 : lastFrom(rs, t);
      if (i >= 0 && rs[i]!.from > maxFrom) maxFrom = rs[i]!.from;
    }
    if (maxFrom === -Infinity) return -1;
    for (let s = 0; s < this.runs.length; s++) {
      const rs = this.runs[s]!;
      const i = rs.length === 0 ? -1 : lastFrom(rs, t);
      if (i >= 0 && rs[i]!.last >= maxFrom) return s;
    }
    return -1;
  }

  /** Every run of every source, oldest first. */
  all(): SourcedRun[] {
    const out: SourcedRun[] = [];
    this.runs.forEach((rs, s) => rs.forEach((_, i) => out.push(this.sourced(s, i))));
    return out.sort((a, b) => a.from - b.from || RELIABILITY.indexOf(a.source) - RELIABILITY.indexOf(b.source));
  }

  /** Whether any name the address ever had starts with `prefix` (lower case). */
  anyStartsWith(prefix: string): boolean {
    for (const rs of this.runs) for (const r of rs) if (r.name.startsWith(prefix)) return true;
    return false;
  }

  /** Whether any name the address ever had contains `text` (lower case). */
  anyContains(text: string): boolean {
    for (const rs of this.runs) for (const r of rs) if (r.name.includes(text)) return true;
    return false;
  }

  private sourced(s: number, i: number): SourcedRun {
    const rs = this.runs[s]!;
    const r = rs[i]!;
    return { name: r.name, from: r.from, last: r.last, count: r.count, source: RELIABILITY[s]!, until: rs[i + 1]?.from ?? null };
  }

  toStored(): StoredRuns {
    const out: StoredRuns = [];
    this.runs.forEach((rs, s) => rs.forEach((r) => out.push([s, r.name, r.from, r.last, r.count])));
    return out;
  }

  static fromStored(v: StoredRuns): AddressNames {
    const runs: NameRun[][] = RELIABILITY.map(() => NONE);
    for (const [s, name, from, last, count] of v) {
      if (runs[s] === undefined) continue;
      if (runs[s] === NONE) runs[s] = [];
      runs[s].push({ name, from, last, count });
    }
    for (const rs of runs) rs.sort((a, b) => a.from - b.from);
    return new AddressNames(runs);
  }
}

const NONE: NameRun[] = Object.freeze([]) as unknown as NameRun[];

/** Index of the last run that began at or before t, or -1. */
function lastFrom(rs: NameRun[], t: number): number {
  let lo = 0;
  let hi = rs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (rs[mid]!.from <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}
