import { edgeId, type AuditEntry, type EdgeKey } from './api.js';

/** Review history of one edge, from the audit trail (newest first). */
export function reviewHistory(entries: readonly AuditEntry[], k: EdgeKey): AuditEntry[] {
  const id = edgeId(k);
  return entries
    .filter(
      (e) => (e.action === 'review' || e.action === 'alert-review') && Array.isArray(e.target) && (e.target as EdgeKey[]).some((t) => t && edgeId(t) === id),
    )
    .sort((a, b) => b.at - a.at);
}
