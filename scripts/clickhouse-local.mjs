// A private ClickHouse server for tests, benchmarks and `make demo-cluster`: Debian's
// clickhouse-server (18.16 on bookworm; the same files work on current servers) run in the
// foreground from a directory of its own, on loopback ports, with an optional `remote_servers`
// cluster of several such servers (one shard each, no replication, so no ZooKeeper).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const CLICKHOUSE_SERVER = '/usr/sbin/clickhouse-server';

/**
 * Writes DIR/config.xml and DIR/users.xml; returns the argv to start the server with.
 * `cluster`: { name, shards: [tcpPort, ...] } (every server of a cluster gets the same list).
 * `password`: the `default` user's password (empty: none).
 */
export function writeClickHouseConfig({ dir, httpPort, tcpPort, cluster = null, password = '' }) {
  for (const d of ['data', 'tmp', 'user_files', 'format_schemas', 'log']) mkdirSync(join(dir, d), { recursive: true });
  const remote = cluster
    ? `<remote_servers><${cluster.name}>${cluster.shards
        .map((p) => `<shard><replica><host>127.0.0.1</host><port>${p}</port></replica></shard>`)
        .join('')}</${cluster.name}></remote_servers>`
    : '<remote_servers></remote_servers>';
  writeFileSync(
    join(dir, 'config.xml'),
    `<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>${dir}/log/server.log</log><errorlog>${dir}/log/error.log</errorlog><size>10M</size><count>1</count></logger>
  <http_port>${httpPort}</http_port>
  <tcp_port>${tcpPort}</tcp_port>
  <listen_host>127.0.0.1</listen_host>
  <path>${dir}/data/</path>
  <tmp_path>${dir}/tmp/</tmp_path>
  <user_files_path>${dir}/user_files/</user_files_path>
  <format_schema_path>${dir}/format_schemas/</format_schema_path>
  <users_config>${dir}/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <mark_cache_size>268435456</mark_cache_size>
  <uncompressed_cache_size>268435456</uncompressed_cache_size>
  <max_concurrent_queries>100</max_concurrent_queries>
  <mlock_executable>false</mlock_executable>
  ${remote}
</yandex>
`,
  );
  writeFileSync(
    join(dir, 'users.xml'),
    `<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>4000000000</max_memory_usage></default></profiles>
  <users>
    <default>
      <password>${password.replace(/[<&>]/g, '')}</password>
      <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
      <profile>default</profile>
      <quota>default</quota>
    </default>
  </users>
  <quotas><default></default></quotas>
</yandex>
`,
  );
  return [CLICKHOUSE_SERVER, `--config-file=${join(dir, 'config.xml')}`];
}
