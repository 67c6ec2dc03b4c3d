import { describe, it, expect, beforeAll, afterAll, afterEach } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { writeScenario, type ScenarioTruth } from '@spanmap/scenario';
import { freePort, tempDir, spanmapProc, killAll, Proc } from './helpers/procs.js';
import { ConsoleProc, TOKEN } from './helpers/console.js';
import { BrowserSession } from './helpers/browser.js';
import { REPO } from './helpers/paths.js';
import { fakeLargeApi } from './helpers/fake-api.js';

/*
 * The web console in a real Chromium against a real console process fed by a real probe: log in
 * from the printed URL, read the matrix, open an edge, review it, fail a segment edit on the API's
 * validation, see the probes. Any page error or console error fails the test. Screenshots of the
 * main views go to test/artifacts/.
 */
let truth: ScenarioTruth;
let c: ConsoleProc;
let base: string;
let dir: string;
let broker: number;
/** A day after the first week, with policy violations in it: replayed once a policy is monitoring. */
let later: string;
const b = new BrowserSession();

async function ensureUiBuilt(): Promise<void> {
  if (existsSync(join(REPO, 'console', 'ui', 'dist', 'index.html'))) return;
  const p = new Proc(process.execPath, [
    join(REPO, 'node_modules', 'vite', 'bin', 'vite.js'),
    'build',
    '--config',
    'console/ui/vite.config.ts',
    '--logLevel',
    'warn',
  ]);
  if ((await p.exited) !== 0) throw new Error(`building the web UI failed: ${p.err}`);
}

beforeAll(async () => {
  dir = tempDir('browser');
  const pcap = join(dir, 'site.pcap');
  let http: number;
  [, broker, http] = await Promise.all([ensureUiBuilt(), freePort(), freePort()]);
  truth = writeScenario(pcap, { days: 7, seed: 8, vlans: true });
  later = join(dir, 'later.pcap');
  writeScenario(later, { start: truth.generator.end, days: 1, seed: 8, vlans: true, anomaliesFrom: truth.generator.end + 3_600_000 });
  c = await new ConsoleProc(join(dir, 'console'), http, { broker }).start();
  base = `http://127.0.0.1:${http}`;
  await c.api('/segments', { method: 'PUT', body: JSON.stringify(truth.segments) });
  const probe = spanmapProc(['probe', 'read', pcap, '--publish', `mqtt://127.0.0.1:${broker}`, '--probe-id', 'site-a', '--data', join(dir, 'probe')]);
  const [code] = await Promise.all([probe.exited, b.start()]);
  if (code !== 0) throw new Error(`probe read --publish exited ${code}: ${probe.err}`);
}, 120_000);

afterAll(async () => {
  await b.stop();
  await killAll();
});

afterEach(() => {
  const errors = b.errors.splice(0);
  expect(errors, 'page or console errors').toEqual([]);
});

const visible = { state: 'visible' as const, timeout: 15_000 };

