import { describe, it, expect, beforeAll, afterAll, afterEach } from 'vitest';
import { join } from 'node:path';
import { writeScenario, type ScenarioTruth } from '@spanmap/scenario';
import { freePort, tempDir, killAll } from './helpers/procs.js';
import { ConsoleProc, TOKEN } from './helpers/console.js';
import { BrowserSession } from './helpers/browser.js';
import { planNames, publishNames, type PlannedAddress } from './helpers/names-plan.js';

/*
 * Names in the web console, in a real Chromium against a real console fed by a real probe (flows)
 * and by MQTT name batches (names-plan.ts): the matrix's edge list, the edge detail and a
 * policy's rules show names beside addresses (screenshots in test/artifacts/), host filters take
 * a name, the Hosts view searches, sets, removes and imports names, a name is shown as text
 * never markup, and the probes page shows names learned and overlap.
 */
const DAY = 86_400_000;
let truth: ScenarioTruth;
let plan: PlannedAddress[];
let c: ConsoleProc;
let base: string;
let policy: string;
let observations = 0;
const b = new BrowserSession();
const visible = { state: 'visible' as const, timeout: 15_000 };
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
/** The one name a host has in the plan (hosts whose name never changes), or null. */
const constant = (ip: string) => {
  const a = plan.find((x) => x.ip === ip);
  return a && a.names.length === 1 ? a.names[0]!.name : a && a.names.length === 0 ? null : undefined;
};

beforeAll(async () => {
  const dir = tempDir('browser-names');
  const pcap = join(dir, 'site.pcap');
  truth = writeScenario(pcap, { days: 4, seed: 15 });
  const p = planNames(truth);
  plan = p.addresses;
  observations = p.observations.length;
  const broker = await freePort();
  c = await new ConsoleProc(join(dir, 'console'), await freePort(), { broker }).start();
  base = `http://127.0.0.1:${c.httpPort}`;
  await c.api('/segments', { method: 'PUT', body: JSON.stringify(truth.segments) });
  await Promise.all([c.publish(pcap, 'site', join(dir, 'probe')), publishNames(`mqtt://127.0.0.1:${broker}`, 'site-names', p.observations), b.start()]);
  const { start, end } = truth.generator;
  policy = (await c.api<{ id: string }>('/policies', { method: 'POST', body: JSON.stringify({ name: 'by host', from: start, to: end, granularity: 'host' }) }))
    .id;
}, 300_000);

afterAll(async () => {
  await b.stop();
  await killAll();
});

afterEach(() => {
  expect(b.errors.splice(0), 'page or console errors').toEqual([]);
});

