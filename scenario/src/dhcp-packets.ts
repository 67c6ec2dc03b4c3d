import { ipv4Bytes } from './dns-packets.js';

/**
 * Real DHCPv4 payloads (RFC 2131/2132) for the names scenario: the four messages of a DORA
 * relayed by the users' gateway (giaddr set, so every message travels relay ↔ server on port 67),
 * and the unicast REQUEST/ACK of a renewal. Clients say their names the way Windows does: Host
 * Name (option 12) in upper case, and sometimes the Client FQDN (option 81, wire format, E flag);
 * the server's ACK carries the Domain Name (option 15), not the client's name.
 */

export const DISCOVER = 1;
export const OFFER = 2;
export const REQUEST = 3;
export const ACK = 5;

export interface DhcpClient {
  /** Low 32 bits of the MAC (02:00:xx:xx:xx:xx). */
  mac: number;
  /** Host Name option (12), as the client sends it. */
  host: string;
  /** Client FQDN option (81) in wire format, or none. */
  fqdn: string | null;
}

export interface DhcpServer {
  /** The server's address (option 54, siaddr). */
  server: string;
  /** The relay agent's address (giaddr); null for a unicast renewal. */
  relay: string | null;
  domain: string;
  router: string;
  dns: string[];
  leaseSeconds: number;
}

const opt = (code: number, v: number[]): number[] => [code, v.length, ...v];
const ascii = (s: string): number[] => [...Buffer.from(s, 'latin1')];
const u32 = (v: number): number[] => [(v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255];

function wireName(name: string): number[] {
  return [...name.split('.').flatMap((l) => [l.length, ...ascii(l)]), 0];
}

/** One message: `ciaddr` for renewals, `yiaddr` in OFFER/ACK, `requested` (option 50) in a REQUEST after an OFFER. */
export function dhcpPacket(
  type: number,
  xid: number,
  c: DhcpClient,
  s: DhcpServer,
  addr: { ciaddr?: string; yiaddr?: string; requested?: string },
): Uint8Array {
  const fixed = new Array<number>(240).fill(0);
  const client = type === DISCOVER || type === REQUEST;
  fixed[0] = client ? 1 : 2;
  fixed[1] = 1;
  fixed[2] = 6;
  fixed[3] = s.relay ? 1 : 0; // hops
  fixed.splice(4, 4, ...u32(xid));
  fixed.splice(12, 4, ...ipv4Bytes(addr.ciaddr ?? '0.0.0.0'));
  fixed.splice(16, 4, ...ipv4Bytes(addr.yiaddr ?? '0.0.0.0'));
  if (!client) fixed.splice(20, 4, ...ipv4Bytes(s.server));
  fixed.splice(24, 4, ...ipv4Bytes(s.relay ?? '0.0.0.0'));
  fixed.splice(28, 6, 0x02, 0x00, ...u32(c.mac));
  fixed.splice(236, 4, 0x63, 0x82, 0x53, 0x63);
  const o: number[] = [...opt(53, [type])];
  if (client) {
    o.push(...opt(61, [1, 0x02, 0x00, ...u32(c.mac)]));
    if (addr.requested) o.push(...opt(50, ipv4Bytes(addr.requested)));
    o.push(...opt(12, ascii(c.host)));
    if (c.fqdn) o.push(...opt(81, [0x05, 0, 0, ...wireName(c.fqdn)]));
    o.push(...opt(60, ascii('MSFT 5.0')));
    o.push(...opt(55, [1, 3, 6, 15, 31, 33, 43, 44, 46, 47, 119, 121, 249, 252]));
  } else {
    o.push(...opt(54, ipv4Bytes(s.server)));
    o.push(...opt(51, u32(s.leaseSeconds)));
    o.push(...opt(58, u32(s.leaseSeconds / 2)));
    o.push(...opt(59, u32((s.leaseSeconds * 7) / 8)));
    o.push(...opt(1, [255, 255, 0, 0]));
    o.push(...opt(3, ipv4Bytes(s.router)));
    o.push(...opt(6, s.dns.flatMap(ipv4Bytes)));
    o.push(...opt(15, ascii(s.domain)));
  }
  o.push(255);
  return Uint8Array.from([...fixed, ...o]);
}