describe('the web console in Chromium', () => {
  it('logs in from the printed URL and takes the token out of the address bar', async () => {
    const { page } = b;
    await page.goto(`${base}/#token=${TOKEN}`);
    await page.getByRole('heading', { name: 'Segment matrix' }).waitFor(visible);
    expect(page.url()).toBe(`${base}/`);
    expect(await page.evaluate(() => sessionStorage.getItem('spanmap.token'))).toBe(TOKEN);
    // Replaced, not pushed: the entry before is the blank page, not the URL with the token.
    await page.goBack();
    expect(page.url()).toBe('about:blank');
    await page.goForward();
    await page.getByRole('heading', { name: 'Segment matrix' }).waitFor(visible);
    expect(page.url()).toBe(`${base}/`);
  });

  it('shows the segment matrix: every segment, a drawn heatmap with services', async () => {
    const { page } = b;
    await page.locator('.hm-cell:not(.empty)').first().waitFor(visible);
    for (const s of truth.segments) {
      await expect.poll(() => page.locator('.hm-row', { hasText: new RegExp(`^${s.name}$`) }).isVisible()).toBe(true);
      expect(await page.locator('.hm-col', { hasText: new RegExp(`^${s.name}$`) }).isVisible()).toBe(true);
    }
    const painted = await page.$$eval('.hm-cell:not(.empty)', (els) => els.filter((e) => getComputedStyle(e).backgroundColor !== 'rgba(0, 0, 0, 0)').length);
    const cells = (await c.api<{ cells: unknown[] }>('/matrix')).cells.length;
    expect(painted).toBe(cells);
    expect(await page.locator('.hm-services').first().textContent()).toMatch(/\w/);
    await b.screenshot('matrix');
    await page.getByRole('button', { name: 'Bytes', exact: true }).click();
    await expect.poll(() => page.url()).toContain('metric=bytes');
    await page.locator('.legend-title', { hasText: 'Bytes' }).waitFor(visible);
  });

  it('opens a cell as its list of edges', async () => {
    const { page } = b;
    const m = await c.api<{ cells: Array<{ src: string; dst: string; edges: number }> }>('/matrix');
    const cell = m.cells.filter((x) => x.src !== x.dst).sort((x, y) => y.edges - x.edges)[0]!;
    await page.locator(`.hm-cell[data-src="${cell.src}"][data-dst="${cell.dst}"]`).click();
    await page.getByRole('heading', { name: 'Edges' }).waitFor(visible);
    expect(page.url()).toContain(`srcSegment=${cell.src}`);
    expect(page.url()).toContain(`dstSegment=${cell.dst}`);
    await page.locator('.vt-row:not(.placeholder)').first().waitFor(visible);
    await expect.poll(() => page.locator('.list-status').textContent()).toContain(`${cell.edges} edge`);
    const segs = await page.$$eval('.vt-row .seg', (els) => els.map((e) => e.textContent));
    expect(new Set(segs)).toEqual(new Set([cell.src, cell.dst]));
    await b.screenshot('edges');
  });

  it('shows an edge: hourly timeline drawn, and reviewing it changes its state', async () => {
    const { page } = b;
    const row = page.locator('.vt-row:not(.placeholder)').first();
    const key = (await row.getAttribute('data-key'))!;
    await row.click();
    const detail = page.locator('section.detail');
    await detail.waitFor(visible);
    await detail.locator('.chart[data-drawn="true"] canvas').first().waitFor(visible);
    expect(await detail.locator('.badge.none').first().textContent()).toBe('unreviewed');
    await detail.getByLabel('review note').fill('owner confirmed: CHG-1234');
    await detail.getByRole('button', { name: 'Expected' }).click();
    await detail.locator('.current-review .badge.expected').waitFor(visible);
    await detail.locator('ol.history li', { hasText: 'CHG-1234' }).waitFor(visible);
    await page.locator(`.vt-row[data-key="${key}"] .badge.expected`).waitFor(visible);
    const [src, dst, proto, port] = key.split('|');
    const edges = await c.api<Array<{ src: string; dst: string; review: { status: string; note: string } | null }>>(
      `/edges?host=${src}&proto=${proto}&port=${port}&limit=10000`,
    );
    expect(edges.find((e) => e.src === src && e.dst === dst)!.review).toMatchObject({ status: 'expected', note: 'owner confirmed: CHG-1234' });
    await b.screenshot('edge-detail');
    // Keyboard triage: the next edge, marked "investigate" with one key.
    await page.locator('.vt').focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('i');
    await page.locator('.vt-row.active .badge.investigate').waitFor(visible);
  });

  it('shows the API validation message next to the segment field it names', async () => {
    const { page } = b;
    await page.getByRole('navigation').getByRole('link', { name: 'Segments' }).click();
    const [first, second] = truth.segments;
    const row = page.locator(`.seg-row[data-segment="${second!.name}"]`);
    await row.waitFor(visible);
    const cidrs = row.getByLabel(`CIDRs of ${second!.name}`);
    await cidrs.fill(`${first!.cidrs[0]}\n${second!.cidrs.join('\n')}`);
    const expected400 = b.expectErrors(/status of 400/);
    await page.getByRole('button', { name: 'Save changes' }).click();
    const msg = row.locator('.field-error');
    await msg.waitFor(visible);
    expect(await msg.textContent()).toContain(`is also in segment "${first!.name}" (ambiguous)`);
    expect(await cidrs.getAttribute('aria-invalid')).toBe('true');
    expected400.done();
    await b.screenshot('segments-error');
    await page.getByRole('button', { name: 'Discard changes' }).click();
    await expect.poll(() => cidrs.inputValue()).toBe(second!.cidrs.join('\n'));
    expect((await c.api<Array<{ cidrs: string[] }>>('/segments'))[1]!.cidrs).toEqual(second!.cidrs);
  });

  it('shows the probes: state, totals and charts of rate and backlog', async () => {
    const { page } = b;
    await page.getByRole('navigation').getByRole('link', { name: 'Probes' }).click();
    const row = page.locator('table.probes tbody tr', { hasText: 'site-a' });
    await row.waitFor(visible);
    const p = (await c.probe('site-a'))!;
    expect(await row.textContent()).toContain(p.flows.toLocaleString('en-US'));
    await page.locator('.probe-detail .chart[data-drawn="true"]').nth(1).waitFor(visible);
    await b.screenshot('probes');
  });

  it('lists the long tail, rarest first, and the coverage per segment', async () => {
    const { page } = b;
    await page.getByRole('navigation').getByRole('link', { name: 'Long tail' }).click();
    await page.locator('.vt-row:not(.placeholder)').first().waitFor(visible);
    const rarities = await page.$$eval('.vt-row .rarity', (els) => els.slice(0, 10).map((e) => parseFloat(e.textContent ?? '')));
    expect(rarities).toEqual([...rarities].sort((x, y) => y - x));
    await b.screenshot('longtail');
    await page.getByRole('navigation').getByRole('link', { name: 'Coverage' }).click();
    await page.locator('table.coverage tbody tr').first().waitFor(visible);
    for (const s of truth.segments) expect(await page.locator('table.coverage tbody tr', { hasText: s.name }).count()).toBeGreaterThan(0);
    await b.screenshot('coverage');
  });

  it('drafts a policy from the reviewed edges and simulates it: the would-be-blocked flows', async () => {
    const { page } = b;
    await page.getByRole('navigation').getByRole('link', { name: 'Policies' }).click();
    await page.getByRole('heading', { name: 'Draft a policy from the window' }).waitFor(visible);
    await page.getByLabel('Name').fill('reviewed only');
    await page.getByLabel('Allow').selectOption('expected');
    await page.getByRole('button', { name: 'Draft policy' }).click();
    await page.getByRole('heading', { name: 'reviewed only' }).waitFor(visible);
    expect(page.url()).toMatch(/\/policies\/[^/?]+/);
    await page.locator('.vt-row:not(.placeholder)').first().waitFor(visible);
    expect(await page.locator('.toolbar', { hasText: 'allow rules' }).textContent()).toContain('deny everything else');
    await page.getByRole('tab', { name: 'Simulate' }).click();
    await page.getByRole('button', { name: 'Simulate', exact: true }).click();
    const blocked = page.locator('.stat', { hasText: 'flows blocked' }).locator('.stat-value');
    await blocked.waitFor(visible);
    expect(Number((await blocked.textContent())!.replace(/,/g, ''))).toBeGreaterThan(0);
    await page.locator('.vt-row:not(.placeholder)').first().waitFor(visible);
    await b.screenshot('policy-simulate');
  });

  it('monitors it: live would-be-blocked flows in a queue, allowed from there, and alerts', async () => {
    const { page } = b;
    await page.getByRole('tab', { name: 'Monitor' }).click();
    await page.getByRole('button', { name: 'Start monitor mode' }).click();
    await page.locator('.badge.mode-monitor').first().waitFor(visible);
    const probe = spanmapProc(['probe', 'read', later, '--publish', `mqtt://127.0.0.1:${broker}`, '--probe-id', 'site-b', '--data', join(dir, 'probe-b')]);
    expect(await probe.exited, probe.err).toBe(0);
    await page.getByRole('button', { name: 'Refresh', exact: true }).click();
    const first = page.locator('.vt-row:not(.placeholder)').first();
    await first.waitFor(visible);
    await expect.poll(() => first.locator('.badge').textContent()).toBe('to review');
    await first.locator('input[type=checkbox]').check();
    await page.getByLabel('note for the selected violations').fill('backup job, ticket OPS-7');
    await page.getByRole('button', { name: 'Allow', exact: true }).click();
    await page.locator('.toast', { hasText: 'Allowed: 1 edge' }).waitFor(visible);
    await page.locator('.vt-row .badge.expected', { hasText: 'allow' }).first().waitFor(visible);
    await b.screenshot('policy-monitor');
    await page.getByRole('tab', { name: 'Versions' }).click();
    await page.locator('.diff-add').first().waitFor(visible);
    expect(await page.locator('table.grid tbody tr').count()).toBe(2);
    // A hand-written rule: the API's message for a wrong segment, then a new version.
    await page.getByRole('tab', { name: 'Rules' }).click();
    await page.getByRole('button', { name: 'Add rule' }).click();
    await page.getByLabel('Source value').fill('nope');
    await page.getByLabel('Destination value').fill(truth.segments[0]!.name);
    await page.getByLabel('Ports').fill('443, 8000-8080');
    await page.getByLabel('Reason for this change').fill('CHG-9');
    const expected400 = b.expectErrors(/status of 400/);
    await page.locator('form.add-rule').getByRole('button', { name: 'Add rule' }).click();
    await page.locator('form.add-rule .error', { hasText: 'no segment named "nope"' }).waitFor(visible);
    expected400.done();
    await page.getByLabel('Source value').fill(truth.segments[1]!.name);
    await page.locator('form.add-rule').getByRole('button', { name: 'Add rule' }).click();
    await page.locator('.toast', { hasText: 'Rule added: version 3' }).waitFor(visible);
    await page.getByRole('tab', { name: 'Export' }).click();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download nftables' }).click()]);
    expect(download.suggestedFilename()).toMatch(/\.nft$/);
    await page.locator('.toast', { hasText: 'Downloaded' }).waitFor(visible);
    await page.getByRole('navigation').getByRole('link', { name: 'Alerts' }).click();
    await page.locator('.vt-row:not(.placeholder)').first().waitFor(visible);
    expect(await page.locator('.vt-row .badge', { hasText: 'new' }).count()).toBeGreaterThan(0);
    await b.screenshot('alerts');
  });

  it('sends a rejected token back to the login with a message', async () => {
    const { page } = b;
    const expected401 = b.expectErrors(/status of 401/);
    await page.evaluate(() => sessionStorage.setItem('spanmap.token', 'not-the-token'));
    await page.reload();
    await page.getByRole('button', { name: 'Log in' }).waitFor(visible);
    expect(await page.locator('.login-box .error').first().textContent()).toContain('rejected the token');
    expected401.done();
    await b.screenshot('login');
    await page.getByLabel('API token').fill(TOKEN);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Alerts' }).waitFor(visible);
  });
});

