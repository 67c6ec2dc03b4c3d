import { useState } from 'preact/hooks';
import { ApiError, createApi } from '../api.js';

/** Asks for the API token (the console prints it, or a URL carrying it, when it starts). */
export function Login({ message, onLogin }: { message: string | null; onLogin(token: string): void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    const t = token.trim();
    if (!t) {
      setError('Paste the API token first.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      // Check the token against an authenticated endpoint before keeping it.
      await createApi({ token: t, onUnauthorized: () => {} }).stats();
      onLogin(t);
    } catch (err) {
      setError(err instanceof ApiError && err.status === 401 ? `The console refused this token (${err.message}).` : (err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="login">
      <form class="login-box" onSubmit={submit}>
        <h1>spanmap</h1>
        <p class="muted">Plan network microsegmentation from observed traffic.</p>
        {message && (
          <div class="error" role="alert">
            {message}
          </div>
        )}
        <label class="field">
          <span class="field-label">API token</span>
          <input
            type="password"
            name="token"
            autocomplete="off"
            spellcheck={false}
            value={token}
            onInput={(e) => setToken((e.target as HTMLInputElement).value)}
            autoFocus
          />
        </label>
        {error && (
          <div class="error" role="alert">
            {error}
          </div>
        )}
        <button class="btn primary" type="submit" disabled={busy}>
          {busy ? 'Checking…' : 'Log in'}
        </button>
        <p class="hint">
          The console prints a URL with the token when it starts (<code>open http://HOST:PORT/#token=…</code>); opening it logs you in. Otherwise the token is
          in <code>SPANMAP_API_TOKEN</code>, the configuration, or <code>DATA/api-token</code>. It is kept for this tab only.
        </p>
      </form>
    </main>
  );
}
