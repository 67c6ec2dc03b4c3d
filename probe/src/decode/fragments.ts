import type { PacketInfo } from './packet-info.js';

interface FirstFragment {
  sport: number;
  dport: number;
  ts: number;
  /** TCP flags were not in the first fragment: take them from the fragment that carries byte 13. */
  needFlags: boolean;
  /** The first fragment carried a tunnel that was decapsulated: later fragments belong to that inner packet. */
  absorb: boolean;
}

/**
 * Gives later IP fragments the ports of their first fragment (matched on addresses, protocol
 * and IP id) so they count toward the same flow. Later fragments whose first fragment was not
 * seen keep ports 0 (a portless flow). When the first fragment carried a tunnel that was
 * decapsulated, the later fragments are part of the inner packet already counted and are
 * absorbed. Entries expire after `ttlMs` of packet time; at most `max` datagrams are tracked
 * (the oldest are forgotten first).
 */
export class FragmentTracker {
  private readonly pending = new Map<string, FirstFragment>();
  /** Later fragments matched to a first fragment / left portless. */
  matched = 0;
  orphans = 0;
  absorbed = 0;

  constructor(
    private readonly ttlMs = 30_000,
    private readonly max = 65_536,
  ) {}

  /**
   * Completes `p` (a decoded packet) from fragment state; `b` is the frame it came from.
   * Returns false when the packet must not be counted (a later fragment of a decapsulated tunnel packet).
   */
  resolve(p: PacketInfo, b: Uint8Array, ts: number): boolean {
    if (p.outerFragKey !== '') {
      this.remember(p.outerFragKey, { sport: 0, dport: 0, ts, needFlags: false, absorb: true });
      if (p.frag === 0) return true;
    }
    if (p.frag === 0) return true;
    const key = p.fragKey;
    if (p.frag === 1) {
      this.remember(key, { sport: p.sport, dport: p.dport, ts, needFlags: p.proto === 6 && p.l4Len < 14, absorb: false });
      return true;
    }
    const first = this.pending.get(key);
    if (!first) {
      this.orphans++;
      return true;
    }
    if (first.absorb) {
      this.absorbed++;
      return false;
    }
    this.matched++;
    p.sport = first.sport;
    p.dport = first.dport;
    if (first.needFlags && p.fragOffset <= 13 && p.fragOffset + p.l4Len > 13) {
      p.tcpFlags = b[p.l4Off + 13 - p.fragOffset]!;
      first.needFlags = false;
    }
    return true;
  }

  private remember(key: string, e: FirstFragment): void {
    if (this.pending.size >= this.max) this.evictOldest();
    this.pending.delete(key); // re-insert so map order stays by age
    this.pending.set(key, e);
  }

  /** Forgets first fragments older than the TTL at `now`. */
  expire(now: number): void {
    for (const [key, e] of this.pending) {
      if (e.ts > now - this.ttlMs) break;
      this.pending.delete(key);
    }
  }

  get size(): number {
    return this.pending.size;
  }

  private evictOldest(): void {
    const oldest = this.pending.keys().next();
    if (!oldest.done) this.pending.delete(oldest.value);
  }
}
