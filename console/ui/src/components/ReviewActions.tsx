import { useState } from 'preact/hooks';
import { REVIEW_STATUSES, type ReviewStatus } from '../api.js';
import { ErrorBox } from './common.js';

const HELP: Record<ReviewStatus, string> = {
  expected: 'legitimate: becomes an allow rule',
  investigate: 'unclear: keep it on the worklist and ask the owner',
  rejected: 'should not happen: stays denied, flagged if it recurs',
};

/** Expected / investigate / rejected with an optional note; reports what the API answered. */
export function ReviewActions({ count, onReview, compact }: { count: number; onReview(status: ReviewStatus, note: string): Promise<void>; compact?: boolean }) {
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState<ReviewStatus | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const act = async (s: ReviewStatus) => {
    setBusy(s);
    setError(null);
    try {
      await onReview(s, note.trim());
      setNote('');
    } catch (e) {
      setError(e as Error);
    } finally {
      setBusy(null);
    }
  };
  return (
    <div class={`review-actions${compact ? ' compact' : ''}`}>
      <textarea
        aria-label="review note"
        rows={compact ? 1 : 2}
        maxLength={4000}
        placeholder="Note (ticket, owner, why)…"
        value={note}
        onInput={(e) => setNote((e.target as HTMLTextAreaElement).value)}
      />
      <div class="btn-row">
        {REVIEW_STATUSES.map((s) => (
          <button key={s} class={`btn review-${s}`} disabled={busy !== null} title={HELP[s]} onClick={() => act(s)}>
            {busy === s ? 'Saving…' : `${s[0]!.toUpperCase()}${s.slice(1)}`}
            {count > 1 ? ` (${count})` : ''}
          </button>
        ))}
      </div>
      <ErrorBox error={error} title="The review was not saved" />
    </div>
  );
}
