import { execFileSync } from 'node:child_process';
import { REPO } from './helpers/paths.js';

/**
 * Unit tests run the TypeScript sources, but CLI tests spawn bin/spanmap.js, which runs the built
 * `dist` (and the UI and native module builds). Build them first, so a test result always
 * describes the code in the tree, also for a bare `npx vitest run`. Under `make test` (MAKELEVEL is
 * set) make has just built everything.
 */
export default function setup(): void {
  if (process.env.MAKELEVEL !== undefined || process.env.SPANMAP_TEST_NO_BUILD === '1') return;
  execFileSync('make', ['-s', 'build'], { cwd: REPO, stdio: ['ignore', 'inherit', 'inherit'] });
}
