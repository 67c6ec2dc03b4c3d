import { describe, expect, it } from 'vitest';
import { decodeDhcp } from './dhcp.js';
import { decodeDhcpv6 } from './dhcpv6.js';
import { Leases, type LeaseMessage } from './leases.js';
import { capture, compareWithTshark } from './test-util/compare.js';
import { ascii, dhcpMessage, u16, u32, wireName } from './test-util/wire.js';

const msg = (m: Uint8Array): LeaseMessage => {
  const r = decodeDhcp(m, 0, m.length);
  if (typeof r === 'string') throw new Error(r);
  return r;
};
const T = (t: number): [number, number[]] => [53, [t]];

describe('DHCPv4', () => {
  it('pairs a REQUEST carrying the host name with the ACK giving the address; option 15 completes the name', () => {
    const leases = new Leases();
    const request = msg(dhcpMessage({ op: 1, xid: 0xabc, mac: 0x0a140332 }, [T(3), [12, ascii('WS-0142')], [50, [10, 20, 3, 50]]]));
    expect(request).toMatchObject({ role: 'client', host: 'WS-0142' });
    expect(leases.learn(request, 1000)).toEqual([]);
    const ack = msg(dhcpMessage({ op: 2, xid: 0xabc, mac: 0x0a140332, yiaddr: '10.20.3.50' }, [T(5), [15, ascii('corp.example\0')]]));
    expect(leases.learn(ack, 1500)).toEqual([{ ip: '10.20.3.50', name: 'WS-0142.corp.example' }]);
    // another client (other MAC, same xid), or the same ACK a minute and more later: no name
    expect(leases.learn({ ...ack, key: ack.key.replace('a:14', 'a:15') }, 1600)).toEqual([]);
    expect(leases.learn(ack, 1500 + 60_001)).toEqual([]);
  });

  it('the Client FQDN wins over the host name, in ASCII or (E flag) wire format, and in the ACK itself', () => {
    const leases = new Leases();
    const fqdnAscii = msg(dhcpMessage({ op: 1, xid: 1, mac: 1 }, [T(3), [12, ascii('ws-0177')], [81, [0x01, 0, 0, ...ascii('ws-0177.corp.example')]]]));
    expect(fqdnAscii.fqdn).toBe('ws-0177.corp.example');
    const fqdnWire = msg(dhcpMessage({ op: 1, xid: 2, mac: 2 }, [T(3), [81, [0x05, 0, 0, ...wireName('ws-0178.corp.example')]]]));
    expect(fqdnWire.fqdn).toBe('ws-0178.corp.example');
    const partial = msg(dhcpMessage({ op: 1, xid: 3, mac: 3 }, [T(3), [81, [0x05, 0, 0, 7, ...ascii('ws-0179')]]]));
    expect(partial.fqdn).toBe('ws-0179');
    const ackWithFqdn = msg(dhcpMessage({ op: 2, xid: 9, mac: 9, yiaddr: '10.20.3.9' }, [T(5), [81, [0x03, 255, 255, ...ascii('laptop9.corp.example')]]]));
    expect(leases.learn(ackWithFqdn, 0)).toEqual([{ ip: '10.20.3.9', name: 'laptop9.corp.example' }]);
  });

  it('an INFORM is acknowledged with ciaddr; a plain BOOTP reply (no cookie) hands out yiaddr', () => {
    const leases = new Leases();
    leases.learn(msg(dhcpMessage({ op: 1, xid: 7, mac: 7, ciaddr: '10.20.0.10' }, [T(8), [12, ascii('ADMIN-WS')]])), 0);
    expect(leases.learn(msg(dhcpMessage({ op: 2, xid: 7, mac: 7, ciaddr: '10.20.0.10' }, [T(5)])), 10)).toEqual([{ ip: '10.20.0.10', name: 'ADMIN-WS' }]);
    const bootp = dhcpMessage({ op: 2, xid: 8, mac: 8, yiaddr: '10.20.0.11' }, []);
    bootp.fill(0, 236, 240);
    expect(msg(bootp)).toMatchObject({ role: 'ack', addrs: ['10.20.0.11'] });
  });

  it('OFFERs, NAKs and DISCOVERs hand out nothing; options overloaded into sname/file are read', () => {
    expect(msg(dhcpMessage({ op: 2, xid: 1, mac: 1, yiaddr: '10.0.0.1' }, [T(2), [12, ascii('x')]])).role).toBe('other');
    expect(msg(dhcpMessage({ op: 2, xid: 1, mac: 1 }, [T(6)])).role).toBe('other');
    const overloaded = msg(dhcpMessage({ op: 1, xid: 1, mac: 1, file: [12, 4, ...ascii('host'), 255] }, [T(1), [52, [1]]]));
    expect(overloaded).toMatchObject({ role: 'client', host: 'host' });
  });

  it('malformed messages are one reason', () => {
    const good = dhcpMessage({ op: 2, xid: 1, mac: 1, yiaddr: '10.0.0.1' }, [T(5), [12, ascii('host')]]);
    expect(decodeDhcp(good, 0, 100)).toBe('truncated');
    expect(decodeDhcp(good, 0, good.length - 3)).toBe('truncated'); // option 12 runs past the end
    expect(decodeDhcp(Uint8Array.from([3, ...good.subarray(1)]), 0, good.length)).toBe('bad-header');
    expect(decodeDhcp(dhcpMessage({ op: 2, xid: 1, mac: 1 }, [[53, [5, 5]]]), 0, 246)).toBe('bad-length');
    expect(decodeDhcp(dhcpMessage({ op: 1, xid: 1, mac: 1 }, [[81, [5, 0, 0, 0xc0, 12]]]), 0, 249)).toBe('bad-pointer');
    expect(decodeDhcp(dhcpMessage({ op: 1, xid: 1, mac: 1 }, [[81, [5, 0]]]), 0, 246)).toBe('bad-length');
  });

  it('pairing memory is bounded', () => {
    const leases = new Leases(60_000, 100);
    for (let i = 0; i < 1000; i++) leases.learn(msg(dhcpMessage({ op: 1, xid: i, mac: i }, [T(3), [12, ascii(`h${i}`)]])), i);
    expect(leases.size).toBe(100);
  });
});

