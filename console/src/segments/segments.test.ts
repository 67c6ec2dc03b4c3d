import { describe, it, expect } from 'vitest';
import { parseIP } from '@spanmap/shared';
import { SegmentResolver, validateSegments } from './segments.js';

const defs = validateSegments([
  { name: 'dc', cidrs: ['10.0.0.0/8'] },
  { name: 'web', cidrs: ['10.10.1.0/24', 'fd00:10:1::/64'] },
  { name: 'jump', hosts: ['10.10.1.5'] },
  { name: 'users', vlans: [200] },
]);
const r = new SegmentResolver(defs);
const seg = (ip: string, vlans: number[] = []) => r.names[r.resolve(ip, parseIP(ip)!, vlans)];

describe('SegmentResolver', () => {
  it('decides by named host, then longest prefix, then VLAN (site-local addresses only), else unassigned/external', () => {
    expect(seg('10.10.1.5')).toBe('jump');
    expect(seg('10.10.1.6')).toBe('web');
    expect(seg('10.99.0.1')).toBe('dc');
    expect(seg('fd00:10:1::42')).toBe('web');
    expect(seg('192.168.7.7', [200])).toBe('users');
    expect(seg('192.168.7.7', [200, 300])).toBe('users'); // VLAN 300 belongs to no segment
    expect(seg('192.168.7.7')).toBe('unassigned');
    expect(seg('8.8.8.8', [200])).toBe('external'); // a public peer seen on the users VLAN is not a user
    expect(seg('ff02::1')).toBe('unassigned');
    expect(seg('10.10.1.7', [200])).toBe('web'); // a CIDR beats a VLAN
  });

  it('refuses a host seen on VLANs of two segments a VLAN verdict', () => {
    const two = new SegmentResolver(
      validateSegments([
        { name: 'a', vlans: [10] },
        { name: 'b', vlans: [20] },
      ]),
    );
    expect(two.names[two.resolve('192.168.1.1', parseIP('192.168.1.1')!, [10, 20])]).toBe('unassigned');
  });
});
