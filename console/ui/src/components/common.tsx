import type { ComponentChildren } from 'preact';
import { useElapsed } from '../hooks.js';
import { fmtElapsed } from '../format.js';
import { ApiError, type Review } from '../api.js';

/** An error, shown with what the console said (never swallowed). */
export function ErrorBox({ error, title, onRetry }: { error: Error | null | undefined; title?: string; onRetry?: () => void }) {
  if (!error) return null;
  const api = error instanceof ApiError ? error : null;
  const notYet = api?.status === 404 && api.code === 'not_found' && /no such endpoint/.test(api.message);
  return (
    <div class="error" role="alert">
      <strong>{title ?? (notYet ? 'This console does not offer this yet' : 'Something went wrong')}</strong>
      <span class="error-msg">{error.message}</span>
      {api && api.status > 0 && (
        <span class="muted">
          {' '}
          (HTTP {api.status}, {api.code})
        </span>
      )}
      {onRetry && (
        <button class="btn small" onClick={onRetry}>
          Retry
        </button>
      )}
    </div>
  );
}

/** Progress for work that takes a while: an indeterminate bar and the time it has taken so far. */
export function Busy({ since, label = 'Loading', active = true, detail }: { since: number; label?: string; active?: boolean; detail?: string }) {
  const ms = useElapsed(since, active);
  // Quick answers flash nothing; anything slower shows that it is working and for how long.
  if (!active || ms < 250) return null;
  return (
    <div class="busy" role="status" aria-live="polite">
      <div class="bar">
        <div class="bar-inner" />
      </div>
      <span>
        {label}… {fmtElapsed(ms)}
        {detail ? ` · ${detail}` : ''}
      </span>
    </div>
  );
}

/** What to do next when there is nothing to show. */
export function Empty({ title, children }: { title: string; children?: ComponentChildren }) {
  return (
    <div class="empty">
      <h3>{title}</h3>
      {children && <div class="empty-body">{children}</div>}
    </div>
  );
}

export function ReviewBadge({ review }: { review: Review | null | undefined }) {
  if (!review) return <span class="badge none">unreviewed</span>;
  return (
    <span class={`badge ${review.status}`} title={`${review.status} by ${review.by}${review.note ? `: ${review.note}` : ''}`}>
      {review.status}
    </span>
  );
}

export function InfraBadge({ on }: { on: boolean }) {
  return on ? (
    <span class="badge infra" title="shared infrastructure dependency (DNS, NTP, LDAP, Kerberos, SNMP, syslog…)">
      infra
    </span>
  ) : null;
}

export function Field({ label, children, hint }: { label: string; children: ComponentChildren; hint?: string }) {
  return (
    <label class="field">
      <span class="field-label" title={hint}>
        {label}
      </span>
      {children}
    </label>
  );
}

export function Stat({ label, value, title }: { label: string; value: ComponentChildren; title?: string }) {
  return (
    <div class="stat" title={title}>
      <div class="stat-value">{value}</div>
      <div class="stat-label">{label}</div>
    </div>
  );
}
