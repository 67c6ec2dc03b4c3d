import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { flowRecordJson, type FlowRecord } from '@spanmap/shared';
import { writeBenchCapture } from '@spanmap/scenario';
import { readInWorkers } from '@spanmap/probe/capture/parallel-read';
import { DEFAULT_FLOW_OPTIONS } from '@spanmap/probe/flowtable/flow-table';
import { readFiles } from '@spanmap/probe/capture/read-files';
import { pcap, pcapsIn } from './helpers/paths.js';
import { readFlows } from './helpers/flows.js';

/*
 * `probe read` in worker threads (issue 17): each worker replays every file and counts the flows
 * whose address pair hashes to it. The records are those of one table, in another order.
 */

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'spanmap-parallel-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const lines = (records: FlowRecord[]) => records.map(flowRecordJson).sort();

async function inWorkers(files: string[], workers: number, output: 'records' | 'jsonl' = 'records') {
  const records: FlowRecord[] = [];
  const chunks: Buffer[] = [];
  const out = output === 'records' ? { onRecord: (r: FlowRecord) => void records.push(r) } : { onChunk: (b: Uint8Array) => void chunks.push(Buffer.from(b)) };
  const r = await readInWorkers(files, { workers, decapInner: true, dedupWindowMs: 2, flow: DEFAULT_FLOW_OPTIONS }, out);
  const text = Buffer.concat(chunks).toString('utf8');
  return { ...r, lines: output === 'records' ? lines(records) : text.split('\n').filter(Boolean).sort() };
}

describe('probe read in worker threads', () => {
  it('gives the records and counters of one table, with 2 and 3 workers, as records or JSON lines', async () => {
    const file = join(tmp, 'bench.pcap');
    writeBenchCapture(file, { packets: 60_000, flows: 4_000 });
    const one = await readFlows(file);
    for (const workers of [2, 3]) {
      for (const output of ['records', 'jsonl'] as const) {
        const many = await inWorkers([file], workers, output);
        expect(many.lines, `${workers} ${output}`).toEqual(lines(one.records));
        expect(many.counters.packets).toBe(60_000);
        expect(many.counters.flowsCreated).toBe(4_000);
        expect(many.stats.frames).toBe(60_000);
      }
    }
  });

  it('reads several files as one stream (a flow spanning two files stays one flow)', async () => {
    const file = join(tmp, 'whole.pcap');
    writeBenchCapture(file, { packets: 20_000, flows: 1_000 });
    const one = await readFlows([file, pcap('mixed', 'malcolm__KRB5.pcap')]);
    const many = await inWorkers([file, pcap('mixed', 'malcolm__KRB5.pcap')], 2);
    expect(many.lines).toEqual(lines(one.records));
    expect(many.stats.files).toBe(2);
  });

  it('drops duplicate frames in whichever worker counts the packet', async () => {
    const file = pcap('mixed', 'elcabezzonn__mantak.pcap');
    const one = await readFlows(file);
    const many = await inWorkers([file], 2);
    expect(many.stats.duplicates).toBe(one.stats.duplicates);
    expect(many.stats.duplicates).toBeGreaterThan(1000);
    expect(many.counters.packets).toBe(one.records.reduce((a, r) => a + r.packets + r.rpackets, 0));
  });

  it('reports a corrupt file once, with the records read before the error', async () => {
    const file = pcap('edge', 'suricata-verify__tls_DER-incomplete-header.pcap');
    const one = await readFlows(file);
    const many = await inWorkers([file], 2);
    expect(many.stats.errors.map((e) => e.message)).toEqual(one.stats.errors.map((e) => e.message));
    expect(many.lines).toEqual(lines(one.records));
  });
});

/*
 * On two threads `probe read` is a pipeline (pipelined-read.ts): the packet path here, the one
 * flow table on the other thread. Its output is that of one thread, byte for byte and in order.
 */
async function readWith(files: string[], workers: number, flow: Partial<typeof DEFAULT_FLOW_OPTIONS> = {}, output: 'jsonl' | 'records' = 'jsonl') {
  const chunks: Buffer[] = [];
  const records: string[] = [];
  const r = await readFiles(
    { files, decapInner: true, dedupWindowMs: 2, flow: { ...DEFAULT_FLOW_OPTIONS, ...flow }, workers, names: true },
    output === 'jsonl' ? { onBytes: (b) => void chunks.push(Buffer.from(b)) } : { onRecord: (x) => void records.push(flowRecordJson(x)) },
  );
  return { ...r, text: output === 'jsonl' ? Buffer.concat(chunks).toString('utf8') : records.join('\n') };
}

describe('probe read on two threads (decoding | flow table)', () => {
  it('prints what one thread prints, byte for byte and in order, with expiry, splits and eviction under way', async () => {
    const file = join(tmp, 'pipe.pcap');
    writeBenchCapture(file, { packets: 120_000, flows: 9_000 });
    const files = [file, ...pcapsIn('mixed').slice(0, 12)];
    // short timeouts and a small table: idle and active expiry, forced eviction all happen mid-stream
    for (const flow of [{}, { idleMs: 2_000, activeMs: 5_000, maxFlows: 3_000 }]) {
      for (const output of ['jsonl', 'records'] as const) {
        const one = await readWith(files, 1, flow, output);
        const two = await readWith(files, 2, flow, output);
        expect(two.workers).toBe(2);
        expect(two.text.length, JSON.stringify(flow)).toBeGreaterThan(1_000_000);
        expect(two.text === one.text, `${JSON.stringify(flow)} ${output}`).toBe(true);
        expect(two.counters).toEqual(one.counters);
        expect(two.stats).toEqual(one.stats);
        expect(two.names).toEqual(one.names);
      }
    }
    const small = await readWith(files, 2, { idleMs: 2_000, activeMs: 5_000, maxFlows: 3_000 });
    expect(small.counters.flowsEmitted.forced).toBeGreaterThan(0);
    expect(small.counters.flowsEmitted.idle).toBeGreaterThan(0);
    expect(small.counters.flowsEmitted.active).toBeGreaterThan(0);
  });

  it('drops the same duplicates and reports a corrupt file with the records before it', async () => {
    for (const file of [pcap('mixed', 'elcabezzonn__mantak.pcap'), pcap('edge', 'suricata-verify__tls_DER-incomplete-header.pcap')]) {
      const one = await readWith([file], 1);
      const two = await readWith([file], 2);
      expect(two.text).toBe(one.text);
      expect(two.stats.duplicates).toBe(one.stats.duplicates);
      expect(two.stats.errors.map((e) => e.message)).toEqual(one.stats.errors.map((e) => e.message));
    }
  });

  it("fails with the table thread's own error, and does not hang, when that thread fails", async () => {
    const file = join(tmp, 'fail.pcap');
    writeBenchCapture(file, { packets: 200_000, flows: 1_000 }); // more than the ring holds
    await expect(readWith([file], 2, { maxFlows: 0 })).rejects.toThrow(/flow table thread failed.*maxFlows must be at least 1/s);
  });
});
