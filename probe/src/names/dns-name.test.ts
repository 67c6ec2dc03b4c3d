import { describe, expect, it } from 'vitest';
import { readName, readPartialName, reverseNameAddress, skipName, type NameRead } from './dns-name.js';
import { dnsMessage, ptr, wireName } from './test-util/wire.js';

const read = (b: Uint8Array, off: number) => {
  const out: NameRead = { name: '', next: 0 };
  const bad = readName(b, 0, off, b.length, out);
  return bad ?? out;
};

describe('DNS wire names', () => {
  it('reads plain and compressed names, and where the name ends in its record', () => {
    const b = dnsMessage({}, wireName('www.Example.com'), [3, ...Buffer.from('api'), ...ptr(16)], ptr(12));
    expect(read(b, 12)).toEqual({ name: 'www.Example.com', next: 29 });
    expect(read(b, 29)).toEqual({ name: 'api.Example.com', next: 35 });
    expect(read(b, 35)).toEqual({ name: 'www.Example.com', next: 37 });
    expect(skipName(b, 29, b.length)).toBe(35);
    expect(skipName(b, 35, b.length)).toBe(37);
  });

  it('refuses pointers that could loop: to itself, forwards, or into the name being read', () => {
    expect(read(dnsMessage({}, ptr(12)), 12)).toBe('compression-loop');
    expect(read(dnsMessage({}, ptr(14), [1, 97, 0]), 12)).toBe('compression-loop');
    // "a" then a pointer back to the "a": a -> a -> a ...
    expect(read(dnsMessage({}, [1, 97], ptr(12)), 12)).toBe('compression-loop');
    // two pointers pointing at each other
    expect(read(dnsMessage({}, ptr(14), ptr(12)), 14)).toBe('compression-loop');
  });

  it('refuses pointers into the header or past the end, and cut names', () => {
    expect(read(dnsMessage({}, ptr(4)), 12)).toBe('bad-pointer');
    expect(read(dnsMessage({}, ptr(400)), 12)).toBe('bad-pointer');
    expect(read(dnsMessage({}, [0xc0]), 12)).toBe('truncated');
    expect(read(dnsMessage({}, [5, 97, 98]), 12)).toBe('truncated');
    expect(read(dnsMessage({}, [1, 97]), 12)).toBe('truncated');
  });

  it('refuses label types 01 and 10 (a length over 63) and names over 255 bytes', () => {
    expect(read(dnsMessage({}, [64, ...new Array(64).fill(97), 0]), 12)).toBe('label-too-long');
    expect(read(dnsMessage({}, [0x80, 0]), 12)).toBe('label-too-long');
    const long = Array.from({ length: 5 }, () => 'a'.repeat(63)).join('.');
    expect(read(dnsMessage({}, wireName(long)), 12)).toBe('name-too-long');
    // 4 labels of 62 (252 bytes with their lengths) + "a" (2) + the root label (1) = 255: the longest name
    const fits = Array.from({ length: 4 }, () => 'a'.repeat(62)).join('.') + '.a';
    expect(read(dnsMessage({}, wireName(fits)), 12)).toMatchObject({ name: fits });
    expect(read(dnsMessage({}, wireName(fits + 'b')), 12)).toBe('name-too-long');
    expect(skipName(dnsMessage({}, wireName(long)), 12, 400)).toBe('name-too-long');
  });

  it('a long chain of backward pointers ends (every jump goes below everything read)', () => {
    // the name "x" at 12 (3 bytes), then 100 pointers, each to the one before it
    const parts: number[][] = [wireName('x')];
    for (let i = 0; i < 100; i++) parts.push(ptr(12 + (i === 0 ? 0 : 3 + (i - 1) * 2)));
    const b = dnsMessage({}, ...parts);
    expect(read(b, b.length - 2)).toEqual({ name: 'x', next: b.length });
  });

  it('reads partial names (no root label) as the DHCP FQDN options carry them', () => {
    const out: NameRead = { name: '', next: 0 };
    const b = Uint8Array.from([4, ...Buffer.from('host'), 4, ...Buffer.from('corp')]);
    expect(readPartialName(b, 0, b.length, out)).toBeNull();
    expect(out.name).toBe('host.corp');
    const full = Uint8Array.from(wireName('host.corp'));
    expect(readPartialName(full, 0, full.length, out)).toBeNull();
    expect(out.name).toBe('host.corp');
    expect(readPartialName(Uint8Array.from([0xc0, 0]), 0, 2, out)).toBe('bad-pointer');
    expect(readPartialName(Uint8Array.from([5, 97]), 0, 2, out)).toBe('truncated');
    expect(readPartialName(Uint8Array.from([0, 1]), 0, 2, out)).toBe('bad-length');
  });

  it('turns reverse-lookup names into addresses', () => {
    expect(reverseNameAddress('10.0.10.10.in-addr.arpa')).toBe('10.10.0.10');
    expect(reverseNameAddress('1.0.0.127.IN-ADDR.ARPA.')).toBe('127.0.0.1');
    expect(reverseNameAddress('b.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1.0.0.0.0.1.0.0.0.0.d.f.ip6.arpa')).toBe('fd00:10:1::b');
    for (const bad of ['10.0.10.in-addr.arpa', '256.0.10.10.in-addr.arpa', '01.0.10.10.in-addr.arpa', '_dns-sd._udp.local', 'a.b.ip6.arpa', 'x.in-addr.arpa']) {
      expect(reverseNameAddress(bad)).toBeNull();
    }
  });
});
