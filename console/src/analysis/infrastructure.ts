import { serviceFor } from '@spanmap/shared';
import type { EdgeModel } from '../matrix/model.js';

const NONE = 0xffffffff;

/**
 * Shared infrastructure: an infrastructure service by port (DNS, NTP, LDAP, Kerberos, SNMP,
 * syslog, DHCP, RADIUS...); and, from behaviour, the other services of an infrastructure server
 * (a host that serves such a port to several clients) when they are used by many clients from
 * several segments — a domain controller's RPC and SMB, not an application server's API.
 *
 * Incremental: the flag from behaviour belongs to a service (server, protocol, port), so an edge
 * that starts or stops counting (new, or merged away) re-evaluates only its service and, when it
 * is an infrastructure client, its server's services. Recomputing everything whenever an edge was
 * added took about a second at 1 M edges and ran in the first query after each ingest commit.
 * Everything is recomputed when segments change.
 */
export class Infrastructure {
  private segmentsVersion = -1;
  private rollupVersion = -1;
  private n = 0;
  private counted = new Uint8Array(1024);
  private byPort = new Uint8Array(1024);
  /** Each edge's service (index into the tables below), NONE when it is infrastructure by port. */
  private serviceOf = new Uint32Array(1024);
  private readonly services = new Map<number, number>();
  private serviceDst: number[] = [];
  /** Per service: its clients (one edge each), and its clients per local segment. */
  private clients: Array<Set<number>> = [];
  private segments: Array<Map<number, number>> = [];
  private flag = new Uint8Array(1024);
  /** Server host → its infrastructure clients (edges per client), and its services. */
  private readonly infraClients = new Map<number, Map<number, number>>();
  private readonly servicesOf = new Map<number, number[]>();

  constructor(private readonly model: EdgeModel) {}

  /** Whether edge `e` is shared infrastructure (brought up to date first). */
  has(e: number): boolean {
    this.update();
    if (e >= this.n || !this.counted[e]) return false;
    if (this.byPort[e]) return true;
    const s = this.serviceOf[e]!;
    return s !== NONE && this.flag[s] === 1;
  }

  private update(): void {
    const m = this.model;
    const cat = m.catalog;
    if (m.segmentsVersion !== this.segmentsVersion || cat.maxId < this.n) this.reset();
    else if (m.rollup.version === this.rollupVersion && cat.maxId === this.n) return;
    this.rollupVersion = m.rollup.version;
    const live = m.rollup.totals.records;
    const n = cat.maxId;
    this.grow(n);
    for (let e = this.n; e < n; e++) this.classify(e);
    this.n = n;
    const hostSeg = m.hostSegments();
    const changed = new Set<number>();
    const servers = new Set<number>();
    // Edges that started counting (new, or traffic again) or stopped (merged away). An edge is
    // added to the catalog inside the ingest transaction and gets its counts after the commit.
    for (let e = 0; e < n; e++) {
      const now = live[e]! > 0 ? 1 : 0;
      if (now !== this.counted[e]) this.count(e, now, hostSeg, changed, servers);
    }
    for (const dst of servers) for (const s of this.servicesOf.get(dst) ?? []) changed.add(s);
    for (const s of changed) {
      const servesInfra = (this.infraClients.get(this.serviceDst[s]!)?.size ?? 0) >= 2;
      this.flag[s] = servesInfra && this.clients[s]!.size >= 5 && this.segments[s]!.size >= 3 ? 1 : 0;
    }
  }

  /** An edge's kind: infrastructure by port, or one of a server's services. */
  private classify(e: number): void {
    const cat = this.model.catalog;
    this.counted[e] = 0;
    const dst = cat.dst[e]!;
    const proto = cat.proto[e]!;
    const port = cat.port[e]!;
    this.byPort[e] = serviceFor(proto, port)?.infra ? 1 : 0;
    this.serviceOf[e] = NONE;
    if (this.byPort[e]) return;
    const key = dst * 2 ** 24 + proto * 65536 + port;
    let s = this.services.get(key);
    if (s === undefined) {
      s = this.serviceDst.length;
      this.services.set(key, s);
      this.serviceDst.push(dst);
      this.clients.push(new Set());
      this.segments.push(new Map());
      if (s >= this.flag.length) this.flag = grown(this.flag, s + 1);
      this.flag[s] = 0;
      let list = this.servicesOf.get(dst);
      if (!list) this.servicesOf.set(dst, (list = []));
      list.push(s);
    }
    this.serviceOf[e] = s;
  }

  /** Adds (on = 1) or removes an edge's client from what its service or server counts. */
  private count(e: number, on: number, hostSeg: Int32Array, changed: Set<number>, servers: Set<number>): void {
    const cat = this.model.catalog;
    this.counted[e] = on;
    const src = cat.src[e]!;
    const dst = cat.dst[e]!;
    const d = on ? 1 : -1;
    if (this.byPort[e]) {
      let c = this.infraClients.get(dst);
      if (!c) this.infraClients.set(dst, (c = new Map()));
      const k = (c.get(src) ?? 0) + d;
      if (k > 0) c.set(src, k);
      else c.delete(src);
      if (k === 0 || (k === 1 && on)) servers.add(dst); // a client came or went
      return;
    }
    const s = this.serviceOf[e]!;
    if (on) this.clients[s]!.add(src);
    else this.clients[s]!.delete(src);
    const seg = hostSeg[src]!;
    if (seg < this.model.resolver.unassigned) {
      const segs = this.segments[s]!;
      const k = (segs.get(seg) ?? 0) + d;
      if (k > 0) segs.set(seg, k);
      else segs.delete(seg);
    }
    changed.add(s);
  }

  private reset(): void {
    this.segmentsVersion = this.model.segmentsVersion;
    this.n = 0;
    this.services.clear();
    this.serviceDst = [];
    this.clients = [];
    this.segments = [];
    this.flag.fill(0);
    this.infraClients.clear();
    this.servicesOf.clear();
  }

  private grow(n: number): void {
    if (n <= this.counted.length) return;
    const size = Math.max(n, this.counted.length * 2);
    this.counted = grown(this.counted, size);
    this.byPort = grown(this.byPort, size);
    const s = new Uint32Array(size);
    s.set(this.serviceOf);
    this.serviceOf = s;
  }
}

function grown(a: Uint8Array, size: number): Uint8Array<ArrayBuffer> {
  const x = new Uint8Array(Math.max(size, a.length * 2));
  x.set(a);
  return x;
}
