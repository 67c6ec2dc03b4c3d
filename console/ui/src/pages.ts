/**
 * The bookkeeping behind usePagedRows: a long, server-sorted list read in pages by offset, with
 * holes. Which pages are in memory, which to ask for so the rows on screen appear, which requests
 * went stale as the view moved on, and which pages to drop so a million rows never sit in the
 * browser. No I/O and no clock: the hook does the fetching and the timing.
 */

/** Rows `offset`..`offset + limit - 1`, filling page `page` from where it stops. */
export interface PageRequest {
  readonly page: number;
  readonly offset: number;
  readonly limit: number;
}

export interface PageOptions {
  /** Rows per page (every page but a partial first answer starts at `page * size`). */
  size: number;
  /** How many rows the very first request asks for: a short list answers quicker. */
  first: number;
  /** Rows beyond the wanted ones, either side, to fetch ahead of scrolling. */
  margin: number;
  /** Requests in flight at once. */
  parallel: number;
  /** Pages kept in memory; the farthest from the view go first. */
  keep: number;
}

export class PageBook<T> {
  /** Rows the whole list holds; null until the server's first answer. */
  total: number | null = null;
  /** Page index → its rows from the page's start. */
  readonly pages = new Map<number, T[]>();
  readonly inflight = new Set<PageRequest>();
  private want = { first: 0, last: 0 };

  constructor(readonly o: PageOptions) {}

  /** An empty book for the same list asked again (a reload): same total and wanted rows, so the place in the list holds. */
  renew(): PageBook<T> {
    const b = new PageBook<T>(this.o);
    b.total = this.total;
    b.want = { ...this.want };
    return b;
  }

  rowAt(index: number): T | undefined {
    return this.pages.get(Math.floor(index / this.o.size))?.[index % this.o.size];
  }

  /** The rows in memory, in list order (with gaps where pages are not). */
  loaded(): T[] {
    return [...this.pages.keys()].sort((a, b) => a - b).flatMap((p) => this.pages.get(p)!);
  }

  /** Rows first..last are wanted (on screen, or a view's working set). */
  setWant(first: number, last = first): void {
    this.want = { first: Math.max(0, first), last: Math.max(first, last) };
  }

  /**
   * What to ask for, nearest the wanted rows first: the part each page covering them (plus the
   * margin) lacks. Before the first answer, only the start of the list.
   */
  needed(): PageRequest[] {
    const { size, margin } = this.o;
    if (this.total === null) return this.pages.has(0) ? [] : [{ page: 0, offset: 0, limit: this.o.first }];
    const lo = Math.max(0, this.want.first - margin);
    const hi = Math.min(this.total - 1, this.want.last + margin);
    const out: PageRequest[] = [];
    for (let page = Math.floor(lo / size); page <= Math.floor(hi / size) && hi >= lo; page++) {
      const have = this.pages.get(page)?.length ?? 0;
      const end = Math.min(hi, page * size + size - 1);
      if (end >= page * size + have) out.push({ page, offset: page * size + have, limit: size - have });
    }
    return out.sort((a, b) => this.distance(a.page) - this.distance(b.page) || a.page - b.page);
  }

  /** Requests in flight whose page no longer holds a wanted row: the view moved on (fast scrolling). */
  stale(): PageRequest[] {
    if (this.total === null) return [];
    const pages = new Set(this.needed().map((r) => r.page));
    return [...this.inflight].filter((r) => !pages.has(r.page));
  }

  /** Forgets requests (cancelled, failed): their answers, should they come, are ignored. */
  drop(reqs: Iterable<PageRequest>): void {
    for (const r of reqs) this.inflight.delete(r);
  }

  /** The requests to start now (marked in flight): needed, not already asked for, within `parallel`. */
  next(): PageRequest[] {
    const asked = new Set([...this.inflight].map((r) => r.page));
    const free = this.o.parallel - this.inflight.size;
    const out = this.needed()
      .filter((r) => !asked.has(r.page))
      .slice(0, Math.max(0, free));
    for (const r of out) this.inflight.add(r);
    return out;
  }

  /**
   * A jump: no page the wanted rows need is next to one in memory or asked for (End, a dragged
   * scrollbar). The hook waits for the view to settle before asking, so dragging past a thousand
   * pages does not ask for each.
   */
  jump(): boolean {
    const near = new Set([...this.pages.keys(), ...[...this.inflight].map((r) => r.page)]);
    const need = this.needed();
    return need.length > 0 && need.every((r) => !near.has(r.page) && !near.has(r.page - 1) && !near.has(r.page + 1));
  }

  /**
   * Takes an answer in. False, and nothing changes, for a stale one: a request no longer in flight
   * (cancelled, or from before a reload), or one whose page changed since it was asked for.
   */
  settle(req: PageRequest, rows: T[], total: number): boolean {
    if (!this.inflight.delete(req)) return false;
    const start = req.page * this.o.size;
    const have = this.pages.get(req.page) ?? [];
    if (req.offset !== start + have.length) return false;
    this.total = total;
    const page = have.concat(rows).slice(0, Math.max(0, Math.min(this.o.size, total - start)));
    if (page.length > 0) this.pages.set(req.page, page);
    for (const [p, r] of this.pages) {
      const room = total - p * this.o.size;
      if (room <= 0) this.pages.delete(p);
      else if (r.length > room) this.pages.set(p, r.slice(0, room));
    }
    this.evict();
    return true;
  }

  /** Changes rows in memory in place (`fn` returns the new row, or null to keep it). */
  update(fn: (row: T) => T | null): void {
    for (const [p, rows] of this.pages)
      this.pages.set(
        p,
        rows.map((r) => fn(r) ?? r),
      );
  }

  /** Drops the pages farthest from the wanted rows while more than `keep` are in memory. */
  private evict(): void {
    const far = [...this.pages.keys()].filter((p) => this.distance(p) > 0).sort((a, b) => this.distance(b) - this.distance(a));
    for (const p of far) {
      if (this.pages.size <= this.o.keep) break;
      this.pages.delete(p);
    }
  }

  /** How many pages page `p` is from those holding the wanted rows (0: it holds some). */
  private distance(p: number): number {
    const a = Math.floor(this.want.first / this.o.size);
    const b = Math.floor(this.want.last / this.o.size);
    return p < a ? a - p : p > b ? p - b : 0;
  }
}
