import { describe, it, expect } from 'vitest';
import { combineFilters, endpointFilter, resolveEndpoints, localAddresses, type ResolvedEndpoint } from './live-filter.js';
import { loadNativeAddon } from './backends/index.js';

const mqtt: ResolvedEndpoint = { what: 'publish.url', proto: 'tcp', side: 'remote', host: 'broker', port: 1883, addresses: ['10.0.0.5', '2001:db8::5'] };
const netflow: ResolvedEndpoint = { what: 'netflow.listeners[0]', proto: 'udp', side: 'local', host: '192.0.2.1', port: 2055, addresses: ['192.0.2.1'] };

describe('own-traffic exclusion', () => {
  it('excludes the MQTT connection in both directions and NetFlow datagrams sent to us', () => {
    expect(endpointFilter(mqtt)).toBe('(tcp port 1883 and (host 10.0.0.5 or host 2001:db8::5))');
    expect(endpointFilter(netflow)).toBe('(udp dst port 2055 and (dst host 192.0.2.1))');
    expect(endpointFilter({ ...netflow, addresses: [] })).toBe('(udp dst port 2055)');
  });

  it('combines as (user filter) and not (own traffic)', () => {
    expect(combineFilters('', [])).toBe('');
    expect(combineFilters(' vlan or ip ', [])).toBe('vlan or ip');
    expect(combineFilters('', [mqtt])).toBe('not ((tcp port 1883 and (host 10.0.0.5 or host 2001:db8::5)))');
    expect(combineFilters('tcp or udp', [mqtt, netflow])).toBe(
      '(tcp or udp) and not ((tcp port 1883 and (host 10.0.0.5 or host 2001:db8::5)) or (udp dst port 2055 and (dst host 192.0.2.1)))',
    );
  });

  it('gives libpcap filters it compiles', () => {
    const native = loadNativeAddon();
    if (!('addon' in native)) throw new Error(`native module not built: ${native.error}`);
    for (const f of [combineFilters('tcp or udp', [mqtt, netflow]), combineFilters('', [{ ...netflow, addresses: localAddresses() }])]) {
      expect(native.addon.checkFilter(f, 1, 256)).toBeNull();
    }
    expect(native.addon.checkFilter(combineFilters('tcp prot 80', [mqtt]), 1, 256)).toMatch(/syntax error/);
  });

  it('resolves names, literals and wildcards', async () => {
    const warnings: string[] = [];
    const r = await resolveEndpoints(
      [
        { what: 'a', proto: 'tcp', side: 'remote', host: '10.1.2.3', port: 1883 },
        { what: 'b', proto: 'udp', side: 'local', host: '[::]', port: 4739 },
        { what: 'c', proto: 'tcp', side: 'remote', host: 'localhost', port: 1883 },
      ],
      (l) => warnings.push(l),
    );
    expect(r[0]!.addresses).toEqual(['10.1.2.3']);
    expect(r[1]!.addresses).toEqual(localAddresses());
    expect(r[1]!.addresses).toContain('127.0.0.1');
    expect(r[2]!.addresses).toContain('127.0.0.1');
    expect(warnings).toEqual([]);
  });
});
