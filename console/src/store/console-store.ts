import { mkdirSync } from 'node:fs';
import { open, type Database, type RootDatabase } from 'lmdb';
import { SpanmapError, type ProbeStatus, type SummaryBatch } from '@spanmap/shared';

export const HOUR_MS = 3_600_000;

/** An edge: initiator host, responder host, protocol, responder port. */
export interface EdgeKey {
  src: string;
  dst: string;
  proto: number;
  port: number;
}

/** Counters kept per edge and hour, and per edge in total. */
export interface Counters {
  flows: number;
  records: number;
  packets: number;
  bytes: number;
  rpackets: number;
  rbytes: number;
  first: number;
  last: number;
}

export interface EdgeTotals extends EdgeKey, Counters {
  id: number;
  tcpFlags: number;
  rtcpFlags: number;
  /** How the probes decided the initiator of this edge's records. */
  init: { syn: number; port: number; first: number };
  vlans: number[];
  ifaces: string[];
  probes: string[];
}

export interface ProbeTotals {
  id: string;
  flows: number;
  records: number;
  packets: number;
  bytes: number;
  entries: number;
  batches: number;
  duplicates: number;
  firstSeen: number;
  lastSeen: number;
  /** Flow time of the newest data ingested, ms. */
  lastFlow: number;
  status: ProbeStatus | null;
}

export interface HourDelta {
  hour: number;
  edge: number;
  c: Counters;
}

export interface IngestResult {
  /** Batches applied now, and batches seen before (acknowledged again, not counted twice). */
  applied: SummaryBatch[];
  duplicates: SummaryBatch[];
  /** What changed, for the in-memory indexes: edges created, and per edge and hour the counters added. */
  newEdges: Array<EdgeKey & { id: number }>;
  hourDeltas: HourDelta[];
}

type HourValue = [number, number, number, number, number, number, number, number];

/**
 * The console's LMDB store. Host-level edges with per-hour buckets keyed by flow time (event time),
 * per-probe totals and status, and the ingest dedupe keys (probe, store epoch, sequence) — written
 * in the same transaction as the data they cover, so a batch is applied exactly once.
 */
export class ConsoleStore {
  readonly env: RootDatabase;
  readonly meta: Database<unknown, string>;
  private readonly edges: Database<EdgeTotals, number>;
  private readonly hours: Database<HourValue, [number, number]>;
  private readonly probes: Database<ProbeTotals, string>;
  private readonly statusLog: Database<{ online: boolean; packets: number; drops: number | null; ifDrops: number | null; backlog: number }, [string, number]>;
  private readonly dedupe: Database<number, [string, string, number]>;
  /** "src|dst|proto|port" → edge id; all edges, in memory (they are looked up for every entry). */
  private readonly edgeIds = new Map<string, number>();
  private nextEdgeId: number;

  constructor(readonly dir: string) {
    try {
      mkdirSync(dir, { recursive: true });
      this.env = open({ path: dir, maxDbs: 16, compression: false });
    } catch (e) {
      throw new SpanmapError('io', `cannot open the console store in ${dir}: ${(e as Error).message}`);
    }
    this.meta = this.env.openDB({ name: 'meta' });
    this.edges = this.env.openDB({ name: 'edges' });
    this.hours = this.env.openDB({ name: 'hours' });
    this.probes = this.env.openDB({ name: 'probes' });
    this.statusLog = this.env.openDB({ name: 'status-log' });
    this.dedupe = this.env.openDB({ name: 'dedupe' });
    let max = 0;
    for (const { key, value } of this.edges.getRange({})) {
      this.edgeIds.set(edgeKeyString(value), key);
      if (key > max) max = key;
    }
    this.nextEdgeId = max + 1;
  }

  /** Opens a sub-database for other console stages (segments, reviews, policies). */
  openDB<V, K extends string | number | Array<string | number>>(name: string): Database<V, K> {
    return this.env.openDB<V, K>({ name });
  }

  get edgeCount(): number {
    return this.edgeIds.size;
  }

