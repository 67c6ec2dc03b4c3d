import { resolve } from 'node:path';
import { SpanmapError } from '@spanmap/shared';

/** Where the console keeps its data: its own LMDB store, or ClickHouse shared with other consoles. */
export type StoreSpec =
  | { kind: 'lmdb'; dir: string }
  | {
      kind: 'clickhouse';
      /** One HTTP(S) endpoint per server; the first that answers serves reads and writes. */
      endpoints: string[];
      database: string;
      tls: boolean;
      /**
       * A `remote_servers` cluster name (`?cluster=NAME`): the log tables are created on every
       * listed server and read and written through Distributed tables, sharded by batch key.
       */
      cluster: string | null;
      /** The URL as given, for logs (never holds credentials: those come from the environment). */
      display: string;
    };

const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const HOST_PORT = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;

/**
 * Parses `--store`: `lmdb:DIR` (the embedded default) or
 * `clickhouse://HOST:PORT[,HOST:PORT…]/DATABASE[?cluster=NAME]` (ClickHouse's HTTP interface;
 * `clickhouses://` for HTTPS). Credentials are refused in the URL: they come from
 * SPANMAP_CLICKHOUSE_USER and SPANMAP_CLICKHOUSE_PASSWORD, so the URL can be logged and kept in a
 * world-readable config file.
 */
export function parseStoreUrl(s: string, baseDir = process.cwd()): StoreSpec {
  const bad = (why: string) => new SpanmapError('bad_config', `--store ${JSON.stringify(s)}: ${why}`);
  if (s.startsWith('lmdb:')) {
    const dir = s.slice('lmdb:'.length).replace(/^\/\/(?=\/)/, '');
    if (dir === '') throw bad('expected lmdb:DIR');
    return { kind: 'lmdb', dir: resolve(baseDir, dir) };
  }
  const m = /^(clickhouses?):\/\/([^/?#]*)\/([^/?#]*)(?:\?([^#]*))?$/.exec(s);
  if (!m) throw bad('expected lmdb:DIR or clickhouse://HOST:PORT/DATABASE');
  const [, scheme, hosts, database, query] = m as unknown as [string, string, string, string, string | undefined];
  if (hosts.includes('@')) throw bad('credentials do not go in the URL: set SPANMAP_CLICKHOUSE_USER and SPANMAP_CLICKHOUSE_PASSWORD');
  if (!NAME.test(database)) throw bad('the database must be a name (letters, digits, "_")');
  const tls = scheme === 'clickhouses';
  const endpoints = hosts.split(',').map((h) => {
    const hp = HOST_PORT.exec(h);
    const port = hp ? Number(hp[2]) : 0;
    if (!hp || port < 1 || port > 65535) throw bad(`"${h}" is not HOST:PORT (the server's HTTP port, 8123 by default)`);
    return `${tls ? 'https' : 'http'}://${hp[1]}:${port}`;
  });
  let cluster: string | null = null;
  for (const kv of (query ?? '').split('&').filter(Boolean)) {
    const [k, v = ''] = kv.split('=');
    if (k !== 'cluster') throw bad(`unknown option "${k}" (only cluster=NAME)`);
    if (!NAME.test(v)) throw bad("cluster= must name a cluster of the servers' remote_servers");
    cluster = v;
  }
  if (endpoints.length > 1 && cluster === null) throw bad('several servers need ?cluster=NAME (their remote_servers cluster)');
  return { kind: 'clickhouse', endpoints, database, tls, cluster, display: s };
}
