import { fileURLToPath } from 'node:url';
import { resolve, join } from 'node:path';
import { readdirSync, existsSync } from 'node:fs';

export const REPO = resolve(fileURLToPath(new URL('../..', import.meta.url)));
/** The folder beside the checkout with real captures and tools (not the project's own shared/ package). */
export const SHARED = resolve(process.env.SPANMAP_SHARED_DIR ?? join(REPO, '..', 'shared'));
export const PCAPS = join(SHARED, 'pcaps');
export const FLOWTRUTH = join(SHARED, 'tools', 'flowtruth.py');
export const CLI = join(REPO, 'bin', 'spanmap.js');

export function pcapsIn(dir: 'mixed' | 'edge' | 'netflow'): string[] {
  const d = join(PCAPS, dir);
  if (!existsSync(d)) throw new Error(`captures folder ${d} is missing: tests need ../shared beside the checkout (or SPANMAP_SHARED_DIR)`);
  return readdirSync(d)
    .filter((f) => !f.endsWith('.md'))
    .sort()
    .map((f) => join(d, f));
}

export function pcap(dir: 'mixed' | 'edge' | 'netflow', name: string): string {
  return join(PCAPS, dir, name);
}
