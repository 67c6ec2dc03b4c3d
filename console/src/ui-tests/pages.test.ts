import { describe, it, expect } from 'vitest';
import { PageBook, type PageOptions, type PageRequest } from '../../ui/src/pages.js';

/*
 * The page bookkeeping behind the UI's long lists (usePagedRows): a row's value here is its index
 * in the server's list, so a row in the wrong place shows.
 */
const OPTS: PageOptions = { size: 2000, first: 1000, margin: 250, parallel: 2, keep: 8 };
const TOTAL = 1_140_000;
const rows = (offset: number, n: number) => Array.from({ length: n }, (_, i) => offset + i);

/** A book after the first answer: the first 1,000 of `total` rows. */
function started(opts: Partial<PageOptions> = {}, total = TOTAL): PageBook<number> {
  const b = new PageBook<number>({ ...OPTS, ...opts });
  const [first] = b.next();
  expect(b.settle(first!, rows(0, Math.min(total, 1000)), total)).toBe(true);
  return b;
}

/** Answers every request in flight as the server would. */
function answer(b: PageBook<number>, total = TOTAL): PageRequest[] {
  const done = [...b.inflight];
  for (const r of done) b.settle(r, rows(r.offset, Math.max(0, Math.min(r.limit, total - r.offset))), total);
  return done;
}

describe('PageBook: which pages to fetch', () => {
  it('asks only for a short start of the list before it knows anything, whatever is wanted', () => {
    const b = new PageBook<number>(OPTS);
    b.setWant(1_139_990, 1_139_999);
    expect(b.needed()).toEqual([{ page: 0, offset: 0, limit: 1000 }]);
    expect(b.next()).toEqual([{ page: 0, offset: 0, limit: 1000 }]);
    expect(b.next()).toEqual([]); // already asked for
  });

  it('fetches only the last page for End on a million rows, not the pages before it', () => {
    const b = started();
    expect(b.total).toBe(TOTAL);
    b.setWant(TOTAL - 24, TOTAL - 1);
    expect(b.needed()).toEqual([{ page: 569, offset: 1_138_000, limit: 2000 }]);
    expect(b.jump()).toBe(true);
    expect(b.next()).toEqual([{ page: 569, offset: 1_138_000, limit: 2000 }]);
    answer(b);
    expect(b.rowAt(TOTAL - 1)).toBe(TOTAL - 1);
    expect(b.rowAt(TOTAL - 2001)).toBeUndefined();
    expect(b.needed()).toEqual([]);
    expect([...b.pages.keys()].sort((x, y) => x - y)).toEqual([0, 569]);
  });

  it('fills the short first page only when rows past it are wanted (or near: the margin)', () => {
    const b = started();
    b.setWant(0, 30);
    expect(b.needed()).toEqual([]);
    b.setWant(700, 730); // 730 + 250 < 1000
    expect(b.needed()).toEqual([]);
    b.setWant(760, 790);
    expect(b.needed()).toEqual([{ page: 0, offset: 1000, limit: 1000 }]);
    expect(b.jump()).toBe(false); // scrolling on: no need to wait
    b.next();
    answer(b);
    expect(b.pages.get(0)).toEqual(rows(0, 2000));
  });

  it('fetches both pages under a view across a boundary, then the one the margin reaches, the visible first', () => {
    const b = started();
    b.setWant(3990, 4010);
    expect(b.needed().map((r) => r.page)).toEqual([1, 2]);
    b.setWant(3800, 3820); // 3820 + 250 reaches page 2: after page 1
    expect(b.needed().map((r) => r.page)).toEqual([1, 2]);
    b.setWant(4100, 4120); // 4100 - 250 reaches back into page 1
    expect(b.needed().map((r) => r.page)).toEqual([2, 1]);
    b.setWant(5000, 5020);
    expect(b.needed().map((r) => r.page)).toEqual([2]);
  });

  it('keeps at most `parallel` requests in flight', () => {
    const b = started({ parallel: 1 });
    b.setWant(3990, 4010);
    expect(b.next().map((r) => r.page)).toEqual([1]);
    expect(b.next()).toEqual([]);
    answer(b);
    expect(b.next().map((r) => r.page)).toEqual([2]);
  });

  it('stops at the end of the list, and asks for nothing in an empty one', () => {
    const b = started({}, 2500);
    b.setWant(2480, 2499);
    expect(b.needed()).toEqual([{ page: 1, offset: 2000, limit: 2000 }]);
    b.next();
    answer(b, 2500);
    expect(b.pages.get(1)).toEqual(rows(2000, 500));
    expect(b.needed()).toEqual([]);
    const empty = started({}, 0);
    empty.setWant(0, 30);
    expect([empty.total, empty.needed(), empty.loaded()]).toEqual([0, [], []]);
  });
});

