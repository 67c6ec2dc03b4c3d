import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { encodeBatch, type FlowRecord, type SummaryBatch } from '@spanmap/shared';
import { writeScenario, type ScenarioTruth } from '@spanmap/scenario';
import { openData } from '../console/src/test-util/open-data.js';
import { createApp } from '../console/src/api/app.js';
import { startClickHouse, type ClickHouseServer } from './helpers/clickhouse.js';
import { sharedNode } from './helpers/ch-console.js';
import { CLI } from './helpers/paths.js';
import { killAll, tempDir } from './helpers/procs.js';

/*
 * Parity: one four-week scenario through the embedded store (E), and through ClickHouse — the
 * console that received the batches (R) and one that only followed the shared logs (T) — with the
 * same segments, a review, a policy drafted after three weeks and put in monitor mode, then the
 * last week (which holds connections outside the policy). Every API answer must be the same on
 * all three: edges, matrix, long tail, coverage, probes, segments, policies, simulation,
 * violations, alerts and the audit trail.
 */
const DAY = 86_400_000;
const START = Date.UTC(2024, 4, 6);
const SPLIT = START + 21 * DAY;
const EPOCH = 'cd'.repeat(16);
const TOKEN = 'test-token-0123456789abcdef';
let dir: string;
let ch: ClickHouseServer;
let truth: ScenarioTruth;
let t = SPLIT + 3_600_000;
const now = () => t;
type Node = { data: Parameters<typeof createApp>[0]['data'] };
let nodes: { E: Awaited<ReturnType<typeof openData>>; R: Awaited<ReturnType<typeof sharedNode>>; T: Awaited<ReturnType<typeof sharedNode>> };
const policyIds = new Map<Node, string>();

function batches(records: FlowRecord[], firstSeq: number): SummaryBatch[] {
  const out: SummaryBatch[] = [];
  for (let i = 0; i < records.length; i += 500) {
    const r = records.slice(i, i + 500);
    out.push({
      v: 2,
      probe: 'p1',
      epoch: EPOCH,
      seq: firstSeq + out.length,
      from: Math.min(...r.map((x) => x.first)),
      to: Math.max(...r.map((x) => x.last)),
      records: r,
      names: [],
      entries: [],
    });
  }
  return out;
}

const app = (n: Node) => createApp({ data: n.data, tokens: () => [{ token: TOKEN, role: 'editor', name: 'alice' }], now });
async function call(n: Node, method: string, path: string, body?: unknown): Promise<unknown> {
  const r = await app(n).request(`/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const out = (await r.json()) as unknown;
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(out)}`);
  return out;
}

/** Through the embedded store, and as the receiving console; then the follower catches up. */
async function ingest(list: SummaryBatch[]): Promise<void> {
  for (let i = 0; i < list.length; i += 64) await nodes.E.data.ingest(list.slice(i, i + 64), t);
  await Promise.all(list.map((b) => nodes.R.ingester.submit('p1', encodeBatch(b))));
  await nodes.T.shared.tailer.pollNow();
  for (const n of Object.values(nodes)) n.data.analyzer.refresh(true);
}

