import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeScenario, type ScenarioTruth } from '@spanmap/scenario';
import { freePort, tempDir, killAll, spanmapProc, startMosquitto, waitFor, type Proc } from './helpers/procs.js';
import { ConsoleProc, edgeKey } from './helpers/console.js';
import { startClickHouse, type ClickHouseServer } from './helpers/clickhouse.js';
import { splitPcapByHosts } from './helpers/split-pcap.js';

/*
 * Issue 19's check, end to end with real parts: Mosquitto and ClickHouse started here, two console
 * processes in one ingest group (an MQTT 5 shared subscription, a ClickHouse store), a three-week
 * scenario published by three probe processes at once, and one console killed with SIGKILL a few
 * seconds into ingest. Every probe must exit 0 (everything acknowledged), the surviving console's
 * /edges must equal the ground truth with exact flow counts, and the killed console, restarted,
 * must answer identically.
 */
const PROBES = ['p1', 'p2', 'p3'];
let dir: string;
let truth: ScenarioTruth;
let ch: ClickHouseServer;
let mqttPort: number;
let a: ConsoleProc;
let b: ConsoleProc;
const killed = { atBatches: 0, logged: { batches: 0, rows: 0 } };
let probeExit: Array<{ id: string; code: number | null; err: string }> = [];

type Edge = { src: string; dst: string; proto: number; port: number; flows: number; packets: number; bytes: number };

function consoleArgs(group = 'spanmap-test'): string[] {
  return ['--store', `clickhouse://127.0.0.1:${ch.httpPort}/spanmap`, '--ingest-group', group];
}

async function applied(c: ConsoleProc): Promise<number> {
  const s = await c.api<{ ingest: { batchesApplied: number } }>('/stats');
  return s.ingest.batchesApplied;
}

beforeAll(async () => {
  const began = Date.now();
  dir = tempDir('cluster');
  const site = join(dir, 'site.pcap');
  truth = writeScenario(site, { days: 21, seed: 19, scale: 0.5 });
  const counts = splitPcapByHosts(
    site,
    PROBES.map((p) => join(dir, `${p}.pcap`)),
  );
  expect(Math.min(...counts)).toBeGreaterThan(counts.reduce((x, y) => x + y) / 6); // each probe has a real share
  rmSync(site);
  ch = await startClickHouse();
  mqttPort = await freePort();
  await startMosquitto(mqttPort);
  const url = `mqtt://127.0.0.1:${mqttPort}`;
  a = await new ConsoleProc(join(dir, 'console-a'), await freePort(), { url }, {}, consoleArgs()).start();
  b = await new ConsoleProc(join(dir, 'console-b'), await freePort(), { url }, {}, consoleArgs()).start();
  await a.api('/segments', { method: 'PUT', body: JSON.stringify(truth.segments) });

  process.stderr.write(`cluster test: ready to publish after ${Date.now() - began} ms\n`);
  const probes: Array<{ id: string; p: Proc }> = PROBES.map((id) => ({
    id,
    p: spanmapProc([
      'probe',
      'read',
      join(dir, `${id}.pcap`),
      '--publish',
      url,
      '--probe-id',
      id,
      '--data',
      join(dir, `probe-${id}`),
      '--batch-entries',
      '200',
      '--ack-timeout',
      '3',
    ]),
  }));
  // A few seconds into ingest, once B has applied a share of the batches: SIGKILL, mid-transaction or not.
  await waitFor('console B to apply batches', async () => (killed.atBatches = await applied(b)) >= 40, 120_000, 50);
  await b.proc.kill9();
  const t0 = Date.now();
  probeExit = await Promise.all(probes.map(async ({ id, p }) => ({ id, code: await p.exited, err: p.err.slice(-2000) })));
  process.stderr.write(`cluster test: B killed after applying ${killed.atBatches} batches; the probes finished ${Date.now() - t0} ms later\n`);
}, 600_000);

