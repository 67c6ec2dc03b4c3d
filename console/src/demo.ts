import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join, resolve } from 'node:path';
import { writeScenario, splitCapture, type ScenarioTruth } from '@spanmap/scenario';
import { parseCommandLine, parseHostPort, numberOption, UsageError, SpanmapError } from '@spanmap/shared';
import { createConsole } from './app.js';
import { loadOrCreateToken } from './api/token-file.js';

export const DEMO_USAGE = `usage: spanmap demo [--data DIR] [--http HOST:PORT] [--broker HOST:PORT] [--days N] [--fresh] [--exit]

Runs the whole product on a generated site: starts the console with its embedded MQTT broker,
generates N days of a realistic enterprise site (web/app/db tiers, users, DNS/NTP/LDAP/Kerberos,
nightly, weekly and month-end jobs), replays the first N-7 days through a real probe
(spanmap probe read --publish), reviews the infrastructure edges, drafts a segment-level policy
from those days and puts it in monitor mode, then replays the last week — which holds a few
policy violations — so the matrix, long tail, coverage, policy queue and alerts are populated.
Prints the URL to open (with its token) and keeps serving until Ctrl-C.

The data stays in DIR: running the demo again reopens it at once (--fresh starts over).

options:
  --data DIR          where the demo keeps its data (default .spanmap/demo)
  --http HOST:PORT    the console's HTTP address (default 127.0.0.1:8080; a free port if taken)
  --broker HOST:PORT  the embedded MQTT broker (default 127.0.0.1:18830; a free port if taken)
  --days N            days of traffic, 8 to 90 (default 28)
  --fresh             delete DIR's previous demo first
  --exit              stop after setting up and printing the URL (for scripts)
  -h, --help          show this help`;

const DAY = 86_400_000;
const PROBE_ID = 'site-probe';
const CLI = fileURLToPath(new URL('../../bin/spanmap.js', import.meta.url));

interface DemoState {
  days: number;
  seed: number;
  start: number;
  split: number;
  end: number;
  policy: string;
}

/** The preferred address if it is free, else a free port on the same host. */
async function bindable(hp: { host: string; port: number }): Promise<{ host: string; port: number; moved: boolean }> {
  const tryListen = (port: number) =>
    new Promise<number | null>((res) => {
      const s = createServer();
      s.once('error', () => res(null));
      s.listen(port, hp.host, () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => res(p));
      });
    });
  const p = await tryListen(hp.port);
  if (p !== null) return { ...hp, moved: false };
  const free = await tryListen(0);
  if (free === null) throw new SpanmapError('bad_config', `cannot listen on ${hp.host} at all`);
  return { host: hp.host, port: free, moved: true };
}

function say(line: string): void {
  process.stderr.write(`spanmap demo: ${line}\n`);
}

/** `spanmap probe read FILE --publish …` as a child process: the real probe, its own progress. */
function replay(file: string, brokerUrl: string, dataDir: string): Promise<void> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [CLI, 'probe', 'read', file, '--publish', brokerUrl, '--probe-id', PROBE_ID, '--data', join(dataDir, 'probe')], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    child.once('error', rej);
    child.once('exit', (code, signal) =>
      code === 0 ? res() : rej(new SpanmapError('internal', `the probe exited with ${code ?? signal} while replaying ${file}`)),
    );
  });
}

