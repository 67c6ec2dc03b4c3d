import { openData } from '../../console/src/test-util/open-data.js';
import { Ingester } from '../../console/src/ingest/ingester.js';
import { RateLimitedLog } from '../../console/src/util/rate-limited-log.js';
import { SharedStore } from '../../console/src/clickhouse/shared-store.js';
import { parseStoreUrl } from '../../console/src/store/store-url.js';
import { tempDir } from './procs.js';

/**
 * One console's data path in this process, wired as app.ts wires it with a ClickHouse store: its
 * own LMDB cache, received batches logged before they are applied and acknowledged, the tail of
 * what other consoles logged. Started (migrations run, the logs caught up).
 */
export async function sharedNode(name: string, storeUrl: string, now: () => number, dir = tempDir(`ch-${name}`)) {
  const d = await openData(dir, {}, now);
  const log = new RateLimitedLog(() => {});
  const acks: number[] = [];
  const shared = new SharedStore(
    { spec: parseStoreUrl(storeUrl) as never, consoleId: name, log: () => {}, lagMs: 5000 },
    { store: d.store, applyBatches: (b, at) => ingester.exclusive(async () => (await d.data.applyFromLog(b, at)).applied.length) },
    now,
  );
  const ingester: Ingester = new Ingester({
    writer: d.data.writer,
    ack: (_p, _e, seqs) => acks.push(...seqs),
    log,
    now,
    beforeApply: (items, at) => shared.beforeApply(items, at),
  });
  ingester.afterCommit.push((r) => d.data.committed(r));
  ingester.afterCommit.push((r) => shared.received([...r.applied, ...r.duplicates]));
  await shared.start();
  return {
    ...d,
    shared,
    ingester,
    acks,
    async stop() {
      await ingester.drained();
      await shared.stop();
      await d.close();
    },
  };
}
