import { defineConfig } from 'vite';
import preact from '@preact/preset-vite';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));

// The web console: built into console/ui/dist, served by the console itself (no CDN, works offline).
export default defineConfig({
  root,
  base: '/',
  logLevel: 'warn',
  // The dev server's dependency cache stays inside console/ui (git-ignored).
  cacheDir: 'node_modules/.vite',
  plugins: [preact({ devToolsEnabled: false, prefreshEnabled: false })],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // The CSP forbids inline scripts: no inlined polyfill, no inlined assets.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    sourcemap: true,
    chunkSizeWarningLimit: 400,
  },
  // `npx vite --config console/ui/vite.config.ts`: the UI with reloads, /api proxied to a console.
  server: {
    proxy: { '/api': process.env.SPANMAP_CONSOLE ?? 'http://127.0.0.1:8080' },
  },
});
