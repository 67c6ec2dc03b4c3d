#!/usr/bin/env node
// `make demo-cluster`: a multi-console site on this machine (docs/multi-console.md). Starts
// Mosquitto and ClickHouse (Debian's packages) on loopback ports, two consoles in one ingest group
// sharing the ClickHouse store, and a probe replaying a generated site into the group; prints both
// consoles' URLs and serves until Ctrl-C, then stops everything. State in .spanmap/demo-cluster
// (removed at the start of each run). --exit stops once the replay is acknowledged.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { writeClickHouseConfig } from './clickhouse-local.mjs';

const ROOT = join(import.meta.dirname, '..');
const CLI = join(ROOT, 'bin', 'spanmap.js');
const dir = join(ROOT, '.spanmap', 'demo-cluster');
const exitWhenDone = process.argv.includes('--exit');
const TOKEN = process.env.SPANMAP_API_TOKEN ?? `demo-${Math.random().toString(36).slice(2)}-${Date.now().toString(36)}`;
const say = (s) => process.stderr.write(`demo-cluster: ${s}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const freePort = () =>
  new Promise((res) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => res(p));
    });
  });
const children = [];
function start(name, cmd, args, env = {}) {
  const p = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  p.err = '';
  p.stderr.on('data', (d) => (p.err += d));
  p.on('exit', (code) => {
    if (!stopping && name !== 'probe' && name !== 'scenario') say(`${name} exited (${code}): ${p.err.trim().split('\n').slice(-3).join(' | ')}`);
  });
  children.push(p);
  return p;
}
let stopping = false;
async function stopAll() {
  stopping = true;
  for (const p of [...children].reverse()) if (p.exitCode === null) p.kill('SIGTERM');
  await Promise.all(children.map((p) => (p.exitCode !== null ? null : new Promise((r) => p.once('exit', r)))));
}
async function until(what, f, ms = 30_000) {
  const end = Date.now() + ms;
  for (;;) {
    try {
      if (await f()) return;
    } catch {
      /* not yet */
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

try {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const ch = { http: await freePort(), tcp: await freePort() };
  const [cmd, ...args] = writeClickHouseConfig({ dir: join(dir, 'clickhouse'), httpPort: ch.http, tcpPort: ch.tcp });
  start('clickhouse', cmd, args);
  await until('ClickHouse', async () => (await (await fetch(`http://127.0.0.1:${ch.http}/?query=SELECT%201`)).text()).trim() === '1');
  const mq = await freePort();
  writeFileSync(join(dir, 'mosquitto.conf'), `listener ${mq} 127.0.0.1\nallow_anonymous true\npersistence false\n`);
  start('mosquitto', 'mosquitto', ['-c', join(dir, 'mosquitto.conf')]);
  const mqtt = `mqtt://127.0.0.1:${mq}`;
  const store = `clickhouse://127.0.0.1:${ch.http}/spanmap`;
  const urls = [];
  for (const name of ['console-a', 'console-b']) {
    const http = await freePort();
    const args = ['console', '--data', join(dir, name), '--http', `127.0.0.1:${http}`, '--mqtt', mqtt, '--store', store, '--ingest-group', 'demo'];
    start(name, process.execPath, [CLI, ...args], { SPANMAP_API_TOKEN: TOKEN });
    await until(name, async () => (await fetch(`http://127.0.0.1:${http}/api/v1/health`)).ok);
    urls.push(`http://127.0.0.1:${http}`);
  }
  say(`ClickHouse ${store}, Mosquitto ${mqtt}; consoles ${urls.join(' and ')} in ingest group "demo"`);
  say('generating an 8-day site and replaying it through a probe into the group...');
  const site = join(dir, 'site.pcap');
  const truth = join(dir, 'truth.json');
  const gen = start('scenario', process.execPath, [CLI, 'scenario', '--out', site, '--truth', truth, '--days', '8']);
  if ((await new Promise((r) => gen.once('exit', r))) !== 0) throw new Error(`scenario: ${gen.err}`);
  const segments = JSON.parse((await import('node:fs')).readFileSync(truth, 'utf8')).segments;
  const put = await fetch(`${urls[0]}/api/v1/segments`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(segments),
  });
  if (!put.ok) throw new Error(`PUT /segments: ${put.status} ${await put.text()}`);
  const probe = start('probe', process.execPath, [CLI, 'probe', 'read', site, '--publish', mqtt, '--probe-id', 'demo-probe', '--data', join(dir, 'probe')]);
  const code = await new Promise((r) => probe.once('exit', r));
  if (code !== 0) throw new Error(`the probe exited ${code}: ${probe.err}`);
  const stats = await Promise.all(
    urls.map(async (u) => (await (await fetch(`${u}/api/v1/stats`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()).ingest),
  );
  say(
    `replayed: the consoles received ${stats.map((s) => s.batchesApplied).join(' and ')} batches; each holds them all (the other's through the shared store)`,
  );
  for (const u of urls) process.stdout.write(`open ${u}/#token=${TOKEN}\n`);
  if (!exitWhenDone) {
    say('serving until Ctrl-C');
    await new Promise((r) => {
      process.once('SIGINT', r);
      process.once('SIGTERM', r);
    });
  }
} catch (e) {
  say(e.message);
  process.exitCode = 1;
} finally {
  await stopAll();
}
