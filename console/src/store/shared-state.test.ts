import { describe, it, expect } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConsoleStore } from './console-store.js';
import type { StateEvent } from './shared-state.js';

function open(name: string, now?: () => number) {
  const s = new ConsoleStore(mkdtempSync(join(tmpdir(), `spanmap-shared-${name}-`)), now);
  s.shared.names.add('reviews');
  s.shared.consoleId = name;
  s.open();
  return s;
}

describe('shared state between consoles', () => {
  it('records changes to shared databases only, publishes them after the commit, and applies others last-writer-wins', async () => {
    let t = 1000; // the console's clock stamps its changes (batches are received by the same clock)
    const a = open('a', () => t++);
    const b = open('b');
    const published: StateEvent[] = [];
    a.shared.sink = { publish: async (e) => void published.push(...e) };
    await a.db('reviews').put('e1', { status: 'expected' });
    await a.db('local-only').put('x', 1);
    await a.db('reviews').put('e2', { status: 'rejected' });
    await a.db('reviews').remove('e2');
    await a.shared.flush(a.env);
    expect(published.map((e) => [e.ts, e.db, e.key, e.value])).toEqual([
      [1000, 'reviews', '"e1"', '{"status":"expected"}'],
      [1001, 'reviews', '"e2"', '{"status":"rejected"}'],
      [1002, 'reviews', '"e2"', null],
    ]);
    let reloaded = 0;
    b.shared.onRemoteChange('reviews', () => reloaded++);
    const clock = b.raw<[number, string, number], string>('shared-clock');
    // A change made on b after a's is not overwritten by a's older one, whatever the arrival order.
    const newer: StateEvent = { ts: 5000, console: 'b', seq: 1, db: 'reviews', key: '"e1"', value: '{"status":"investigate"}' };
    expect(await b.shared.apply(b.env, [newer], (n) => b.raw(n), clock)).toBe(1);
    expect(await b.shared.apply(b.env, published, (n) => b.raw(n), clock)).toBe(2);
    expect(b.db('reviews').get('e1')).toEqual({ status: 'investigate' });
    expect(b.db('reviews').get('e2')).toBeUndefined();
    expect(b.db('local-only').get('x')).toBeUndefined();
    expect(reloaded).toBe(2);
    await a.close();
    await b.close();
  });
});