export async function demoMain(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandLine(argv, {
    data: { type: 'string' },
    http: { type: 'string' },
    broker: { type: 'string' },
    days: { type: 'string' },
    fresh: { type: 'boolean' },
    exit: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(DEMO_USAGE + '\n');
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`demo: unexpected argument "${positionals[0]}"`);
  const days = numberOption(values.days, '--days', 28, { min: 8, max: 90, integer: true });
  const dataDir = resolve(values.data ?? join('.spanmap', 'demo'));
  const http = await bindable(parseHostPort(values.http ?? '127.0.0.1:8080', '--http'));
  const broker = await bindable(parseHostPort(values.broker ?? '127.0.0.1:18830', '--broker'));
  if (http.moved) say(`${values.http ?? '127.0.0.1:8080'} is taken; using port ${http.port}`);
  if (broker.moved) say(`${values.broker ?? '127.0.0.1:18830'} is taken; the broker uses port ${broker.port}`);

  const stateFile = join(dataDir, 'demo.json');
  if (values.fresh) rmSync(dataDir, { recursive: true, force: true });
  let state: DemoState | null = existsSync(stateFile) ? (JSON.parse(readFileSync(stateFile, 'utf8')) as DemoState) : null;
  if (state && state.days !== days && values.days !== undefined) {
    say(`${dataDir} holds a ${state.days}-day demo; starting over with ${days} days`);
    rmSync(dataDir, { recursive: true, force: true });
    state = null;
  }
  if (!state && existsSync(dataDir)) rmSync(dataDir, { recursive: true, force: true }); // an interrupted setup
  mkdirSync(join(dataDir, 'console'), { recursive: true });

  const token = process.env.SPANMAP_API_TOKEN || loadOrCreateToken(join(dataDir, 'console')).token;
  const c = createConsole({
    dataDir: join(dataDir, 'console'),
    http,
    broker,
    mqttUrl: null,
    tokens: [{ token, role: 'editor', name: 'demo' }],
    clientId: 'spanmap-console',
    shareGroup: null,
    log: () => {},
    metrics: { enabled: true, auth: true },
  });
  await c.start();
  const url = c.http.url;
  const api = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const r = await fetch(`${url}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const json = (await r.json()) as T & { error?: { message: string } };
    if (!r.ok) throw new SpanmapError('internal', `${method} ${path}: ${r.status} ${json.error?.message ?? ''}`);
    return json;
  };

  try {
    if (!state) state = await setUp(dataDir, days, c.brokerUrl, api);
    const probes = await api<Array<{ flows: number }>>('GET', '/probes');
    const edges = await api<unknown[]>('GET', `/edges?from=${state.start}&to=${state.end}&limit=10000`);
    const violations = await api<unknown[]>('GET', `/policies/${state.policy}/violations`);
    const alerts = await api<unknown[]>('GET', '/alerts');
    say(
      `ready: ${days} days of a generated site, ${probes.reduce((a, p) => a + p.flows, 0).toLocaleString('en-US')} flows, ${edges.length} edges; ` +
        `a policy drafted from the first ${days - 7} days is in monitor mode: ${violations.length} would-be-blocked edges, ${alerts.length} alerts`,
    );
  } catch (e) {
    await c.stop();
    throw e;
  }
  const open = `${url}/#token=${token}`;
  process.stdout.write(`open ${open}\n`);
  say(`matrix, long tail, coverage, policy and alerts are in the web console; Ctrl-C stops it (data stays in ${dataDir})`);
  if (values.exit) {
    await c.stop();
    return 0;
  }
  await new Promise<void>((res) => {
    process.once('SIGINT', () => res());
    process.once('SIGTERM', () => res());
  });
  say('stopping');
  await c.stop();
  return 0;
}

async function setUp(
  dataDir: string,
  days: number,
  brokerUrl: string,
  api: <T>(method: string, path: string, body?: unknown) => Promise<T>,
): Promise<DemoState> {
  const seed = 7;
  const start = Date.UTC(2024, 5, 3); // a Monday; 28 days include the month-end
  const split = start + (days - 7) * DAY;
  const end = start + days * DAY;
  const before = join(dataDir, 'weeks-before.pcap');
  const last = join(dataDir, 'last-week.pcap');
  say(
    `generating ${days} days of traffic for a site (web, app, db, infrastructure, users, legacy jobs); the last week holds a few connections no policy would allow`,
  );
  const all = join(dataDir, 'site.pcap');
  const truth: ScenarioTruth = writeScenario(all, { start, days, seed, anomaliesFrom: split });
  splitCapture(all, split, before, last);
  rmSync(all, { force: true });

  await api('PUT', '/segments', truth.segments);
  say(`segments: ${truth.segments.map((s) => s.name).join(', ')}`);
  say(`replaying the first ${days - 7} days through a probe (spanmap probe read --publish ${brokerUrl})`);
  await replay(before, brokerUrl, dataDir);

  const infra = await api<Array<{ src: string; dst: string; proto: number; port: number }>>(
    'GET',
    `/edges?infrastructure=true&limit=10000&from=${start}&to=${split}`,
  );
  if (infra.length > 0)
    await api('POST', '/edges/review', {
      edges: infra.map(({ src, dst, proto, port }) => ({ src, dst, proto, port })),
      status: 'expected',
      note: 'shared infrastructure (reviewed by the demo)',
    });
  say(`reviewed ${infra.length} infrastructure edges as expected`);
  const policy = await api<{ id: string; rules: unknown[] }>('POST', '/policies', {
    name: `Site policy from the first ${days - 7} days`,
    from: start,
    to: split,
    include: 'observed',
    granularity: 'segment',
    infrastructureLayer: true,
  });
  await api('POST', `/policies/${policy.id}/mode`, { mode: 'monitor' });
  say(`drafted a policy (${policy.rules.length} rules, default deny) and put it in monitor mode`);

  say('replaying the last week');
  await replay(last, brokerUrl, dataDir);
  rmSync(before, { force: true });
  rmSync(last, { force: true });
  const state: DemoState = { days, seed, start, split, end, policy: policy.id };
  writeFileSync(join(dataDir, 'demo.json'), JSON.stringify(state, null, 2) + '\n');
  return state;
}
