import type { Found } from './found.js';

/** What a DHCP or DHCPv6 message says about names and addresses, keyed by its transaction. */
export interface LeaseMessage {
  /** 'client': a client offers its names; 'ack': a server hands out `addrs`; 'other': neither. */
  role: 'client' | 'ack' | 'other';
  /** The transaction: xid and client hardware address (DHCPv4), or xid and client DUID (DHCPv6). */
  key: string;
  /** Host Name (option 12). */
  host: string | null;
  /** Client FQDN (option 81 / DHCPv6 option 39): a full name, or a partial one (no dot). */
  fqdn: string | null;
  /** Domain Name (option 15) / first entry of the DHCPv6 Domain Search List. */
  domain: string | null;
  /** Addresses handed out (acks only). */
  addrs: string[];
}

/**
 * Pairs DHCP acknowledgements with the client messages of the same transaction: a client says
 * its name in DISCOVER/REQUEST (or Solicit/Request), the server's ACK (Reply) says which address
 * it gets. The ACK's own names win; then the client's FQDN, the ACK's host name, the client's host
 * name; a name without a dot gets the domain appended. Bounded memory (least recent forgotten
 * first); a client message is remembered for `windowMs` of packet time (time is a parameter).
 */
export class Leases {
  private readonly pending = new Map<string, { at: number; host: string | null; fqdn: string | null; domain: string | null }>();

  constructor(
    private readonly windowMs = 60_000,
    private readonly max = 4096,
  ) {}

  /** Takes one decoded message at packet time `now`; returns what an acknowledgement teaches. */
  learn(m: LeaseMessage, now: number): Found[] {
    if (m.role === 'client') {
      if (m.host === null && m.fqdn === null) return [];
      const prev = this.pending.get(m.key);
      this.pending.delete(m.key);
      if (this.pending.size >= this.max) this.pending.delete(this.pending.keys().next().value as string);
      this.pending.set(m.key, {
        at: now,
        host: m.host ?? prev?.host ?? null,
        fqdn: m.fqdn ?? prev?.fqdn ?? null,
        domain: m.domain ?? prev?.domain ?? null,
      });
      return [];
    }
    if (m.role !== 'ack' || m.addrs.length === 0) return [];
    let req = this.pending.get(m.key);
    if (req && Math.abs(now - req.at) > this.windowMs) req = undefined;
    const name = m.fqdn || req?.fqdn || m.host || req?.host;
    if (!name) return [];
    const domain = m.domain || req?.domain;
    const full = !name.replace(/\.$/, '').includes('.') && domain ? `${name}.${domain}` : name;
    return m.addrs.map((ip) => ({ ip, name: full }));
  }

  get size(): number {
    return this.pending.size;
  }
}
