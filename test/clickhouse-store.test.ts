import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { encodeBatch, type FlowRecord, type SummaryBatch } from '@spanmap/shared';
import { ClickHouse } from '../console/src/clickhouse/client.js';
import { migrate, SCHEMA_VERSION } from '../console/src/clickhouse/schema.js';
import { createApp } from '../console/src/api/app.js';
import { validateSegments } from '../console/src/segments/segments.js';
import { startClickHouse, type ClickHouseServer } from './helpers/clickhouse.js';
import { sharedNode } from './helpers/ch-console.js';
import { freePort, killAll, spanmapProc, tempDir } from './helpers/procs.js';

/*
 * The shared store's parts against a real ClickHouse server (Debian's clickhouse-server): the
 * schema's versioned migrations, the batch log's exactly-once (a batch logged twice is applied
 * once everywhere), the tail that brings what one console received to another, state changes
 * crossing, and a console with an empty cache catching up from the log alone.
 */
const T0 = Date.UTC(2024, 5, 3, 9);
const EPOCH = 'ab'.repeat(16);
let ch: ClickHouseServer;
const url = (db: string) => `clickhouse://127.0.0.1:${ch.httpPort}/${db}`;

beforeAll(async () => {
  ch = await startClickHouse();
}, 60_000);
afterAll(async () => {
  await ch?.destroy();
  await killAll();
});

function rec(i: number, o: Partial<FlowRecord> = {}): FlowRecord {
  return {
    src: `10.0.0.${1 + (i % 50)}`,
    dst: `10.0.1.${1 + (i % 7)}`,
    proto: 6,
    sport: 40000 + i,
    dport: [443, 22, 5432][i % 3]!,
    packets: 10 + i,
    bytes: 1000 + i,
    rpackets: 8,
    rbytes: 8000,
    first: T0 + i * 60_000,
    last: T0 + i * 60_000 + 5000,
    tcpFlags: 27,
    rtcpFlags: 27,
    vlan: null,
    end: 'fin',
    initiator: 'syn',
    ...o,
  };
}

function batch(probe: string, seq: number, n = 20): SummaryBatch {
  const records = Array.from({ length: n }, (_, i) => rec(seq * n + i));
  return { v: 2, probe, epoch: EPOCH, seq, from: records[0]!.first, to: records.at(-1)!.last, records, names: [], entries: [] };
}

const TOKEN = 'test-token-0123456789abcdef';
/**
 * The API's answers a console gives (through app.request, the real routes). Edges tied on the
 * sort key come in catalog order, which is the order a console first saw them: sorted by key here.
 */
async function answers(n: { data: Parameters<typeof createApp>[0]['data'] }): Promise<unknown[]> {
  const app = createApp({ data: n.data, tokens: () => [{ token: TOKEN, role: 'editor', name: 'test' }], now: () => T0 + 30 * 86_400_000 });
  const out: unknown[] = [];
  for (const path of [
    `/edges?from=${T0 - 3_600_000}&to=${T0 + 86_400_000}&limit=10000`,
    `/matrix?from=${T0 - 3_600_000}&to=${T0 + 86_400_000}`,
    '/probes',
    '/segments',
  ]) {
    const r = await app.request(`/api/v1${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(r.status, path).toBe(200);
    const body = (await r.json()) as unknown;
    out.push(path.startsWith('/edges') ? (body as Array<Record<string, unknown>>).sort((x, y) => (key(x) < key(y) ? -1 : 1)) : body);
  }
  return out;
}
const key = (e: Record<string, unknown>) => `${e.src}|${e.dst}|${e.proto}|${e.port}`;

describe('ClickHouse schema', () => {
  it('creates the schema once, re-running is harmless, and a newer schema is refused in one line', async () => {
    const c = new ClickHouse({ endpoints: [`http://127.0.0.1:${ch.httpPort}`] });
    const t = { database: 'mig', cluster: null };
    expect(await migrate(c, t, 'test', 1)).toEqual({ from: 0, to: SCHEMA_VERSION });
    expect(await migrate(c, t, 'test', 2)).toEqual({ from: SCHEMA_VERSION, to: SCHEMA_VERSION });
    expect((await ch.sql("SELECT name FROM system.tables WHERE database = 'mig' ORDER BY name")).trim().split('\n')).toEqual([
      'batches',
      'spanmap_schema',
      'state_events',
    ]);
    await ch.sql(`INSERT INTO mig.spanmap_schema VALUES (${SCHEMA_VERSION + 1}, 3, 'a-newer-console')`);
    const err = await migrate(c, t, 'test', 4).catch((e: Error) => e);
    expect((err as Error).message).toMatch(/database "mig" has schema version 2, newer than this console's 1: upgrade spanmap/);
    expect((err as Error).message).not.toContain('\n');
    await c.close();
  });

  it('says which server it could not reach, in one line', async () => {
    const c = new ClickHouse({ endpoints: ['http://127.0.0.1:1'] });
    const err = await migrate(c, { database: 'x', cluster: null }, 'test', 1).catch((e: Error) => e);
    expect((err as Error).message).toMatch(/^ClickHouse at http:\/\/127\.0\.0\.1:1: /);
    await c.close();
  });
});