describe('DHCPv6', () => {
  const opt = (code: number, v: number[]) => [...u16(code), ...u16(v.length), ...v];
  const duid = opt(1, [0, 3, 0, 1, 2, 0, 10, 20, 3, 90]);
  const iaaddr = (valid: number) => opt(5, [0xfd, 0, 0, 0x20, ...new Array(10).fill(0), 1, 0x90, ...u32(3600), ...u32(valid)]);

  it('a Reply hands out its IA_NA addresses; the FQDN comes from the Request of the same transaction', () => {
    const leases = new Leases();
    const req = Uint8Array.from([3, 0, 0, 7, ...duid, ...opt(39, [0, 7, ...ascii('ws-0190')])]);
    const request = decodeDhcpv6(req, 0, req.length);
    const reply = Uint8Array.from([
      7,
      0,
      0,
      7,
      ...duid,
      ...opt(3, [0, 0, 0, 1, ...u32(0), ...u32(0), ...iaaddr(7200), ...iaaddr(0)]),
      ...opt(24, wireName('corp.example')),
    ]);
    expect(typeof request === 'string' ? request : leases.learn(request, 0)).toEqual([]);
    const r = decodeDhcpv6(reply, 0, reply.length);
    expect(typeof r === 'string' ? r : leases.learn(r, 10)).toEqual([{ ip: 'fd00:20::190', name: 'ws-0190.corp.example' }]);
  });

  it('a Relay-reply is unwrapped; malformed options are one reason', () => {
    const inner = [7, 0, 0, 8, ...duid, ...opt(39, [0, ...wireName('ws-0191.corp.example')]), ...opt(3, [0, 0, 0, 1, ...u32(0), ...u32(0), ...iaaddr(7200)])];
    const relay = Uint8Array.from([13, 0, ...new Array(32).fill(0), ...opt(9, inner)]);
    const r = decodeDhcpv6(relay, 0, relay.length);
    expect(typeof r === 'string' ? r : new Leases().learn(r, 0)).toEqual([{ ip: 'fd00:20::190', name: 'ws-0191.corp.example' }]);
    expect(decodeDhcpv6(relay, 0, relay.length - 1)).toBe('truncated');
    expect(decodeDhcpv6(Uint8Array.from([7, 0, 0, 1, ...opt(3, [0, 0, 0, 1])]), 0, 12)).toBe('bad-length');
    expect(decodeDhcpv6(Uint8Array.from([7, 0, 0, 1, ...opt(39, [0, 70, 97])]), 0, 11)).toBe('label-too-long');
  });
});

/**
 * Real captures against tshark (DHCPv4: no capture in ../shared/pcaps has a DHCPv6 Reply that
 * names an address, and the observer names none). Every name here comes from a client message
 * paired with its ACK; the servers' ACKs carry at most the domain.
 */
const DHCP_CAPTURES: Array<[string, number]> = [
  ['mixed/malcolm__DHCP.pcap', 3],
  ['mixed/ndpi__1kxun.pcap', 3],
  ['mixed/elcabezzonn__mantak.pcap', 1],
  ['mixed/elcabezzonn__wmi-service-remote.pcap', 1],
  ['mixed/iti__EIP-IPAddressChangeAttempt.pcap', 2],
  ['mixed/suricata-verify__smb2-ntlmssp-negotiateflags__input.pcap', 2],
  ['edge/ndpi__fuzz-2006-06-26-2594.pcap', 1],
];

describe('DHCP on real captures, against tshark', () => {
  it.each(DHCP_CAPTURES)('%s', (file, distinct) => {
    const c = compareWithTshark(capture(file), ['dhcp']);
    expect(c.extra).toEqual([]);
    expect(c.missing).toEqual([]);
    expect(c.distinct).toBe(distinct);
    expect(c.observed.counters.names.dhcp).toBe(c.observed.observations.filter((o) => o.source === 'dhcp').length);
  });
});