afterAll(async () => {
  await killAll();
  await ch?.destroy();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('two consoles in an ingest group, one killed with SIGKILL mid-ingest', () => {
  it('every probe exits 0: each batch was acknowledged by a console that had logged it', () => {
    expect(killed.atBatches).toBeGreaterThanOrEqual(40);
    for (const p of probeExit) expect({ id: p.id, code: p.code }, p.err).toEqual({ id: p.id, code: 0 });
  });

  it("the surviving console's /edges is the ground truth, with exact flow counts", async () => {
    // The surviving console applied the batches the dead one had logged through the tail (within a second or two).
    const want = new Map(truth.edges.map((e) => [edgeKey(e), { flows: e.flows, packets: e.packets + e.rpackets, bytes: e.bytes + e.rbytes }]));
    const check = async () => {
      const got = await a.api<Edge[]>(`/edges?limit=10000&from=${truth.generator.start}&to=${truth.generator.end}`);
      const have = new Map(got.map((e) => [edgeKey(e), { flows: e.flows, packets: e.packets, bytes: e.bytes }]));
      const wrong = [...want].filter(([k, v]) => JSON.stringify(have.get(k)) !== JSON.stringify(v)).map(([k, v]) => ({ edge: k, want: v, got: have.get(k) }));
      const extra = [...have.keys()].filter((k) => !want.has(k));
      return { wrong: wrong.slice(0, 5), wrongCount: wrong.length, extra, count: got.length };
    };
    let last = await check();
    await waitFor('console A to hold the ground truth', async () => (last = await check()).wrongCount === 0, 20_000, 500).catch(() => undefined);
    expect(last).toEqual({ wrong: [], wrongCount: 0, extra: [], count: truth.edges.length });
  });

  it('the killed console, restarted, catches up and answers identically', async () => {
    const t0 = Date.now();
    await b.start(120_000).catch((e: Error) => {
      throw new Error(`${e.message}; the console said: ${b.proc.err.slice(-3000)}`);
    });
    process.stderr.write(`cluster test: B restarted in ${Date.now() - t0} ms: ${b.proc.err.split('\n').find((l) => l.includes('caught up'))}\n`);
    const answers = async (c: ConsoleProc) => {
      const range = `from=${truth.generator.start}&to=${truth.generator.end}`;
      const edges = (await c.api<Edge[]>(`/edges?limit=10000&${range}`)).sort((x, y) => (edgeKey(x) < edgeKey(y) ? -1 : 1));
      const probes = (await c.api<Array<Record<string, unknown>>>('/probes')).map((p) => ({
        id: p.id,
        flows: p.flows,
        packets: p.packets,
        bytes: p.bytes,
        batches: p.batches,
      }));
      return { edges, matrix: await c.api(`/matrix?${range}`), probes, segments: await c.api('/segments') };
    };
    const want = await answers(a);
    let got = await answers(b);
    await waitFor('console B to answer as A does', async () => JSON.stringify((got = await answers(b))) === JSON.stringify(want), 20_000, 500).catch(
      () => undefined,
    );
    expect(got).toEqual(want);
    const logged = await ch.sql('SELECT uniqExact(probe, epoch, seq), count() FROM spanmap.batches FORMAT TSV');
    const [batches, rows] = logged.trim().split('\t').map(Number);
    killed.logged = { batches: batches!, rows: rows! };
    expect(want.probes.reduce((s, p) => s + Number(p.batches), 0)).toBe(batches);
    // For the record (the closing note): how many batches were logged twice around the kill.
    process.stderr.write(`cluster test: B killed after applying ${killed.atBatches} batches; log holds ${batches} batches in ${rows} rows\n`);
  });
});

describe('a change made through one console', () => {
  it('is visible on the other within seconds: a review made on B, a policy drafted on A', async () => {
    const e = truth.edges[0]!;
    const k = { src: e.src, dst: e.dst, proto: e.proto, port: e.port };
    const range = `from=${truth.generator.start}&to=${truth.generator.end}`;
    const t0 = Date.now();
    await b.api('/edges/review', { method: 'POST', body: JSON.stringify({ edges: [k], status: 'expected', note: 'seen on b' }) });
    const policy = await a.api<{ id: string }>('/policies', {
      method: 'POST',
      body: JSON.stringify({ name: 'from-a', from: truth.generator.start, to: truth.generator.end, include: 'observed', granularity: 'segment' }),
    });
    const reviewed = (c: ConsoleProc) =>
      c
        .api<Array<Edge & { review: { status: string } | null }>>(`/edges?limit=10000&${range}`)
        .then((l) => l.find((x) => edgeKey(x) === edgeKey(k))?.review?.status);
    await waitFor('A to see the review made on B', async () => (await reviewed(a)) === 'expected', 10_000, 200);
    await waitFor(
      'B to see the policy drafted on A',
      async () => (await b.api<Array<{ id: string }>>('/policies')).some((p) => p.id === policy.id),
      10_000,
      200,
    );
    expect(await b.api(`/policies/${policy.id}`)).toEqual(await a.api(`/policies/${policy.id}`));
    process.stderr.write(`cluster test: changes crossed in ${Date.now() - t0} ms\n`);
  });
});
