import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { Page } from './api.js';
import { isAbort } from './hooks.js';
import { PageBook, type PageOptions, type PageRequest } from './pages.js';

export interface PagedRows<T> {
  /** Rows in the whole list (0 until the first answer). */
  total: number;
  /** Row `index`, or undefined while its page is not in memory (drawn as a placeholder). */
  rowAt(index: number): T | undefined;
  /** The rows in memory, in list order: pages far from the view are dropped again. */
  loaded: T[];
  loading: boolean;
  /** When the current load started, for progress. */
  since: number;
  error: Error | null;
  /** Rows first..last are wanted (on screen): fetches only the pages covering them. */
  ensure(first: number, last?: number): void;
  /** Changes loaded rows in place (after a review). */
  update(fn: (row: T) => T | null): void;
  /** Asks again for what is wanted now, keeping the place in the list. */
  reload(): void;
}

/** How long a jump (End, a dragged scrollbar) must hold still before its page is asked for. */
const SETTLE_MS = 120;

/**
 * Rows of a paged endpoint, fetched by offset as they come into view: the first page answers
 * quickly, End asks for the last page only, scrolling fast past pages does not fetch them, and only
 * `keep` pages stay in memory, so a million rows cost what a screenful does.
 */
export function usePagedRows<T>(
  load: (offset: number, limit: number, signal: AbortSignal) => Promise<Page<T>>,
  deps: unknown[],
  opts: Partial<PageOptions> = {},
): PagedRows<T> {
  const size = opts.size ?? 2000;
  const o: PageOptions = { size, first: Math.min(size, 1000), margin: 250, parallel: 2, keep: 8, ...opts };
  const book = useRef(new PageBook<T>(o));
  const aborts = useRef(new Map<PageRequest, AbortController>());
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const [version, setVersion] = useState(0);
  const [status, setStatus] = useState({ since: Date.now(), error: null as Error | null });
  const loadRef = useRef(load);
  loadRef.current = load;
  const bump = useCallback(() => setVersion((v) => v + 1), []);

  const cancel = useCallback((reqs: PageRequest[]) => {
    book.current.drop(reqs);
    for (const r of reqs) {
      aborts.current.get(r)?.abort();
      aborts.current.delete(r);
    }
  }, []);

  const pump = useCallback(() => {
    const b = book.current;
    const idle = b.inflight.size === 0;
    const reqs = b.next();
    if (reqs.length === 0) return;
    if (idle) setStatus((s) => (s.error ? s : { since: Date.now(), error: null }));
    for (const req of reqs) {
      const ac = new AbortController();
      aborts.current.set(req, ac);
      loadRef.current(req.offset, req.limit, ac.signal).then(
        (page) => {
          aborts.current.delete(req);
          if (book.current !== b) return;
          if (b.settle(req, page.rows, page.total)) bump();
          pump();
        },
        (error: Error) => {
          aborts.current.delete(req);
          if (book.current !== b || !b.inflight.has(req)) return;
          b.drop([req]);
          if (isAbort(error)) return;
          setStatus({ since: 0, error });
          bump();
        },
      );
    }
    bump();
  }, [bump]);

  /** Starts over: a new query (`fresh`), or the same one asked again where the view is. */
  const restart = useCallback(
    (fresh: boolean) => {
      cancel([...book.current.inflight]);
      clearTimeout(timer.current);
      timer.current = undefined;
      book.current = fresh ? new PageBook<T>(o) : book.current.renew();
      setStatus({ since: Date.now(), error: null });
      pump();
    },
    // eslint-disable-next-line react-hooks/exhaustive-deps -- the options are fixed for a list
    [cancel, pump],
  );

  useEffect(() => {
    restart(true);
    return () => {
      cancel([...book.current.inflight]);
      clearTimeout(timer.current);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- `deps` name the query
  }, deps);

  const ensure = useCallback(
    (first: number, last = first) => {
      const b = book.current;
      b.setWant(first, last);
      const stale = b.stale();
      if (stale.length) {
        cancel(stale);
        bump();
      }
      const waiting = timer.current !== undefined;
      clearTimeout(timer.current);
      timer.current = undefined;
      if (status.error) return;
      if (!b.jump()) return pump();
      if (!waiting) bump(); // shows "loading" while the view settles
      timer.current = setTimeout(() => {
        timer.current = undefined;
        pump();
        bump();
      }, SETTLE_MS);
    },
    [cancel, pump, bump, status.error],
  );

  const update = useCallback(
    (fn: (row: T) => T | null) => {
      book.current.update(fn);
      bump();
    },
    [bump],
  );

  const reload = useCallback(() => restart(false), [restart]);

  const b = book.current;
  // eslint-disable-next-line react-hooks/exhaustive-deps -- the book changes in place; version marks it
  const loaded = useMemo(() => b.loaded(), [b, version]);
  return {
    total: b.total ?? 0,
    rowAt: (i) => b.rowAt(i),
    loaded,
    // Before the first answer too: a list is never shown as empty before it was asked for.
    loading: (b.total === null && status.error === null) || b.inflight.size > 0 || timer.current !== undefined,
    since: status.since,
    error: status.error,
    ensure,
    update,
    reload,
  };
}
