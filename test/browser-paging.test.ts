import { describe, it, expect, beforeAll, afterAll, afterEach } from 'vitest';
import { connectAsync } from 'mqtt';
import { encodeBatch, topics, type SummaryEntry } from '@spanmap/shared';
import { freePort, tempDir, killAll, waitFor } from './helpers/procs.js';
import { ConsoleProc, TOKEN } from './helpers/console.js';
import { BrowserSession } from './helpers/browser.js';

/*
 * The Edges list on a console holding 24,000 edges (12 pages of 2,000), in a real Chromium against
 * a real console fed through its MQTT ingest path. Reading pages on from the first, End would ask
 * for all 12; it must ask for the last one only, and show the last row, whose content is known
 * here: the one edge with a single flow (the list is sorted by flows, descending). Scrolling fast
 * past pages does not fetch them, memory stays bounded, and a review changes a row in place.
 */
const N = 24_000;
const T0 = Date.UTC(2024, 5, 3) + 10 * 3_600_000;
const FIRST = '10.9.0.1|10.2.0.1|6|8443'; // 3 flows: the first row
const LAST = '10.9.0.2|10.2.0.1|6|8443'; // 1 flow: the last row
const ROW_HEIGHT = 38;
let c: ConsoleProc;
let base: string;
const b = new BrowserSession();
/** The list's /edges requests (their query strings), in order; not the one-row probe for the data's extent. */
const requests: string[] = [];

function entry(src: string, port: number, flows: number): SummaryEntry {
  return {
    src,
    dst: '10.2.0.1',
    proto: 6,
    port,
    vlan: null,
    iface: null,
    flows,
    records: flows,
    packets: 4 * flows,
    bytes: 400 * flows,
    rpackets: 3 * flows,
    rbytes: 900 * flows,
    first: T0,
    last: T0 + 1000,
    tcpFlags: 27,
    rtcpFlags: 27,
    init: { syn: flows, port: 0, first: 0 },
  };
}

/** Every edge as summary batches a probe would send: N - 2 with two flows, and the two sentinels. */
function batches(): Uint8Array[] {
  const entries = [entry('10.9.0.1', 8443, 3), entry('10.9.0.2', 8443, 1)];
  for (let i = 0; i < N - 2; i++) entries.push(entry(`10.1.${i >> 8}.${i & 255}`, 443, 2));
  const out: Uint8Array[] = [];
  for (let i = 0; i < entries.length; i += 2000) {
    const part = entries.slice(i, i + 2000);
    out.push(encodeBatch({ v: 1, probe: 'bulk', epoch: 'ef'.repeat(16), seq: out.length + 1, from: T0, to: T0 + 1000, records: [], names: [], entries: part }));
  }
  return out;
}

const offsets = (from = 0) => requests.slice(from).map((q) => Number(new URLSearchParams(q).get('offset')));
const row = (key: string) => b.page.locator(`.vt-row[data-key="${key}"]`);
const visible = { state: 'visible' as const, timeout: 15_000 };

async function api(path: string): Promise<{ rows: Array<{ src: string; dst: string; proto: number; port: number; review: unknown }>; total: number }> {
  const r = await fetch(`${base}/api/v1${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
  return { rows: await r.json(), total: Number(r.headers.get('x-total-count')) };
}

/** Scrolls the list so row `index` is at the top. */
async function scrollTo(index: number): Promise<void> {
  await b.page.locator('.vt').evaluate((el, y) => (el.scrollTop = y), index * ROW_HEIGHT);
}

beforeAll(async () => {
  const [http, broker] = await Promise.all([freePort(), freePort()]);
  c = await new ConsoleProc(tempDir('browser-paging'), http, { broker }).start();
  base = `http://127.0.0.1:${http}`;
  const sends = batches();
  const client = await connectAsync(`mqtt://127.0.0.1:${broker}`, { reconnectPeriod: 0 });
  for (const payload of sends) await client.publishAsync(topics.flows('bulk'), Buffer.from(payload), { qos: 1 });
  await client.endAsync();
  await waitFor(
    'every batch ingested',
    async () => (await c.api<{ ingest: { batchesApplied: number } }>('/stats')).ingest.batchesApplied === sends.length,
    60_000,
  );
  expect((await api('/edges?limit=1')).total).toBe(N);
  await b.start();
  b.page.on('request', (r) => {
    const u = new URL(r.url());
    if (u.pathname === '/api/v1/edges' && u.searchParams.get('limit') !== '1') requests.push(u.search);
  });
}, 120_000);

