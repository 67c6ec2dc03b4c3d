import { describe, it, expect, beforeAll } from 'vitest';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hono } from 'hono';
import { mountUi, UI_HEADERS } from '../http/ui.js';

// How the console serves the built web UI: files, SPA fallback, security headers, /api untouched.

let dir: string;
let app: Hono;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'spanmap-ui-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>spanmap</title><script type="module" src="/assets/app-1.js"></script>');
  writeFileSync(join(dir, 'assets', 'app-1.js'), 'console.log(1)');
  writeFileSync(join(dir, 'favicon.svg'), '<svg/>');
  app = new Hono();
  app.get('/api/v1/health', (c) => c.json({ status: 'ok' }));
  mountUi(app, dir);
  app.notFound((c) => c.json({ error: { code: 'not_found', message: 'no such endpoint' } }, 404));
});

describe('the web UI', () => {
  it('serves index.html at / with a strict CSP and no-cache', async () => {
    const r = await app.request('/');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/text\/html/);
    expect(await r.text()).toContain('<title>spanmap</title>');
    expect(r.headers.get('content-security-policy')).toBe(UI_HEADERS['Content-Security-Policy']);
    expect(r.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
    expect(r.headers.get('content-security-policy')).toMatch(/script-src 'self'(;|$)/);
    expect(r.headers.get('content-security-policy')).not.toMatch(/unsafe-inline/);
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    expect(r.headers.get('referrer-policy')).toBe('no-referrer');
    expect(r.headers.get('x-frame-options')).toBe('DENY');
    expect(r.headers.get('cache-control')).toBe('no-cache');
  });

  it('serves hashed assets with long caching', async () => {
    const r = await app.request('/assets/app-1.js');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/javascript/);
    expect(r.headers.get('cache-control')).toMatch(/immutable/);
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('answers client-side routes with index.html (deep links work)', async () => {
    const r = await app.request('/edges?srcSegment=web&dstSegment=db');
    expect(r.status).toBe(200);
    expect(await r.text()).toContain('<title>spanmap</title>');
    expect((await app.request('/policies/p1')).status).toBe(200);
  });

  it('gives a missing asset a 404, not HTML', async () => {
    const r = await app.request('/assets/gone-2.js');
    expect(r.status).toBe(404);
    expect(r.headers.get('content-type')).toMatch(/text\/plain/);
    expect((await app.request('/nope.png')).status).toBe(404);
  });

  it('leaves /api alone: API routes answer, unknown API paths stay JSON 404s', async () => {
    expect(await (await app.request('/api/v1/health')).json()).toEqual({ status: 'ok' });
    const r = await app.request('/api/v1/nope');
    expect(r.status).toBe(404);
    expect(await r.json()).toMatchObject({ error: { code: 'not_found' } });
    expect(r.headers.get('content-security-policy')).toBeNull();
    // Nor does it answer for the console's own /metrics (a scraper must not get HTML).
    expect((await app.request('/metrics')).status).toBe(404);
  });

  it('does not serve files outside the build', async () => {
    const r = await app.request('/../package.json');
    expect(await r.text()).not.toContain('"name"');
  });

  it('says how to build it when the assets are missing', async () => {
    const bare = new Hono();
    mountUi(bare, join(dir, 'missing'));
    const r = await bare.request('/');
    expect(r.status).toBe(503);
    expect(await r.text()).toBe('the web UI is not built: run make build\n');
    expect(r.headers.get('content-security-policy')).toBeTruthy();
  });
});
