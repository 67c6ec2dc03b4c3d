import { describe, it, expect } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { Proc, killAll, waitFor } from './helpers/procs.js';
import { RUN_VAR } from './helpers/leftovers.js';

// The test helpers' own promise: what a test starts ends with killAll(), also what that child started.

const alive = (pid: number) => existsSync(`/proc/${pid}`) && !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));

describe('Proc and killAll', () => {
  it('ends a child and the processes below it, all marked as this run’s', async () => {
    // A shell that starts a grandchild and prints its pid, then waits.
    const p = new Proc('sh', ['-c', 'sleep 300 & echo $!; wait']);
    const grandchild = Number(await waitFor('the grandchild pid', () => p.out.trim(), 10_000, 20));
    expect(alive(grandchild)).toBe(true);
    expect(readFileSync(`/proc/${grandchild}/environ`, 'latin1').split('\0')).toContain(`${RUN_VAR}=${process.env[RUN_VAR]}`);
    await killAll();
    expect(p.alive).toBe(false);
    await waitFor('the grandchild to die', () => !alive(grandchild), 5000, 20);
  });
});
