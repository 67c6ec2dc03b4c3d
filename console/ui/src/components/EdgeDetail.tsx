import { useMemo, useState } from 'preact/hooks';
import uPlot from 'uplot';
import { useApp } from '../context.js';
import { useAsync } from '../hooks.js';
import { edgeId, type EdgeKey, type EdgeRow, type Review, type ReviewStatus } from '../api.js';
import { fmtBytes, fmtInt, fmtPercent, fmtTime, portLabel, protoName } from '../format.js';
import { timelineData, timelineOptions, type Metric } from '../charts/options.js';
import { Chart } from './Chart.js';
import { Busy, Empty, ErrorBox, InfraBadge, ReviewBadge, Stat } from './common.js';
import { ReviewActions } from './ReviewActions.js';
import { reviewHistory } from '../review-history.js';
import { HostLabel, hostText } from './HostName.js';

const PERIOD_TEXT: Record<string, string> = {
  continuous: 'continuous (active most hours)',
  hourly: 'hourly',
  daily: 'daily',
  weekly: 'weekly',
  monthly: 'monthly',
};

/**
 * One edge: hourly activity over the window, period and next expected run, service and
 * infrastructure flag, review actions and review history.
 */
export function EdgeDetail({ edge, row, onReviewed, onClose }: { edge: EdgeKey; row: EdgeRow | undefined; onReviewed(r: Review): void; onClose(): void }) {
  const { api, range, toast } = useApp();
  const id = edgeId(edge);
  const [metric, setMetric] = useState<Metric>('flows');
  const [auditTick, setAuditTick] = useState(0);

  // The row, when opened from a link rather than from the list.
  const fetched = useAsync(
    async (s) =>
      (await api.edges({ from: range.from, to: range.to, host: edge.src, proto: edge.proto, port: edge.port, limit: 10_000 }, s)).rows.find(
        (r) => edgeId(r) === id,
      ) ?? null,
    [api, id, range.from, range.to],
    { skip: row !== undefined },
  );
  const [local, setLocal] = useState<Review | null | undefined>(undefined);
  const r = row ?? fetched.data ?? undefined;
  const review = local !== undefined ? local : (r?.review ?? null);

  const tl = useAsync((s) => api.timeline(edge, range.from, range.to, s), [api, id, range.from, range.to]);
  const audit = useAsync((s) => api.audit({ limit: 100_000 }, s), [api, id, auditTick]);
  // eslint-disable-next-line react-hooks/exhaustive-deps -- the listed values are the intended triggers
  const history = useMemo(() => reviewHistory(audit.data ?? [], edge), [audit.data, id]);
  const data = useMemo(() => (tl.data ? timelineData(tl.data.t, tl.data[metric]) : null), [tl.data, metric]);
  const activeHours = useMemo(() => (tl.data ? tl.data.flows.filter((f) => f > 0).length : 0), [tl.data]);

  const doReview = async (status: ReviewStatus, note: string) => {
    const res = await api.review([edge], status, note);
    setLocal(res.review);
    onReviewed(res.review);
    setAuditTick((t) => t + 1);
    toast(`Marked ${hostText(edge.src, r?.srcName)} → ${hostText(edge.dst, r?.dstName)} ${portLabel(edge.proto, edge.port)} ${status}`);
  };

  return (
    <section class="detail" aria-label="edge detail">
      <header class="detail-head">
        <div>
          <h3 class="edge-hosts">
            <HostLabel ip={edge.src} name={r?.srcName} link /> → <HostLabel ip={edge.dst} name={r?.dstName} link />
          </h3>
          <div class="detail-sub">
            <span class="mono">{portLabel(edge.proto, edge.port)}</span>
            {r?.service && <span class="badge svc">{r.service}</span>}
            {r && <InfraBadge on={r.infrastructure} />}
            <ReviewBadge review={review} />
            {r && (
              <span class="muted">
                {r.srcSegment} → {r.dstSegment}
              </span>
            )}
          </div>
        </div>
        <button class="btn small ghost" onClick={onClose} aria-label="close edge detail" title="close (Esc)">
          ✕
        </button>
      </header>
      <ErrorBox error={fetched.error} />
      {!r && fetched.loading && <Busy since={fetched.since} label="Finding the edge" />}
      {!r && !fetched.loading && !fetched.error && <Empty title="This edge has no traffic in the window">Pick a wider time range in the header.</Empty>}
      {r && (
        <div class="stats">
          <Stat label="flows" value={fmtInt(r.flows)} />
          <Stat label="bytes" value={fmtBytes(r.bytes)} />
          <Stat label="packets" value={fmtInt(r.packets)} />
          <Stat label="days seen" value={fmtInt(r.daysSeen)} />
          <Stat label="active hours" value={tl.data ? fmtInt(activeHours) : '…'} title="hours with at least one flow in the window" />
        </div>
      )}
      {r && (
        <dl class="facts">
          <dt>Source</dt>
          <dd>
            <HostLabel ip={r.src} name={r.srcName} link /> <span class="muted">{r.srcSegment}</span>
          </dd>
          <dt>Destination</dt>
          <dd>
            <HostLabel ip={r.dst} name={r.dstName} link /> <span class="muted">{r.dstSegment}</span>
          </dd>
          <dt>Names</dt>
          <dd class="muted small">
            {r.srcName || r.dstName
              ? 'as the addresses were named when this edge was last seen in the window'
              : 'neither address was named when this edge was last seen'}
          </dd>
          <dt>First seen</dt>
          <dd>{fmtTime(r.firstSeen, true)}</dd>
          <dt>Last seen</dt>
          <dd>{fmtTime(r.lastSeen, true)}</dd>
          <dt>Protocol</dt>
          <dd>
            {protoName(r.proto)} {r.proto !== 1 && r.proto !== 58 ? `port ${r.port}` : ''} {r.service ? `(${r.service})` : ''}
            {r.infrastructure ? ' · shared infrastructure dependency' : ''}
          </dd>
          <dt>Period</dt>
          <dd>
            {r.period ? (PERIOD_TEXT[r.period] ?? r.period) : <span class="muted">none detected</span>}
            {r.periodConfidence !== null && r.periodConfidence !== undefined && ` · confidence ${fmtPercent(r.periodConfidence)}`}
            {r.periodNote && <div class="muted">{r.periodNote}</div>}
          </dd>
          <dt>Next expected</dt>
          <dd>{r.nextExpected ? fmtTime(r.nextExpected) : <span class="muted">–</span>}</dd>
        </dl>
      )}
      <div class="chart-head">
        <h4>Hourly activity</h4>
        <div class="seg-toggle" role="group" aria-label="chart metric">
          {(['flows', 'packets', 'bytes'] as const).map((m) => (
            <button key={m} class={`btn small ${metric === m ? 'on' : ''}`} aria-pressed={metric === m} onClick={() => setMetric(m)}>
              {m}
            </button>
          ))}
        </div>
      </div>
      <ErrorBox error={tl.error} onRetry={tl.reload} />
      <Busy since={tl.since} active={tl.loading} label="Loading the timeline" />
      {data && (
        <Chart
          key={`${id}:${metric}:${r?.nextExpected ?? ''}`}
          class="timeline"
          label={`hourly ${metric} of ${hostText(edge.src, r?.srcName)} to ${hostText(edge.dst, r?.dstName)}`}
          height={170}
          data={data}
          options={(width, height) =>
            timelineOptions({ width, height, metric, nextExpected: r?.nextExpected ?? null, bars: uPlot.paths.bars!({ size: [0.9, 12] }) })
          }
        />
      )}
      <h4>Review</h4>
      {review && (
        <p class="current-review">
          <ReviewBadge review={review} /> by {review.by} · {fmtTime(review.at)}
          {review.note && <span class="note"> · “{review.note}”</span>}
        </p>
      )}
      <ReviewActions count={1} onReview={doReview} />
      <h4>Review history</h4>
      <ErrorBox error={audit.error} onRetry={audit.reload} />
      {audit.loading && !audit.data && <Busy since={audit.since} label="Reading the audit trail" />}
      {audit.data && history.length === 0 && <p class="muted">Never reviewed.</p>}
      {history.length > 0 && (
        <ol class="history">
          {history.map((h, i) => {
            const d = (h.detail ?? {}) as { status?: string; note?: string };
            const n = Array.isArray(h.target) ? h.target.length : 1;
            return (
              <li key={i}>
                <span class={`badge ${d.status ?? ''}`}>{d.status ?? h.action}</span> {fmtTime(h.at)} by {h.by}
                {n > 1 && (
                  <span class="muted">
                    {' '}
                    (with {n - 1} other edge{n > 2 ? 's' : ''})
                  </span>
                )}
                {d.note && <div class="note">“{d.note}”</div>}
              </li>
            );
          })}
        </ol>
      )}
    </section>
  );
}
