import { readFileSync, readdirSync } from 'node:fs';

// Finds the processes a test run started that are still running: every child of the suite
// inherits SPANMAP_TEST_RUN=<id> (test/global-setup.ts sets it before the test workers start), and
// /proc/PID/environ keeps a process's environment as it began, whatever user it runs as now
// (`probe run` behind setpriv as nobody, Mosquitto, Chromium, softflowd...).

export const RUN_VAR = 'SPANMAP_TEST_RUN';

export interface Leftover {
  pid: number;
  ppid: number;
  uid: number;
  command: string;
}

function read(pid: string, file: string): string | null {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'latin1');
  } catch {
    return null; // gone meanwhile, or not ours to read
  }
}

/** Running processes marked with this run's id, except `exclude` (the runner itself, its workers). */
export function findLeftovers(runId: string, exclude: (p: Leftover) => boolean = () => false): Leftover[] {
  const marker = `${RUN_VAR}=${runId}`;
  const out: Leftover[] = [];
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    const env = read(pid, 'environ');
    if (env === null || !env.split('\0').includes(marker)) continue;
    const status = read(pid, 'status') ?? '';
    if (/^State:\s+Z/m.test(status)) continue; // a zombie has already exited; its parent reaps it
    const p: Leftover = {
      pid: Number(pid),
      ppid: Number(/^PPid:\s+(\d+)/m.exec(status)?.[1] ?? 0),
      uid: Number(/^Uid:\s+(\d+)/m.exec(status)?.[1] ?? -1),
      command: (read(pid, 'cmdline') ?? '').split('\0').join(' ').trim(),
    };
    if (!exclude(p)) out.push(p);
  }
  return out;
}

/** SIGKILL to each; returns those that were still there. */
export function killLeftovers(list: readonly Leftover[]): Leftover[] {
  return list.filter((p) => {
    try {
      process.kill(p.pid, 'SIGKILL');
      return true;
    } catch {
      return false; // already gone
    }
  });
}

export function describeLeftovers(list: readonly Leftover[]): string {
  return list.map((p) => `  pid ${p.pid} (uid ${p.uid}, parent ${p.ppid}): ${p.command.slice(0, 300)}`).join('\n');
}
