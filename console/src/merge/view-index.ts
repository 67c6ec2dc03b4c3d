import type { Database } from 'lmdb';
import { viewId, type ViewRecord } from './view-record.js';

/** Stored value of a view record; the key is [conversation key, first, view]. */
type Stored = [
  last: number,
  packets: number,
  bytes: number,
  rpackets: number,
  rbytes: number,
  tcpFlags: number,
  rtcpFlags: number,
  /** how | flows << 2 | fwd << 3 */
  bits: number,
  cl: number,
  probe: string,
  vlan: number | null,
  iface: string | null,
];
type Key = [string, number, string];
export type ViewDb = Database<Stored, Key>;

export interface ClusterMeta {
  k: string;
  first: number;
  last: number;
}

/**
 * The records every probe delivered, indexed by conversation key and start time, so that a record
 * arriving later (from another probe, hours late, or after a restart) finds the views it overlaps.
 * Reads and writes are synchronous: they run inside the ingest transaction.
 */
export class ViewIndex {
  constructor(
    private readonly views: () => ViewDb,
    private readonly clusterDb: () => Database<ClusterMeta, number>,
    /** Longest span of a record searched back for (records are split by the probes' active timeout). */
    private readonly maxSpanMs: number,
  ) {}

  private get db(): ViewDb {
    return this.views();
  }

  private get clusters(): Database<ClusterMeta, number> {
    return this.clusterDb();
  }

  /** Records of conversation `k` overlapping [from, to]. */
  overlapping(k: string, from: number, to: number): ViewRecord[] {
    const out: ViewRecord[] = [];
    for (const { key, value } of this.db.getRange({ start: [k, from - this.maxSpanMs], end: [k, to, '\uffff'] })) {
      if (value[0] >= from) out.push(decode(key, value));
    }
    return out;
  }

  /** The members of cluster `id`. */
  members(id: number): ViewRecord[] {
    const c = this.clusters.get(id);
    if (!c) return [];
    const out: ViewRecord[] = [];
    for (const { key, value } of this.db.getRange({ start: [c.k, c.first], end: [c.k, c.last, '\uffff'] })) if (value[8] === id) out.push(decode(key, value));
    return out;
  }

  /** True when a record of this view with this key and start is already stored (a record delivered twice). */
  has(r: ViewRecord): boolean {
    return this.db.doesExist([r.k, r.first, r.view]);
  }

  put(r: ViewRecord): void {
    void this.db.put([r.k, r.first, r.view], encode(r));
  }

  putCluster(id: number, meta: ClusterMeta): void {
    void this.clusters.put(id, meta);
  }

  removeCluster(id: number): void {
    void this.clusters.remove(id);
  }

  /** Removes records that began before `before` (retention); returns how many. */
  prune(before: number, limit: number): number {
    let n = 0;
    for (const key of this.db.getKeys({})) {
      if (key[1] >= before) continue;
      void this.db.remove(key);
      if (++n >= limit) break;
    }
    return n;
  }
}

function encode(r: ViewRecord): Stored {
  return [r.last, r.packets, r.bytes, r.rpackets, r.rbytes, r.tcpFlags, r.rtcpFlags, r.how | (r.flows << 2) | (r.fwd ? 8 : 0), r.cl, r.probe, r.vlan, r.iface];
}

function decode(key: Key, v: Stored): ViewRecord {
  const [k, first] = key;
  const parts = k.split('|');
  const proto = Number(parts[0]);
  const fwd = (v[7] & 8) !== 0;
  let lo: string, hi: string, sport: number, dport: number;
  if (parts.length === 4) {
    // ICMP: proto|lo|hi|type-code; the request's type-code is the dport whichever way the record points.
    lo = parts[1]!;
    hi = parts[2]!;
    sport = 0;
    dport = Number(parts[3]);
  } else {
    lo = parts[1]!;
    hi = parts[3]!;
    sport = Number(parts[fwd ? 2 : 4]);
    dport = Number(parts[fwd ? 4 : 2]);
  }
  return {
    k,
    first,
    last: v[0],
    view: viewId(v[9], v[10], v[11]),
    probe: v[9],
    vlan: v[10],
    iface: v[11],
    src: fwd ? lo : hi,
    dst: fwd ? hi : lo,
    proto,
    sport,
    dport,
    fwd,
    packets: v[1],
    bytes: v[2],
    rpackets: v[3],
    rbytes: v[4],
    tcpFlags: v[5],
    rtcpFlags: v[6],
    how: v[7] & 3,
    flows: (v[7] >> 2) & 1,
    records: 1,
    cl: v[8],
  };
}
