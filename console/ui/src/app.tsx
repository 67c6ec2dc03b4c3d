import { Component, type ComponentChildren } from 'preact';
import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import { createApi } from './api.js';
import { Ctx, type AppContext } from './context.js';
import { adoptTokenFromLocation, clearToken, saveToken } from './session.js';
import { href, linkHandler, navigate, useLocation } from './router.js';
import { rangeFromQuery, type DataExtent } from './range.js';
import { useAsync } from './hooks.js';
import { ErrorBox } from './components/common.js';
import { RangePicker } from './components/RangePicker.js';
import { Login } from './views/Login.js';
import { MatrixView } from './views/Matrix.js';
import { EdgesView } from './views/Edges.js';
import { LongTailView } from './views/LongTail.js';
import { CoverageView } from './views/Coverage.js';
import { SegmentsView } from './views/Segments.js';
import { ProbesView } from './views/Probes.js';
import { PoliciesView } from './views/Policies.js';
import { PolicyView } from './views/Policy.js';
import { AlertsView } from './views/Alerts.js';
import { HostsView } from './views/Hosts.js';

const NAV: Array<{ path: string; label: string; title: string }> = [
  { path: '/', label: 'Matrix', title: 'segment × segment communication matrix' },
  { path: '/edges', label: 'Edges', title: 'every source–destination–protocol–port, with review state' },
  { path: '/longtail', label: 'Long tail', title: 'rare and periodic edges to review' },
  { path: '/coverage', label: 'Coverage', title: 'is the observation window complete per segment?' },
  { path: '/policies', label: 'Policies', title: 'allow-list policies, simulation, monitor mode' },
  { path: '/alerts', label: 'Alerts', title: 'new connections outside the active policy' },
  { path: '/hosts', label: 'Hosts', title: 'addresses and their names: learned from the wire, set by operators' },
  { path: '/segments', label: 'Segments', title: 'segment definitions: CIDRs, VLANs, hosts' },
  { path: '/probes', label: 'Probes', title: 'probe status, ingest rate and drops' },
];

/** Query parameters that travel with every navigation (the analysis window). */
export const RANGE_KEYS = ['range', 'from', 'to'] as const;

export function App() {
  const [token, setToken] = useState<string | null>(() => adoptTokenFromLocation());
  const [loginMessage, setLoginMessage] = useState<string | null>(null);
  const [toasts, setToasts] = useState<Array<{ id: number; message: string; kind: 'ok' | 'error' }>>([]);

  const toast = useCallback((message: string, kind: 'ok' | 'error' = 'ok') => {
    const id = Math.random();
    setToasts((t) => [...t.slice(-3), { id, message, kind }]);
    setTimeout(() => setToasts((t) => t.filter((x) => x.id !== id)), kind === 'error' ? 12_000 : 4000);
  }, []);

  useEffect(() => {
    const onError = (e: ErrorEvent) => toast(`Unexpected error: ${e.message}`, 'error');
    const onRejection = (e: PromiseRejectionEvent) => toast(`Unexpected error: ${(e.reason as Error)?.message ?? String(e.reason)}`, 'error');
    window.addEventListener('error', onError);
    window.addEventListener('unhandledrejection', onRejection);
    return () => {
      window.removeEventListener('error', onError);
      window.removeEventListener('unhandledrejection', onRejection);
    };
  }, [toast]);

  const logout = useCallback((message: string | null) => {
    clearToken();
    setToken(null);
    setLoginMessage(message);
  }, []);

  const api = useMemo(
    () => (token ? createApi({ token, onUnauthorized: (m) => logout(`The console rejected the token (${m}). Log in again.`) }) : null),
    [token, logout],
  );

  const toastsEl = (
    <div class="toasts" aria-live="polite">
      {toasts.map((t) => (
        <div key={t.id} class={`toast ${t.kind}`} role={t.kind === 'error' ? 'alert' : 'status'}>
          {t.message}
        </div>
      ))}
    </div>
  );

  if (!api) {
    return (
      <>
        <Login
          message={loginMessage}
          onLogin={(t) => {
            saveToken(t);
            setLoginMessage(null);
            setToken(t);
          }}
        />
        {toastsEl}
      </>
    );
  }
  return (
    <>
      <Shell api={api} toast={toast} onLogout={() => logout(null)} />
      {toastsEl}
    </>
  );
}

