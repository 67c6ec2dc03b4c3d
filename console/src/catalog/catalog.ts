import type { Database } from 'lmdb';
import { parseIP, type ParsedIP } from '@spanmap/shared';
import { EdgeHash } from './edge-hash.js';

/** An edge: initiator host, responder host, protocol, responder port. */
export interface EdgeKey {
  src: string;
  dst: string;
  proto: number;
  port: number;
}

const BLOCK = 4096;
type CatalogKey = [string, number];

/**
 * Every host and edge the console knows, by dense id, in typed arrays (what queries need to map
 * edges to segments without touching LMDB), persisted as append-only blocks of 4096 so that a
 * console with ten million edges starts by reading a few hundred blobs, not ten million rows.
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
  private readonly index = new EdgeHash(this);
  private dirtyHostBlocks = new Set<number>();
  private dirtyEdgeBlocks = new Set<number>();

  /** Ids run 0 .. maxId-1 (every id below exists). */
  get maxId(): number {
    return this.edgeCount;
  }

  findHost(ip: string): number {
    return this.hostIds.get(ip) ?? -1;
  }

  host(ip: string): number {
    let id = this.hostIds.get(ip);
    if (id === undefined) {
      id = this.hosts.length;
      this.hostIds.set(ip, id);
      this.hosts.push(ip);
      this.hostIps.push(parseIP(ip) ?? { family: 4, value: 0n });
      this.dirtyHostBlocks.add(Math.floor(id / BLOCK));
    }
    return id;
  }

  /** The id of an edge, or -1. */
  find(k: EdgeKey): number {
    const s = this.hostIds.get(k.src);
    const d = this.hostIds.get(k.dst);
    if (s === undefined || d === undefined) return -1;
    return this.index.find(s, d, k.proto, k.port);
  }

  /** The id of an edge, added when new. */
  edge(k: EdgeKey): { id: number; created: boolean } {
    const s = this.host(k.src);
    const d = this.host(k.dst);
    const found = this.index.find(s, d, k.proto, k.port);
    if (found >= 0) return { id: found, created: false };
    const id = this.edgeCount;
    this.ensure(id + 1);
    this.src[id] = s;
    this.dst[id] = d;
    this.proto[id] = k.proto;
    this.port[id] = k.port;
    this.edgeCount++;
    this.index.insert(id);
    this.dirtyEdgeBlocks.add(Math.floor(id / BLOCK));
    return { id, created: true };
  }

  key(id: number): EdgeKey {
    return { src: this.hosts[this.src[id]!]!, dst: this.hosts[this.dst[id]!]!, proto: this.proto[id]!, port: this.port[id]! };
  }

  private ensure(n: number): void {
    if (n <= this.src.length) return;
    const size = Math.max(n, this.src.length * 2);
    const g = <T extends Uint32Array | Uint16Array | Uint8Array>(a: T): T => {
      const x = new (a.constructor as { new (n: number): T })(size);
      x.set(a);
      return x;
    };
    this.src = g(this.src);
    this.dst = g(this.dst);
    this.proto = g(this.proto);
    this.port = g(this.port);
  }

  /** Reads every block (start). */
  load(db: Database<Uint8Array, CatalogKey>): void {
    for (const { value } of db.getRange({ start: ['h', 0], end: ['h', Infinity] })) {
      let o = 0;
      const text = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
      while (o < text.length) {
        const n = text.readUInt16LE(o);
        this.host(text.toString('latin1', o + 2, o + 2 + n));
        o += 2 + n;
      }
    }
    for (const { value } of db.getRange({ start: ['e', 0], end: ['e', Infinity] })) {
      const w = new Uint32Array(value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength));
      this.ensure(this.edgeCount + w.length / 3);
      for (let i = 0; i < w.length; i += 3) {
        const id = this.edgeCount++;
        this.src[id] = w[i]!;
        this.dst[id] = w[i + 1]!;
        this.proto[id] = w[i + 2]! >>> 16;
        this.port[id] = w[i + 2]! & 0xffff;
        this.index.insert(id);
      }
    }
    this.dirtyHostBlocks.clear();
    this.dirtyEdgeBlocks.clear();
  }

  /** Writes the blocks changed since the last committed persist (inside the ingest transaction). */
  persist(db: Database<Uint8Array, CatalogKey>): void {
    for (const b of this.dirtyHostBlocks) {
      const parts: Buffer[] = [];
      for (let id = b * BLOCK; id < Math.min(this.hosts.length, (b + 1) * BLOCK); id++) {
        const s = Buffer.from(this.hosts[id]!, 'latin1');
        const len = Buffer.alloc(2);
        len.writeUInt16LE(s.length);
        parts.push(len, s);
      }
      void db.put(['h', b], Buffer.concat(parts));
    }
    for (const b of this.dirtyEdgeBlocks) {
      const from = b * BLOCK;
      const to = Math.min(this.edgeCount, from + BLOCK);
      const w = new Uint32Array((to - from) * 3);
      for (let id = from; id < to; id++) {
        w[(id - from) * 3] = this.src[id]!;
        w[(id - from) * 3 + 1] = this.dst[id]!;
        w[(id - from) * 3 + 2] = ((this.proto[id]! << 16) | this.port[id]!) >>> 0;
      }
      void db.put(['e', b], new Uint8Array(w.buffer));
    }
  }

  /**
   * After the transaction that persisted the blocks has committed. Until then they stay marked, so
   * a transaction that fails leaves them to the next one (ids given out stay valid in memory).
   */
  persisted(): void {
    this.dirtyHostBlocks.clear();
    this.dirtyEdgeBlocks.clear();
  }

  get bytes(): number {
    return this.src.byteLength * 2 + this.proto.byteLength + this.port.byteLength + this.index.bytes;
  }
}
