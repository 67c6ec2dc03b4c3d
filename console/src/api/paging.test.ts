import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { alertHarness, monitoring, entry, DAY, T0, type Harness } from '../alerts/test-harness.js';
import { decodeCursor, encodeCursor, pageParams } from './paging.js';

/*
 * Paging by `offset` (a row number, for a client that jumps: the UI's End key) beside `cursor`
 * (reading on), on every paged list the UI reads: /edges, /hosts, /longtail, /alerts.
 */
let h: Harness;
const W = T0 + 8 * DAY;
const LISTS = ['/edges?', `/edges?from=${T0}&to=${T0 + 20 * DAY}&sort=port&order=asc&`, '/hosts?', '/longtail?', '/alerts?'];

beforeAll(async () => {
  h = await alertHarness();
  await monitoring(h);
  await h.ingest([
    entry('10.20.5.6', '10.10.3.30', 6, 22, W, 2),
    entry('10.10.1.10', '10.10.3.30', 6, 5432, W + 1000),
    entry('10.20.5.7', '10.10.2.20', 6, 8443, W + 2000),
    entry('10.30.1.1', '10.10.2.20', 6, 22, W + 3000),
    entry('10.30.1.2', '10.10.2.20', 6, 23, W + 4000),
  ]);
});
afterAll(async () => h?.close());

const get = (path: string) => h.request('GET', path) as Promise<{ status: number; body: any; headers: Headers }>;

describe('offset paging on the API', () => {
  it('answers any page directly: the same rows as the whole list, with the total and the next cursor', async () => {
    for (const list of LISTS) {
      const all = await get(`${list}limit=1000`);
      const n = all.body.length;
      expect(n, list).toBeGreaterThanOrEqual(5);
      for (const offset of [0, 1, 2, n - 2, n - 1]) {
        const p = await get(`${list}offset=${offset}&limit=2`);
        expect(p.status, `${list}offset=${offset}`).toBe(200);
        expect(p.body, `${list}offset=${offset}`).toEqual(all.body.slice(offset, offset + 2));
        expect(p.headers.get('x-total-count')).toBe(String(n));
        const next = p.headers.get('x-next-cursor');
        if (offset + 2 >= n) expect(next).toBeNull();
        else {
          // The cursor an offset page gives reads on from there.
          expect(decodeCursor(next!)).toBe(offset + 2);
          expect((await get(`${list}cursor=${next}&limit=2`)).body).toEqual(all.body.slice(offset + 2, offset + 4));
        }
      }
      const past = await get(`${list}offset=${n + 10}`);
      expect([past.status, past.body, past.headers.get('x-total-count'), past.headers.get('x-next-cursor')]).toEqual([200, [], String(n), null]);
    }
  });

  it('still reads on with cursors, the way existing clients page', async () => {
    for (const list of LISTS) {
      const all = (await get(`${list}limit=1000`)).body;
      const seen = [];
      let cursor: string | null = null;
      for (let i = 0; i < 10; i++) {
        const p = await get(`${list}limit=2${cursor ? `&cursor=${cursor}` : ''}`);
        seen.push(...p.body);
        cursor = p.headers.get('x-next-cursor');
        if (!cursor) break;
      }
      expect(seen, list).toEqual(all);
    }
    // /longtail used to issue the bare number: such a cursor still reads on.
    const legacy = Buffer.from('2').toString('base64url');
    expect((await get(`/longtail?cursor=${legacy}&limit=2`)).body).toEqual((await get('/longtail?offset=2&limit=2')).body);
  });

  it('refuses an offset that is not a whole number from 0, and an offset with a cursor, saying so', async () => {
    for (const list of LISTS) {
      for (const bad of ['-1', '1.5', 'abc', '', ' 3', '1e3', '0x10', '9007199254740992']) {
        const r = await get(`${list}offset=${encodeURIComponent(bad)}`);
        expect(r.status, `${list}offset=${bad}`).toBe(400);
        expect(r.body.error, `${list}offset=${bad}`).toMatchObject({
          code: 'bad_request',
          message: expect.stringMatching(/^offset: expected a whole number from 0/),
        });
      }
      const both = await get(`${list}offset=2&cursor=${encodeCursor(2)}`);
      expect(both.status).toBe(400);
      expect(both.body.error.message).toBe('offset: give cursor or offset, not both');
    }
  });
});

describe('pageParams', () => {
  it('reads limit and offset or cursor, defaulting to the first page', () => {
    expect(pageParams({}, 10_000)).toEqual({ offset: 0, limit: 1000 });
    expect(pageParams({ offset: '1140000', limit: '2000' }, 10_000)).toEqual({ offset: 1_140_000, limit: 2000 });
    expect(pageParams({ cursor: encodeCursor(4000) }, 10_000)).toEqual({ offset: 4000, limit: 1000 });
    expect(() => pageParams({ limit: '20000' }, 10_000)).toThrow(/^limit: expected a whole number from 1 to 10000/);
    expect(() => pageParams({ cursor: 'zz' }, 10_000)).toThrow(/^cursor: not a cursor this console issued/);
    expect(() => pageParams({ cursor: encodeCursor(1), offset: '1' }, 10_000)).toThrow('offset: give cursor or offset, not both');
  });
});