afterAll(async () => {
  await b.stop();
  await killAll();
});

afterEach(() => {
  const errors = b.errors.splice(0);
  expect(errors, 'page or console errors').toEqual([]);
});

describe('the Edges list over 24,000 edges, paged by offset', () => {
  it('shows the first rows from one short request, and the last row after End from one more', async () => {
    const { page } = b;
    await page.goto(`${base}/#token=${TOKEN}`);
    await page.getByRole('heading', { name: 'Segment matrix' }).waitFor(visible);
    requests.length = 0;
    await page.goto(`${base}/edges`);
    await row(FIRST).waitFor(visible);
    await expect.poll(() => page.locator('.list-status').textContent()).toContain('24,000 edges');
    expect(requests).toHaveLength(1);
    expect(new URLSearchParams(requests[0]).get('limit')).toBe('1000');
    expect(offsets()).toEqual([0]);

    await page.locator('.vt').focus();
    await page.keyboard.press('End');
    await row(LAST).waitFor(visible);
    expect(await row(LAST).getAttribute('aria-rowindex')).toBe(String(N + 1)); // the header is row 1
    expect(offsets(1)).toEqual([22_000]);
    await expect.poll(() => page.locator('.vt-row.placeholder').count()).toBe(0);
    expect(await page.locator('.vt-row').count()).toBeLessThan(80);

    // Back to the top: the first page is still in memory.
    await page.keyboard.press('Home');
    await row(FIRST).waitFor(visible);
    expect(requests).toHaveLength(2);
  });

  it('reviews the last row in place, from the keyboard', async () => {
    const { page } = b;
    await page.keyboard.press('End');
    await row(LAST).click();
    await page.locator('section.detail').waitFor(visible);
    await page.locator('.vt').focus();
    await page.keyboard.press('e');
    await row(LAST).locator('.badge.expected').waitFor(visible);
    const [src, dst, proto, port] = LAST.split('|');
    const edge = (await api(`/edges?host=${src}&proto=${proto}&port=${port}`)).rows.find((e) => e.dst === dst)!;
    expect(edge.review).toMatchObject({ status: 'expected' });
    await page.keyboard.press('Escape');
  });

  it('skips the pages a fast scroll passes, and shows the rows where it stops', async () => {
    const { page } = b;
    const before = requests.length;
    // Six stops on pages not next to one in memory (0 and 11), 20 ms each: faster than the list
    // waits for a jump to settle.
    await page.locator('.vt').evaluate(async (el, rh) => {
      for (const r of [5000, 8000, 11_000, 14_000, 17_000, 19_500]) {
        el.scrollTop = r * rh;
        await new Promise((done) => setTimeout(done, 20));
      }
    }, ROW_HEIGHT);
    const want = (await api('/edges?offset=19500&limit=1')).rows[0]!;
    const key = `${want.src}|${want.dst}|${want.proto}|${want.port}`;
    await row(key).waitFor(visible);
    expect(await row(key).getAttribute('aria-rowindex')).toBe(String(19_500 + 2));
    await expect.poll(() => page.locator('.vt-row.placeholder').count()).toBe(0);
    // The page it stopped on (18,000-19,999); the stops before are not fetched (one, should the
    // machine stall past the settle time, is tolerated; never all six).
    expect(offsets(before)).toContain(18_000);
    expect(requests.length - before).toBeLessThanOrEqual(2);
  });

  it('keeps a bounded number of pages in memory however far it scrolls', async () => {
    const { page } = b;
    for (let p = 0; p < 12; p++) {
      await scrollTo(p * 2000 + 700);
      await page.locator(`.vt-row[aria-rowindex="${p * 2000 + 702}"]:not(.placeholder)`).waitFor(visible);
    }
    const status = (await page.locator('.list-status').textContent())!;
    const loaded = Number(/([\d,]+) loaded/.exec(status)![1]!.replace(/,/g, ''));
    expect(loaded).toBeGreaterThanOrEqual(2000);
    expect(loaded).toBeLessThanOrEqual(8 * 2000);
    // The first page was dropped: back at the top, it is asked for again.
    const before = requests.length;
    await scrollTo(0);
    await row(FIRST).waitFor(visible);
    expect(offsets(before)).toEqual([0]);
  });
});
