import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The API token when neither SPANMAP_API_TOKEN nor the config sets one: generated on first start,
 * kept in the data dir (mode 0600). `created` tells the caller to print it (once).
 */
export function loadOrCreateToken(dataDir: string): { token: string; created: boolean; path: string } {
  const path = join(dataDir, 'api-token');
  if (existsSync(path)) {
    const token = readFileSync(path, 'utf8').trim();
    if (token.length >= 16) return { token, created: false, path };
  }
  const token = randomBytes(24).toString('base64url');
  writeFileSync(path, token + '\n', { mode: 0o600 });
  return { token, created: true, path };
}
