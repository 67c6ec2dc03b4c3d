import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from './helpers/paths.js';
import { RUN_VAR, findLeftovers, killLeftovers, describeLeftovers, type Leftover } from './helpers/leftovers.js';
import { RUN_DIR_VAR } from './helpers/installed.js';

/**
 * Before the tests: build what they run. Unit tests run the TypeScript sources, but CLI tests
 * spawn bin/spanmap.js, which runs the built `dist` (and the UI and native module builds), so a
 * test result always describes the code in the tree, also for a bare `npx vitest run`. Under
 * `make test` (MAKELEVEL is set) make has just built everything.
 *
 * Then mark the run: SPANMAP_TEST_RUN=<id> is inherited by the test workers and everything they
 * start, and SPANMAP_TEST_RUN_DIR is a world-readable scratch folder for the whole run (the
 * installed copy that unprivileged runs use). TMPDIR points into it too, so every scratch
 * folder a test or its processes make (stores, brokers, captures: gigabytes per run) goes when
 * the run ends, also those of a test that failed before its own clean-up. After the tests, any
 * process still carrying the mark outlived its test: it is killed and the run fails, naming it.
 */
export default function setup(): () => Promise<void> {
  if (process.env.MAKELEVEL === undefined && process.env.SPANMAP_TEST_NO_BUILD !== '1') {
    execFileSync('make', ['-s', 'build'], { cwd: REPO, stdio: ['ignore', 'inherit', 'inherit'] });
  }
  const runId = `${process.pid}-${randomBytes(6).toString('hex')}`;
  const runDir = mkdtempSync(join(tmpdir(), 'spanmap-test-run-'));
  chmodSync(runDir, 0o755);
  const scratch = join(runDir, 'tmp');
  mkdirSync(scratch);
  chmodSync(scratch, 0o1777); // like /tmp: processes that run as nobody make their folders here too
  process.env[RUN_VAR] = runId;
  process.env[RUN_DIR_VAR] = runDir;
  process.env.TMPDIR = scratch;

  return async function teardown() {
    // The runner's own children (its test workers, a transform service) end with it: not leftovers.
    const notOurs = (p: Leftover) => p.ppid === process.pid;
    let left = findLeftovers(runId, notOurs);
    // A process told to stop a moment before the last test ended may still be exiting.
    for (let i = 0; i < 30 && left.length > 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      left = findLeftovers(runId, notOurs);
    }
    const killed = killLeftovers(left);
    rmSync(runDir, { recursive: true, force: true });
    if (killed.length > 0) {
      const msg = `the test run left ${killed.length} process(es) running (now killed); a test must stop what it starts, also when it fails:\n${describeLeftovers(killed)}`;
      process.stderr.write(`\n${msg}\n`);
      // vitest reports an error thrown here but still exits 0: the exit status must say it.
      process.exitCode = 1;
      throw new Error(msg);
    }
  };
}
