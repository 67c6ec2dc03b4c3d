import { describe, it, expect } from 'vitest';
import { writeFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, basename } from 'node:path';
import { spawn } from 'node:child_process';
import { spanmap, hasStackTrace } from './helpers/cli.js';
import { pcap, pcapsIn, CLI } from './helpers/paths.js';

const tmp = mkdtempSync(join(tmpdir(), 'spanmap-cli-'));

describe('spanmap probe read (the real command)', () => {
  it('prints JSON lines with the fields in DESIGN order', async () => {
    const r = await spanmap(['probe', 'read', pcap('mixed', 'zeek__sshguess.pcap')]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(11);
    for (const l of lines) {
      expect(Object.keys(JSON.parse(l))).toEqual([
        'src',
        'dst',
        'proto',
        'sport',
        'dport',
        'packets',
        'bytes',
        'rpackets',
        'rbytes',
        'first',
        'last',
        'tcpFlags',
        'rtcpFlags',
        'vlan',
        'end',
        'initiator',
      ]);
    }
  });

  it('shows a readable table', async () => {
    const r = await spanmap(['probe', 'read', '--format', 'table', pcap('mixed', 'zeek__sshguess.pcap')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/initiator\s+responder/);
    expect(r.stdout).toContain('192.168.56.1:55470');
    expect(r.stdout).toContain('192.168.56.103:22');
  });

  it('has --help', async () => {
    const r = await spanmap(['probe', 'read', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('--decap inner|outer');
  });

  it.each([
    [['probe', 'read', '--bogus', 'x.pcap'], /unknown option --bogus/],
    [['probe', 'read'], /no capture file/],
    [['probe', 'read', '--idle', 'soon', 'x.pcap'], /--idle: expected a number/],
    [['probe', 'read', '--decap', 'middle', 'x.pcap'], /--decap: expected one of inner, outer/],
    [['probe', 'frobnicate'], /unknown command "frobnicate"/],
  ])('rejects bad arguments with one clear line: %j', async (args, re) => {
    const r = await spanmap(args);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toMatch(re);
    expect(hasStackTrace(r.stderr)).toBe(false);
  });

  it('names a missing file, non-capture file and gzip file', async () => {
    const text = join(tmp, 'notes.txt');
    writeFileSync(text, 'hello, not a capture\n');
    const gz = join(tmp, 'c.pcap.gz');
    writeFileSync(gz, Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0]));
    for (const [file, re] of [
      [join(tmp, 'nope.pcap'), /nope\.pcap: no such file$/],
      [text, /notes\.txt: not a pcap or pcapng file \(magic 0x68656c6c\)/],
      [gz, /gzip-compressed/],
    ] as const) {
      const r = await spanmap(['probe', 'read', file]);
      expect(r.code).toBe(1);
      expect(r.stderr.trim()).toMatch(re);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });

  it('on a truncated file prints the flows read so far, one error line with the byte offset, exit 1', async () => {
    // Cut a good capture in the middle of a packet record.
    const whole = readFileSync(pcap('mixed', 'zeek__sshguess.pcap'));
    const cut = join(tmp, 'cut.pcap');
    writeFileSync(cut, whole.subarray(0, 50_000));
    const r = await spanmap(['probe', 'read', cut]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toMatch(/cut\.pcap: truncated packet record \(\d+ of \d+ bytes\) at byte \d+$/);
    const offset = Number(/at byte (\d+)/.exec(r.stderr)![1]);
    expect(offset).toBeLessThan(50_000);
    expect(offset).toBeGreaterThan(49_000);
    const flows = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(flows.length).toBeGreaterThan(3);
    expect(flows.some((f) => f.end === 'eof')).toBe(true);
  });

  it('handles every file in ../shared/pcaps: exit 0, or exit 1 with one error line; never a stack trace', async () => {
    const files = [...pcapsIn('mixed'), ...pcapsIn('edge'), ...pcapsIn('netflow')];
    const results = [];
    for (let i = 0; i < files.length; i += 4) {
      results.push(...(await Promise.all(files.slice(i, i + 4).map(async (f) => ({ f, r: await spanmap(['probe', 'read', f]) })))));
    }
    for (const { f, r } of results) {
      expect(hasStackTrace(r.stderr), basename(f)).toBe(false);
      if (r.code === 0) expect(r.stderr, basename(f)).toBe('');
      else {
        expect(r.code, basename(f)).toBe(1);
        expect(r.stderr.trim().split('\n'), basename(f)).toHaveLength(1);
        expect(r.stderr, basename(f)).toContain(f);
      }
    }
    // the broken files in edge/ are reported, the good ones are not
    const failed = results
      .filter((x) => x.r.code !== 0)
      .map((x) => basename(x.f))
      .sort();
    expect(failed).toEqual(['libpcap__pcap-invalid-version-1.pcap', 'libpcap__shb-option-too-long.pcapng', 'suricata-verify__tls_DER-incomplete-header.pcap']);
  }, 180_000);

  it('stops quietly when the reader of its output goes away', async () => {
    const child = spawn(process.execPath, [CLI, 'probe', 'read', pcap('mixed', 'try-zeek__sumstat.pcap')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    await new Promise((r) => child.stdout.once('data', r));
    child.stdout.destroy();
    const code = await new Promise((r) => child.on('close', r));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });
});
