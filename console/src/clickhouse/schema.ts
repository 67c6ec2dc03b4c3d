import { SpanmapError } from '@spanmap/shared';
import type { ClickHouse } from './client.js';

/** Where the log tables live: one server, or local tables on every shard behind Distributed tables. */
export interface SchemaTarget {
  database: string;
  cluster: string | null;
}

/** The tables a console reads and writes (Distributed ones with a cluster). */
export function tables(t: SchemaTarget): { batches: string; state: string } {
  return { batches: `${t.database}.batches`, state: `${t.database}.state_events` };
}

interface Migration {
  version: number;
  what: string;
  statements(t: SchemaTarget): string[];
}

/*
 * The store of record is two append-only logs; each console materializes its own model from them.
 * ReplacingMergeTree ordered by the log's key collapses a row inserted twice (a console died after
 * inserting, before acknowledging; the probe resent the batch to another console) when parts
 * merge; readers de-duplicate by the same key until then (merge-on-read). With a cluster, each
 * server keeps a `_local` table and the Distributed table in front of it shards by a hash of the
 * key, so both copies of a batch land on the same shard and collapse there.
 *
 * SQL that Debian's 18.16 and current servers both accept: the PARTITION BY / ORDER BY engine
 * syntax, no Nullable, no DateTime64, no query parameters, no ON CLUSTER (it needs ZooKeeper):
 * the console creates the tables on every listed server itself.
 */
const BATCHES = `(
  probe String, epoch String, seq UInt64,
  received_ms UInt64, day Date, console String, records UInt32,
  payload String
)`;
const STATE = `(
  ts UInt64, console String, seq UInt64,
  db String, key String, value String, deleted UInt8,
  received_ms UInt64, day Date
)`;

function logTable(t: SchemaTarget, name: string, columns: string, key: string, shardBy: string): string[] {
  const local = `${t.database}.${name}${t.cluster ? '_local' : ''}`;
  const own = `CREATE TABLE IF NOT EXISTS ${local} ${columns} ENGINE = ReplacingMergeTree() PARTITION BY toYYYYMM(day) ORDER BY (${key})`;
  if (!t.cluster) return [own];
  return [own, `CREATE TABLE IF NOT EXISTS ${t.database}.${name} AS ${local} ENGINE = Distributed(${t.cluster}, ${t.database}, ${name}_local, ${shardBy})`];
}

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    what: 'batch log and shared-state log',
    statements: (t) => [
      ...logTable(t, 'batches', BATCHES, 'probe, epoch, seq', 'cityHash64(probe, epoch, seq)'),
      ...logTable(t, 'state_events', STATE, 'console, ts, seq', 'cityHash64(console, ts, seq)'),
    ],
  },
];

export const SCHEMA_VERSION = MIGRATIONS.at(-1)!.version;

/**
 * Creates the database and brings its schema to SCHEMA_VERSION on every server (each keeps its
 * own `spanmap_schema` table: the versions applied, when and by whom). Consoles migrating at once
 * are harmless (every statement is IF NOT EXISTS). A server with a newer schema than this console
 * knows is refused with one line: an older console must not write a newer layout.
 */
export async function migrate(ch: ClickHouse, t: SchemaTarget, by: string, now: number): Promise<{ from: number; to: number }> {
  let from = Infinity;
  for (let i = 0; i < ch.opts.endpoints.length; i++) {
    const where = ch.opts.endpoints[i]!;
    await ch.commandOn(i, `CREATE DATABASE IF NOT EXISTS ${t.database}`);
    await ch.commandOn(
      i,
      `CREATE TABLE IF NOT EXISTS ${t.database}.spanmap_schema (version UInt32, applied_ms UInt64, by String) ENGINE = MergeTree() ORDER BY version`,
    );
    const [row] = await ch.queryOn<{ v: number | string }>(i, `SELECT max(version) AS v FROM ${t.database}.spanmap_schema`);
    const have = Number(row?.v ?? 0);
    if (have > SCHEMA_VERSION)
      throw new SpanmapError(
        'bad_config',
        `ClickHouse at ${where}: database "${t.database}" has schema version ${have}, newer than this console's ${SCHEMA_VERSION}: upgrade spanmap on this machine`,
      );
    from = Math.min(from, have);
    for (const m of MIGRATIONS) {
      if (m.version <= have) continue;
      for (const sql of m.statements(t)) await ch.commandOn(i, sql);
      await ch.commandOn(i, `INSERT INTO ${t.database}.spanmap_schema VALUES (${m.version}, ${now}, '${by.replace(/[^A-Za-z0-9._-]/g, '_')}')`);
    }
  }
  return { from, to: SCHEMA_VERSION };
}
