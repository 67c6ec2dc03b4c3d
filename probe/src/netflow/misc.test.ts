import { describe, it, expect } from 'vitest';
import { UsageError } from '@spanmap/shared';
import { exporterAddress, parseListenAddress } from './address.js';
import { findInode, parseProcNetUdp, socketStats } from './kernel-drops.js';
import { SamplerTable, rateIn } from './sampling.js';
import { IE } from './ie.js';

describe('HOST:PORT', () => {
  it('accepts the usual forms', () => {
    expect(parseListenAddress('2055', '--netflow')).toEqual({ host: '0.0.0.0', port: 2055 });
    expect(parseListenAddress(':4739', '--ipfix')).toEqual({ host: '0.0.0.0', port: 4739 });
    expect(parseListenAddress('127.0.0.1:0', '--ipfix')).toEqual({ host: '127.0.0.1', port: 0 });
    expect(parseListenAddress('[::]:2055', '--netflow')).toEqual({ host: '::', port: 2055 });
    expect(parseListenAddress('[fe80::1]:9', '--netflow')).toEqual({ host: 'fe80::1', port: 9 });
    expect(parseListenAddress('collector.example:2055', '--netflow')).toEqual({ host: 'collector.example', port: 2055 });
  });

  it('refuses the rest with a usage error naming the option', () => {
    for (const bad of ['', 'host', '1.2.3.4:', '1.2.3.4:70000', '::1:2055', '[::1]2055', '[zz::]:1', 'a b:1', '1.2.3.4:-1']) {
      expect(() => parseListenAddress(bad, '--netflow')).toThrow(UsageError);
    }
    expect(() => parseListenAddress('::1:2055', '--ipfix')).toThrow(/--ipfix: an IPv6 address needs brackets/);
  });

  it('an IPv4 exporter seen on a dual-stack socket is reported as IPv4', () => {
    expect(exporterAddress('::ffff:192.0.2.7')).toBe('192.0.2.7');
    expect(exporterAddress('2001:db8::1')).toBe('2001:db8::1');
  });
});

const PROC = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
  123: 0100007F:0807 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 55501 2 0000000000000000 0
  456: 00000000:0807 00000000:0000 07 00000000:00001200 00:00000000 00000000     0        0 55502 2 0000000000000000 1234
  789: 00000000:1283 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 55503 2 0000000000000000 7
`;

describe('/proc/net/udp', () => {
  it('finds our socket by port among our own inodes, and reads its drops and queue', () => {
    expect(parseProcNetUdp(PROC)).toHaveLength(3);
    // two sockets on port 2055: only ours counts
    expect(findInode(PROC, 2055, new Set(['55502', '99']))).toBe('55502');
    expect(findInode(PROC, 2055, new Set(['1']))).toBeNull();
    expect(socketStats(PROC, '55502')).toEqual({ drops: 1234, rxQueue: 0x1200 });
  });
});

describe('sampling rates', () => {
  it('from each way an exporter can state one', () => {
    expect(rateIn({ [IE.samplingInterval]: 100 })).toBe(100);
    expect(rateIn({ [IE.samplerRandomInterval]: 64 })).toBe(64);
    expect(rateIn({ [IE.samplingPacketInterval]: 1, [IE.samplingPacketSpace]: 999 })).toBe(1000);
    expect(rateIn({ [IE.samplingPacketInterval]: 1, [IE.samplingSize]: 1, [IE.samplingPopulation]: 256 })).toBe(256);
    expect(rateIn({ [IE.samplingProbability]: 0.01 })).toBeCloseTo(100);
    expect(rateIn({ [IE.samplingInterval]: 0 })).toBe(1);
    expect(rateIn({ [IE.selectorId]: 3 })).toBeUndefined();
  });

  it('per sampler id, per interface, or exporter-wide; a lone sampler is the default for untagged records', () => {
    const t = new SamplerTable();
    t.learn({ [IE.samplerId]: 1, [IE.samplingInterval]: 10 });
    expect(t.rateFor({})).toBe(10);
    t.learn({ [IE.samplerId]: 2, [IE.samplingInterval]: 50 });
    expect(t.rateFor({ [IE.samplerId]: 2 })).toBe(50);
    expect(t.rateFor({ [IE.samplerId]: 1 })).toBe(10);
    expect(t.rateFor({})).toBe(1); // two samplers disagree: nothing says which applies
    t.learn({ [IE.ingressInterface]: 7, [IE.samplingInterval]: 4 });
    expect(t.rateFor({ [IE.ingressInterface]: 7 })).toBe(4);
    t.learn({ [IE.samplingInterval]: 1000 });
    expect(t.rateFor({ [IE.ingressInterface]: 8 })).toBe(1000);
    expect(t.rateFor({ [IE.samplingInterval]: 3 })).toBe(3);
  });
});