describe('names in the web console', () => {
  it('shows names beside addresses in the matrix’s edge list and the edge detail', async () => {
    const { page } = b;
    await page.goto(`${base}/?range=all#token=${TOKEN}`);
    await page.locator('.hm-cell[data-src="users"][data-dst="web"]').click();
    await page.getByRole('heading', { name: 'Edges' }).waitFor(visible);
    await page.locator('.vt-row:not(.placeholder)').first().waitFor(visible);
    const rows = await page.$$eval('.vt-row:not(.placeholder)', (els) =>
      els.map((e) => ({
        key: e.getAttribute('data-key')!,
        cells: [...e.querySelectorAll('.host-cell')].map((l) => ({
          name: l.querySelector('.host-name')?.textContent ?? null,
          ip: l.querySelector('.host-ip')!.textContent,
        })),
      })),
    );
    expect(rows.length).toBeGreaterThan(5);
    let named = 0;
    for (const r of rows) {
      const [src, dst] = r.key.split('|');
      expect(r.cells.map((x) => x.ip)).toEqual([src, dst]); // the address stays visible beside the name
      for (const x of r.cells) {
        const want = constant(x.ip!);
        if (want !== undefined) expect(x.name, x.ip!).toBe(want);
        if (x.name) named++;
      }
    }
    expect(named).toBeGreaterThan(0);
    await b.screenshot('names-matrix-edges');

    const row = page.locator('.vt-row:not(.placeholder)', { has: page.locator('.host-name') }).first();
    const [src, dst] = (await row.getAttribute('data-key'))!.split('|');
    await row.click();
    const head = page.locator('section.detail .detail-head h3');
    await head.waitFor(visible);
    const text = (await head.textContent())!;
    for (const ip of [src!, dst!]) {
      expect(text).toContain(ip);
      const n = constant(ip);
      if (n) expect(text).toContain(n);
    }
    await page.locator('section.detail dl.facts dt', { hasText: 'Names' }).waitFor(visible);
    await b.screenshot('names-edge-detail');
  });

  it('filters edges by a name prefix: the lease under the name it had then', async () => {
    const { page } = b;
    const { start } = truth.generator;
    await page.goto(`${base}/edges?from=${day(start)}&to=${day(start + DAY)}&host=ws-0142`);
    await page.locator('.vt-row:not(.placeholder)').first().waitFor(visible);
    const names = await page.$$eval('.vt-row .host-name', (els) => els.map((e) => e.textContent));
    expect(names.length).toBeGreaterThan(0);
    expect(names.filter((n) => n!.startsWith('ws-'))).toEqual(names.filter((n) => n!.startsWith('ws-')).map(() => 'ws-0142.corp.example'));
    expect(await page.getByRole('searchbox', { name: 'Host' }).inputValue()).toBe('ws-0142');
  });

  it('shows a policy’s host rules and their justifying edges with names', async () => {
    const { page } = b;
    await page.goto(`${base}/policies/${policy}?range=all`);
    const web1 = page.locator('.vt-row:not(.placeholder)', { hasText: 'web1.corp.example' }).first();
    await web1.waitFor(visible);
    await web1.click();
    const detail = page.locator('section.detail');
    await detail.locator('.edge-list li').first().waitFor(visible);
    expect(await detail.locator('h3').textContent()).toContain('web1.corp.example');
    expect(await detail.locator('.edge-list').textContent()).toContain('web1.corp.example');
    await b.screenshot('names-policy-rules');
  });

  it('finds hosts by any name they had, sets an operator name (shown as text, never markup) and removes it', async () => {
    const { page } = b;
    await page.goto(`${base}/hosts?q=ws-0142`);
    const row = page.locator('.vt-row:not(.placeholder)').first();
    await row.waitFor(visible);
    expect(await row.textContent()).toContain('ws-0142.corp.example');
    await row.click();
    const panel = page.locator('section.detail[aria-label="host detail"]');
    await panel.locator('ol.history li').nth(1).waitFor(visible);
    expect(await panel.locator('ol.history .host-name').allTextContents()).toEqual(['ws-0177.corp.example', 'ws-0142.corp.example']);
    await panel.getByLabel('operator name').fill('<b>kiosk</b>');
    await panel.getByRole('button', { name: 'Save name' }).click();
    await page.locator('.toast', { hasText: 'is now named <b>kiosk</b>' }).waitFor(visible);
    const shown = panel.locator('.detail-head .host-name');
    await expect.poll(() => shown.textContent()).toBe('<b>kiosk</b>');
    expect(await shown.innerHTML()).toBe('&lt;b&gt;kiosk&lt;/b&gt;');
    expect(await page.locator('b', { hasText: 'kiosk' }).count()).toBe(0);
    await b.screenshot('names-hosts');
    await panel.getByRole('button', { name: 'Remove operator name' }).click();
    await expect.poll(() => panel.locator('.detail-head .host-name').textContent()).toBe('ws-0177.corp.example');
  });

  it('imports a hosts file through the UI', async () => {
    const { page } = b;
    const ntp = plan.find((a) => a.host === 'ntp1')!.ip;
    await page.goto(`${base}/hosts?q=${ntp}`);
    await page.locator('.vt-row:not(.placeholder)').first().waitFor(visible);
    await page.getByLabel('import names from a hosts file or CSV').setInputFiles({
      name: 'hosts',
      mimeType: 'text/plain',
      buffer: Buffer.from(`# from the old DNS server\n${ntp}  ntp1.corp.example ntp1\n`),
    });
    await page.locator('.toast', { hasText: 'Imported hosts: 1 names set' }).waitFor(visible);
    await page.locator('.vt-row', { hasText: 'ntp1.corp.example' }).waitFor(visible);
    expect(await page.locator('.vt-row .badge', { hasText: 'operator' }).count()).toBe(1);
  });

  it('shows names learned per probe and where probes overlap', async () => {
    const { page } = b;
    await page.goto(`${base}/probes?probe=site-names`);
    const row = page.locator('table.probes tbody tr', { hasText: 'site-names' });
    await row.waitFor(visible);
    expect(await row.textContent()).toContain(observations.toLocaleString('en-US'));
    const card = page.locator('.probe-overlap');
    await card.waitFor(visible);
    expect(await card.textContent()).toContain(`${observations.toLocaleString('en-US')} host names learned`);
    expect(await card.textContent()).toContain('do not overlap');
  });
});
