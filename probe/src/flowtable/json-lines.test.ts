import { describe, it, expect } from 'vitest';
import { flowRecordJson } from '@spanmap/shared';
import { FlowTable, DEFAULT_FLOW_OPTIONS, type FlowTableOptions } from './flow-table.js';
import { JsonLines, writeUint } from './json-lines.js';
import { PacketInfo } from '../decode/packet-info.js';
import { replayFiles } from '../capture/replay.js';
import { pcapsIn } from '../../../test/helpers/paths.js';

/** The same input through a table emitting records (JSON by flowRecordJson) and one writing JSON lines directly. */
async function both(feed: (t: FlowTable) => Promise<void> | void, opts: Partial<FlowTableOptions> = {}, names: string[] = []) {
  const viaRecords: string[] = [];
  const a = new FlowTable({ ...DEFAULT_FLOW_OPTIONS, ...opts }, (r) => viaRecords.push(flowRecordJson(r) + '\n'));
  const chunks: Buffer[] = [];
  const lines = new JsonLines((c) => chunks.push(Buffer.from(c)), 4096);
  const b = new FlowTable({ ...DEFAULT_FLOW_OPTIONS, ...opts }, lines);
  a.ifaceNames = names;
  b.ifaceNames = names;
  await feed(a);
  await feed(b);
  a.flush();
  b.flush();
  lines.flush();
  return { expected: viaRecords.join(''), actual: Buffer.concat(chunks).toString('utf8'), records: viaRecords.length };
}

describe('JsonLines', () => {
  it('writes what flowRecordJson writes, for every record of every real capture (inner and outer decap)', async () => {
    let records = 0;
    for (const file of [...pcapsIn('mixed'), ...pcapsIn('edge')]) {
      for (const decapInner of [true, false]) {
        const r = await both(async (t) => void (await replayFiles([file], t, { decapInner })));
        expect(r.actual, file).toBe(r.expected);
        records += r.records;
      }
    }
    expect(records).toBeGreaterThan(5_000);
  });

  it('writes continuations, interface names, VLANs, IPv6 and 32-bit counters the same way', async () => {
    const p = new PacketInfo();
    const r = await both(
      (t) => {
        for (let i = 0; i < 300; i++) {
          Object.assign(p, { family: i % 3 === 0 ? 6 : 4, s0: 0xfd000000 + i, s1: i, s2: 0, s3: 0xffffffff, d0: 0x0a000001, d1: 0, d2: 0, d3: 7 });
          Object.assign(p, { proto: [6, 17, 1, 58, 132][i % 5], sport: 40000 + i, dport: i % 7 === 0 ? 443 : 9000 + i, tcpFlags: i & 0x3f });
          Object.assign(p, { ipBytes: i === 5 ? 65535 : 40 + i, vlan: i % 4 === 0 ? -1 : i % 4095 });
          for (let k = 0; k < 3; k++) {
            p.ts = 1_717_000_000_000 + i * 997.3 + k * 30_000.5;
            t.add(p, i % 3);
          }
        }
      },
      { activeMs: 50_000 },
      ['eth0', 'a "quoted" \u00e9 name'],
    );
    expect(r.actual).toBe(r.expected);
    expect(r.expected).toMatch(/"cont":true/);
    expect(r.expected).toMatch(/"iface":"a \\"quoted\\"/);
  });
});

describe('writeUint', () => {
  it('writes what String() writes, at every digit count and across 2^31 and 10^8 boundaries', () => {
    const values = [0, 1, 9, 10, 99, 100, 101, 0x7fffffff, 0x80000000, 0xffffffff, 99_999_999, 100_000_000, 100_000_001, 1_717_000_000_123, 2 ** 53 - 1];
    for (let p = 1, k = 0; k < 16; k++, p *= 10) values.push(p - 1, p, p + 1, p * 7 + 3, p * 10 - 1);
    let seed = 7;
    for (let i = 0; i < 20_000; i++) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      values.push(Math.floor((seed / 2 ** 32) * 10 ** (i % 16)) + (i % 3) * 10 ** (i % 14));
    }
    const buf = new Uint8Array(32).fill(0x2a);
    for (const v of values) {
      const end = writeUint(buf, 3, v);
      expect(Buffer.from(buf.subarray(3, end)).toString('latin1'), String(v)).toBe(String(v));
      expect(buf[2]).toBe(0x2a);
    }
  });
});
