import { spawnSync, execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from './paths.js';

// Tests that run the probe as another user (nobody, holding one capability) cannot run the
// checkout: it may sit in a private directory (a home directory is mode 0700 on Debian 12), where
// `node …/bin/spanmap.js` fails with "Cannot find module". They run the tree as `make install`
// stages it (scripts/install.sh) under a world-readable temporary root instead, which is also
// what production runs.

/** Set by test/global-setup.ts: a world-readable folder for the whole test run. */
export const RUN_DIR_VAR = 'SPANMAP_TEST_RUN_DIR';
export const PREFIX = '/usr/local';

export interface Installed {
  /** The staging root (DESTDIR). */
  root: string;
  /** The code, $PREFIX/lib/spanmap under the root. */
  lib: string;
  /** The installed command ($PREFIX/bin/spanmap, a link to lib/bin/spanmap.js): run it with node. */
  cli: string;
}

export function layout(root: string): Installed {
  return { root, lib: join(root, PREFIX, 'lib', 'spanmap'), cli: join(root, PREFIX, 'bin', 'spanmap') };
}

/** Runs scripts/install.sh into `root` (made readable by everyone); returns its output, throws when it fails. */
export function installInto(root: string): { stdout: string; stderr: string } {
  mkdirSync(root, { recursive: true });
  chmodSync(root, 0o755);
  const r = spawnSync('sh', [join(REPO, 'scripts', 'install.sh')], {
    encoding: 'utf8',
    env: { ...process.env, DESTDIR: root, PREFIX },
    timeout: 180_000,
  });
  if (r.status !== 0) throw new Error(`scripts/install.sh failed (${r.error?.message ?? `exit ${r.status}`}): ${r.stderr}${r.stdout}`);
  return { stdout: r.stdout, stderr: r.stderr };
}

/**
 * The installed copy shared by the whole test run (installed once, by the first test file that
 * asks; the others wait on a lock). Not for tests that change the installed tree: those install
 * into a root of their own with installInto().
 */
export function sharedInstall(): Installed {
  const runDir = process.env[RUN_DIR_VAR];
  const base = runDir && existsSync(runDir) ? runDir : mkdtempSync(join(tmpdir(), 'spanmap-install-'));
  chmodSync(base, 0o755);
  const root = join(base, 'installed');
  const done = join(root, '.installed');
  // flock(1) serializes the test files (separate processes) that ask at the same time.
  execFileSync(
    'flock',
    [
      join(base, 'install.lock'),
      'sh',
      '-c',
      `[ -e "$1" ] || { DESTDIR="$2" PREFIX="$3" sh "$4" >/dev/null && touch "$1"; }`,
      'sh',
      done,
      root,
      PREFIX,
      join(REPO, 'scripts', 'install.sh'),
    ],
    { stdio: ['ignore', 'ignore', 'pipe'], timeout: 300_000 },
  );
  chmodSync(root, 0o755);
  return layout(root);
}

/** The command prefix that runs a program as nobody:nogroup with no supplementary groups. */
export const AS_NOBODY = ['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups'];
