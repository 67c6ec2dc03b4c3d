import { describe, it, expect } from 'vitest';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, basename } from 'node:path';
import { readFlows } from './helpers/flows.js';
import { spanmap, hasStackTrace } from './helpers/cli.js';
import { pcap } from './helpers/paths.js';
import { Rng } from '@spanmap/scenario';

/*
 * Seeded fuzz of the capture-file entry point: real captures (pcap and pcapng, several link
 * types and tunnels) with bits flipped, words overwritten, slices cut, duplicated or inserted.
 * The replay pipeline must never throw: a file it cannot read to the end is one collected error
 * naming the file and byte offset, every record stays sane, and the CLI says so in one line.
 */

const SOURCES = [
  pcap('mixed', 'zeek__kinit.pcap'),
  pcap('mixed', 'malcolm__DNS.pcap'),
  pcap('edge', 'zeek__pcapng-multi-interface.pcapng'),
  pcap('edge', 'pcapplusplus__many_interfaces-1.pcapng'),
  pcap('edge', 'zeek__linux_dlt_sll2.pcap'),
  pcap('edge', 'ndpi__vxlan.pcap'),
  pcap('edge', 'zeek__erspan.pcap'),
  pcap('edge', 'pcapplusplus__ip6_fragments.pcap'),
];
const SEED = Number(process.env.SPANMAP_FUZZ_SEED ?? 20261124);
const PER_SOURCE = 40;
/** Where in the file: a byte offset, or a verdict on the whole file (its first bytes). */
const WHERE = /at byte \d+|not a pcap or pcapng file|empty file|too short to be a capture file/;
const dir = mkdtempSync(join(tmpdir(), 'spanmap-capture-fuzz-'));

/** One mutation; the file header is hit more often than chance, where parsers are most fragile. */
function mutate(src: Buffer, r: () => number): { data: Buffer; how: string } {
  const at = (n: number) => Math.floor(r() * n);
  const pos = () => (r() < 0.3 ? at(Math.min(src.length, 64)) : at(src.length));
  const data = Buffer.from(src);
  switch (at(6)) {
    case 0: {
      const n = 1 + at(16);
      for (let i = 0; i < n; i++) data[pos()]! ^= 1 << at(8);
      return { data, how: `${n} bit flips` };
    }
    case 1: {
      const p = Math.min(pos(), data.length - 4);
      data.writeUInt32LE([0xffffffff, 0, 0x7fffffff, 0x80000000, Math.floor(r() * 2 ** 32)][at(5)]!, p);
      return { data, how: `word at ${p} overwritten` };
    }
    case 2: {
      const p = pos();
      return { data: data.subarray(0, p), how: `truncated at ${p}` };
    }
    case 3: {
      const p = pos();
      const len = 1 + at(200);
      return { data: Buffer.concat([data.subarray(0, p), data.subarray(p, p + len), data.subarray(p)]), how: `${len} bytes at ${p} duplicated` };
    }
    case 4: {
      const p = pos();
      const junk = Buffer.from(Array.from({ length: 1 + at(64) }, () => at(256)));
      return { data: Buffer.concat([data.subarray(0, p), junk, data.subarray(p)]), how: `${junk.length} random bytes inserted at ${p}` };
    }
    default: {
      const p = pos();
      const len = 1 + at(300);
      return { data: Buffer.concat([data.subarray(0, p), data.subarray(p + len)]), how: `${len} bytes cut at ${p}` };
    }
  }
}

describe(`capture file fuzz (seed ${SEED})`, () => {
  it('the replay pipeline never throws, reports each unreadable file once, and keeps records sane', async () => {
    const g = new Rng(SEED);
    const r = () => g.next();
    const failures: string[] = [];
    let unreadable = 0;
    for (const src of SOURCES) {
      const original = readFileSync(src);
      for (let i = 0; i < PER_SOURCE; i++) {
        const { data, how } = mutate(original, r);
        const f = join(dir, `${basename(src)}.${i}`);
        writeFileSync(f, data);
        const what = `${basename(src)} (${how})`;
        try {
          const { records, stats } = await readFlows(f);
          if (stats.errors.length > 1) failures.push(`${what}: ${stats.errors.length} errors for one file`);
          for (const e of stats.errors)
            if (!e.message.startsWith(`${f}: `) || !WHERE.test(e.message)) failures.push(`${what}: error without file or offset: ${e.message}`);
          unreadable += stats.errors.length;
          for (const rec of records) {
            const counts = [rec.packets, rec.bytes, rec.rpackets, rec.rbytes];
            if (
              !counts.every((n) => Number.isSafeInteger(n) && n >= 0) ||
              rec.packets + rec.rpackets < 1 ||
              !Number.isFinite(rec.first) ||
              rec.last < rec.first
            ) {
              failures.push(`${what}: insane record ${JSON.stringify(rec).slice(0, 200)}`);
              break;
            }
          }
          const packets = records.reduce((s, x) => s + x.packets + x.rpackets, 0);
          if (packets > stats.frames * 2) failures.push(`${what}: ${packets} packets counted from ${stats.frames} frames`);
        } catch (e) {
          failures.push(`${what}: threw ${(e as Error).stack?.split('\n').slice(0, 3).join(' | ')}`);
        }
      }
    }
    expect(failures, `seed ${SEED}`).toEqual([]);
    expect(unreadable).toBeGreaterThan(0); // the mutations did reach the readers' error paths
  }, 120_000);

  it('the CLI answers a mutated file with flows and at most one error line, never a stack trace', async () => {
    const g = new Rng(SEED + 1);
    const r = () => g.next();
    const src = readFileSync(SOURCES[2]!);
    for (let i = 0; i < 8; i++) {
      const { data, how } = mutate(src, r);
      const f = join(dir, `cli.${i}.pcapng`);
      writeFileSync(f, data);
      const res = await spanmap(['probe', 'read', f, '--format', 'jsonl']);
      expect(hasStackTrace(res.stderr), how).toBe(false);
      expect([0, 1], how).toContain(res.code);
      const errors = res.stderr.split('\n').filter((l) => l.startsWith('spanmap: '));
      if (res.code === 1) expect(errors, how).toEqual([expect.stringMatching(new RegExp(`^spanmap: ${f}: .*(${WHERE.source})`))]);
      else expect(errors, how).toEqual([]);
    }
  }, 120_000);
});
