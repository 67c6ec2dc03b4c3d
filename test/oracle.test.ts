import { describe, it, beforeAll } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, basename } from 'node:path';
import { pcapsIn } from './helpers/paths.js';
import { readFlows } from './helpers/flows.js';
import { oracle, aggregate, compare, tshark } from './helpers/oracle.js';

/*
 * `spanmap probe read --decap outer` against tshark (../shared/tools/flowtruth.py, an independent
 * implementation) on per-conversation packets and IP bytes.
 *
 * Where we disagree with tshark on purpose:
 *  - IPv6 extension headers and non-first IP fragments: reconciled per address pair in compare()
 *    (see helpers/oracle.ts): the packets are the same, only the conversation key differs.
 *  - The frames matched by EXCLUDE below: removed from the capture by tshark itself before both
 *    sides read it, because the two keys cannot be reconciled; each filter says why.
 *  - Duplicate frames: tshark counts every copy, so the probe reads with deduplication off here
 *    (test/dedup.test.ts covers it).
 */
const EXCLUDE: Array<{ why: string; filter: string }> = [
  {
    why: 'IPv4 inside IPv6: flowtruth.py takes the IPv4 header whenever a frame has one; --decap outer keys on the outermost header, the IPv6 one',
    filter: 'frame.protocols matches "^(?:(?!:ip(?::|$)).)*:ipv6(?::.*)?:ip(?::|$)"',
  },
  {
    why: 'ERSPAN carrying a non-IP frame: the mirror transport is not traffic, so we count the frame as non-IP; flowtruth.py falls back to the GRE transport',
    filter: 'erspan && !(frame.protocols matches "erspan:.*:(ip|ipv6)(:|$)")',
  },
  {
    why: 'IPv4 header whose total length is below its own header length (invalid, RFC 791): we count it as a bad header; tshark keeps it while flagging it malformed',
    filter: 'ip.len < ip.hdr_len',
  },
];
const EXCLUDE_FILTER = EXCLUDE.map((e) => `(${e.filter})`).join(' || ');

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'spanmap-oracle-'));
});

/** The capture with the excluded frames removed (tshark writes the copy), or the capture itself. */
async function withoutExcluded(file: string): Promise<{ file: string; excluded: number }> {
  const excluded = (await tshark(['-r', file, '-Y', EXCLUDE_FILTER, '-T', 'fields', '-e', 'frame.number'])).split('\n').filter(Boolean).length;
  if (excluded === 0) return { file, excluded };
  const out = join(tmp, basename(file) + '.filtered.pcapng');
  await tshark(['-r', file, '-Y', `!(${EXCLUDE_FILTER})`, '-F', 'pcapng', '-w', out]);
  return { file: out, excluded };
}

async function check(file: string) {
  const input = await withoutExcluded(file);
  const truth = await oracle(input.file);
  const { records } = await readFlows(input.file, { decap: 'outer', dedupWindowMs: 0 });
  return { ...compare(truth, aggregate(records)), excluded: input.excluded };
}

describe('flow totals agree with tshark', () => {
  describe.concurrent('mixed/: every conversation', () => {
    for (const file of pcapsIn('mixed')) {
      it(basename(file), async ({ expect }) => {
        const r = await check(file);
        expect(r.unexplained).toEqual([]);
        expect(r.exact + r.explained).toBe(r.total);
        expect(r.total).toBeGreaterThan(0);
      });
    }
  });

  describe.concurrent('edge/: at least 99% of conversations', () => {
    for (const file of pcapsIn('edge')) {
      it(basename(file), async ({ expect }) => {
        const r = await check(file);
        if (r.total === 0) return; // tshark itself cannot read the file (see the CLI test for our error)
        const agreed = (r.exact + r.explained) / r.total;
        expect(agreed, `unexplained: ${r.unexplained.slice(0, 10).join('; ')}`).toBeGreaterThanOrEqual(0.99);
      });
    }
  });
});
