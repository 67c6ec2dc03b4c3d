import { parseIP, type ParsedIP } from '@spanmap/shared';
import type { EdgeKey } from '../store/console-store.js';

/**
 * Every host and edge the console knows, by dense id, in typed arrays: what queries need to map
 * edges to segments without touching LMDB.
 */
export class Catalog {
  readonly hostIds = new Map<string, number>();
  readonly hosts: string[] = [];
  readonly hostIps: ParsedIP[] = [];
  edgeCount = 0;
  src = new Uint32Array(1024);
  dst = new Uint32Array(1024);
  proto = new Uint8Array(1024);
  port = new Uint16Array(1024);
  /** Edge ids are the store's; not every id below `maxId` need exist. */
  present = new Uint8Array(1024);
  maxId = 0;
  /** Dense id of each edge's (protocol, port) pair, and the pairs themselves. */
  svc = new Uint32Array(1024);
  readonly svcIds = new Map<number, number>();
  readonly svcKeys: number[] = [];

  host(ip: string): number {
    let id = this.hostIds.get(ip);
    if (id === undefined) {
      id = this.hosts.length;
      this.hostIds.set(ip, id);
      this.hosts.push(ip);
      this.hostIps.push(parseIP(ip) ?? { family: 4, value: 0n });
    }
    return id;
  }

  addEdge(id: number, k: EdgeKey): void {
    while (id >= this.src.length) this.grow();
    this.src[id] = this.host(k.src);
    this.dst[id] = this.host(k.dst);
    this.proto[id] = k.proto;
    this.port[id] = k.port;
    const sk = k.proto * 65536 + k.port;
    let sid = this.svcIds.get(sk);
    if (sid === undefined) {
      sid = this.svcKeys.length;
      this.svcIds.set(sk, sid);
      this.svcKeys.push(sk);
    }
    this.svc[id] = sid;
    if (!this.present[id]) this.edgeCount++;
    this.present[id] = 1;
    if (id + 1 > this.maxId) this.maxId = id + 1;
  }

  key(id: number): EdgeKey {
    return { src: this.hosts[this.src[id]!]!, dst: this.hosts[this.dst[id]!]!, proto: this.proto[id]!, port: this.port[id]! };
  }

  private grow(): void {
    const n = this.src.length * 2;
    const g32 = (a: Uint32Array) => {
      const x = new Uint32Array(n);
      x.set(a);
      return x;
    };
    this.src = g32(this.src);
    this.dst = g32(this.dst);
    const p = new Uint8Array(n);
    p.set(this.proto);
    this.proto = p;
    const q = new Uint16Array(n);
    q.set(this.port);
    this.port = q;
    const r = new Uint8Array(n);
    r.set(this.present);
    this.present = r;
    this.svc = g32(this.svc);
  }
}
