import { spawn, type ChildProcess } from 'node:child_process';
import * as net from 'node:net';
import { createServer } from 'node:net';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, REPO } from './paths.js';

/** A free TCP port on 127.0.0.1 (bound and released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `spanmap-${prefix}-`));
}

export interface ProcOptions {
  env?: NodeJS.ProcessEnv;
  /** Default: the checkout. A process run as another user gets a directory it may enter ('/'). */
  cwd?: string;
}

/**
 * A child process whose output is collected. killAll() ends it with every process below it (the
 * probe processes `spanmap demo` starts, say); it stays in the runner's process group, so Ctrl-C
 * still reaches it. Every child of the test suite carries SPANMAP_TEST_RUN (set by
 * test/global-setup.ts), which is how the suite's final check finds one that outlived its test.
 */
export class Proc {
  readonly child: ChildProcess;
  out = '';
  err = '';
  exited: Promise<number | null>;

  constructor(cmd: string, args: string[], o: ProcOptions = {}) {
    this.child = spawn(cmd, args, { cwd: o.cwd ?? REPO, env: { ...process.env, ...o.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.setEncoding('utf8').on('data', (d) => (this.out += d));
    this.child.stderr!.setEncoding('utf8').on('data', (d) => (this.err += d));
    this.exited = new Promise((resolve) => this.child.on('exit', (code, signal) => resolve(code ?? (signal ? -1 : null))));
    track(this.child, this.exited);
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** SIGKILL to it and every process below it. */
  kill9(): Promise<number | null> {
    killTree(this.child, 'SIGKILL');
    return this.exited;
  }

  async stop(): Promise<number | null> {
    if (this.alive) this.child.kill('SIGTERM');
    return this.exited;
  }
}

const running = new Map<ChildProcess, Promise<unknown>>();

/** Registers a child spawned elsewhere, so killAll() ends it too (with the processes below it). */
export function track(child: ChildProcess, exited: Promise<unknown> = new Promise((r) => child.once('exit', r))): void {
  running.set(child, exited);
  void exited.then(() => running.delete(child));
  if (child.exitCode !== null || child.signalCode !== null) running.delete(child);
}

/** `pid` and every process below it, from the parent links in /proc. */
function tree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'latin1');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]); // fields after "(comm)": state, ppid
      children.set(ppid, [...(children.get(ppid) ?? []), Number(e)]);
    } catch {
      // gone meanwhile
    }
  }
  const out = [pid];
  for (let i = 0; i < out.length; i++) out.push(...(children.get(out[i]!) ?? []));
  return out;
}

function killTree(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  for (const pid of tree(child.pid)) {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

/** Kills every child still running, with the processes below it (call from afterEach/afterAll). */
export async function killAll(): Promise<void> {
  const left = [...running];
  for (const [child] of left) killTree(child, 'SIGKILL');
  await Promise.all(left.map(([, exited]) => exited));
}

export function spanmapProc(args: string[], env: NodeJS.ProcessEnv = {}): Proc {
  return new Proc(process.execPath, [CLI, ...args], { env });
}

/** Polls until `fn` returns a truthy value (or throws after timeoutMs). */
export async function waitFor<T>(what: string, fn: () => T | Promise<T>, timeoutMs = 30_000, everyMs = 100): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** A real Mosquitto broker on a loopback port, persistence off. */
export async function startMosquitto(port: number, extraConfig = ''): Promise<Proc> {
  const dir = tempDir('mosquitto');
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest stderr\n${extraConfig}`);
  const p = new Proc('mosquitto', ['-c', conf]);
  await waitFor('mosquitto to listen', () => p.err.includes('running') || p.err.includes(`port ${port}`), 10_000);
  await waitFor('mosquitto port', () => canConnect(port), 10_000);
  return p;
}

export function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = new net.Socket();
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
    s.connect(port, '127.0.0.1');
  });
}
