import { describe, it, expect, beforeAll, afterAll, afterEach } from 'vitest';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { writeScenario } from '@spanmap/scenario';
import { WebhookReceiver } from '../console/src/test-util/webhook-receiver.js';
import { freePort, tempDir, killAll, waitFor } from './helpers/procs.js';
import { ConsoleProc, TOKEN } from './helpers/console.js';
import { BrowserSession } from './helpers/browser.js';

/*
 * Triage in the web console, in a real Chromium against a real console fed by a real probe: the
 * Alerts page shows the sinks' health (one webhook delivering, one failing), allows an alert from
 * its detail pane (and the policy gets a new version with the note), sends two to investigation in
 * bulk with an owner, dismisses one; the edge's review history shows the triage; a link from a
 * message (?id=N) opens that alert. Any page or console error fails the test.
 */
const DAY = 86_400_000;
const SECRET = 'browser-webhook-secret-0123456789';
const start = Date.UTC(2024, 5, 3);
const split = start + 5 * DAY;
let c: ConsoleProc;
let base: string;
let policy: string;
const hook = new WebhookReceiver(SECRET);
const b = new BrowserSession();

beforeAll(async () => {
  const dir = tempDir('alerts-browser');
  const all = join(dir, 'site.pcap');
  const truth = writeScenario(all, { days: 7, seed: 12, start, anomaliesFrom: split, scale: 0.3 });
  const before = join(dir, 'before.pcap');
  const after = join(dir, 'after.pcap');
  execFileSync('editcap', ['-B', String(split / 1000), all, before]);
  execFileSync('editcap', ['-A', String(split / 1000), all, after]);
  const [http, broker, closed] = await Promise.all([freePort(), freePort(), freePort(), hook.up()]);
  const config = join(dir, 'console.yaml');
  writeFileSync(
    config,
    `alerts:
  sinks:
    - { type: webhook, name: chat, url: "${hook.url('/chat')}", secretEnv: SPANMAP_WEBHOOK_SECRET }
    - { type: webhook, name: ticketing, url: "http://127.0.0.1:${closed}/tickets", secretEnv: SPANMAP_WEBHOOK_SECRET, retry: { initialSeconds: 0.2, maxSeconds: 1 } }
`,
  );
  c = await new ConsoleProc(join(dir, 'console'), http, { broker }, { SPANMAP_WEBHOOK_SECRET: SECRET }, ['--config', config]).start();
  base = `http://127.0.0.1:${http}`;
  await c.api('/segments', { method: 'PUT', body: JSON.stringify(truth.segments) });
  await c.publish(before, 'site', join(dir, 'probe'));
  policy = (
    await c.api<{ id: string }>('/policies', {
      method: 'POST',
      body: JSON.stringify({ name: 'first days', from: start, to: split, include: 'observed', granularity: 'segment' }),
    })
  ).id;
  await c.api(`/policies/${policy}/mode`, { method: 'POST', body: JSON.stringify({ mode: 'monitor' }) });
  await Promise.all([c.publish(after, 'site', join(dir, 'probe')), b.start()]);
  await waitFor('the alerts at the chat webhook', () => hook.acknowledged().length === 4, 20_000);
}, 240_000);

afterAll(async () => {
  await b.stop();
  await killAll();
  await hook.down();
});

afterEach(() => {
  expect(b.errors.splice(0), 'page or console errors').toEqual([]);
});

const visible = { state: 'visible' as const, timeout: 15_000 };
type Row = {
  id: string;
  status: string;
  src: string;
  dst: string;
  proto: number;
  port: number;
  review: { owner?: string; note: string; until?: number } | null;
};

