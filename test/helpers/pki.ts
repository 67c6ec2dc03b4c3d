import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from './paths.js';

/**
 * Runs, as written, the shell blocks docs/mqtt-security.md marks as tested (a CA, a broker
 * certificate, a probe's client certificate) in `dir`: the documented recipe is what the tests use.
 */
export function runCertificateRecipe(dir: string, env: Record<string, string>): void {
  const md = readFileSync(join(REPO, 'docs', 'mqtt-security.md'), 'utf8');
  const blocks = [...md.matchAll(/<!-- tested: test\/mqtt-security\.test\.ts runs this block -->\n```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
  if (blocks.length !== 2) throw new Error(`docs/mqtt-security.md: expected 2 tested shell blocks, found ${blocks.length}`);
  for (const b of blocks) execFileSync('sh', ['-eu', '-c', b], { cwd: dir, env: { ...process.env, ...env }, stdio: 'pipe' });
}
