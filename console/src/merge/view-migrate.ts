import type { Database } from 'lmdb';
import type { ConsoleStore } from '../store/console-store.js';
import { KEY_BYTES, encodeKey } from './view-codec.js';

/** The merge index's database (hour-first keys, view-codec.ts). */
export const VIEWS_DB = 'merge-index';
/** Where earlier versions kept it (keys ordered by conversation, 20 bytes). */
const OLD_VIEWS_DB = 'merge-views';
const OLD_KEY_BYTES = 20;
const SLICE = 50_000;

/**
 * Moves a store's merge index from the earlier layout (keys by conversation first) to hour-first
 * keys, once, at start: a slice per transaction (a crash midway resumes where it stopped, since
 * moved records are removed from the old database in the same transaction), progress reported.
 * Returns the records moved. The stored values are the same in both layouts; only keys change.
 */
export async function migrateViews(store: ConsoleStore, progress: (moved: number) => void = () => {}): Promise<number> {
  // create: false (not in lmdb's types): undefined when the store never had the old database.
  const options = { name: OLD_VIEWS_DB, encoding: 'binary', keyEncoding: 'binary', create: false } as {
    name: string;
    encoding: 'binary';
    keyEncoding: 'binary';
  };
  const old = store.env.openDB(options) as Database<Buffer, Buffer> | undefined;
  if (!old) return 0;
  const views = store.raw<Buffer, Buffer>(VIEWS_DB, 'binary', 'binary');
  let moved = 0;
  for (;;) {
    const n = await store.atomic(() => {
      let count = 0;
      for (const { key, value } of old.getRange({ limit: SLICE })) {
        if (key.length === OLD_KEY_BYTES) {
          const h1 = key.readUInt32BE(0);
          const h2 = key.readUInt32BE(4);
          const first = value.readDoubleLE(0);
          const k = encodeKey(h1, h2, first, '');
          key.copy(k, KEY_BYTES - 4, 16, 20); // the view's hash, as stored
          void views.put(k, Buffer.from(value));
        }
        void old.remove(Buffer.from(key));
        count++;
      }
      return count;
    });
    moved += n;
    if (n < SLICE) break;
    progress(moved);
  }
  await old.drop();
  return moved;
}