/** Where the stored data starts and ends: the newest flow any probe sent, the oldest edge. */
async function loadExtent(api: ReturnType<typeof createApi>, signal: AbortSignal): Promise<DataExtent> {
  const [probes, oldest] = await Promise.all([
    api.probes(signal),
    api.edges({ sort: 'firstSeen', order: 'asc', limit: 1, from: 0, to: 4_102_444_800_000 }, signal),
  ]);
  const ends = probes.map((p) => p.lastFlow ?? 0).filter((t) => t > 0);
  const start = oldest.rows[0]?.firstSeen ?? null;
  return { start, end: ends.length ? Math.max(...ends) : start };
}

function Shell({ api, toast, onLogout }: { api: ReturnType<typeof createApi>; toast: AppContext['toast']; onLogout(): void }) {
  const loc = useLocation();
  const extent = useAsync((s) => loadExtent(api, s), [api], { keepData: true });
  const ext = extent.data ?? { start: null, end: null };
  const { preset, range } = rangeFromQuery(loc.query, ext, Date.now());
  const ctx: AppContext = { api, extent: ext, range, preset, refreshExtent: extent.reload, toast };
  const keep: Record<string, string | null> = {};
  for (const k of RANGE_KEYS) keep[k] = loc.query.get(k);

  const section = loc.path === '/' ? '/' : `/${loc.path.split('/')[1]}`;
  return (
    <Ctx.Provider value={ctx}>
      <header class="top">
        <a class="brand" href={href('/', keep)} onClick={linkHandler('/', keep)}>
          spanmap
        </a>
        <nav>
          {NAV.map((n) => (
            <a
              key={n.path}
              href={href(n.path, keep)}
              onClick={linkHandler(n.path, keep)}
              class={section === n.path ? 'current' : ''}
              title={n.title}
              aria-current={section === n.path ? 'page' : undefined}
            >
              {n.label}
            </a>
          ))}
        </nav>
        <div class="top-right">
          <RangePicker />
          <button class="btn small ghost" onClick={onLogout} title="forget the token in this tab">
            Log out
          </button>
        </div>
      </header>
      {extent.error && (
        <div class="page-pad">
          <ErrorBox error={extent.error} title="Could not find where the data starts and ends" onRetry={extent.reload} />
        </div>
      )}
      <Boundary key={loc.path}>
        {extent.data === undefined && extent.loading ? <div class="page-pad muted">Looking at the data…</div> : <Route path={loc.path} />}
      </Boundary>
    </Ctx.Provider>
  );
}

function Route({ path }: { path: string }) {
  if (path === '/' || path === '/matrix') return <MatrixView />;
  if (path === '/edges') return <EdgesView />;
  if (path === '/longtail') return <LongTailView />;
  if (path === '/coverage') return <CoverageView />;
  if (path === '/segments') return <SegmentsView />;
  if (path === '/probes') return <ProbesView />;
  if (path === '/policies') return <PoliciesView />;
  const m = /^\/policies\/([^/]+)$/.exec(path);
  if (m) return <PolicyView id={decodeURIComponent(m[1]!)} />;
  if (path === '/alerts') return <AlertsView />;
  if (path === '/hosts') return <HostsView />;
  return (
    <main class="page-pad">
      <h2>Not found</h2>
      <p>
        There is no view at <code>{path}</code>.{' '}
        <a href="/" onClick={linkHandler('/')}>
          Back to the matrix
        </a>
      </p>
    </main>
  );
}

/** Keeps a failing view from blanking the whole console; shows the error instead. */
class Boundary extends Component<{ children: ComponentChildren }, { error: Error | null }> {
  override state = { error: null as Error | null };
  override componentDidCatch(error: Error) {
    this.setState({ error });
  }
  override render() {
    if (this.state.error)
      return (
        <main class="page-pad">
          <ErrorBox error={this.state.error} title="This view failed" onRetry={() => this.setState({ error: null })} />
        </main>
      );
    return this.props.children;
  }
}

export { navigate };
