/**
 * The API token: taken from `#token=…` (the URL the console prints), kept in sessionStorage (gone
 * when the tab closes), never left in the address bar or the history.
 */
const KEY = 'spanmap.token';

/** The token in a location hash like "#token=abc" or "#a=b&token=abc" (null when absent). */
export function tokenFromHash(hash: string): string | null {
  const h = hash.startsWith('#') ? hash.slice(1) : hash;
  const v = new URLSearchParams(h).get('token');
  return v && v.trim() ? v.trim() : null;
}

/** Moves a token from the address bar into session storage; returns the stored token. */
export function adoptTokenFromLocation(): string | null {
  const t = tokenFromHash(window.location.hash);
  if (t) {
    saveToken(t);
    // Replace (not push): the URL with the token must not stay in the history either.
    window.history.replaceState(window.history.state, '', window.location.pathname + window.location.search);
  }
  return loadToken();
}

export function loadToken(): string | null {
  try {
    return window.sessionStorage.getItem(KEY);
  } catch {
    return null;
  }
}

export function saveToken(t: string): void {
  window.sessionStorage.setItem(KEY, t);
}

export function clearToken(): void {
  window.sessionStorage.removeItem(KEY);
}
