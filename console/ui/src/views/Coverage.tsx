import { useMemo } from 'preact/hooks';
import { useApp } from '../context.js';
import { useAsync } from '../hooks.js';
import { navigate, useLocation } from '../router.js';
import { WEEKDAYS, fmtDuration, fmtInt, fmtPercent, fmtTime } from '../format.js';
import { Busy, Empty, ErrorBox } from '../components/common.js';
import { QueryInput, QuerySelect } from './filters.js';
import { GAP_TEXT, coverageFilter } from './worklist.js';

/**
 * Is the observation window enough to trust a policy, per segment: a full weekly cycle, a
 * month-end, no gaps in collection; completeness with the reasons it falls short.
 */
export function CoverageView() {
  const { api, range } = useApp();
  const q = useLocation().query;
  const cov = useAsync((s) => api.coverage(range.from, range.to, s), [api, range.from, range.to]);
  // eslint-disable-next-line react-hooks/exhaustive-deps -- the listed values are the intended triggers
  const filter = useMemo(() => coverageFilter(q), [q.toString()]);
  const rows = useMemo(
    () => (cov.data?.segments ?? []).filter(filter).sort((a, b) => a.completeness - b.completeness || a.segment.localeCompare(b.segment)),
    [cov.data, filter],
  );
  const keep = { range: q.get('range'), from: q.get('from'), to: q.get('to') };

  return (
    <main class="page">
      <div class="toolbar">
        <h2>Coverage</h2>
        <QueryInput name="names" label="Segment" value={q.get('names') ?? ''} placeholder="name contains…" width="10em" />
        <QuerySelect
          name="show"
          label="Show"
          value={q.get('show') ?? ''}
          options={[
            ['', 'all segments'],
            ['incomplete', 'incomplete only'],
            ['gaps', 'with collection gaps'],
            ['noweekly', 'no full weekly cycle'],
            ['nomonthend', 'no month-end'],
          ]}
        />
      </div>
      <p class="muted small">A policy is only as good as what was observed: collect 2–4 weeks, including every weekday and a month-end, without gaps.</p>
      <ErrorBox error={cov.error} onRetry={cov.reload} />
      <Busy since={cov.since} active={cov.loading} label="Checking coverage" />
      {cov.data && cov.data.segments.length === 0 && (
        <Empty title="No segments to assess">Define segments first (Segments), then let the probes collect for a few weeks.</Empty>
      )}
      {cov.data && cov.data.segments.length > 0 && rows.length === 0 && <Empty title="No segment matches these filters" />}
      {rows.length > 0 && (
        <table class="grid coverage">
          <thead>
            <tr>
              <th>Segment</th>
              <th>Completeness</th>
              <th class="right">Days observed</th>
              <th>Weekdays seen</th>
              <th>Weekly cycle</th>
              <th>Month-end</th>
              <th>Gaps</th>
              <th>Why not complete</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((s) => (
              <tr key={s.segment}>
                <td>
                  <a href="#" onClick={(e) => (e.preventDefault(), navigate('/edges', { ...keep, segment: s.segment }))} title="open this segment's edges">
                    {s.segment}
                  </a>
                </td>
                <td>
                  <span class="meter" title={fmtPercent(s.completeness, 1)}>
                    <span
                      class={s.completeness >= 1 ? 'ok' : s.completeness >= 0.7 ? 'warn' : 'bad'}
                      style={{ width: `${Math.round(s.completeness * 100)}%` }}
                    />
                  </span>{' '}
                  {fmtPercent(s.completeness)}
                </td>
                <td class="right" title={`${s.daysObserved} of ${s.daysInWindow} days in the window had traffic of this segment`}>
                  {fmtInt(s.daysObserved)} / {fmtInt(s.daysInWindow)}
                </td>
                <td>
                  <span class="weekdays">
                    {[1, 2, 3, 4, 5, 6, 0].map((d) => (
                      <span key={d} class={s.weekdays.includes(d) ? 'on' : 'off'} title={`${WEEKDAYS[d]}: ${s.weekdays.includes(d) ? 'seen' : 'not seen'}`}>
                        {WEEKDAYS[d]![0]}
                      </span>
                    ))}
                  </span>
                </td>
                <td>{s.weeklyCycle ? <span class="yes">✓ yes</span> : <span class="no">✗ no</span>}</td>
                <td>{s.monthEnd ? <span class="yes">✓ yes</span> : <span class="no">✗ no</span>}</td>
                <td>
                  {s.gaps.length === 0 ? (
                    <span class="muted">none</span>
                  ) : (
                    <details>
                      <summary>
                        {s.gaps.length} gap{s.gaps.length === 1 ? '' : 's'} ({fmtDuration(s.gaps.reduce((t, g) => t + (g.to - g.from), 0))})
                      </summary>
                      <ul class="gaps">
                        {s.gaps.map((g, i) => (
                          <li key={i}>
                            {fmtTime(g.from)} → {fmtTime(g.to)} ({fmtDuration(g.to - g.from)}){g.probe ? ` · probe ${g.probe}` : ''} ·{' '}
                            {GAP_TEXT[g.reason] ?? g.reason}
                            {g.dropped ? ` (${fmtInt(g.dropped)} packets dropped)` : ''}
                          </li>
                        ))}
                      </ul>
                    </details>
                  )}
                </td>
                <td>
                  {s.reasons.length === 0 ? (
                    <span class="muted">–</span>
                  ) : (
                    <ul class="reasons">
                      {s.reasons.map((r, i) => (
                        <li key={i}>{r}</li>
                      ))}
                    </ul>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </main>
  );
}
