import { describe, it, expect, afterEach } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConsoleStore } from './console-store.js';
import { getBlob, putBlob } from './blobs.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0)) await c();
});

describe('large values in pieces', () => {
  it('reads back what was written, shrinks and grows, and reads a value an earlier version wrote whole', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spanmap-blobs-'));
    const store = new ConsoleStore(dir);
    store.open();
    cleanup.push(() => store.close());
    const db = store.db<Uint8Array, string>('analysis', 'binary');
    const big = new Uint8Array(20 * 2 ** 20 + 3).map((_, i) => (i * 31) & 0xff);
    await store.atomic(() => void db.put('labels', Uint8Array.of(1, 2, 3))); // the earlier layout
    expect([...getBlob(db, 'labels')!]).toEqual([1, 2, 3]);
    await store.atomic(() => putBlob(db, 'labels', big));
    expect(Buffer.compare(getBlob(db, 'labels')!, big)).toBe(0);
    expect(db.get('labels')).toBeUndefined();
    await store.atomic(() => putBlob(db, 'labels', Uint8Array.of(9)));
    expect([...getBlob(db, 'labels')!]).toEqual([9]);
    expect([...db.getKeys({})].sort()).toEqual(['labels@0', 'labels@pieces']);
    await store.atomic(() => putBlob(db, 'labels', new Uint8Array(0)));
    expect(getBlob(db, 'labels')!.byteLength).toBe(0);
    expect(getBlob(db, 'other')).toBeUndefined();
  });
});
