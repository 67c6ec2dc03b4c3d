import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type { Page } from './api.js';
import { isAbort } from './hooks.js';

export interface PagedRows<T> {
  rows: T[];
  total: number;
  /** More pages on the server. */
  more: boolean;
  loading: boolean;
  /** When the current load started, for progress. */
  since: number;
  error: Error | null;
  /** Loads pages until row `index` is present (called as the user scrolls). */
  ensure(index: number): void;
  /** Changes loaded rows in place (after a review). */
  update(fn: (row: T) => T | null): void;
  reload(): void;
}

/**
 * Rows of a cursor-paged endpoint, fetched page by page as they scroll into view: the first page
 * answers quickly, and 100,000 rows are only fetched if someone scrolls to them.
 */
export function usePagedRows<T>(
  load: (cursor: string | undefined, limit: number, signal: AbortSignal) => Promise<Page<T>>,
  deps: unknown[],
  pageSize = 2000,
): PagedRows<T> {
  const [state, setState] = useState({ rows: [] as T[], total: 0, next: null as string | null, loading: true, since: Date.now(), error: null as Error | null });
  const [tick, setTick] = useState(0);
  const want = useRef(0);
  const busy = useRef(false);
  const ac = useRef<AbortController | null>(null);
  const loadRef = useRef(load);
  loadRef.current = load;
  const stateRef = useRef(state);
  stateRef.current = state;

  const fetchMore = useCallback(
    (cursor: string | undefined, first: boolean) => {
      const ctl = ac.current!;
      busy.current = true;
      setState((s) => ({ ...s, loading: true, since: Date.now(), error: null }));
      loadRef.current(cursor, first ? Math.min(pageSize, 1000) : pageSize, ctl.signal).then(
        (page) => {
          if (ctl.signal.aborted) return;
          busy.current = false;
          const s = stateRef.current;
          const rows = first ? page.rows : s.rows.concat(page.rows);
          const next = { rows, total: Math.max(page.total, rows.length), next: page.next, loading: false, since: 0, error: null };
          stateRef.current = next;
          setState(next);
          if (page.next && want.current >= rows.length) fetchMore(page.next, false);
        },
        (error: Error) => {
          if (ctl.signal.aborted || isAbort(error)) return;
          busy.current = false;
          setState((s) => ({ ...s, loading: false, since: 0, error }));
        },
      );
    },
    [pageSize],
  );

  useEffect(() => {
    ac.current?.abort();
    ac.current = new AbortController();
    want.current = 0;
    const fresh = { rows: [] as T[], total: 0, next: null, loading: true, since: Date.now(), error: null };
    stateRef.current = fresh;
    setState(fresh);
    fetchMore(undefined, true);
    return () => ac.current?.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick]);

  const ensure = useCallback(
    (index: number) => {
      want.current = Math.max(want.current, index);
      const s = stateRef.current;
      if (!busy.current && s.next && !s.error && index >= s.rows.length) fetchMore(s.next, false);
    },
    [fetchMore],
  );

  const update = useCallback((fn: (row: T) => T | null) => {
    setState((s) => {
      const rows = s.rows.map((r) => fn(r) ?? r);
      const next = { ...s, rows };
      stateRef.current = next;
      return next;
    });
  }, []);

  const reload = useCallback(() => setTick((t) => t + 1), []);

  return {
    rows: state.rows,
    total: state.total,
    more: state.next !== null,
    loading: state.loading,
    since: state.since,
    error: state.error,
    ensure,
    update,
    reload,
  };
}