describe('the web console at scale (200 segments, 100,000 edges)', () => {
  it('keeps the DOM small and the page responsive', async () => {
    const page = await b.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    try {
      const { requests } = await fakeLargeApi(page, { segments: 200, edges: 100_000 });
      let t = Date.now();
      await page.goto(`${base}/?cells=detailed#token=${TOKEN}`);
      await page.locator('.hm-cell:not(.empty)').first().waitFor(visible);
      const matrixMs = Date.now() - t;
      // Virtualised in both directions: a screenful of cells, not 40,000.
      expect(await page.locator('.hm-cell').count()).toBeLessThan(1500);
      await page.locator('.heatmap').evaluate((el) => el.scrollTo(el.scrollWidth, el.scrollHeight));
      await page.locator('.hm-row', { hasText: 'seg-199' }).waitFor(visible);
      await page.locator('.hm-col', { hasText: 'seg-199' }).waitFor(visible);
      await page.locator('.hm-cell[data-src="seg-199"]').first().waitFor(visible);
      await page.goto(`${base}/?cells=compact`);
      await page.locator('.hm-cell:not(.empty)').first().waitFor(visible);
      expect(await page.locator('.hm-cell').count()).toBeLessThan(4000);
      await page.screenshot({ path: join(REPO, 'test', 'artifacts', 'matrix-200.png') });

      t = Date.now();
      await page.goto(`${base}/edges`);
      await page.locator('.vt-row:not(.placeholder)').first().waitFor(visible);
      await expect.poll(() => page.locator('.list-status').textContent()).toContain('100,000 edges');
      const firstPageMs = Date.now() - t;
      expect(await page.locator('.vt-row').count()).toBeLessThan(120);
      // To the last row: only the page holding it is asked for (by offset), the DOM stays a screenful.
      const pages = () => requests.filter((r) => r.startsWith('/edges?') && !r.includes('limit=1&'));
      const before = pages().length;
      t = Date.now();
      await page.locator('.vt').focus();
      await page.keyboard.press('End');
      await page.locator('.vt-row[data-key^="10.1.134.159|"]').waitFor(visible);
      const lastRowMs = Date.now() - t;
      expect(await page.locator('.vt-row').count()).toBeLessThan(120);
      const offsets = pages().map((r) => new URLSearchParams(r.split('?')[1]).get('offset'));
      expect(offsets.slice(before)).toEqual(['98000']);
      // Still responsive: a click opens the detail pane at once.
      await page.locator('.vt-row:not(.placeholder)').last().click();
      await page.locator('section.detail .chart[data-drawn="true"]').waitFor(visible);
      await page.screenshot({ path: join(REPO, 'test', 'artifacts', 'edges-100k.png') });
      console.log(`scale: matrix ${matrixMs} ms, first page ${firstPageMs} ms, the last of 100,000 rows ${lastRowMs} ms`);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