  /**
   * Applies batches in one transaction: skips those already applied, updates hour buckets, edge
   * and probe totals, and records the dedupe keys. Resolves after the commit is durable.
   */
  async ingest(batches: SummaryBatch[], now: number): Promise<IngestResult> {
    const result: IngestResult = { applied: [], duplicates: [], newEdges: [], hourDeltas: [] };
    const knownBefore = this.nextEdgeId;
    await this.env.transaction(() => {
      const hourDeltas = new Map<string, HourDelta>();
      const edgeDeltas = new Map<number, EdgeTotals>();
      const probeDeltas = new Map<string, ProbeTotals>();
      const seenNow = new Set<string>();
      for (const b of batches) {
        const dk: [string, string, number] = [b.probe, b.epoch, b.seq];
        const dks = dk.join('|');
        const probe = probeDeltas.get(b.probe) ?? this.probeTotals(b.probe, now);
        probeDeltas.set(b.probe, probe);
        if (seenNow.has(dks) || this.dedupe.get(dk) !== undefined) {
          result.duplicates.push(b);
          probe.duplicates++;
          continue;
        }
        seenNow.add(dks);
        this.dedupe.put(dk, now);
        result.applied.push(b);
        probe.batches++;
        probe.lastSeen = now;
        for (const e of b.entries) {
          const id = this.edgeId(e);
          const hour = Math.floor(e.first / HOUR_MS);
          const hk = `${hour}|${id}`;
          let h = hourDeltas.get(hk);
          if (!h) hourDeltas.set(hk, (h = { hour, edge: id, c: emptyCounters() }));
          addCounters(h.c, e);
          let t = edgeDeltas.get(id);
          if (!t) edgeDeltas.set(id, (t = this.edges.get(id) ?? newEdge(id, e)));
          addCounters(t, e);
          t.tcpFlags |= e.tcpFlags;
          t.rtcpFlags |= e.rtcpFlags;
          t.init.syn += e.init.syn;
          t.init.port += e.init.port;
          t.init.first += e.init.first;
          if (e.vlan !== null && !t.vlans.includes(e.vlan) && t.vlans.length < 16) t.vlans.push(e.vlan);
          if (e.iface !== null && !t.ifaces.includes(e.iface) && t.ifaces.length < 16) t.ifaces.push(e.iface);
          if (!t.probes.includes(b.probe) && t.probes.length < 16) t.probes.push(b.probe);
          probe.flows += e.flows;
          probe.records += e.records;
          probe.packets += e.packets + e.rpackets;
          probe.bytes += e.bytes + e.rbytes;
          probe.entries++;
          if (e.last > probe.lastFlow) probe.lastFlow = e.last;
        }
      }
      for (const { hour, edge, c } of hourDeltas.values()) {
        const old = this.hours.get([hour, edge]);
        const v: HourValue = old
          ? [
              old[0] + c.flows,
              old[1] + c.records,
              old[2] + c.packets,
              old[3] + c.bytes,
              old[4] + c.rpackets,
              old[5] + c.rbytes,
              Math.min(old[6], c.first),
              Math.max(old[7], c.last),
            ]
          : [c.flows, c.records, c.packets, c.bytes, c.rpackets, c.rbytes, c.first, c.last];
        this.hours.put([hour, edge], v);
      }
      for (const [id, t] of edgeDeltas) {
        this.edges.put(id, t);
        if (id >= knownBefore) result.newEdges.push({ id, src: t.src, dst: t.dst, proto: t.proto, port: t.port });
      }
      for (const [id, p] of probeDeltas) this.probes.put(id, p);
      result.hourDeltas = [...hourDeltas.values()];
    });
    return result;
  }

  private edgeId(k: EdgeKey): number {
    const s = edgeKeyString(k);
    let id = this.edgeIds.get(s);
    if (id === undefined) {
      id = this.nextEdgeId++;
      this.edgeIds.set(s, id);
    }
    return id;
  }

  private probeTotals(id: string, now: number): ProbeTotals {
    return (
      this.probes.get(id) ?? {
        id,
        flows: 0,
        records: 0,
        packets: 0,
        bytes: 0,
        entries: 0,
        batches: 0,
        duplicates: 0,
        firstSeen: now,
        lastSeen: now,
        lastFlow: 0,
        status: null,
      }
    );
  }

  /** Keeps the latest status per probe and a log of them (for coverage gaps and drop charts). */
  async recordStatus(probe: string, status: ProbeStatus, now: number): Promise<void> {
    await this.env.transaction(() => {
      const p = this.probeTotals(probe, now);
      p.status = status;
      this.probes.put(probe, p);
      this.statusLog.put([probe, status.time], {
        online: status.online,
        packets: status.capture.packets,
        drops: status.capture.drops,
        ifDrops: status.capture.ifDrops,
        backlog: status.backlog.batches,
      });
    });
  }

  listProbes(): ProbeTotals[] {
    return [...this.probes.getRange({})].map((x) => x.value);
  }

  statusHistory(probe: string, from: number, to: number) {
    return [...this.statusLog.getRange({ start: [probe, from], end: [probe, to] })].map(({ key, value }) => ({ time: key[1], ...value }));
  }

  getEdge(id: number): EdgeTotals | undefined {
    return this.edges.get(id);
  }

  edgeIdOf(k: EdgeKey): number | undefined {
    return this.edgeIds.get(edgeKeyString(k));
  }

  /** All edges (totals over all time). */
  *allEdges(): Generator<EdgeTotals> {
    for (const { value } of this.edges.getRange({})) yield value;
  }

  /** One edge's hour buckets in [fromHour, toHour) (point lookups: the hours are keyed time-first). */
  edgeHours(edge: number, fromHour: number, toHour: number): Array<[number, HourValue]> {
    const out: Array<[number, HourValue]> = [];
    for (let h = fromHour; h < toHour; h++) {
      const v = this.hours.get([h, edge]);
      if (v) out.push([h, v]);
    }
    return out;
  }

  /** Hour buckets in [fromHour, toHour), in hour order: [hour, edgeId, counters]. */
  *hoursBetween(fromHour: number, toHour: number): Generator<[number, number, HourValue]> {
    for (const { key, value } of this.hours.getRange({ start: [fromHour, 0], end: [toHour, 0] })) yield [key[0], key[1], value];
  }

  async close(): Promise<void> {
    await this.env.committed;
    await this.env.close();
  }
}

export function edgeKeyString(k: EdgeKey): string {
  return `${k.src}|${k.dst}|${k.proto}|${k.port}`;
}

function emptyCounters(): Counters {
  return { flows: 0, records: 0, packets: 0, bytes: 0, rpackets: 0, rbytes: 0, first: Infinity, last: 0 };
}

function newEdge(id: number, k: EdgeKey): EdgeTotals {
  return {
    id,
    src: k.src,
    dst: k.dst,
    proto: k.proto,
    port: k.port,
    ...emptyCounters(),
    tcpFlags: 0,
    rtcpFlags: 0,
    init: { syn: 0, port: 0, first: 0 },
    vlans: [],
    ifaces: [],
    probes: [],
  };
}

function addCounters(t: Counters, e: Counters): void {
  t.flows += e.flows;
  t.records += e.records;
  t.packets += e.packets;
  t.bytes += e.bytes;
  t.rpackets += e.rpackets;
  t.rbytes += e.rbytes;
  if (e.first < t.first) t.first = e.first;
  if (e.last > t.last) t.last = e.last;
}
