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
/** VLANs remembered per host (enough to tell a host's segment by VLAN). */
export const HOST_VLANS = 8;
type CatalogKey = [string, number];

/**
 * Every host and edge the console knows, by dense id, in typed arrays (what queries need to map
 * edges to segments without touching LMDB), with what decides or explains a host's segment: the
 * VLANs it was seen on and the probes that saw it. Persisted as append-only blocks of 4096 (a
 * block is rewritten when one of its entries changes), so a console with ten million edges starts
 * by reading a few thousand blobs, not ten million rows.
 */
export class Catalog {
  readonly hostIds = new Map<string, number>();
  readonly hosts: string[] = [];
  private parsed: Array<ParsedIP | undefined> = [];
  /** VLANs per host: HOST_VLANS slots each, -1 = empty. */
  hostVlans = new Int16Array(1024 * HOST_VLANS).fill(-1);
  /** Probes that saw each host, as bits of `probes` (bit 31: one of the probes beyond the 31st). */
  hostProbes = new Uint32Array(1024);
  /** Probe ids in bit order. */
  readonly probes: string[] = [];
  edgeCount = 0;
  src = new Uint32Array(1024);
  dst = new Uint32Array(1024);
  proto = new Uint8Array(1024);
  port = new Uint16Array(1024);
  private readonly index = new EdgeHash(this);
  private dirtyHostBlocks = new Set<number>();
  private dirtyEdgeBlocks = new Set<number>();
  private probesDirty = false;

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
      if (id >= this.hostProbes.length) this.growHosts(id + 1);
      this.dirtyHostBlocks.add(Math.floor(id / BLOCK));
    }
    return id;
  }

  /** A host's address, parsed (on first use: most hosts never need it). */
  hostIp(id: number): ParsedIP {
    let p = this.parsed[id];
    if (!p) this.parsed[id] = p = parseIP(this.hosts[id]!) ?? { family: 4, value: 0n };
    return p;
  }

  /** VLANs a host was seen on. */
  vlansOf(id: number): number[] {
    const out: number[] = [];
    for (let i = 0; i < HOST_VLANS; i++) {
      const v = this.hostVlans[id * HOST_VLANS + i]!;
      if (v < 0) break;
      out.push(v);
    }
    return out;
  }

  /** Notes a VLAN a host was seen on; true when it is new for the host. */
  addVlan(id: number, vlan: number): boolean {
    const o = id * HOST_VLANS;
    for (let i = 0; i < HOST_VLANS; i++) {
      const v = this.hostVlans[o + i]!;
      if (v === vlan) return false;
      if (v < 0) {
        this.hostVlans[o + i] = vlan;
        this.dirtyHostBlocks.add(Math.floor(id / BLOCK));
        return true;
      }
    }
    return false;
  }

  /** Notes a probe that saw a host. */
  addProbe(id: number, probe: string): void {
    let bit = this.probes.indexOf(probe);
    if (bit < 0) {
      if (this.probes.length < 31) {
        bit = this.probes.length;
        this.probes.push(probe);
        this.probesDirty = true;
      } else bit = 31;
    }
    const m = this.hostProbes[id]! | (1 << bit);
    if (m !== this.hostProbes[id]) {
      this.hostProbes[id] = m >>> 0;
      this.dirtyHostBlocks.add(Math.floor(id / BLOCK));
    }
  }

  /** Probes that saw a host (ids; "others" stands for probes beyond the 31st). */
  probesOf(id: number): string[] {
    const m = this.hostProbes[id]!;
    const out: string[] = [];
    for (let b = 0; b < 32; b++) if (m & (1 << b)) out.push(b < this.probes.length ? this.probes[b]! : 'others');
    return out;
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
    this.src = grow(this.src, size);
    this.dst = grow(this.dst, size);
    this.proto = grow(this.proto, size);
    this.port = grow(this.port, size);
  }

  private growHosts(n: number): void {
    const size = Math.max(n, this.hostProbes.length * 2);
    this.hostProbes = grow(this.hostProbes, size);
    this.hostVlans = grow(this.hostVlans, size * HOST_VLANS, -1);
  }

  /** Reads every block (start). */
  load(db: Database<Uint8Array, CatalogKey>): void {
    const probes = db.get(['p', 0]);
    if (probes) this.probes.push(...(JSON.parse(Buffer.from(probes).toString('utf8')) as string[]));
    for (const { value } of db.getRange({ start: ['h', 0], end: ['h', Infinity] })) {
      const b = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
      for (let o = 0; o < b.length;) {
        const n = b[o]!;
        const id = this.host(b.toString('latin1', o + 1, o + 1 + n));
        o += 1 + n;
        this.hostProbes[id] = b.readUInt32LE(o);
        o += 4;
        for (let i = 0; i < HOST_VLANS; i++, o += 2) this.hostVlans[id * HOST_VLANS + i] = b.readInt16LE(o);
      }
    }
    const loaded = this.edgeCount;
    for (const { value } of db.getRange({ start: ['e', 0], end: ['e', Infinity] })) {
      const w = new Uint32Array(value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength));
      this.ensure(this.edgeCount + w.length / 3);
      for (let i = 0; i < w.length; i += 3) {
        const id = this.edgeCount++;
        this.src[id] = w[i]!;
        this.dst[id] = w[i + 1]!;
        this.proto[id] = w[i + 2]! >>> 16;
        this.port[id] = w[i + 2]! & 0xffff;
      }
    }
    // Indexed once all are read, in a table sized for all of them (10 M edges: 4.4 s of rehashing before).
    this.index.reserve(this.edgeCount);
    for (let id = loaded; id < this.edgeCount; id++) this.index.insert(id);
    this.persisted();
  }

  /** Writes the blocks changed since the last committed persist (inside the ingest transaction). */
  persist(db: Database<Uint8Array, CatalogKey>): void {
    if (this.probesDirty) void db.put(['p', 0], Buffer.from(JSON.stringify(this.probes)));
    for (const b of this.dirtyHostBlocks) {
      const parts: Buffer[] = [];
      for (let id = b * BLOCK; id < Math.min(this.hosts.length, (b + 1) * BLOCK); id++) {
        const s = Buffer.from(this.hosts[id]!, 'latin1');
        const e = Buffer.alloc(1 + s.length + 4 + HOST_VLANS * 2);
        e[0] = s.length;
        s.copy(e, 1);
        let o = e.writeUInt32LE(this.hostProbes[id]!, 1 + s.length);
        for (let i = 0; i < HOST_VLANS; i++) o = e.writeInt16LE(this.hostVlans[id * HOST_VLANS + i]!, o);
        parts.push(e);
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
    this.probesDirty = false;
  }

  get bytes(): number {
    return this.src.byteLength * 2 + this.proto.byteLength + this.port.byteLength + this.index.bytes + this.hostProbes.byteLength + this.hostVlans.byteLength;
  }
}

function grow<T extends Uint32Array | Uint16Array | Uint8Array | Int16Array>(a: T, size: number, fill = 0): T {
  const x = new (a.constructor as { new (n: number): T })(size);
  if (fill) x.fill(fill);
  x.set(a);
  return x;
}
