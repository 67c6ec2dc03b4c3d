import { serviceFor } from '@spanmap/shared';
import type { EdgeModel } from '../matrix/model.js';

const NONE = 0xffffffff;

/**
 * Shared infrastructure: an infrastructure service by port (DNS, NTP, LDAP, Kerberos, SNMP,
 * syslog, DHCP, RADIUS...); and, from behaviour, the other services of an infrastructure server
 * (a host that serves such a port to several clients) when they are used by many clients from
 * several segments — a domain controller's RPC and SMB, not an application server's API.
 *
 * Incremental: the flag from behaviour belongs to a service (server, protocol, port), so new
 * edges only re-evaluate the services they add clients to (and those of a server that gained an
 * infrastructure client). Recomputing everything for each new edge took about a second at 1 M
 * edges and ran for every query while ingest added edges. Everything is recomputed when segments
 * change, or when an edge counted before has no traffic any more (merged away) or again.
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
  private clients: Array<Set<number>> = [];
  private segments: Array<Set<number>> = [];
  private flag = new Uint8Array(1024);
  /** Server host → the clients of its infrastructure ports, and its services. */
  private readonly infraClients = new Map<number, Set<number>>();
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
    const live = m.rollup.totals.records;
    // An edge counted before whose traffic went (merged away), or came back: recompute everything.
    for (let e = 0; e < this.n; e++) {
      if ((live[e]! > 0 ? 1 : 0) !== this.counted[e]) {
        this.reset();
        break;
      }
    }
    this.rollupVersion = m.rollup.version;
    const n = cat.maxId;
    if (n === this.n) return;
    this.grow(n);
    const hostSeg = m.hostSegments();
    const localSegments = m.resolver.unassigned;
    const changed = new Set<number>();
    const servers = new Set<number>();
    for (let e = this.n; e < n; e++) {
      this.serviceOf[e] = NONE;
      this.byPort[e] = 0;
      this.counted[e] = live[e]! > 0 ? 1 : 0;
      if (!this.counted[e]) continue;
      const dst = cat.dst[e]!;
      const proto = cat.proto[e]!;
      const port = cat.port[e]!;
      if (serviceFor(proto, port)?.infra) {
        this.byPort[e] = 1;
        let c = this.infraClients.get(dst);
        if (!c) this.infraClients.set(dst, (c = new Set()));
        const before = c.size;
        c.add(cat.src[e]!);
        if (c.size !== before) servers.add(dst);
        continue;
      }
      const key = dst * 2 ** 24 + proto * 65536 + port;
      let s = this.services.get(key);
      if (s === undefined) {
        s = this.serviceDst.length;
        this.services.set(key, s);
        this.serviceDst.push(dst);
        this.clients.push(new Set());
        this.segments.push(new Set());
        if (s >= this.flag.length) this.flag = grown(this.flag, s + 1);
        let list = this.servicesOf.get(dst);
        if (!list) this.servicesOf.set(dst, (list = []));
        list.push(s);
      }
      this.serviceOf[e] = s;
      this.clients[s]!.add(cat.src[e]!);
      const seg = hostSeg[cat.src[e]!]!;
      if (seg < localSegments) this.segments[s]!.add(seg);
      changed.add(s);
    }
    this.n = n;
    for (const dst of servers) for (const s of this.servicesOf.get(dst) ?? []) changed.add(s);
    for (const s of changed) {
      const servesInfra = (this.infraClients.get(this.serviceDst[s]!)?.size ?? 0) >= 2;
      this.flag[s] = servesInfra && this.clients[s]!.size >= 5 && this.segments[s]!.size >= 3 ? 1 : 0;
    }
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
