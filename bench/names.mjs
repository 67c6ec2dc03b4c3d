#!/usr/bin/env node
// Names benchmark (issue 15): the cost of names on the console's queries. A store with N edges
// among H hosts, every host named (a fifth of them twice: a moved lease), then /edges pages with
// and without names, /edges with a name filter, /hosts, and ingest of the observations.
// usage: node bench/names.mjs [--edges N] [--hosts N] [--runs N]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ConsoleStore } from '../console/dist/store/console-store.js';
import { ConsoleData, DEFAULT_DATA_OPTIONS } from '../console/dist/data.js';
import { createApp } from '../console/dist/api/app.js';
import { table, median } from './lib.mjs';

const { values } = parseArgs({
  options: { edges: { type: 'string', default: '200000' }, hosts: { type: 'string', default: '20000' }, runs: { type: 'string', default: '9' } },
});
const N = Number(values.edges);
const HOSTS = Number(values.hosts);
const RUNS = Number(values.runs);
const HOUR = 3_600_000;
const T0 = Date.UTC(2024, 5, 3);
const NOW = T0 + 30 * 24 * HOUR;
const dir = mkdtempSync(join(tmpdir(), 'spanmap-bench-names-'));
let seed = 7;
const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
const ipOf = (i) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;

const store = new ConsoleStore(dir);
store.open();
const data = new ConsoleData(store, DEFAULT_DATA_OPTIONS, () => NOW);
await data.start();
const app = createApp({ data, tokens: () => [{ token: 'bench-token-0123456789', role: 'viewer', name: 'bench' }], now: () => NOW });
const get = async (path) => {
  const t = performance.now();
  const r = await app.request(`/api/v1${path}`, { headers: { authorization: 'Bearer bench-token-0123456789' } });
  const body = await r.json();
  if (r.status !== 200) throw new Error(`${path}: ${r.status} ${JSON.stringify(body)}`);
  return { ms: performance.now() - t, rows: body.length };
};

console.error(`ingesting ${N.toLocaleString()} edges among ${HOSTS.toLocaleString()} hosts...`);
let seq = 0;
let entries = [];
const seen = new Set();
for (let made = 0; made < N;) {
  const s = 1 + Math.floor(rand() * HOSTS);
  const d = 1 + Math.floor(rand() * HOSTS);
  const port = [443, 80, 22, 53, 5432][Math.floor(rand() * 5)] + Math.floor(rand() * 50);
  const k = `${s}|${d}|${port}`;
  if (s === d || seen.has(k)) continue;
  seen.add(k);
  made++;
  const first = T0 + Math.floor(rand() * 28 * 24) * HOUR;
  entries.push({
    src: ipOf(s),
    dst: ipOf(d),
    proto: 6,
    port,
    vlan: null,
    iface: null,
    flows: 1,
    records: 1,
    packets: 10,
    bytes: 1000,
    rpackets: 8,
    rbytes: 4000,
    first,
    last: first + 1000,
    tcpFlags: 27,
    rtcpFlags: 27,
    init: { syn: 1, port: 0, first: 0 },
  });
  if (entries.length === 20000) {
    await data.ingest([{ v: 1, probe: 'bench', epoch: 'ab'.repeat(16), seq: ++seq, from: T0, to: NOW, records: [], names: [], entries }], NOW);
    entries = [];
  }
}
if (entries.length)
  await data.ingest([{ v: 1, probe: 'bench', epoch: 'ab'.repeat(16), seq: seq + 1, from: T0, to: NOW, records: [], names: [], entries }], NOW);

// Names: each host once a day over the four weeks (DHCP renewals, DNS answers); a fifth move to a second name mid-way.
const names = [];
for (let h = 1; h <= HOSTS; h++)
  for (let t = T0 + HOUR; t < T0 + 28 * 24 * HOUR; t += 24 * HOUR) {
    const moved = h % 5 === 0 && t > T0 + 14 * 24 * HOUR;
    names.push({ ip: ipOf(h), name: `${moved ? 'moved' : 'host'}-${h}.corp.example`, source: h % 2 ? 'dhcp' : 'dns', time: t });
  }
const t1 = performance.now();
for (let i = 0; i < names.length; i += 50_000)
  await data.ingest(
    [{ v: 2, probe: 'namer', epoch: 'cd'.repeat(16), seq: i / 50_000 + 1, from: T0, to: NOW, records: [], names: names.slice(i, i + 50_000), entries: [] }],
    NOW,
  );
const ingestMs = performance.now() - t1;

const runs = async (path) => {
  await get(path); // warm the caches (the accumulator, the hosts directory)
  const ms = [];
  let rows = 0;
  for (let i = 0; i < RUNS; i++) {
    const r = await get(path);
    ms.push(r.ms);
    rows = r.rows;
  }
  return { p50: median(ms), rows };
};
const all = `from=${T0}&to=${NOW}`;
// With and without names, alternating (the machine's load changes between runs).
const lookup = data.query.names;
const withMs = [];
const withoutMs = [];
let rowsNamed = 0;
await get(`/edges?${all}&limit=10000`);
for (let i = 0; i < 2 * RUNS; i++) {
  // Alternating which goes first: a request also pays for the collection of the previous one's garbage.
  const withNames = (i % 2 === 0) === (Math.floor(i / 2) % 2 === 0);
  data.query.names = withNames ? lookup : null;
  const a = await get(`/edges?${all}&limit=10000`);
  (withNames ? withMs : withoutMs).push(a.ms);
  if (withNames) rowsNamed = a.rows;
}
data.query.names = lookup;
const named = { p50: median(withMs), rows: rowsNamed };
const bare = { p50: median(withoutMs) };
const byName = await runs(`/edges?${all}&host=host-12&limit=10000`);
const byIp = await runs(`/edges?${all}&host=${ipOf(12)}&limit=10000`);
const hosts = await runs('/hosts?limit=10000');
const search = await runs('/hosts?q=moved-1&limit=10000');
let x = 0;
const t2 = performance.now();
for (let i = 0; i < 1_000_000; i++) x += data.names.nameAt(ipOf(1 + (i % HOSTS)), T0 + (i % 600) * HOUR)?.length ?? 0;
const perLookupNs = ((performance.now() - t2) * 1e6) / 1_000_000;

console.log(`names: ${N.toLocaleString()} edges, ${HOSTS.toLocaleString()} named hosts, ${names.length.toLocaleString()} observations; median of ${RUNS}`);
console.log(
  table(
    [
      ['ingest of the observations', `${(ingestMs / 1000).toFixed(2)} s (${Math.round(names.length / (ingestMs / 1000)).toLocaleString()}/s)`],
      ['nameAt (ip string → name at a time)', `${perLookupNs.toFixed(0)} ns per call (incl. building the ip string)`],
      [`/edges limit 10000 with names (${named.rows} rows)`, `${named.p50.toFixed(1)} ms`],
      ['/edges limit 10000 without names', `${bare.p50.toFixed(1)} ms`],
      [`/edges host=host-12 (name prefix, ${byName.rows} rows)`, `${byName.p50.toFixed(1)} ms`],
      [`/edges host=IP (${byIp.rows} rows)`, `${byIp.p50.toFixed(1)} ms`],
      [`/hosts limit 10000 (${hosts.rows} rows)`, `${hosts.p50.toFixed(1)} ms`],
      [`/hosts?q=moved-1 (${search.rows} rows)`, `${search.p50.toFixed(1)} ms`],
    ],
    ['measure', 'value'],
  ),
);
if (x < 0) console.log(x);
await data.stop();
await store.close();
rmSync(dir, { recursive: true, force: true });
