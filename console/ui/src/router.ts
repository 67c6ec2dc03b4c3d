import { useEffect, useState } from 'preact/hooks';

/**
 * A small path router over the History API: views are real paths (/edges?srcSegment=web), so a
 * filtered list is a link to share and the back button works. The console serves index.html for
 * every non-API path.
 */
export interface Loc {
  path: string;
  query: URLSearchParams;
}

const listeners = new Set<() => void>();

function current(): Loc {
  return { path: window.location.pathname || '/', query: new URLSearchParams(window.location.search) };
}

function notify(): void {
  for (const l of listeners) l();
}

window.addEventListener('popstate', notify);

export function navigate(path: string, query: Record<string, string | number | boolean | null | undefined> | URLSearchParams = {}, replace = false): void {
  const q = query instanceof URLSearchParams ? query : toParams(query);
  const url = path + (q.toString() ? `?${q}` : '');
  if (url === window.location.pathname + window.location.search) return;
  if (replace) window.history.replaceState(null, '', url);
  else window.history.pushState(null, '', url);
  notify();
}

/** Changes some query parameters of the current path (null removes one). */
export function setQuery(changes: Record<string, string | number | boolean | null | undefined>, replace = false): void {
  const q = new URLSearchParams(window.location.search);
  for (const [k, v] of Object.entries(changes)) {
    if (v === null || v === undefined || v === '') q.delete(k);
    else q.set(k, String(v));
  }
  navigate(window.location.pathname, q, replace);
}

export function toParams(o: Record<string, string | number | boolean | null | undefined>): URLSearchParams {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(o)) if (v !== null && v !== undefined && v !== '') q.set(k, String(v));
  return q;
}

export function useLocation(): Loc {
  const [loc, setLoc] = useState(current);
  useEffect(() => {
    const l = () => setLoc(current());
    listeners.add(l);
    return () => void listeners.delete(l);
  }, []);
  return loc;
}

/** A link that navigates without reloading (modifier clicks open a new tab as usual). */
export function linkHandler(path: string, query: Record<string, string | number | boolean | null | undefined> = {}) {
  return (e: MouseEvent) => {
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(path, query);
  };
}

export function href(path: string, query: Record<string, string | number | boolean | null | undefined> = {}): string {
  const q = toParams(query).toString();
  return path + (q ? `?${q}` : '');
}
