import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

export interface AsyncState<T> {
  data: T | undefined;
  error: Error | null;
  loading: boolean;
  /** When the running request started (ms), for elapsed-time indicators. */
  since: number;
  reload(): void;
  /** Replaces the data locally (after an edit the server confirmed). */
  set(v: T): void;
}

export function isAbort(e: unknown): boolean {
  return (e as Error)?.name === 'AbortError';
}

/**
 * Runs `fn` whenever `deps` change, cancelling the previous run. Errors are kept and shown by the
 * caller; only cancellations are ignored (they are not failures).
 */
export function useAsync<T>(fn: (signal: AbortSignal) => Promise<T>, deps: unknown[], opts: { keepData?: boolean; skip?: boolean } = {}): AsyncState<T> {
  const [state, setState] = useState<{ data: T | undefined; error: Error | null; loading: boolean; since: number }>({
    data: undefined,
    error: null,
    loading: !opts.skip,
    since: Date.now(),
  });
  const [tick, setTick] = useState(0);
  const fnRef = useRef(fn);
  fnRef.current = fn;
  useEffect(() => {
    if (opts.skip) {
      setState((s) => ({ ...s, loading: false }));
      return;
    }
    const ac = new AbortController();
    setState((s) => ({ data: opts.keepData ? s.data : undefined, error: null, loading: true, since: Date.now() }));
    fnRef.current(ac.signal).then(
      (data) => !ac.signal.aborted && setState({ data, error: null, loading: false, since: 0 }),
      (error: Error) =>
        !ac.signal.aborted && !isAbort(error) && setState((s) => ({ data: opts.keepData ? s.data : undefined, error, loading: false, since: 0 })),
    );
    return () => ac.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick, opts.skip]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  const set = useCallback((data: T) => setState((s) => ({ ...s, data })), []);
  return { ...state, reload, set };
}

/** Milliseconds since `since`, updated every `everyMs` while `active`. */
export function useElapsed(since: number, active: boolean, everyMs = 200): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (!active) return;
    setNow(Date.now());
    const t = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(t);
  }, [active, since, everyMs]);
  return Math.max(0, now - since);
}

/** A value that follows `value` after `ms` without changes (typing in filter boxes). */
export function useDebounced<T>(value: T, ms: number): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setV(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return v;
}

/** The size of an element, followed with a ResizeObserver. */
export function useSize<E extends HTMLElement>(): [(el: E | null) => void, { width: number; height: number }] {
  const [size, setSize] = useState({ width: 0, height: 0 });
  const obs = useRef<ResizeObserver | null>(null);
  const ref = useCallback((el: E | null) => {
    obs.current?.disconnect();
    obs.current = null;
    if (!el) return;
    const w = el.clientWidth;
    const h = el.clientHeight;
    setSize((s) => (s.width === w && s.height === h ? s : { width: w, height: h }));
    obs.current = new ResizeObserver((entries) => {
      const cr = entries[0]!.contentRect;
      setSize((s) =>
        s.width === Math.floor(cr.width) && s.height === Math.floor(cr.height) ? s : { width: Math.floor(cr.width), height: Math.floor(cr.height) },
      );
    });
    obs.current.observe(el);
  }, []);
  useEffect(() => () => obs.current?.disconnect(), []);
  return [ref, size];
}

/** Re-renders every `ms` (relative times like "12 s ago"). */
export function useNow(ms = 10_000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [ms]);
  return now;
}
