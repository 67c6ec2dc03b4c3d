#!/usr/bin/env node
/* global document */
// The web UI on a large console (issue 18): a real console process over a store built through the
// ingest path (bench/queries.mjs --keep builds one: pass its directory with --store DIR, or this
// builds one of --edges N), driven by Debian's Chromium: time to the first matrix, to the first
// page of edges, to the last of them (virtualised scrolling), and to an edge's detail.
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
  // Rows load page by page from the first (cursor paging): the End key on a million rows asks for
  // every page before it and does not finish within two minutes here, so this scrolls to row 50,000.
  await step('edges: scrolled to row 50,000', async () => {
    await page.evaluate(() => {
      const vt = document.querySelector('.vt');
      const row = document.querySelector('.vt-row:not(.placeholder)');
      vt.scrollTop = 50_000 * row.getBoundingClientRect().height;
    });
    await page.waitForFunction(() => !document.querySelector('.vt-row.placeholder') && document.querySelectorAll('.vt-row').length > 0, null, {
      timeout: 120_000,
    });
  });
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
  console.log(`\nweb UI against a real console on ${storeDir}`);
  console.log(table(rows, ['step', 'ms']));
  console.log(`DOM nodes on the edges page at the end: ${await page.evaluate(() => document.getElementsByTagName('*').length)}`);
} finally {
  await browser.close();
  proc.kill('SIGTERM');
  if (own) rmSync(own, { recursive: true, force: true });
}
