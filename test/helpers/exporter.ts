import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { readFlows } from './flows.js';
import { track } from './procs.js';

/** A path of exactly 12 characters that does not exist yet. */
function shortPath(): string {
  for (;;) {
    const p = `/tmp/sf${randomBytes(4).toString('base64url').slice(0, 5)}`;
    if (!existsSync(p)) return p;
  }
}

/**
 * A real exporter: softflowd reads `capture` and exports it as bidirectional IPFIX to
 * 127.0.0.1:port, then exits. Its control socket and pid file need paths of their own (a fixed
 * one would clash between test files) and short ones: softflowd 1.1.0 given a control socket
 * path longer than 12 characters never exits after reading a file (measured: /tmp/abc.ctl
 * exits, /tmp/abcd.ctl blocks in accept() on the control socket).
 */
export async function exportWithSoftflowd(capture: string, port: number): Promise<void> {
  const [pid, ctl] = [shortPath(), shortPath()];
  try {
    const child = spawn('softflowd', ['-r', capture, '-v', '10', '-b', '-6', '-d', '-n', `127.0.0.1:${port}`, '-p', pid, '-c', ctl], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr!.setEncoding('utf8').on('data', (d) => (err += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    track(child, exited);
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    const code = await exited;
    clearTimeout(timer);
    if (code !== 0) throw new Error(`softflowd exited ${code ?? 'on a signal (no exit within 60 s)'}: ${err}`);
  } finally {
    for (const f of [pid, ctl]) rmSync(f, { force: true });
  }
}

/** The packets (both directions) the probe should deliver for a capture softflowd exports: what probe read counts keyed on the outer headers. */
export async function exportedPackets(capture: string): Promise<number> {
  // softflowd counts every frame: duplicates too (our reader drops those by default).
  const { records } = await readFlows(capture, { decap: 'outer', dedupWindowMs: 0 });
  return records.reduce((s, r) => s + r.packets + r.rpackets, 0);
}
