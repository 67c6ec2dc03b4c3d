#!/usr/bin/env node
/* global document */
// The web UI on a large console (issue 18): a real console process over a store built through the
// ingest path (bench/queries.mjs --keep builds one: pass its directory with --store DIR, or this
// builds one of --edges N), driven by Debian's Chromium: time to the first matrix, to the first
// page of edges, to row 50,000 (scrolled to), to the last row (the End key), and to an edge's detail.
// usage: node bench/ui-scale.mjs [--store DIR | --edges N]
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createServer } from 'node:net';
import { chromium } from 'playwright-core';
import { CLI, table } from './lib.mjs';

const { values } = parseArgs({ options: { store: { type: 'string' }, edges: { type: 'string', default: '1000000' } } });
const TOKEN = 'bench-token-0123456789';
let dir = values.store;
let own = null;
if (!dir) {
  own = mkdtempSync(join(tmpdir(), 'spanmap-bench-ui-'));
  console.error(`building a ${Number(values.edges).toLocaleString()}-edge store (bench/queries.mjs)...`);
  const r = spawnSync(process.execPath, [join(import.meta.dirname, 'queries.mjs'), '--edges', values.edges, '--runs', '3', '--reuse', own], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (r.status !== 0) throw new Error('building the store failed');
  dir = own;
}
const storeDir = existsSync(join(dir, 'store')) ? join(dir, 'store') : dir;
const freePort = () =>
  new Promise((res) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => res(p));
    });
  });
const http = await freePort();
const proc = spawn(process.execPath, [CLI, 'console', '--data', storeDir, '--http', `127.0.0.1:${http}`, '--broker', `127.0.0.1:${await freePort()}`], {
  env: { ...process.env, SPANMAP_API_TOKEN: TOKEN },
  stdio: ['ignore', 'ignore', 'inherit'],
});
const base = `http://127.0.0.1:${http}`;
for (;;) {
  try {
    if ((await fetch(`${base}/api/v1/health`)).ok) break;
  } catch {
    /* starting */
  }
  await new Promise((r) => setTimeout(r, 50));
}
const browser = await chromium.launch({
  executablePath: process.env.SPANMAP_CHROMIUM ?? '/usr/bin/chromium',
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});
const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
const visible = { state: 'visible', timeout: 120_000 };
const rows = [];
const step = async (label, f) => {
  const t = performance.now();
  await f();
  rows.push([label, (performance.now() - t).toFixed(0)]);
};
try {
  await step('log in, matrix drawn', async () => {
    await page.goto(`${base}/#token=${TOKEN}`);
    await page.locator('.hm-cell:not(.empty)').first().waitFor(visible);
  });
  await step('edges: first page', async () => {
    await page.goto(`${base}/edges`);
    await page.locator('.vt-row:not(.placeholder)').first().waitFor(visible);
  });
  // Rows load by offset, only the pages on screen: scrolling to a row or pressing End asks for the
  // page holding it (after the view settles for 120 ms), not every page before it.
  const total = await page.locator('.vt').evaluate((el) => Number(el.getAttribute('aria-rowcount')) - 1);
  const target = Math.min(50_000, Math.floor(total / 2)); // a small store: halfway, so End still jumps
  const edgeRequests = [];
  page.on('request', (r) => {
    const u = new URL(r.url());
    if (u.pathname === '/api/v1/edges' && u.searchParams.get('limit') !== '1') edgeRequests.push(u.searchParams.get('offset'));
  });
  const row = (i) => page.locator(`.vt-row[aria-rowindex="${i + 2}"]:not(.placeholder)`);
  await step(`edges: scrolled to row ${target.toLocaleString()}`, async () => {
    await page.evaluate((n) => {
      const vt = document.querySelector('.vt');
      const r = document.querySelector('.vt-row:not(.placeholder)');
      vt.scrollTop = n * r.getBoundingClientRect().height;
    }, target);
    await row(target).waitFor(visible);
  });
  const beforeEnd = edgeRequests.length;
  await step(`edges: End key, row ${total.toLocaleString()} visible`, async () => {
    await page.locator('.vt').focus();
    await page.keyboard.press('End');
    await row(total - 1).waitFor(visible);
  });
  const endPages = edgeRequests.slice(beforeEnd);
  await step('an edge: detail and timeline', async () => {
    await page.locator('.vt-row:not(.placeholder)').last().click();
    await page.locator('section.detail .chart[data-drawn="true"]').waitFor(visible);
  });
  await step('long tail: first page', async () => {
    await page.goto(`${base}/longtail`);
    await page.locator('.vt-row:not(.placeholder)').first().waitFor(visible);
  });
  await step('coverage', async () => {
    await page.goto(`${base}/coverage`);
    await page.locator('table, .coverage').first().waitFor(visible);
  });
  console.log(`\nweb UI against a real console on ${storeDir} (${total.toLocaleString()} edges)`);
  console.log(table(rows, ['step', 'ms']));
  console.log(`End asked for ${endPages.length} page(s) of edges (offsets ${endPages.join(', ')})`);
  console.log(`DOM nodes on the edges page at the end: ${await page.evaluate(() => document.getElementsByTagName('*').length)}`);
} finally {
  await browser.close();
  proc.kill('SIGTERM');
  if (own) rmSync(own, { recursive: true, force: true });
}
