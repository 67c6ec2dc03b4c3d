import type { FaultPoint } from '../ingest/batch-writer.js';

/**
 * Test-only fault injection: SPANMAP_FAULT="POINT[@N]" kills this process with SIGKILL the N-th
 * time (default: the first) it reaches POINT — as a power cut or `kill -9` would, with no cleanup.
 * The crash tests use it to stop the console at every point between a commit and what follows.
 */
export function faultFromEnv(env: NodeJS.ProcessEnv = process.env): ((p: FaultPoint) => void) | null {
  const spec = env.SPANMAP_FAULT;
  if (!spec) return null;
  const [point, nth] = spec.split('@') as [string, string | undefined];
  let left = nth === undefined ? 1 : Number(nth);
  return (p) => {
    if (p !== point || --left > 0) return;
    process.stderr.write(`spanmap console: SPANMAP_FAULT: killed at ${p}\n`);
    process.kill(process.pid, 'SIGKILL');
  };
}
