import { describe, expect, it } from 'vitest';
import { PacketInfo } from '../decode/packet-info.js';
import { createNameObserver } from './observer.js';
import { capture, compareWithTshark } from './test-util/compare.js';
import { dnsMessage, ipv4, record, wireName } from './test-util/wire.js';
import type { NameObservation } from '@spanmap/shared';

/** A UDP packet (IPv4 header elided: the observer reads only PacketInfo and the UDP bytes). */
function udp(sport: number, payload: Uint8Array, src = 0x0a140346): { frame: Uint8Array; p: PacketInfo } {
  const frame = Uint8Array.from([sport >>> 8, sport & 255, 0x14, 0xe9, (payload.length + 8) >>> 8, (payload.length + 8) & 255, 0, 0, ...payload]);
  const p = new PacketInfo();
  Object.assign(p, { family: 4, s0: src, d0: 0xe00000fb, proto: 17, sport, dport: 5353, l4Off: 0, l4Len: frame.length, ts: 1717400000123.4 });
  return { frame, p };
}

describe('mDNS and LLMNR', () => {
  it('an mDNS announcement names its address with the .local name, also from the additional section and a reverse PTR', () => {
    const v6 = [0xfd, 0, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xf0];
    const msg = dnsMessage(
      { flags: 0x8400, an: 2, ar: 1 },
      record(wireName('mac-studio.local'), 1, ipv4('10.20.3.80'), 0x8001),
      record(wireName('80.3.20.10.in-addr.arpa'), 12, wireName('mac-studio.local'), 0x8001),
      record(wireName('mac-studio.local'), 28, v6, 0x8001),
    );
    const seen: NameObservation[] = [];
    const obs = createNameObserver((o) => seen.push(o));
    const { frame, p } = udp(5353, msg);
    expect(obs.wants(p)).toBe(true);
    obs.observe(frame, p);
    expect(seen).toEqual([
      { ip: '10.20.3.80', name: 'mac-studio.local', source: 'mdns', time: 1717400000123 },
      { ip: 'fd00:20::1f0', name: 'mac-studio.local', source: 'mdns', time: 1717400000123 },
    ]);
    expect(obs.counters.parsed.mdns).toBe(1);
    expect(obs.counters.repeats).toBe(1); // the PTR taught the same name again
  });

  it('LLMNR answers count as mdns names; LLMNR queries teach nothing', () => {
    const seen: NameObservation[] = [];
    const obs = createNameObserver((o) => seen.push(o));
    const answer = dnsMessage({ flags: 0x8000, an: 1 }, record(wireName('WS-0142'), 1, ipv4('10.20.3.50')));
    const a = udp(5355, answer);
    obs.observe(a.frame, a.p);
    const query = udp(5355, dnsMessage({ flags: 0x0000, an: 1 }, record(wireName('WS-0142'), 1, ipv4('10.20.3.50'))));
    obs.observe(query.frame, query.p);
    expect(seen.map((o) => [o.ip, o.name, o.source])).toEqual([['10.20.3.50', 'ws-0142', 'mdns']]);
    expect(obs.counters.parsed.llmnr).toBe(2);
    expect(obs.counters.outcomes).toEqual({ named: 1, nameless: 1, malformed: 0 });
  });
});

/**
 * Real captures against tshark (mDNS from 5353 and LLMNR from 5355, both as source "mdns").
 * Documented difference: none in these captures. edge/pcapplusplus__ip6_fragments.pcap holds an
 * IPv6-fragmented mDNS datagram: counted 'fragment' (no names in its first fragment).
 */
const MDNS_CAPTURES: Array<[string, number]> = [
  ['mixed/try-zeek__sumstat.pcap', 2],
  ['mixed/elcabezzonn__macgyver.pcap', 5],
  ['mixed/suricata-verify__smb2-ntlmssp-negotiateflags__input.pcap', 2],
  ['mixed/arkime__arkime_synthetic.pcap', 2],
  ['mixed/elcabezzonn__wmi-service-remote.pcap', 1],
  ['mixed/elcabezzonn__aug19.pcap', 0],
  ['edge/pcapplusplus__sll.pcap', 0],
  ['edge/pcapplusplus__ip6_fragments.pcap', 0],
];

describe('mDNS and LLMNR on real captures, against tshark', () => {
  it.each(MDNS_CAPTURES)('%s', (file, distinct) => {
    const c = compareWithTshark(capture(file), ['mdns']);
    expect(c.extra).toEqual([]);
    expect(c.missing).toEqual([]);
    expect(c.distinct).toBe(distinct);
  });
});
