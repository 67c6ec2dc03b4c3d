import { rmSync } from 'node:fs';

import { writeClickHouseConfig } from '../../scripts/clickhouse-local.mjs';
import { Proc, freePort, tempDir, waitFor } from './procs.js';

export interface ClickHouseServer {
  proc: Proc;
  httpPort: number;
  tcpPort: number;
  dir: string;
  /** Runs SQL over HTTP; resolves to the answer's text (throws with the server's message). */
  sql(query: string): Promise<string>;
  /** SIGKILL, then removes its files. */
  destroy(): Promise<void>;
}

/**
 * A real ClickHouse server (Debian's clickhouse-server) in a temporary directory on free loopback
 * ports, started in the foreground and tracked like every child of the suite (killAll ends it).
 */
export async function startClickHouse(
  o: { httpPort?: number; tcpPort?: number; cluster?: { name: string; shards: number[] } } = {},
): Promise<ClickHouseServer> {
  const dir = tempDir('clickhouse');
  const httpPort = o.httpPort ?? (await freePort());
  const tcpPort = o.tcpPort ?? (await freePort());
  const [cmd, ...args] = writeClickHouseConfig({ dir, httpPort, tcpPort, cluster: o.cluster ?? null }) as string[];
  const proc = new Proc(cmd!, args);
  const sql = async (query: string) => {
    const r = await fetch(`http://127.0.0.1:${httpPort}/`, { method: 'POST', body: query });
    const text = await r.text();
    if (!r.ok) throw new Error(`ClickHouse: ${text.trim()}`);
    return text;
  };
  await waitFor(
    'ClickHouse to answer',
    async () => {
      if (!proc.alive) throw new Error(`clickhouse-server exited: ${proc.err.slice(-500)}`);
      return (await sql('SELECT 1')).trim() === '1';
    },
    30_000,
    200,
  ).catch((e) => {
    void proc.kill9();
    throw e;
  });
  return {
    proc,
    httpPort,
    tcpPort,
    dir,
    sql,
    destroy: async () => {
      await proc.kill9();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Several servers, one shard each, all knowing the cluster `name` (remote_servers). */
export async function startClickHouseCluster(n: number, name = 'spanmap'): Promise<ClickHouseServer[]> {
  const ports = [];
  for (let i = 0; i < n; i++) ports.push({ httpPort: await freePort(), tcpPort: await freePort() });
  const cluster = { name, shards: ports.map((p) => p.tcpPort) };
  return Promise.all(ports.map((p) => startClickHouse({ ...p, cluster })));
}