describe('alert triage in the web console', () => {
  it('shows the alerts and the delivery state of each sink', async () => {
    const { page } = b;
    await page.goto(`${base}/alerts#token=${TOKEN}`);
    await page.getByRole('heading', { name: 'Alerts' }).waitFor(visible);
    await expect.poll(() => page.locator('.vt-row:not(.placeholder)').count()).toBe(4);
    const chat = page.locator('tr[data-sink="chat"]');
    await chat.locator('.badge', { hasText: 'delivering' }).waitFor(visible);
    expect(await chat.locator('.sink-queued').textContent()).toBe('0');
    const ticketing = page.locator('tr[data-sink="ticketing"]');
    await ticketing.locator('.badge', { hasText: 'failing' }).waitFor(visible);
    expect(await ticketing.locator('.sink-queued').textContent()).toBe('4');
    expect(await ticketing.locator('.sink-failures').textContent()).toMatch(/refused \d+/);
    await b.screenshot('alerts-list');
  });

  it('allows one from its detail pane: the policy gets a new version with the note', async () => {
    const { page } = b;
    const row = page.locator('.vt-row:not(.placeholder)').last();
    const id = (await row.getAttribute('data-key'))!;
    await row.click();
    const detail = page.locator('section.detail');
    await detail.waitFor(visible);
    await detail.getByLabel('note for this alert').fill('new report job, CHG-20');
    await detail.getByRole('button', { name: 'Allow', exact: true }).click();
    await page.locator('.toast', { hasText: 'Allowed: 1 alert (policy version 2)' }).waitFor(visible);
    await page.locator(`.vt-row[data-key="${id}"] .badge`, { hasText: 'allowed' }).waitFor(visible);
    expect((await c.api<Row>(`/alerts/${id}`)).status).toBe('allowed');
    // The policy's new version, seen through the UI.
    await detail.getByRole('link', { name: 'first days' }).click();
    await page.getByRole('tab', { name: 'Versions' }).click();
    await expect.poll(() => page.locator('table.grid tbody tr').count()).toBe(2);
    expect(await page.locator('table.grid tbody tr', { hasText: 'CHG-20' }).count()).toBe(1);
    await b.screenshot('alerts-policy-version');
  });

  it('sends two to investigation in bulk with an owner, and dismisses one for three days', async () => {
    const { page } = b;
    await page.getByRole('navigation').getByRole('link', { name: 'Alerts' }).click();
    const rows = page.locator('.vt-row:not(.placeholder)');
    await expect.poll(() => rows.count()).toBe(3); // open ones only: the allowed alert is gone from the list
    const ids = await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-key')!));
    for (const id of ids.slice(0, 2)) await page.locator(`.vt-row[data-key="${id}"] input[type=checkbox]`).check();
    const bulk = page.getByRole('region', { name: 'bulk triage' });
    await bulk.getByLabel('note for the selected alerts').fill('ask the app team');
    await bulk.getByLabel('owner').fill('erin');
    await bulk.getByRole('button', { name: 'Investigate (2)' }).click();
    await page.locator('.toast', { hasText: 'Under investigation: 2 alerts' }).waitFor(visible);
    for (const id of ids.slice(0, 2)) await page.locator(`.vt-row[data-key="${id}"] .badge`, { hasText: 'investigating' }).waitFor(visible);
    await page.locator(`.vt-row[data-key="${ids[2]}"]`).click();
    const detail = page.locator('section.detail');
    await detail.getByLabel('days').fill('3');
    await detail.getByRole('button', { name: 'Dismiss', exact: true }).click();
    await page.locator(`.vt-row[data-key="${ids[2]}"] .badge`, { hasText: 'dismissed' }).waitFor(visible);
    const got = await Promise.all(ids.map((id) => c.api<Row>(`/alerts/${id}`)));
    expect(got.map((a) => [a.status, a.review?.owner ?? null, a.review?.note])).toEqual([
      ['investigate', 'erin', 'ask the app team'],
      ['investigate', 'erin', 'ask the app team'],
      ['dismissed', null, ''],
    ]);
    expect(got[2]!.review!.until! - Date.now()).toBeGreaterThan(2.9 * DAY);
    await b.screenshot('alerts-triage');
  });

  it('shows the triage in the edge’s review history, and opens an alert from a message link', async () => {
    const { page } = b;
    const [allowed] = await c.api<Row[]>('/alerts?status=allowed');
    await page.goto(`${base}/alerts?id=${allowed!.id}`);
    const detail = page.locator('section.detail[aria-label="alert detail"]');
    await detail.waitFor(visible);
    expect(await detail.locator('h3').textContent()).toContain(`#${allowed!.id}`);
    await detail.getByRole('link', { name: /Open the edge/ }).click();
    const history = page.locator('section.detail ol.history li', { hasText: 'CHG-20' });
    await history.waitFor(visible);
    expect(await history.textContent()).toContain('alert allowed');
  });
});