describe('consoles sharing a ClickHouse store', () => {
  it('a batch logged twice (received by two consoles) is applied once on each, and a change on one reaches the other', async () => {
    let t = T0 + 86_400_000;
    const now = () => t;
    const a = await sharedNode('a', url('two'), now);
    const b = await sharedNode('b', url('two'), now);
    await ch.sql('SYSTEM STOP MERGES'); // both copies stay until we say: the readers must merge them
    try {
      const batches = Array.from({ length: 6 }, (_, i) => batch('p1', i + 1));
      for (const x of batches.slice(0, 4)) await a.ingester.submit('p1', encodeBatch(x));
      t += 1000;
      // The probe resent batches 3 and 4 to b (a died before acknowledging them, say), then went on there.
      for (const x of batches.slice(2)) await b.ingester.submit('p1', encodeBatch(x));
      expect((await a.shared.batches.count()).batches).toBe(6);
      expect((await a.shared.batches.count()).rows).toBe(8); // two copies of 3 and 4 until parts merge: readers merge them
      await a.shared.tailer.pollNow();
      await b.shared.tailer.pollNow();
      for (const n of [a, b]) {
        const p = n.data.probes.list().find((x) => x.id === 'p1')!;
        expect(p.batches).toBe(6);
        expect(p.flows).toBe(6 * 20);
      }
      expect(await answers(b)).toEqual(await answers(a));
      // And when the parts merge, ReplacingMergeTree keeps one copy.
      await ch.sql('SYSTEM START MERGES');
      await ch.sql('OPTIMIZE TABLE two.batches FINAL');
      expect(await a.shared.batches.count()).toEqual({ batches: 6, rows: 6 });

      await a.data.segments.set(validateSegments([{ name: 'web', cidrs: ['10.0.1.0/24'], vlans: [] }]), 'alice', t);
      await a.shared.flush();
      await b.shared.tailer.pollNow();
      expect(b.data.segments.get()).toEqual(a.data.segments.get());
      expect(await answers(b)).toEqual(await answers(a));

      // A console with an empty cache replays the logs and answers the same.
      const c = await sharedNode('c', url('two'), now);
      try {
        expect(c.shared.tailer.counters.catchUp.batches).toBe(6);
        expect(c.data.segments.get()).toEqual(a.data.segments.get());
        expect(await answers(c)).toEqual(await answers(a));
      } finally {
        await c.stop();
      }
    } finally {
      await ch.sql('SYSTEM START MERGES');
      await a.stop();
      await b.stop();
    }
  });
});

describe('the command line', () => {
  const run = async (args: string[]) => {
    const p = spanmapProc(['console', '--data', tempDir('ch-cli'), '--http', `127.0.0.1:${await freePort()}`, ...args]);
    const code = await p.exited;
    return { code, lines: p.err.trim().split('\n') };
  };

  it('refuses an ingest group without a shared store, or without an external broker, in one line', async () => {
    const noStore = await run(['--mqtt', 'mqtt://127.0.0.1:1', '--ingest-group', 'g']);
    expect(noStore.code).not.toBe(0);
    expect(noStore.lines).toEqual([expect.stringMatching(/an ingest group needs a store its consoles share \(--store clickhouse:/)]);
    const noBroker = await run(['--store', `clickhouse://127.0.0.1:${ch.httpPort}/cli`, '--ingest-group', 'g']);
    expect(noBroker.code).not.toBe(0);
    expect(noBroker.lines).toEqual([expect.stringMatching(/an ingest group needs an external broker/)]);
  });

  it('a store it cannot reach, or newer than it knows, stops the start with one line', async () => {
    const down = await run(['--store', 'clickhouse://127.0.0.1:1/x', '--broker', `127.0.0.1:${await freePort()}`]);
    expect(down.code).not.toBe(0);
    expect(down.lines.filter((l) => /ClickHouse at http:\/\/127\.0\.0\.1:1/.test(l))).toHaveLength(1);
    expect(down.lines.some((l) => /^\s+at /.test(l))).toBe(false); // no stack trace
    await ch.sql('CREATE DATABASE IF NOT EXISTS newer');
    await ch.sql('CREATE TABLE newer.spanmap_schema (version UInt32, applied_ms UInt64, by String) ENGINE = MergeTree() ORDER BY version');
    await ch.sql(`INSERT INTO newer.spanmap_schema VALUES (${SCHEMA_VERSION + 5}, 1, 'future')`);
    const newer = await run(['--store', `clickhouse://127.0.0.1:${ch.httpPort}/newer`, '--broker', `127.0.0.1:${await freePort()}`]);
    expect(newer.code).not.toBe(0);
    expect(newer.lines.filter((l) => /newer than this console's/.test(l))).toHaveLength(1);
  });
});
