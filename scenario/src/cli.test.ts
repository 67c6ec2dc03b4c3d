import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { scenarioMain } from './cli.js';
import { readTruth } from './truth.js';
import { readPcap, tmpDir } from './test-util/oracle.js';

const tmp = tmpDir();
afterAll(() => tmp.cleanup());

let err = '';
let out = '';
beforeEach(() => {
  err = '';
  out = '';
  vi.spyOn(process.stderr, 'write').mockImplementation((s) => {
    err += String(s);
    return true;
  });
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => {
    out += String(s);
    return true;
  });
});
afterEach(() => vi.restoreAllMocks());

describe('spanmap scenario', () => {
  it('prints usage for --help', async () => {
    expect(await scenarioMain(['scenario', '--help'])).toBe(0);
    expect(out).toMatch(/spanmap scenario --out FILE\.pcap/);
    expect(out).toMatch(/--bench/);
  });

  const X = join(tmp.dir, 'never-written.pcap'); // a bad run must not leave files behind
  it.each([
    [['--days', '3']],
    [['--out', X, '--bogus']],
    [['--out', X, '--days', 'abc']],
    [['--out', X, '--seed', '-1']],
    [['--out', X, '--scale', '0']],
    [['--out', X, '--start', 'yesterday']],
    [['--out', X, '--start', '2024-02-30']],
    [['--out', X, '--anomalies-from', '2020-01-01']],
    [['--out', X, '--anomalies-from', '+40']],
    [['--out', X, '--bench', '--truth', 't.json']],
    [['--out', X, '--packets', '10']],
    [['--out', X, '--bench', '--packets', '5', '--flows', '10']],
    [['--out', X, 'extra']],
  ])('rejects bad arguments %j with one clear line and exit code 2', async (args) => {
    expect(await scenarioMain(args)).toBe(2);
    const lines = err.trim().split('\n');
    expect(lines[0]).toMatch(/^spanmap scenario: \S/);
    expect(err).not.toMatch(/\n\s+at /);
    expect(lines.length).toBeLessThanOrEqual(2);
    expect(existsSync(X)).toBe(false);
  });

  it('fails with exit code 1 and one line when the output cannot be written', async () => {
    expect(await scenarioMain(['--out', join(tmp.dir, 'missing-dir', 'x.pcap'), '--days', '0.2'])).toBe(1);
    expect(err.trim().split('\n')).toHaveLength(1);
    expect(err).toMatch(/cannot write .*ENOENT/);
  });

  it('writes a capture and its truth and summarises them on stderr', async () => {
    const pcap = join(tmp.dir, 's.pcap');
    const truthPath = join(tmp.dir, 's.json');
    const code = await scenarioMain([
      'scenario',
      '--out',
      pcap,
      '--truth',
      truthPath,
      '--days',
      '0.25',
      '--start',
      '2024-06-03T08:00:00Z',
      '--seed',
      '5',
      '--scale',
      '0.3',
      '--vlans',
      '--anomalies-from',
      '+0.1',
    ]);
    expect(code).toBe(0);
    const truth = readTruth(truthPath);
    expect(truth.generator).toMatchObject({
      start: Date.UTC(2024, 5, 3, 8),
      days: 0.25,
      seed: 5,
      vlans: true,
      anomaliesFrom: Date.UTC(2024, 5, 3, 8) + 0.1 * 86_400_000,
    });
    expect(readPcap(pcap).packets).toHaveLength(truth.totals.packets);
    expect(truth.edges.some((e) => e.anomaly)).toBe(true);
    expect(err).toContain(`${truth.totals.packets.toLocaleString('en-US')} packets`);
    expect(err).toContain(`${truth.totals.edges.toLocaleString('en-US')} edges`);
    expect(err).toContain('2024-06-03T08:00:00.000Z');
  });

  it('writes a bench capture', async () => {
    const pcap = join(tmp.dir, 'b.pcap');
    expect(await scenarioMain(['--bench', '--out', pcap, '--packets', '2000', '--flows', '100'])).toBe(0);
    expect(readPcap(pcap).packets).toHaveLength(2000);
    expect(err).toMatch(/2,000 packets, 100 flows/);
    expect(existsSync(pcap)).toBe(true);
  });
});
