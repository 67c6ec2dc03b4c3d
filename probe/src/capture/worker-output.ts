import type { MessagePort } from 'node:worker_threads';
import type { FlowRecord } from '@spanmap/shared';
import type { FlowSink } from '../flowtable/flow-table.js';
import { JsonLines } from '../flowtable/json-lines.js';

// The output of a flow table on a worker thread of `probe read` (read-worker.ts, table-worker.ts):
// JSON lines in chunks or records in batches, posted to the main thread, which hands them on.

export type OutputMessage = { type: 'chunk'; bytes: Uint8Array } | { type: 'records'; records: FlowRecord[] };

/** Where the main thread wants the output: JSON-line bytes or records. */
export type ReadOutput = { onChunk: (bytes: Uint8Array) => void } | { onRecord: (r: FlowRecord) => void };

/** A flow-table sink on a worker posting its output to `port`; `flush()` posts what waits. */
export function postingSink(port: MessagePort, output: 'jsonl' | 'records'): { sink: FlowSink; flush: () => void } {
  if (output === 'jsonl') {
    const lines = new JsonLines((c) => port.postMessage({ type: 'chunk', bytes: c.slice() } satisfies OutputMessage));
    return { sink: lines, flush: () => lines.flush() };
  }
  let pending: FlowRecord[] = [];
  const flush = () => {
    if (pending.length > 0) port.postMessage({ type: 'records', records: pending } satisfies OutputMessage);
    pending = [];
  };
  return {
    sink: (r) => {
      pending.push(r);
      if (pending.length >= 1024) flush();
    },
    flush,
  };
}

/** On the main thread: hands a worker's output message on. */
export function deliver(m: OutputMessage, out: ReadOutput): void {
  if (m.type === 'chunk') (out as { onChunk: (b: Uint8Array) => void }).onChunk(m.bytes);
  else for (const r of m.records) (out as { onRecord: (r: FlowRecord) => void }).onRecord(r);
}
