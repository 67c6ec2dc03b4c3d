import { describe, expect, it } from 'vitest';
import { decodeClientHello } from './tls.js';
import { capture, compareWithTshark } from './test-util/compare.js';
import { ascii, clientHello } from './test-util/wire.js';

const decode = (b: Uint8Array, end = b.length) => decodeClientHello(b, 0, end, '10.10.0.90');
const padding = (n: number): [number, number[]] => [21, new Array(n).fill(0)];

describe('TLS ClientHello server name', () => {
  it('names the destination with the host name asked for, wherever the extension sits', () => {
    expect(decode(clientHello('grafana.corp.example'))).toEqual([{ ip: '10.10.0.90', name: 'grafana.corp.example' }]);
    const late = clientHello(null, [padding(40), [0, [0, 10, 0, 0, 7, ...ascii('example')]]]);
    expect(decode(late)).toEqual([{ ip: '10.10.0.90', name: 'example' }]);
    expect(decode(clientHello(null, [padding(40)]))).toEqual([]);
  });

  it('a ClientHello split over segments: read as far as this one goes', () => {
    const early = clientHello('login.saas.example', [padding(3000)]);
    expect(decode(early, 1400)).toEqual([{ ip: '10.10.0.90', name: 'login.saas.example' }]);
    const late = clientHello(null, [padding(1500), [0, [0, 10, 0, 0, 7, ...ascii('example')]]]);
    expect(decode(late, 1400)).toBe('tls-split');
    expect(decode(late, 4)).toBe('tls-split');
  });

  it('payloads that only start like TLS teach nothing; lying lengths are bad-length', () => {
    expect(decode(Uint8Array.from([0x16, 0, 0, 0, 0, 0, 0, 0, 0, 0]))).toEqual([]); // not TLS 1.x
    const serverHello = clientHello('x.example');
    serverHello[5] = 2;
    expect(decode(serverHello)).toEqual([]);
    expect(decode(Uint8Array.from([0x16, 3]))).toEqual([]);
    const lie = clientHello('x.example');
    lie[43] = 200; // session id length past the end of the handshake
    expect(decode(lie)).toBe('bad-length');
    const sniLie = clientHello('x.example');
    sniLie[sniLie.length - 11] = 99; // the server_name list length
    expect(decode(sniLie)).toBe('bad-length');
  });
});

/**
 * Real captures against tshark (with TLS forced on RDP's port 3389, see tshark.ts). Documented
 * differences:
 * - edge/rusticata__err-buffertoosmall.pcapng frame 7: the second ClientHello after a
 *   HelloRetryRequest, behind a ChangeCipherSpec record in the same segment; the decoder looks
 *   only at a segment starting with a handshake record. Frame 4 named the same server already.
 * - IP-address "server names" (zeek__rdp-to-ssl, malcolm__SSL, ndpi__1kxun) are refused by both.
 */
const TLS_CAPTURES: Array<[string, number, string[]]> = [
  ['mixed/malcolm__SSL.pcap', 64, []],
  ['mixed/pcapplusplus__example.pcap', 2, []],
  ['mixed/elcabezzonn__windows_miscellany.pcap', 2, []],
  ['mixed/elcabezzonn__wmi-service-remote.pcap', 1, []],
  ['mixed/elcabezzonn__macgyver.pcap', 3, []],
  ['mixed/zeek__rdp-to-ssl.pcap', 0, []],
  ['edge/ndpi__sites.pcapng', 55, []],
  ['edge/ndpi__6in4tunnel.pcap', 2, []],
  ['edge/ndpi__vxlan.pcap', 2, []],
  ['edge/zeek__pppoe-over-qinq.pcap', 1, []],
  ['edge/rusticata__err-buffertoosmall.pcapng', 1, ['7 tls 93.184.216.34 example.com']],
];

describe('TLS on real captures, against tshark', () => {
  it.each(TLS_CAPTURES)('%s', (file, distinct, missing) => {
    const c = compareWithTshark(capture(file), ['tls']);
    expect(c.extra).toEqual([]);
    expect(c.missing).toEqual(missing);
    expect(c.distinct).toBe(distinct);
  });
});
