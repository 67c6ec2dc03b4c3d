// Profiles console queries in-process over a synthetic store: node --cpu-prof bench/tools/prof-query.mjs EDGES [DIR]
import { mkdtempSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeBatch } from '../../shared/dist/index.js';
import { ConsoleStore } from '../../console/dist/store/console-store.js';
import { ConsoleData } from '../../console/dist/data.js';
import { Ingester } from '../../console/dist/ingest/ingester.js';
import { RateLimitedLog } from '../../console/dist/util/rate-limited-log.js';
import { validateSegments } from '../../console/dist/segments/segments.js';
import { siteRecords, segmentsDef, T0, DAY, HOUR } from './site-records.mjs';

const edges = Number(process.argv[2] ?? 100000);
const dir = process.argv[3] ?? mkdtempSync(join(tmpdir(), 'prof-q-'));
const fresh = !existsSync(join(dir, 'data.mdb'));
const store = new ConsoleStore(dir);
store.open();
const data = new ConsoleData(store);
let t = performance.now();
await data.start();
console.log('start', (performance.now() - t).toFixed(0), 'ms');
if (fresh) {
  await data.segments.set(validateSegments(segmentsDef()), 'bench', Date.now());
  const ing = new Ingester({ writer: data.writer, ack: () => {}, log: new RateLimitedLog(() => {}) });
  ing.afterCommit.push((r) => data.committed(r));
  let seq = 0;
  for (const c of siteRecords(edges))
    await ing.submit('b', encodeBatch({ v: 2, probe: 'b', epoch: 'ab'.repeat(16), seq: ++seq, from: 0, to: 0, records: c, names: [], entries: [] }));
  await ing.drained();
}
const q = data.query;
const time = (label, f, n = 10) => {
  f();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) f();
  console.log(label, ((performance.now() - t0) / n).toFixed(1), 'ms');
};
time('matrix 4w', () => q.matrix({ from: T0, to: T0 + 28 * DAY }));
time('matrix 1w', () => q.matrix({ from: T0 + 7 * DAY, to: T0 + 14 * DAY }));
time('matrix unaligned', () => q.matrix({ from: T0 + 5 * HOUR, to: T0 + 27 * DAY + 17 * HOUR }));
time('edges top100', () => q.edges({ from: T0, to: T0 + 28 * DAY }, {}, 'flows', true, 0, 100));
time('edges seg 1w', () => q.edges({ from: T0 + 7 * DAY, to: T0 + 14 * DAY }, { segment: 'seg-07' }, 'flows', true, 0, 1000));
await data.stop();
await store.close();
console.log('dir', dir);