describe('PageBook: stale requests and answers', () => {
  it('cancels requests for pages scrolled past, and ignores their answers should they come', () => {
    const b = started();
    b.setWant(10_300, 10_330);
    const [old] = b.next();
    expect(old).toEqual({ page: 5, offset: 10_000, limit: 2000 });
    b.setWant(500_500, 500_530); // dragged on
    expect(b.stale()).toEqual([old]);
    b.drop(b.stale());
    expect(b.settle(old!, rows(10_000, 2000), TOTAL)).toBe(false);
    expect(b.rowAt(10_000)).toBeUndefined();
    expect(b.next().map((r) => r.page)).toEqual([250]);
    // Still wanted: not stale.
    expect(b.stale()).toEqual([]);
  });

  it('ignores an answer for a page that changed since it was asked for', () => {
    const b = started();
    b.setWant(900, 930);
    const [rest] = b.next();
    expect(rest).toEqual({ page: 0, offset: 1000, limit: 1000 });
    b.pages.delete(0); // dropped meanwhile: the rest alone would sit at the page's start
    expect(b.settle(rest!, rows(1000, 1000), TOTAL)).toBe(false);
    expect(b.pages.has(0)).toBe(false);
  });

  it('follows the total when the list shrinks, dropping rows past its new end', () => {
    const b = started({}, 5000);
    b.setWant(2000, 2030);
    b.next();
    answer(b, 5000);
    b.setWant(4500, 4530);
    const [last] = b.next();
    expect(b.settle(last!, rows(4000, 500), 4500)).toBe(true);
    expect(b.total).toBe(4500);
    expect(b.pages.get(2)).toEqual(rows(4000, 500));
    expect(b.rowAt(4600)).toBeUndefined();
  });
});

describe('PageBook: reload', () => {
  it('asks again for the rows where the view is, not from the top, and ignores answers to the old book', () => {
    const b = started();
    b.setWant(600_500, 600_530);
    const [old] = b.next();
    const again = b.renew();
    expect([again.total, again.pages.size, again.inflight.size]).toEqual([TOTAL, 0, 0]);
    expect(again.needed()).toEqual([{ page: 300, offset: 600_000, limit: 2000 }]);
    expect(again.settle(old!, rows(600_000, 2000), TOTAL)).toBe(false);
  });
});

describe('PageBook: memory', () => {
  it('keeps at most `keep` pages while scrolling through a million rows, dropping the farthest', () => {
    const b = started({ keep: 4 });
    let asked = 0;
    // Every 25,000 rows: the view (and its margin) inside one page each time.
    for (let row = 500; row < TOTAL; row += 25_000) {
      b.setWant(row, row + 24);
      b.drop(b.stale());
      asked += b.next().length;
      answer(b);
      expect(b.rowAt(row)).toBe(row);
      expect(b.pages.size).toBeLessThanOrEqual(4);
      expect(b.loaded().length).toBeLessThanOrEqual(4 * 2000);
    }
    expect(asked).toBeLessThanOrEqual(Math.ceil(TOTAL / 25_000));
    // The last ones visited are kept; the first is long gone.
    expect(b.pages.has(0)).toBe(false);
    expect(b.pages.has(Math.floor((TOTAL - 15_000) / 2000))).toBe(true);
  });

  it('never drops a page holding wanted rows, even past `keep`', () => {
    const b = started({ keep: 1, margin: 0, parallel: 10 });
    b.setWant(0, 9999);
    b.next();
    answer(b);
    expect([...b.pages.keys()].sort()).toEqual([0, 1, 2, 3, 4]);
    expect(b.loaded()).toEqual(rows(0, 10_000));
  });

  it('changes rows in place in every page (a review)', () => {
    const b = started();
    b.setWant(TOTAL - 1, TOTAL - 1);
    b.next();
    answer(b);
    b.update((r) => (r % 2 === 0 ? -r : null));
    expect([b.rowAt(2), b.rowAt(3), b.rowAt(TOTAL - 2), b.rowAt(TOTAL - 1)]).toEqual([-2, 3, -(TOTAL - 2), TOTAL - 1]);
  });
});
