import { describe, it, expect } from 'vitest';
import { resolve } from 'node:path';
import { parseStoreUrl } from './store-url.js';
import { clientIdFor, groupProblems, loadConsoleConfig, validateConsoleConfig } from '../config.js';

describe('--store', () => {
  it('reads the embedded store and ClickHouse URLs, one or several servers, with TLS and a cluster', () => {
    expect(parseStoreUrl('lmdb:/var/lib/x')).toEqual({ kind: 'lmdb', dir: '/var/lib/x' });
    expect(parseStoreUrl('lmdb:rel', '/base')).toEqual({ kind: 'lmdb', dir: '/base/rel' });
    expect(parseStoreUrl('clickhouse://127.0.0.1:8123/spanmap')).toMatchObject({
      kind: 'clickhouse',
      endpoints: ['http://127.0.0.1:8123'],
      database: 'spanmap',
      tls: false,
      cluster: null,
    });
    expect(parseStoreUrl('clickhouses://a.example:8443,b.example:8443/db_1?cluster=two')).toMatchObject({
      endpoints: ['https://a.example:8443', 'https://b.example:8443'],
      database: 'db_1',
      tls: true,
      cluster: 'two',
    });
  });

  it('refuses what it cannot use, in one line naming the problem', () => {
    const err = (s: string) => {
      try {
        parseStoreUrl(s);
        return '';
      } catch (e) {
        return (e as Error).message;
      }
    };
    expect(err('clickhouse://u:pw@h:8123/db')).toMatch(/credentials do not go in the URL: set SPANMAP_CLICKHOUSE_USER/);
    expect(err('clickhouse://h/db')).toMatch(/"h" is not HOST:PORT/);
    expect(err('clickhouse://h:8123/my-db')).toMatch(/the database must be a name/);
    expect(err('clickhouse://h:1,g:2/db')).toMatch(/several servers need \?cluster=NAME/);
    expect(err('clickhouse://h:1/db?shards=2')).toMatch(/unknown option "shards"/);
    expect(err('postgres://h:1/db')).toMatch(/expected lmdb:DIR or clickhouse:\/\/HOST:PORT\/DATABASE/);
    expect(err('lmdb:')).toMatch(/expected lmdb:DIR/);
    for (const s of ['clickhouse://u:pw@h:8123/db', 'clickhouse://h/db']) expect(err(s)).not.toContain('\n');
  });
});

describe('ingest groups', () => {
  it('need a shared store and an external broker', () => {
    const store = 'clickhouse://h:8123/db';
    expect(groupProblems({ store, mqtt: { url: 'mqtt://b:1883', shareGroup: 'g' } })).toEqual([]);
    expect(groupProblems({ store: null, mqtt: { url: 'mqtt://b:1883', shareGroup: null } })).toEqual([]);
    expect(groupProblems({ store: null, mqtt: { url: 'mqtt://b:1883', shareGroup: 'g' } })).toEqual([
      expect.stringMatching(/^an ingest group needs a store its consoles share \(--store clickhouse:/),
    ]);
    expect(groupProblems({ store, mqtt: { url: null, shareGroup: 'g' } })).toEqual([expect.stringMatching(/needs an external broker/)]);
  });

  it('give each console its own client id unless one is set; alone, the console keeps "spanmap-console"', () => {
    const c = validateConsoleConfig(
      { console: { store: 'clickhouse://h:8123/db' }, mqtt: { url: 'mqtt://b:1883', shareGroup: 'g' } },
      { dataDir: '/d1', env: {} },
    );
    const a = clientIdFor(c, 'host.example');
    expect(a).toMatch(/^spanmap-console-host\.example-[0-9a-f]{8}$/);
    expect(clientIdFor({ ...c, console: { ...c.console, data: '/d2' } }, 'host.example')).not.toBe(a);
    expect(clientIdFor({ ...c, mqtt: { ...c.mqtt, clientId: 'mine' } }, 'h')).toBe('mine');
    expect(clientIdFor(validateConsoleConfig({}, { dataDir: '/d', env: {} }), 'h')).toBe('spanmap-console');
    expect(validateConsoleConfig({}, { dataDir: '/d', env: {} }).mqtt.shareGroup).toBeNull(); // no shared subscription by default any more
  });

  it('the cluster example configuration is valid and names a sharded store and a group', () => {
    const c = loadConsoleConfig(resolve(import.meta.dirname, '..', '..', '..', 'deploy', 'cluster', 'console.yaml'), '/d', {});
    expect(c.console.store).toBe('clickhouse://ch1.example:8123,ch2.example:8123/spanmap?cluster=spanmap');
    expect(c.mqtt.shareGroup).toBe('spanmap');
    expect(groupProblems({ store: c.console.store, mqtt: c.mqtt })).toEqual([]);
  });
});
