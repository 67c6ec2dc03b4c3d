import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConsoleStore } from '../store/console-store.js';
import { ConsoleData, DEFAULT_DATA_OPTIONS, type DataOptions } from '../data.js';

/** A console's data over a fresh (or given) store directory, started: what tests drive through app.request(). */
export async function openData(
  dir = mkdtempSync(join(tmpdir(), 'spanmap-data-')),
  opts: Partial<DataOptions> = {},
  now: () => number = Date.now,
  log?: (line: string) => void,
) {
  const store = new ConsoleStore(dir, now);
  store.open();
  const data = new ConsoleData(store, { ...DEFAULT_DATA_OPTIONS, ...opts }, now);
  await data.start(log);
  return {
    dir,
    store,
    data,
    closed: false,
    async close() {
      if (this.closed) return;
      this.closed = true;
      await data.stop();
      await store.close();
    },
  };
}
