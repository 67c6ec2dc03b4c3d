import { useState } from 'preact/hooks';
import type { Alert, AlertAction, AlertReviewResult } from '../api.js';
import { useApp } from '../context.js';
import { ErrorBox } from './common.js';

const LABEL: Record<AlertAction, string> = { allow: 'Allow', investigate: 'Investigate', dismiss: 'Dismiss', reject: 'Reject' };
const CLASS: Record<AlertAction, string> = { allow: 'review-expected', investigate: 'review-investigate', dismiss: '', reject: 'review-rejected' };
const HELP: Record<AlertAction, string> = {
  allow: 'a legitimate new requirement: add the narrowest rule that covers it (a new policy version)',
  investigate: 'unclear: someone finds out (owner)',
  dismiss: 'expected noise: quiet for some days, raised again after that or if its segments change',
  reject: 'should not happen: stays flagged',
};

/**
 * Triage of one alert or a selection: a note, an owner for "investigate", days for "dismiss", and
 * the four actions. A storm cannot be allowed (its edges are allowed one by one from the policy).
 */
export function AlertActions({ alerts, onDone, compact }: { alerts: Alert[]; onDone(r: AlertReviewResult, action: AlertAction): void; compact?: boolean }) {
  const { api } = useApp();
  const [note, setNote] = useState('');
  const [owner, setOwner] = useState('');
  const [days, setDays] = useState('7');
  const [busy, setBusy] = useState<AlertAction | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const storms = alerts.filter((a) => a.kind === 'storm').length;
  const n = alerts.length;
  const act = async (action: AlertAction) => {
    setBusy(action);
    setError(null);
    try {
      const r = await api.reviewAlerts({
        ids: alerts.map((a) => a.id),
        action,
        note: note.trim(),
        ...(action === 'investigate' && owner.trim() ? { owner: owner.trim() } : {}),
        ...(action === 'dismiss' ? { days: Math.max(1, Math.round(Number(days) || 7)) } : {}),
      });
      setNote('');
      onDone(r, action);
    } catch (e) {
      setError(e as Error);
    } finally {
      setBusy(null);
    }
  };
  return (
    <div class={`review-actions alert-actions${compact ? ' compact' : ''}`}>
      <textarea
        aria-label={n > 1 ? 'note for the selected alerts' : 'note for this alert'}
        rows={compact ? 1 : 2}
        maxLength={4000}
        placeholder="Note (ticket, owner, why)…"
        value={note}
        onInput={(e) => setNote((e.target as HTMLTextAreaElement).value)}
      />
      <div class="btn-row">
        {(['allow', 'investigate', 'dismiss', 'reject'] as const).map((a) => (
          <button
            key={a}
            class={`btn ${CLASS[a]}`}
            disabled={busy !== null || (a === 'allow' && storms > 0)}
            title={a === 'allow' && storms > 0 ? 'a storm cannot be allowed as a whole' : HELP[a]}
            onClick={() => act(a)}
          >
            {busy === a ? 'Saving…' : LABEL[a]}
            {n > 1 ? ` (${n})` : ''}
          </button>
        ))}
        <label class="field inline">
          <span class="field-label">owner</span>
          <input aria-label="owner" placeholder="you" value={owner} style={{ width: '8em' }} onInput={(e) => setOwner((e.target as HTMLInputElement).value)} />
        </label>
        <label class="field inline">
          <span class="field-label">dismiss for days</span>
          <input
            aria-label="days"
            type="number"
            min={1}
            max={3650}
            value={days}
            style={{ width: '5em' }}
            onInput={(e) => setDays((e.target as HTMLInputElement).value)}
          />
        </label>
      </div>
      <ErrorBox error={error} title="The alert was not triaged" />
    </div>
  );
}
