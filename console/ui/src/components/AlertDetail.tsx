import type { Alert, AlertAction, AlertReviewResult } from '../api.js';
import { edgeId } from '../api.js';
import { fmtInt, fmtTime, portLabel } from '../format.js';
import { href, linkHandler } from '../router.js';
import { AlertActions } from './AlertActions.js';
import { REASON_TEXT, STATUS_BADGE, STATUS_TEXT, hostText } from '../views/alerts-model.js';

/** One alert: what was seen, why it was raised, its triage, and the actions. */
export function AlertDetail({ alert: a, onDone, onClose }: { alert: Alert; onDone(r: AlertReviewResult, action: AlertAction): void; onClose(): void }) {
  const edge = a.kind === 'edge' ? { src: a.src, dst: a.dst!, proto: a.proto!, port: a.port! } : null;
  const edgeQuery = edge ? { edge: edgeId(edge), host: edge.src, range: 'all' } : null;
  const policyPath = `/policies/${encodeURIComponent(a.policy)}`;
  const r = a.review;
  return (
    <section class="detail" aria-label="alert detail">
      <header class="detail-head">
        <div>
          <h3 class="mono">
            #{a.id} {hostText(a.src, a.srcName)} → {a.kind === 'storm' ? `${fmtInt(a.edges)} new edges` : hostText(a.dst, a.dstName)}
          </h3>
          <div class="detail-sub">
            {edge && <span class="mono">{portLabel(edge.proto, edge.port)}</span>}
            <span class={`badge ${STATUS_BADGE[a.status]}`}>{STATUS_TEXT[a.status]}</span>
            <span class="muted">
              {a.srcSegment} → {a.dstSegment ?? 'several'}
            </span>
          </div>
        </div>
        <button class="btn small ghost" onClick={onClose} aria-label="close alert detail" title="close (Esc)">
          ✕
        </button>
      </header>
      <dl class="facts">
        <dt>Why</dt>
        <dd>
          {REASON_TEXT[a.reason]}
          {a.previous && (
            <>
              {' '}
              (follows{' '}
              <a href={href('/alerts', { id: a.previous })} onClick={linkHandler('/alerts', { id: a.previous })}>
                #{a.previous}
              </a>
              )
            </>
          )}
        </dd>
        <dt>Policy</dt>
        <dd>
          <a href={href(policyPath, { tab: 'monitor' })} onClick={linkHandler(policyPath, { tab: 'monitor' })}>
            {a.policyName}
          </a>
        </dd>
        <dt>Flows</dt>
        <dd>{fmtInt(a.flows)}</dd>
        <dt>First seen</dt>
        <dd>{fmtTime(a.firstSeen, true)}</dd>
        <dt>Last seen</dt>
        <dd>{fmtTime(a.lastSeen, true)}</dd>
        <dt>Raised</dt>
        <dd>{fmtTime(a.raisedAt, true)}</dd>
        {a.kind === 'storm' && (
          <>
            <dt>Reached</dt>
            <dd>
              {fmtInt(a.dsts ?? 0)} hosts on {fmtInt(a.ports ?? 0)} ports
            </dd>
          </>
        )}
        {r && (
          <>
            <dt>Triage</dt>
            <dd class="current-review">
              {r.action} by {r.by}, {fmtTime(r.at)}
              {r.owner && ` · owner ${r.owner}`}
              {r.until && ` · quiet until ${fmtTime(r.until)}`}
              {r.version && ` · policy version ${r.version}`}
              {r.note && <div class="note">“{r.note}”</div>}
            </dd>
          </>
        )}
      </dl>
      {edgeQuery && (
        <p>
          <a href={href('/edges', edgeQuery)} onClick={linkHandler('/edges', edgeQuery)}>
            Open the edge (timeline, review history)
          </a>
        </p>
      )}
      {a.sample && a.sample.length > 0 && (
        <>
          <h4>First edges of the storm</h4>
          <ul class="small mono">
            {a.sample.map((e) => (
              <li key={edgeId(e)}>
                {e.dst} {portLabel(e.proto, e.port)}
              </li>
            ))}
          </ul>
        </>
      )}
      <h4>Triage</h4>
      <AlertActions key={a.id} alerts={[a]} onDone={onDone} />
    </section>
  );
}
