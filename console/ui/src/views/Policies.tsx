import { useState } from 'preact/hooks';
import { useApp } from '../context.js';
import { useAsync } from '../hooks.js';
import { href, linkHandler, navigate, useLocation } from '../router.js';
import { fmtCompact, fmtInt, fmtTime } from '../format.js';
import { dayString, rangeLabel } from '../range.js';
import { Busy, Empty, ErrorBox, Field } from '../components/common.js';

/** Policies: the list, and a new draft from the current window. */
export function PoliciesView() {
  const { api, range, toast } = useApp();
  const q = useLocation().query;
  const keep = { range: q.get('range'), from: q.get('from'), to: q.get('to') };
  const list = useAsync((s) => api.policies(s), [api]);
  const [name, setName] = useState(`policy ${dayString(range.from)} → ${dayString(range.to - 1)}`);
  const [include, setInclude] = useState<'observed' | 'expected'>('expected');
  const [granularity, setGranularity] = useState<'segment' | 'host'>('segment');
  const [infraLayer, setInfraLayer] = useState(true);
  const [busy, setBusy] = useState(0);
  const [error, setError] = useState<Error | null>(null);

  const draft = async (e: Event) => {
    e.preventDefault();
    setBusy(Date.now());
    setError(null);
    try {
      const p = await api.draftPolicy({ name: name.trim(), from: range.from, to: range.to, include, granularity, infrastructureLayer: infraLayer });
      toast(`Drafted “${p.name}” with ${fmtInt(p.rules.length)} rules`);
      navigate(`/policies/${encodeURIComponent(p.id)}`, keep);
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(0);
    }
  };

  return (
    <main class="page">
      <div class="toolbar">
        <h2>Policies</h2>
      </div>
      <form class="card draft" onSubmit={draft}>
        <h3>Draft a policy from the window</h3>
        <p class="muted small">
          Allow rules from the edges of {rangeLabel(range)}; everything else is denied by default. Change the window in the header. A draft enforces nothing:
          simulate it, then run it in monitor mode.
        </p>
        <div class="form-row">
          <Field label="Name">
            <input value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} required maxLength={100} />
          </Field>
          <Field label="Allow" hint="which edges become allow rules">
            <select value={include} onChange={(e) => setInclude((e.target as HTMLSelectElement).value as 'observed' | 'expected')}>
              <option value="expected">edges reviewed as expected</option>
              <option value="observed">every observed edge (except rejected)</option>
            </select>
          </Field>
          <Field label="Rules between">
            <select value={granularity} onChange={(e) => setGranularity((e.target as HTMLSelectElement).value as 'segment' | 'host')}>
              <option value="segment">segments</option>
              <option value="host">hosts</option>
            </select>
          </Field>
          <label class="check" title="DNS, NTP, LDAP, Kerberos… allowed from any source to each infrastructure server, instead of one rule per segment pair">
            <input type="checkbox" checked={infraLayer} onChange={(e) => setInfraLayer((e.target as HTMLInputElement).checked)} /> shared infrastructure layer
          </label>
          <button class="btn primary" type="submit" disabled={busy > 0}>
            {busy ? 'Drafting…' : 'Draft policy'}
          </button>
        </div>
        {busy > 0 && <Busy since={busy} label="Building allow rules from the window" />}
        <ErrorBox error={error} title="No policy drafted" />
      </form>
      <ErrorBox error={list.error} onRetry={list.reload} />
      {list.loading && <Busy since={list.since} label="Loading policies" />}
      {list.data && list.data.length === 0 && (
        <Empty title="No policies yet">
          Review the edges first (Matrix → a cell → mark edges <em>expected</em>, or work through the Long tail), then draft a policy above.
        </Empty>
      )}
      {list.data && list.data.length > 0 && (
        <table class="grid">
          <thead>
            <tr>
              <th>Name</th>
              <th>Mode</th>
              <th class="right">Version</th>
              <th class="right">Rules</th>
              <th class="right" title="host pairs × ports the current version allows among known hosts">
                Allowed surface
              </th>
              <th class="right" title="edges of the policy's window, and how many the current version allows">
                Observed edges
              </th>
              <th>From</th>
              <th>Window</th>
              <th>Created</th>
              <th>Updated</th>
            </tr>
          </thead>
          <tbody>
            {list.data.map((p) => (
              <tr key={p.id}>
                <td>
                  <a href={href(`/policies/${encodeURIComponent(p.id)}`, keep)} onClick={linkHandler(`/policies/${encodeURIComponent(p.id)}`, keep)}>
                    {p.name}
                  </a>
                </td>
                <td>
                  <span class={`badge mode-${p.mode}`}>{p.mode}</span>
                </td>
                <td class="right">{p.version}</td>
                <td class="right">{fmtInt(p.rules)}</td>
                <td
                  class="right"
                  title={`${fmtInt(p.surface.allowed)} host-pair ports over ${fmtInt(p.surface.allowedPairs)} host pairs among ${fmtInt(p.surface.hosts)} known hosts`}
                >
                  {fmtCompact(p.surface.allowed)}
                </td>
                <td class="right">
                  {fmtInt(p.surface.observedAllowed)} / {fmtInt(p.surface.observed)}
                </td>
                <td>
                  {p.include} edges, {p.granularity}s
                </td>
                <td class="small">{rangeLabel(p.window)}</td>
                <td>
                  {fmtTime(p.createdAt)} <span class="muted">by {p.createdBy}</span>
                </td>
                <td>{fmtTime(p.updatedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </main>
  );
}
