import { describe, expect, it } from 'vitest';
import { decodeNetbios, decodeNetbiosName } from './netbios.js';
import { capture, compareWithTshark } from './test-util/compare.js';
import { dnsMessage, ipv4, netbiosName, ptr, question, record, u16 } from './test-util/wire.js';

const NB = 0x20;
const nb = (flags: number, ip: string) => [...u16(flags), ...ipv4(ip)];
const decode = (m: Uint8Array, src = '10.20.3.60') => decodeNetbios(m, 0, m.length, src);

describe('NetBIOS name service', () => {
  it('decodes first-level encoding: padding stripped, suffix apart', () => {
    // RFC 1001 section 14.1's example: "FRED" padded with spaces (the last one the suffix 0x20)
    const rfc = 'EGFCEFEECACACACACACACACACACACACA';
    expect(String.fromCharCode(...netbiosName('FRED', 0x20).slice(1, 33))).toBe(rfc);
    expect(decodeNetbiosName(rfc)).toEqual({ name: 'FRED', suffix: 0x20 });
    expect(decodeNetbiosName(rfc + '.corp.example')).toEqual({ name: 'FRED', suffix: 0x20 });
    expect(decodeNetbiosName('ABC')).toBeNull();
    expect(decodeNetbiosName('Z'.repeat(32))).toBeNull();
  });

  it('a broadcast registration names the NB address of its additional record', () => {
    const m = dnsMessage({ flags: 0x2910, qd: 1, ar: 1 }, question(netbiosName('KIOSK-07', 0), NB), record(ptr(12), NB, nb(0x0000, '10.20.3.60')));
    expect(decode(m)).toEqual([{ ip: '10.20.3.60', name: 'KIOSK-07' }]);
    // refresh (opcode 8) and multi-homed registration (15) too; a release (6) teaches nothing
    for (const [op, n] of [
      [8, 1],
      [15, 1],
      [6, 0],
    ] as const) {
      const r = dnsMessage({ flags: op << 11, qd: 1, ar: 1 }, question(netbiosName('KIOSK-07', 0), NB), record(ptr(12), NB, nb(0, '10.20.3.60')));
      expect(decode(r)).toHaveLength(n);
    }
  });

  it('a positive response names every unique address in its NB record; errors, groups and other suffixes do not', () => {
    const answer = (flags: number, name: number[], rdata: number[]) => dnsMessage({ flags, an: 1 }, record(name, NB, rdata));
    expect(decode(answer(0x8500, netbiosName('FINANCE-DB', 0x20), [...nb(0x6000, '10.10.3.40'), ...nb(0x6000, '10.10.3.41')]))).toEqual([
      { ip: '10.10.3.40', name: 'FINANCE-DB' },
      { ip: '10.10.3.41', name: 'FINANCE-DB' },
    ]);
    expect(decode(answer(0x8503, netbiosName('FINANCE-DB', 0), nb(0, '10.10.3.40')))).toEqual([]); // NAM_ERR
    expect(decode(answer(0x8500, netbiosName('CORP', 0), nb(0x8000, '10.10.0.30')))).toEqual([]); // group name
    expect(decode(answer(0x8500, netbiosName('CORP', 0x1c), nb(0, '10.10.0.30')))).toEqual([]); // domain controllers
    expect(decode(answer(0x8500, netbiosName('ALICE', 0x03), nb(0, '10.20.1.11')))).toEqual([]); // messenger: user names
    expect(decode(dnsMessage({ flags: 0x0110, qd: 1 }, question(netbiosName('FINANCE-DB', 0), NB)))).toEqual([]); // a query
  });

  it('a node status response names its sender with its first unique workstation name', () => {
    const entry = (name: string, suffix: number, flags: number) => [...Buffer.from(name.padEnd(15, ' '), 'latin1'), suffix, ...u16(flags)];
    const rdata = [3, ...entry('CORP', 0, 0x8400), ...entry('WS-0099', 0x20, 0x0400), ...entry('WS-0099', 0, 0x0400), ...new Array(46).fill(0)];
    const m = dnsMessage({ flags: 0x8400, an: 1 }, record(netbiosName('*', 0), 0x21, rdata));
    expect(decode(m, '10.20.3.99')).toEqual([{ ip: '10.20.3.99', name: 'WS-0099' }]);
    const cut = dnsMessage({ flags: 0x8400, an: 1 }, record(netbiosName('*', 0), 0x21, [5, ...entry('X', 0, 0)]));
    expect(decode(cut)).toBe('truncated');
  });

  it('malformed messages are one reason', () => {
    const reg = (name: number[], rdata: number[]) => dnsMessage({ flags: 0x2910, qd: 1, ar: 1 }, question(name, NB), record(ptr(12), NB, rdata));
    expect(decode(reg([4, 65, 66, 67, 68, 0], nb(0, '10.20.3.60')))).toBe('bad-header'); // not 32 letters
    expect(decode(reg(netbiosName('X', 0), [0, 0, 10, 20, 3]))).toBe('bad-length');
    expect(decode(reg(netbiosName('X', 0), nb(0, '10.20.3.60')).subarray(0, 60))).toBe('truncated');
    expect(decode(Uint8Array.from([1, 2, 0x29]))).toBe('truncated');
  });
});

/**
 * Real captures against tshark. edge/ndpi__fuzz-2006-06-26-2594.pcap is a fuzzed capture: its
 * broken NBNS packets are counted by reason, and tshark agrees that none names a host.
 */
const NETBIOS_CAPTURES: Array<[string, number]> = [
  ['mixed/elcabezzonn__aug19.pcap', 2],
  ['mixed/elcabezzonn__macgyver.pcap', 3],
  ['mixed/elcabezzonn__mantak.pcap', 1],
  ['mixed/elcabezzonn__multiple_psexecs_with_cmds_netstat_ipconfig.pcap', 2],
  ['mixed/elcabezzonn__windows_miscellany.pcap', 2],
  ['mixed/iti__EIP-IPAddressChangeAttempt.pcap', 1],
  ['mixed/suricata-verify__smb2-ntlmssp-negotiateflags__input.pcap', 4],
  ['mixed/arkime__arkime_synthetic.pcap', 1],
  ['edge/zeek__erspan.pcap', 0],
  ['edge/ndpi__fuzz-2006-06-26-2594.pcap', 0],
];

describe('NetBIOS on real captures, against tshark', () => {
  it.each(NETBIOS_CAPTURES)('%s', (file, distinct) => {
    const c = compareWithTshark(capture(file), ['netbios']);
    expect(c.extra).toEqual([]);
    expect(c.missing).toEqual([]);
    expect(c.distinct).toBe(distinct);
  });
});
