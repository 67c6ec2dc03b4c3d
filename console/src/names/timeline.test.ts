import { describe, it, expect } from 'vitest';
import { AddressNames, MAX_RUNS } from './timeline.js';

const H = 3_600_000;

describe('the names of one address over time', () => {
  it('has no name before the first observation, and keeps one from then on', () => {
    const a = new AddressNames();
    a.observe('dns', 'web1.corp.example', 10 * H);
    expect(a.at(9 * H)).toBeNull();
    expect(a.at(10 * H)?.name).toBe('web1.corp.example');
    expect(a.at(1000 * H)?.name).toBe('web1.corp.example');
    expect(a.at(Infinity)).toMatchObject({ name: 'web1.corp.example', source: 'dns', from: 10 * H, last: 10 * H, count: 1, until: null });
  });

  it('follows a moving lease: the old name until the new one is first seen', () => {
    const a = new AddressNames();
    for (let h = 0; h < 48; h++) a.observe('dhcp', 'ws-0142.corp.example', h * H);
    for (let h = 48; h < 96; h++) a.observe('dhcp', 'ws-0177.corp.example', h * H);
    expect(a.at(47.9 * H)?.name).toBe('ws-0142.corp.example');
    expect(a.at(48 * H)?.name).toBe('ws-0177.corp.example');
    expect(a.all().map((r) => [r.name, r.from, r.last, r.count, r.until])).toEqual([
      ['ws-0142.corp.example', 0, 47 * H, 48, 48 * H],
      ['ws-0177.corp.example', 48 * H, 95 * H, 48, null],
    ]);
  });

  it('takes observations out of order (several probes): runs extend backwards and split', () => {
    const a = new AddressNames();
    a.observe('dhcp', 'b.example', 50 * H);
    a.observe('dhcp', 'a.example', 10 * H);
    a.observe('dhcp', 'b.example', 40 * H); // b held earlier than first thought
    expect(a.all().map((r) => [r.name, r.from, r.until])).toEqual([
      ['a.example', 10 * H, 40 * H],
      ['b.example', 40 * H, null],
    ]);
    a.observe('dhcp', 'b.example', 60 * H);
    a.observe('dhcp', 'c.example', 55 * H); // inside b's run: b, then c, then b again at its last observation
    expect(a.all().map((r) => [r.name, r.from, r.until])).toEqual([
      ['a.example', 10 * H, 40 * H],
      ['b.example', 40 * H, 55 * H],
      ['c.example', 55 * H, 60 * H],
      ['b.example', 60 * H, null],
    ]);
    expect(a.at(57 * H)?.name).toBe('c.example');
  });

  it('prefers the more reliable source while both hold, and a newer name once the other was last seen before it', () => {
    const a = new AddressNames();
    a.observe('tls', 'portal.example', 1 * H);
    a.observe('dns', 'app2.corp.example', 2 * H);
    a.observe('tls', 'portal.example', 9 * H);
    a.observe('dns', 'app2.corp.example', 8 * H);
    expect(a.at(1.5 * H)?.name).toBe('portal.example'); // DNS had not named it yet
    expect(a.at(5 * H)).toMatchObject({ name: 'app2.corp.example', source: 'dns' });
    expect(a.at(Infinity)?.source).toBe('dns');

    // A lease last renewed at 10 h; from 12 h the address registers another NetBIOS name: the lease's name is superseded.
    const b = new AddressNames();
    b.observe('dhcp', 'ws-0142.corp.example', 1 * H);
    b.observe('dhcp', 'ws-0142.corp.example', 10 * H);
    b.observe('netbios', 'kiosk-07', 12 * H);
    expect(b.at(11 * H)?.name).toBe('ws-0142.corp.example');
    expect(b.at(12 * H)?.name).toBe('kiosk-07');
    b.observe('dhcp', 'ws-0142.corp.example', 13 * H); // renewed again: DHCP holds and is preferred
    expect(b.at(13 * H)?.name).toBe('ws-0142.corp.example');
  });

  it('bounds the runs kept per source, forgetting the oldest', () => {
    const a = new AddressNames();
    let dropped = 0;
    for (let i = 0; i < MAX_RUNS + 10; i++) dropped += a.observe('dns', `n${i % 2}.example`, i * H);
    expect(dropped).toBe(10);
    expect(a.all()).toHaveLength(MAX_RUNS);
    expect(a.at(5 * H)).toBeNull(); // before the oldest run kept
  });

  it('survives storage, and a copy does not change the original', () => {
    const a = new AddressNames();
    a.observe('dhcp', 'x.example', 5);
    a.observe('mdns', 'x.local', 7);
    a.observe('dhcp', 'x.example', 8);
    const b = AddressNames.fromStored(a.toStored());
    expect(b.all()).toEqual(a.all());
    const c = b.copy();
    c.observe('dhcp', 'y.example', 9);
    expect(b.at(Infinity)?.name).toBe('x.example');
    expect(c.at(Infinity)?.name).toBe('y.example');
    expect(b.anyStartsWith('x.l')).toBe(true);
    expect(b.anyContains('y.')).toBe(false);
  });
});
