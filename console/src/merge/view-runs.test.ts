import { describe, it, expect, afterEach } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConsoleStore } from '../store/console-store.js';
import { RUNS_DB, RUN_META_DB } from '../ingest/batch-writer.js';
import { ViewRuns, type Entry, type RunBlocksDb, type RunMetaDb } from './view-runs.js';
import { KEY_BYTES } from './view-codec.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0)) await c();
});

function key(hour: number, h1: number, us: number): Buffer {
  const b = Buffer.alloc(KEY_BYTES);
  b.writeUInt32BE(hour, 0);
  b.writeUInt32BE(h1, 4);
  b.writeUInt32BE(7, 8);
  b.writeUInt32BE(us, 16);
  return b;
}

const entry = (hour: number, h1: number, us: number, text: string): Entry => ({ key: key(hour, h1, us), value: Buffer.from(text.padEnd(150, '.')) });
const sorted = (es: Entry[]) => [...es].sort((a, b) => Buffer.compare(a.key, b.key));

async function open(dir = mkdtempSync(join(tmpdir(), 'spanmap-runs-'))) {
  const store = new ConsoleStore(dir);
  store.open();
  cleanup.push(() => store.close());
  const runs = new ViewRuns(
    () => store.db<Buffer, number>(RUNS_DB, 'binary') as unknown as RunBlocksDb,
    () => store.db<Buffer, number>(RUN_META_DB, 'binary') as unknown as RunMetaDb,
  );
  runs.load();
  const write = async (es: Entry[]) => {
    await store.atomic(() => runs.write(sorted(es)));
    runs.written(true);
  };
  const scan = (start: Buffer, end: Buffer) => {
    const out: string[] = [];
    runs.scan(start, end, (k, v) => out.push(`${k.readUInt32BE(0)}/${k.readUInt32BE(4)}/${k.readUInt32BE(16)}:${v.toString().replace(/\.+$/, '')}`));
    return out;
  };
  return { dir, store, runs, write, scan };
}

describe('merge-index runs', () => {
  it('finds exactly the keys in a range across block boundaries, newest run first, after a restart and a retention rewrite', async () => {
    const o = await open();
    // Run 1: hours 10 and 11, 40 conversations × 50 starts each: 4,000 entries, about 40 blocks.
    const first: Entry[] = [];
    for (const hour of [10, 11])
      for (let h1 = 0; h1 < 40; h1++) for (let us = 0; us < 50; us++) first.push(entry(hour, h1 * 1000, us * 10, `r1-${hour}-${h1}-${us}`));
    await o.write(first);
    // Run 2: newer versions of three of them, and one new record.
    await o.write([
      entry(11, 7000, 120, 'r2-new-version'),
      entry(11, 7000, 130, 'r2-new-version'),
      entry(11, 7000, 5, 'r2-only'),
      entry(11, 39000, 490, 'r2-last'),
    ]);
    expect(o.runs.count).toBe(2);
    expect(o.runs.records).toBe(4004);

    // The oracle: the entries of each run whose key is in the range, by a plain filter.
    const expected = (runs: Entry[][], start: Buffer, end: Buffer) =>
      runs
        .slice()
        .reverse()
        .flatMap((es) =>
          sorted(es)
            .filter((e) => Buffer.compare(e.key, start) >= 0 && Buffer.compare(e.key, end) <= 0)
            .map((e) => `${e.key.readUInt32BE(0)}/${e.key.readUInt32BE(4)}/${e.key.readUInt32BE(16)}:${e.value.toString().replace(/\.+$/, '')}`),
        );
    const second = [
      entry(11, 7000, 120, 'r2-new-version'),
      entry(11, 7000, 130, 'r2-new-version'),
      entry(11, 7000, 5, 'r2-only'),
      entry(11, 39000, 490, 'r2-last'),
    ];
    const ranges: Array<[Buffer, Buffer]> = [
      [key(11, 7000, 100), key(11, 7000, 200)], // inside one conversation
      [key(10, 0, 0), key(10, 0, 490)], // the first key of the run
      [key(11, 39000, 400), key(11, 39000, 0xffffffff)], // the last keys
      [key(10, 13000, 250), key(10, 29000, 10)], // across many blocks
      [key(10, 13000, 251), key(10, 13000, 259)], // between two keys: nothing
      [key(12, 0, 0), key(12, 99999, 0)], // an hour no run holds
    ];
    for (const [s, e] of ranges) expect(o.scan(s, e)).toEqual(expected([first, second], s, e));
    expect(o.scan(key(11, 7000, 120), key(11, 7000, 120))).toEqual(['11/7000/120:r2-new-version', '11/7000/120:r1-11-7-12']);

    // A new process reads the runs' headers back.
    const again = await open(o.dir);
    for (const [s, e] of ranges) expect(again.scan(s, e)).toEqual(expected([first, second], s, e));

    // Retention drops hour 10: run 1 is rewritten in its place (still older than run 2).
    expect(again.runs.oldestBefore(11)).toEqual({ id: 1, records: 4000, whole: false });
    let dropped = 0;
    await again.store.atomic(() => {
      dropped = again.runs.prune(1, 11);
    });
    again.runs.written(true);
    expect(dropped).toBe(2000);
    expect(again.runs.oldestBefore(11)).toBeNull();
    const kept = first.filter((e) => e.key.readUInt32BE(0) >= 11);
    for (const [s, e] of ranges) expect(again.scan(s, e)).toEqual(expected([kept, second], s, e));
    expect([...again.runs.entries()]).toHaveLength(2004);
    // A run holding only old hours goes whole.
    await again.store.atomic(() => {
      dropped = again.runs.prune(1, 12);
    });
    again.runs.written(true);
    expect(dropped).toBe(2000);
    expect(again.runs.count).toBe(1);
  });
});
