import type { Page, Route } from 'playwright-core';

/**
 * A synthetic console API for the browser's scale test: `segments` segments with a dense matrix and
 * `edges` edges, paged like the real /edges (offset or cursor; X-Total-Count, X-Next-Cursor). Served from the test
 * process through Playwright's routing, so no console has to hold 100,000 edges.
 */
export async function fakeLargeApi(page: Page, opts: { segments: number; edges: number }): Promise<{ requests: string[] }> {
  const names = Array.from({ length: opts.segments }, (_, i) => `seg-${String(i).padStart(3, '0')}`);
  const start = Date.UTC(2024, 5, 3);
  const edge = (i: number) => {
    const s = names[i % names.length]!;
    const d = names[(i * 7) % names.length]!;
    return {
      src: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
      dst: `172.16.${(i >> 8) & 255}.${i & 255}`,
      proto: 6,
      port: 1000 + (i % 5000),
      srcSegment: s,
      dstSegment: d,
      flows: opts.edges - i,
      packets: (opts.edges - i) * 10,
      bytes: (opts.edges - i) * 1500,
      firstSeen: start + (i % 28) * 3_600_000,
      lastSeen: start + 27 * 86_400_000,
      daysSeen: 1 + (i % 28),
      service: null,
      infrastructure: false,
      period: null,
      nextExpected: null,
      periodConfidence: null,
      periodNote: null,
      review: null,
    };
  };
  const cells = [];
  for (let a = 0; a < names.length; a++)
    for (let b = 0; b < names.length; b++)
      if ((a * 31 + b * 17) % 3 === 0)
        cells.push({
          src: names[a],
          dst: names[b],
          edges: 1 + ((a + b) % 40),
          flows: 1 + ((a * b * 7919) % 1_000_000),
          packets: 10,
          bytes: 1000 * (a + b + 1),
          services: [{ proto: 6, port: 443, service: 'https', flows: 1 }],
        });
  const requests: string[] = [];
  const json = (route: Route, body: unknown, headers: Record<string, string> = {}) =>
    route.fulfill({ status: 200, contentType: 'application/json', headers, body: JSON.stringify(body) });
  await page.route('**/api/v1/**', async (route) => {
    const url = new URL(route.request().url());
    const path = url.pathname.slice('/api/v1'.length);
    requests.push(path + url.search);
    if (path === '/probes')
      return json(route, [
        {
          id: 'fake',
          flows: 1,
          packets: 1,
          bytes: 1,
          lastSeen: Date.now(),
          firstSeen: Date.now(),
          records: 1,
          batches: 1,
          duplicateBatches: 0,
          lastFlow: start + 28 * 86_400_000 - 1,
          online: true,
          status: null,
        },
      ]);
    if (path === '/stats') return json(route, {});
    if (path === '/segments')
      return json(
        route,
        names.map((n, i) => ({ name: n, cidrs: [`10.${i}.0.0/16`], vlans: [], hosts: [] })),
      );
    if (path === '/matrix') return json(route, { segments: names, cells });
    if (path === '/audit') return json(route, []);
    if (path === '/edges/timeline') {
      const from = Number(url.searchParams.get('from'));
      const to = Number(url.searchParams.get('to'));
      const t: number[] = [];
      for (let h = from; h < to; h += 3_600_000) t.push(h);
      const flows = t.map((_, i) => (i % 24 === 2 ? 3 : 0));
      return json(route, { edge: {}, from, to, t, flows, packets: flows.map((f) => f * 10), bytes: flows.map((f) => f * 1500) });
    }
    if (path === '/edges') {
      const limit = Number(url.searchParams.get('limit') ?? 1000);
      const offset = Number(url.searchParams.get('offset') ?? url.searchParams.get('cursor') ?? 0);
      const rows = [];
      for (let i = offset; i < Math.min(opts.edges, offset + limit); i++) rows.push(edge(i));
      const headers: Record<string, string> = { 'x-total-count': String(opts.edges) };
      if (offset + rows.length < opts.edges) headers['x-next-cursor'] = String(offset + rows.length);
      return json(route, rows, headers);
    }
    return route.fulfill({
      status: 404,
      contentType: 'application/json',
      body: JSON.stringify({ error: { code: 'not_found', message: `no such endpoint: GET ${url.pathname}` } }),
    });
  });
  return { requests };
}
