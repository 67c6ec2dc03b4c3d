import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { Context, Hono, MiddlewareHandler, Next } from 'hono';
import { serveStatic } from '@hono/node-server/serve-static';

/**
 * The web console: the Vite build in console/ui/dist, served at / by the console itself (no CDN,
 * works offline). Paths outside /api that are not files get index.html (the UI routes on the
 * client). Every UI response carries a strict CSP: scripts and styles only from this origin,
 * nothing inline, no framing.
 */

/** console/ui/dist, from console/src/http (tests) and console/dist/http (built) alike. */
export const UI_DIR = fileURLToPath(new URL('../../ui/dist', import.meta.url));

export const UI_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
};

const NOT_BUILT = 'the web UI is not built: run make build\n';

/** Paths that belong to the console itself, never to the UI's client-side routes. */
const NOT_UI = ['/api', '/metrics'];

/** Serves the UI for GET/HEAD outside /api and /metrics; everything else passes through. */
export function uiMiddleware(dir: string = UI_DIR): MiddlewareHandler {
  const index = join(dir, 'index.html');
  // Created once the build exists (serveStatic complains on the console about a missing root).
  let handlers: { files: MiddlewareHandler; page: MiddlewareHandler } | null = null;
  const serve = () =>
    (handlers ??= {
      files: serveStatic({ root: dir }),
      page: serveStatic({ root: dir, path: 'index.html' }),
    });
  return async (c: Context, next: Next) => {
    const path = c.req.path;
    if ((c.req.method !== 'GET' && c.req.method !== 'HEAD') || NOT_UI.some((p) => path === p || path.startsWith(`${p}/`))) return next();
    for (const [k, v] of Object.entries(UI_HEADERS)) c.header(k, v);
    if (!existsSync(index)) return c.text(NOT_BUILT, 503);
    const { files, page } = serve();
    // Hashed asset names never change content: cache them for good; the rest revalidates.
    c.header('Cache-Control', path.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
    let missing = false;
    const res = await files(c, async () => {
      missing = true;
    });
    if (!missing && res) return res;
    // A missing asset is a 404 (a stale tab after an upgrade must not get HTML as JavaScript).
    if (path.startsWith('/assets/') || /\.[a-z0-9]{1,8}$/i.test(path)) {
      c.header('Cache-Control', 'no-cache');
      return c.text('not found\n', 404);
    }
    let none = false;
    const html = await page(c, async () => {
      none = true;
    });
    return !none && html ? html : c.text(NOT_BUILT, 503);
  };
}

/** Mounts the UI on an app, after its API routes. */
export function mountUi(app: Hono<never>, dir: string = UI_DIR): void {
  app.use('*', uiMiddleware(dir));
}

/** The middleware over the built assets, for a one-line mount. */
export const serveUi: MiddlewareHandler = uiMiddleware();