beforeAll(async () => {
  dir = tempDir('ch-parity');
  const site = join(dir, 'site.pcap');
  truth = writeScenario(site, { start: START, days: 28, seed: 23, scale: 0.3, anomaliesFrom: SPLIT });
  const records = execFileSync(process.execPath, [CLI, 'probe', 'read', site], { maxBuffer: 1 << 30, encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as FlowRecord);
  rmSync(site);
  ch = await startClickHouse();
  const url = `clickhouse://127.0.0.1:${ch.httpPort}/parity`;
  nodes = {
    E: await openData(join(dir, 'e'), {}, now),
    R: await sharedNode('r', url, now, join(dir, 'r')),
    T: await sharedNode('t', url, now, join(dir, 't')),
  };

  for (const n of [nodes.E, nodes.R]) await call(n, 'PUT', '/segments', truth.segments);
  const before = batches(
    records.filter((r) => r.first < SPLIT),
    1,
  );
  await ingest(before);
  const e = truth.edges[0]!;
  for (const n of [nodes.E, nodes.R]) {
    await call(n, 'POST', '/edges/review', { edges: [{ src: e.src, dst: e.dst, proto: e.proto, port: e.port }], status: 'expected', note: 'ok' });
    const p = (await call(n, 'POST', '/policies', { name: 'three weeks', from: START, to: SPLIT, include: 'observed', granularity: 'segment' })) as {
      id: string;
    };
    policyIds.set(n, p.id);
    await call(n, 'POST', `/policies/${p.id}/mode`, { mode: 'monitor' });
  }
  await nodes.R.shared.flush();
  policyIds.set(nodes.T, policyIds.get(nodes.R)!);
  t = START + 28 * DAY + 3_600_000;
  await ingest(
    batches(
      records.filter((r) => r.first >= SPLIT),
      before.length + 1,
    ),
  );
}, 300_000);

afterAll(async () => {
  await nodes?.E.close();
  await nodes?.R.stop();
  await nodes?.T.stop();
  await ch?.destroy();
  await killAll();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const key = (e: Record<string, unknown>) => `${e.src}|${e.dst}|${e.proto}|${e.port}`;

/**
 * What follows each console's catalog order. Edge ids are handed out in the order a console first
 * meets hosts and edges, which differs with how batches were grouped and ordered on arrival (the
 * merge does not keep first-occurrence order), and answers break ties by id: edges tied on the
 * sort key, the long tail's rank (rarity) among tied edges, a policy's rules and the services
 * named in a rule's comment come in that order. Those lists are put in a stable order here; every
 * value is compared as it is.
 */
function normalize(x: unknown): unknown {
  if (Array.isArray(x)) {
    const items = x.map(normalize) as Array<Record<string, unknown>>;
    const all = (f: (o: Record<string, unknown>) => boolean) => items.length > 0 && items.every((o) => o !== null && typeof o === 'object' && f(o));
    if (all((o) => 'src' in o && 'dst' in o && 'proto' in o && 'port' in o)) {
      if (all((o) => 'rarity' in o)) {
        // Rank among edges tied on (days, hours, flows): the tied group's ranks, handed out in key order.
        const sig = (o: Record<string, unknown>) => `${o.activeDays}|${o.activeHours}|${o.flows}|${o.daysSeen}`;
        const ranks = new Map<string, number[]>();
        for (const o of items) ranks.set(sig(o), [...(ranks.get(sig(o)) ?? []), o.rarity as number]);
        for (const r of ranks.values()) r.sort((a, b) => b - a);
        items.sort((a, b) => (key(a) < key(b) ? -1 : 1));
        for (const o of items) o.rarity = ranks.get(sig(o))!.shift();
        return items;
      }
      return items.sort((a, b) => (key(a) < key(b) ? -1 : 1));
    }
    if (all((o) => typeof o.id === 'string' && 'layer' in o)) {
      for (const o of items) if (typeof o.comment === 'string') o.comment = o.comment.replace(/^[^;]*/, (names) => names.split(', ').sort().join(', '));
      return items.sort((a, b) => ((a.id as string) < (b.id as string) ? -1 : 1));
    }
    return items;
  }
  if (x !== null && typeof x === 'object') return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, normalize(v)]));
  return x;
}

/** Every answer, with the embedded console's policy id written as the shared one (ids are random). */
async function answers(n: Node): Promise<Record<string, unknown>> {
  const id = policyIds.get(n)!;
  const range = `from=${START}&to=${START + 28 * DAY}`;
  const out: Record<string, unknown> = {};
  for (const path of [
    `/edges?${range}&limit=10000`,
    `/matrix?${range}`,
    `/longtail?${range}&limit=10000`,
    `/coverage?${range}`,
    '/probes',
    '/segments',
    '/policies',
    `/policies/${id}`,
    `/policies/${id}/simulate?${range}`,
    `/policies/${id}/violations`,
    '/alerts',
    '/audit',
  ]) {
    const body = await call(n, 'GET', path);
    out[path.replace(id, ':id')] = normalize(JSON.parse(JSON.stringify(body).replaceAll(id, ':id')));
  }
  return out;
}

describe('the embedded store and ClickHouse give the same answers', () => {
  it('has something to compare: edges, a policy in monitor mode with violations and alerts', async () => {
    const a = await answers(nodes.E);
    expect((a[`/edges?from=${START}&to=${START + 28 * DAY}&limit=10000`] as unknown[]).length).toBe(truth.edges.length);
    expect((a['/policies/:id/violations'] as unknown[]).length).toBeGreaterThan(0);
    expect((a['/alerts'] as unknown[]).length).toBeGreaterThan(0);
  });

  it('the console that received the batches answers as the embedded store does', async () => {
    expect(await answers(nodes.R)).toEqual(await answers(nodes.E));
  });

  it('a console that only followed the shared logs answers the same', async () => {
    expect(await answers(nodes.T)).toEqual(await answers(nodes.E));
  });
});
