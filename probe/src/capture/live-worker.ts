import { parentPort, workerData } from 'node:worker_threads';
import type { FlowRecord } from '@spanmap/shared';
import { FlowTable, type FlowTableOptions } from '../flowtable/flow-table.js';
import { createLiveCapture, type LiveCaptureConfig } from './live.js';
import type { LiveWorkerStats } from './live-workers.js';

// One capture worker thread of `probe run` with capture.workers > 1 (live-workers.ts): its own
// flow table and captures, each joining its interface's kernel fanout group; records and
// counters go to the main thread, which publishes them.

export interface LiveWorkerData {
  config: LiveCaptureConfig;
  flow: FlowTableOptions;
}

export type LiveWorkerRequest = { type: 'reload'; config: LiveCaptureConfig } | { type: 'switch'; at: number } | { type: 'stop' };
export type LiveWorkerMessage =
  | { type: 'started' | 'prepared' | 'reloaded' }
  | { type: 'failed'; message: string }
  | { type: 'log'; line: string }
  | { type: 'records'; records: FlowRecord[] }
  | { type: 'stats'; stats: LiveWorkerStats }
  | { type: 'stopped'; stats: LiveWorkerStats };

const port = parentPort!;
const data = workerData as LiveWorkerData;
const post = (m: LiveWorkerMessage) => port.postMessage(m);
let pending: FlowRecord[] = [];
const send = () => {
  if (pending.length === 0) return;
  post({ type: 'records', records: pending });
  pending = [];
};
const table = new FlowTable(data.flow, (r) => {
  pending.push(r);
  if (pending.length >= 512) send();
});
const capture = createLiveCapture(data.config, { table, log: (line) => post({ type: 'log', line }) });
const stats = (): LiveWorkerStats => {
  const c = table.counters;
  return {
    ...capture.stats(),
    packets: c.packets,
    bytes: c.bytes,
    flows: { active: table.size, created: c.flowsCreated, emitted: c.flowsEmitted, maxActive: c.maxActive },
  };
};
const fail = (e: unknown) => post({ type: 'failed', message: (e as Error).message ?? String(e) });

const tick = setInterval(() => {
  const now = Date.now();
  table.expire(now);
  capture.expire(now);
  send();
  post({ type: 'stats', stats: stats() });
}, 1000);

let switchAt: ((t: number) => void) | null = null;
port.on('message', (m: LiveWorkerRequest) => {
  if (m.type === 'reload')
    capture
      .reload(m.config, () => {
        // New captures open (and in their fanout groups): wait for the moment every worker switches at.
        post({ type: 'prepared' });
        return new Promise<number>((resolve) => (switchAt = resolve));
      })
      .then(() => post({ type: 'reloaded' }), fail);
  else if (m.type === 'switch') {
    switchAt?.(m.at);
    switchAt = null;
  } else
    void capture.stop().then(() => {
      clearInterval(tick);
      table.flush('eof');
      send();
      post({ type: 'stopped', stats: stats() });
      port.close();
    });
});

capture.start().then(() => post({ type: 'started' }), fail);
