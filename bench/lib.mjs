// Shared helpers for the benchmarks: run commands, time them, take medians, print tables.
import { spawnSync, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const OUT = join(ROOT, 'bench', 'out');
export const CLI = join(ROOT, 'bin', 'spanmap.js');

/** The node options the console's systemd unit starts it with (benches measure what is deployed). */
export function consoleNodeArgs() {
  const unit = readFileSync(join(ROOT, 'systemd', 'spanmap-console.service'), 'utf8');
  const m = /^ExecStart=\S+ (.*?)\S+\/bin\/spanmap\.js console/m.exec(unit);
  return m ? m[1].split(' ').filter(Boolean) : [];
}
mkdirSync(OUT, { recursive: true });

/** Runs a command to completion; returns wall seconds and max RSS (KB) from /usr/bin/time when available. */
export function timed(cmd, args, opts = {}) {
  const haveTime = existsSync('/usr/bin/time');
  const argv = haveTime ? ['-f', '%e %M', cmd, ...args] : args;
  const t0 = process.hrtime.bigint();
  const r = spawnSync(haveTime ? '/usr/bin/time' : cmd, argv, {
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    stdio: ['ignore', opts.stdout ?? 'ignore', 'pipe'],
    timeout: opts.timeoutMs ?? 300_000,
  });
  if (r.error || r.signal) throw new Error(`${cmd} ${args.join(' ')} did not finish: ${r.error?.message ?? r.signal}`);
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0 && !opts.allowFail) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr?.slice(-500)}`);
  let rssKb = null;
  if (haveTime) {
    const m = /(\d+(?:\.\d+)?) (\d+)\s*$/.exec(r.stderr ?? '');
    if (m) rssKb = Number(m[2]);
  }
  return { wall, rssKb, stderr: r.stderr };
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

export function have(cmd) {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export function ensureCapture(path, args) {
  if (existsSync(path) && statSync(path).size > 0) return;
  console.error(`generating ${path} ...`);
  const r = spawnSync(process.execPath, [CLI, 'scenario', ...args, '--out', path], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) throw new Error('capture generation failed');
}

export function table(rows, header) {
  const all = [header, ...rows].map((r) => r.map(String));
  const w = header.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  return all
    .map((r, j) => r.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  ') + (j === 0 ? '\n' + w.map((x) => '-'.repeat(x)).join('  ') : ''))
    .join('\n');
}

/**
 * Runs `cleanup` however the bench ends: normally, on an error, or on Ctrl-C or a kill (a signal's
 * default action would skip the 'exit' handlers, so SIGINT and SIGTERM exit through them).
 */
export function atExit(cleanup) {
  process.on('exit', cleanup);
  for (const sig of ['SIGINT', 'SIGTERM']) process.once(sig, () => process.exit(130));
}
