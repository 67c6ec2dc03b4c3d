import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));

// Tests run against the TypeScript sources; cross-package imports resolve to src, not dist.
export default defineConfig({
  resolve: {
    alias: [
      { find: /^@spanmap\/(\w+)$/, replacement: `${root}$1/src/index.ts` },
      { find: /^@spanmap\/(\w+)\/(.*)$/, replacement: `${root}$1/src/$2.ts` },
    ],
  },
  test: {
    globalSetup: ['test/global-setup.ts'],
    include: ['{shared,scenario,probe,console}/src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    fileParallelism: true,
    maxWorkers: 2,
  },
});
