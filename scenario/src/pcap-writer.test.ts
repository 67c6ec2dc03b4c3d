import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PcapWriter } from './pcap-writer.js';
import { readPcap, tmpDir, tsharkFields } from './test-util/oracle.js';

const tmp = tmpDir();
afterAll(() => tmp.cleanup());

describe('PcapWriter', () => {
  it('writes a classic little-endian microsecond Ethernet pcap header', () => {
    const path = join(tmp.dir, 'empty.pcap');
    new PcapWriter(path).close();
    const b = readFileSync(path);
    expect(b.length).toBe(24);
    expect([...b.subarray(0, 4)]).toEqual([0xd4, 0xc3, 0xb2, 0xa1]);
    expect(b.readUInt16LE(4)).toBe(2);
    expect(b.readUInt16LE(6)).toBe(4);
    expect(b.readUInt32LE(16)).toBe(65535);
    expect(b.readUInt32LE(20)).toBe(1);
  });

  it('streams many records through a small buffer without losing or reordering any', () => {
    const path = join(tmp.dir, 'many.pcap');
    const w = new PcapWriter(path, { bufferSize: 70_000 }); // forces a flush every few dozen frames
    const frame = Buffer.alloc(1514);
    const n = 3000;
    for (let i = 0; i < n; i++) {
      const len = 60 + ((i * 37) % 1400);
      frame.writeUInt32BE(i, 0);
      w.write(1_717_000_000_000_000 + i * 1001, frame.subarray(0, len));
    }
    w.close();
    const b = readFileSync(path);
    let o = 24;
    for (let i = 0; i < n; i++) {
      const len = 60 + ((i * 37) % 1400);
      const ts = 1_717_000_000_000_000 + i * 1001;
      expect(b.readUInt32LE(o)).toBe(Math.floor(ts / 1e6));
      expect(b.readUInt32LE(o + 4)).toBe(ts % 1e6);
      expect(b.readUInt32LE(o + 8)).toBe(len);
      expect(b.readUInt32LE(o + 12)).toBe(len);
      expect(b.readUInt32BE(o + 16)).toBe(i);
      o += 16 + len;
    }
    expect(o).toBe(b.length);
    expect(statSync(path).size).toBe(w.bytes);
  });

  it('refuses timestamps that go backwards and frames above the snaplen', () => {
    const w = new PcapWriter(join(tmp.dir, 'bad.pcap'));
    w.write(2_000_000, Buffer.alloc(60));
    expect(() => w.write(1_000_000, Buffer.alloc(60))).toThrow(/backwards/);
    expect(() => w.reserveAt(70_000)).toThrow(/snaplen/);
    w.close();
  });

  it('produces a file tshark reads with the same timestamps', () => {
    const path = join(tmp.dir, 'ts.pcap');
    const w = new PcapWriter(path);
    const eth = Buffer.alloc(60); // Ethernet header with an unknown ethertype, then padding
    eth.writeUInt16BE(0x88b5, 12);
    const times = [1_717_372_800_000_001, 1_717_372_800_999_999, 1_717_372_801_000_000];
    for (const t of times) w.write(t, eth);
    w.close();
    const rows = tsharkFields(path, ['frame.time_epoch', 'frame.len']);
    expect(rows.map((r) => r[0])).toEqual(['1717372800.000001000', '1717372800.999999000', '1717372801.000000000']);
    expect(readPcap(path).packets).toHaveLength(3);
  });
});
