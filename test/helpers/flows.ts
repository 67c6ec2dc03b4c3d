import type { FlowRecord } from '@spanmap/shared';
import { FlowTable, DEFAULT_FLOW_OPTIONS, type FlowTableOptions } from '@spanmap/probe/flowtable/flow-table';
import { replayFiles, type ReplayStats } from '@spanmap/probe/capture/replay';

/** Runs the probe's replay pipeline in-process and returns every record (as `spanmap probe read` would print). */
export async function readFlows(
  files: string | string[],
  opts: { decap?: 'inner' | 'outer'; table?: Partial<FlowTableOptions>; dedupWindowMs?: number } = {},
): Promise<{ records: FlowRecord[]; stats: ReplayStats }> {
  const records: FlowRecord[] = [];
  const table = new FlowTable({ ...DEFAULT_FLOW_OPTIONS, ...opts.table }, (r) => records.push(r));
  const stats = await replayFiles(Array.isArray(files) ? files : [files], table, {
    decapInner: (opts.decap ?? 'inner') === 'inner',
    ...(opts.dedupWindowMs !== undefined ? { dedupWindowMs: opts.dedupWindowMs } : {}),
  });
  table.flush('eof');
  return { records, stats };
}
