import { useState } from 'preact/hooks';
import { useApp } from '../../context.js';
import { useAsync } from '../../hooks.js';
import { setQuery } from '../../router.js';
import type { Policy } from '../../api.js';
import { fmtCompact, fmtInt, fmtTime } from '../../format.js';
import { Busy, ErrorBox } from '../../components/common.js';
import { ruleKey, ruleText } from '../policy-format.js';

/** Version history, diffs between any two versions, rollback with a reason. */
export function Versions({ policy, onChanged }: { policy: Policy; onChanged(): void }) {
  const { api, toast } = useApp();
  const versions = [...(policy.versions ?? [])].sort((a, b) => b.version - a.version);
  const [from, setFrom] = useState(Math.max(1, policy.version - 1));
  const [to, setTo] = useState(policy.version);
  const diff = useAsync((s) => api.policyDiff(policy.id, from, to, s), [api, policy.id, from, to], { skip: from === to });
  const [reason, setReason] = useState('');
  const [target, setTarget] = useState<number | null>(null);
  const [busy, setBusy] = useState(0);
  const [error, setError] = useState<Error | null>(null);
  const rollback = async () => {
    if (target === null) return;
    setBusy(Date.now());
    setError(null);
    try {
      const p = await api.rollback(policy.id, target, reason.trim());
      toast(`Rolled back to version ${target} (now version ${p.version})`);
      setTarget(null);
      setReason('');
      onChanged();
    } catch (e) {
      setError(e as Error);
    } finally {
      setBusy(0);
    }
  };
  return (
    <div class="versions">
      <table class="grid">
        <thead>
          <tr>
            <th class="right">Version</th>
            <th>When</th>
            <th>By</th>
            <th>Why</th>
            <th class="right">Rules</th>
            <th class="right" title="host pairs × ports allowed among known hosts; edges of the policy's window allowed">
              Allowed surface
            </th>
            <th />
          </tr>
        </thead>
        <tbody>
          {versions.map((v) => (
            <tr key={v.version} class={v.version === policy.version ? 'active' : ''}>
              <td class="right">{v.version}</td>
              <td>{fmtTime(v.at)}</td>
              <td>{v.by}</td>
              <td>{v.reason}</td>
              <td class="right">{fmtInt(v.rules)}</td>
              <td
                class="right"
                title={`${fmtInt(v.surface.allowed)} host-pair ports; ${fmtInt(v.surface.observedAllowed)} of ${fmtInt(v.surface.observed)} observed edges allowed`}
              >
                {fmtCompact(v.surface.allowed)}
              </td>
              <td>
                <button class="btn small ghost" onClick={() => setQuery({ version: v.version, tab: null }, true)}>
                  rules
                </button>
                {v.version !== policy.version && (
                  <button class="btn small ghost" onClick={() => setTarget(v.version)}>
                    roll back to this
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {target !== null && (
        <div class="card">
          <h4>Roll back to version {target}</h4>
          <p class="muted small">A rollback is a new version with the rules of version {target}; the history is kept.</p>
          <div class="form-row">
            <input
              aria-label="rollback reason"
              placeholder="reason (required)"
              value={reason}
              onInput={(e) => setReason((e.target as HTMLInputElement).value)}
            />
            <button class="btn primary" disabled={!reason.trim() || busy > 0} onClick={rollback}>
              {busy ? 'Rolling back…' : 'Roll back'}
            </button>
            <button class="btn ghost" onClick={() => setTarget(null)}>
              Cancel
            </button>
          </div>
          <ErrorBox error={error} title="Not rolled back" />
        </div>
      )}
      <h3>Diff</h3>
      <div class="form-row">
        <label class="field inline">
          <span class="field-label">from version</span>
          <select value={from} onChange={(e) => setFrom(Number((e.target as HTMLSelectElement).value))}>
            {versions.map((v) => (
              <option key={v.version} value={v.version}>
                {v.version}
              </option>
            ))}
          </select>
        </label>
        <label class="field inline">
          <span class="field-label">to version</span>
          <select value={to} onChange={(e) => setTo(Number((e.target as HTMLSelectElement).value))}>
            {versions.map((v) => (
              <option key={v.version} value={v.version}>
                {v.version}
              </option>
            ))}
          </select>
        </label>
      </div>
      {from === to && <p class="muted">Pick two different versions.</p>}
      <ErrorBox error={diff.error} onRetry={diff.reload} />
      {diff.loading && <Busy since={diff.since} label="Comparing versions" />}
      {diff.data && from !== to && (
        <div class="diff">
          {diff.data.added.length === 0 && diff.data.removed.length === 0 && (
            <p class="muted">
              No rule changes between version {from} and {to}.
            </p>
          )}
          {diff.data.added.map((r) => (
            <div key={`+${ruleKey(r)}`} class="diff-add mono">
              + {ruleText(r)}
              {r.comment ? `  # ${r.comment}` : ''}
            </div>
          ))}
          {diff.data.removed.map((r) => (
            <div key={`-${ruleKey(r)}`} class="diff-del mono">
              − {ruleText(r)}
              {r.comment ? `  # ${r.comment}` : ''}
            </div>
          ))}
        </div>
      )}
    </div>
  );
}
