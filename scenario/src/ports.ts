import type { Conversation } from './conversation.js';
import type { Rng } from './prng.js';

export const EPHEMERAL_LOW = 32768;
export const EPHEMERAL_HIGH = 60999;
/** A (client, client port, server, server port, proto) tuple is not used again within this of its last packet. */
export const TUPLE_QUIET_US = 10 * 60 * 1_000_000;

/** (client, server, server port, proto): the tuple minus the client port. */
function pathKey(c: Conversation): number {
  return ((c.client.id * 4096 + c.server.id) * 65536 + c.dport) * 256 + c.proto;
}

/**
 * Gives each conversation a client port from 32768-60999. Conversations must be offered in
 * start order; a tuple is never reused until 10 minutes after the previous conversation on it
 * ended, so no two conversations can merge in a flow table with an idle timeout up to 300 s.
 * Fixed ports (DHCP 68, ICMP) are checked against the same rule.
 */
export class PortAllocator {
  /** path key → client port → end of the last conversation on that tuple (µs). */
  private readonly lastEnd = new Map<number, Map<number, number>>();
  private lastStart = -Infinity;

  constructor(private readonly rng: Rng) {}

  assign(c: Conversation): void {
    if (c.startUs < this.lastStart) throw new Error('PortAllocator: conversations must be offered in start order');
    this.lastStart = c.startUs;
    const path = pathKey(c);
    let ports = this.lastEnd.get(path);
    if (!ports) {
      ports = new Map();
      this.lastEnd.set(path, ports);
    }
    if (c.fixedSport) {
      const prev = ports.get(c.sport);
      if (prev !== undefined && c.startUs < prev + TUPLE_QUIET_US) {
        throw new Error(`fixed tuple ${c.client.ip}:${c.sport} → ${c.server.ip}:${c.dport} reused within 10 minutes`);
      }
      ports.set(c.sport, c.endUs);
      return;
    }
    for (let attempt = 0; attempt < 1000; attempt++) {
      const port = this.rng.int(EPHEMERAL_LOW, EPHEMERAL_HIGH);
      const prev = ports.get(port);
      if (prev !== undefined && c.startUs < prev + TUPLE_QUIET_US) continue;
      ports.set(port, c.endUs);
      c.sport = port;
      return;
    }
    throw new Error(`no free ephemeral port for ${c.client.ip} → ${c.server.ip}:${c.dport}`);
  }
}
