import { useMemo, useState } from 'preact/hooks';
import { useApp } from '../../context.js';
import { useAsync } from '../../hooks.js';
import type { Policy, PolicyRule, RuleStats } from '../../api.js';
import { fmtCompact, fmtInt, fmtTime } from '../../format.js';
import { rangeLabel } from '../../range.js';
import { VirtualTable, type Column } from '../../components/VirtualTable.js';
import { Busy, ErrorBox, Field, Stat } from '../../components/common.js';
import { ruleText } from '../policy-format.js';

type Row = { rule: PolicyRule; n: number; s: RuleStats };

/**
 * Rule statistics over the header's window and in monitor mode: flows and last hit per rule,
 * rules without traffic, shadowed rules, broad rules (what they allow among known hosts against
 * what was seen), and the version's allowed surface beside the observed edges.
 */
export function Stats({ policy }: { policy: Policy }) {
  const { api, range } = useApp();
  const [idleDays, setIdleDays] = useState(30);
  const st = useAsync(
    (s) => api.policyStats(policy.id, { from: range.from, to: range.to, version: policy.version, idleDays }, s),
    [api, policy.id, policy.version, range.from, range.to, idleDays],
    {
      keepData: true,
    },
  );
  const rows = useMemo<Row[]>(
    () => (st.data ? policy.rules.map((rule, i) => ({ rule, n: i + 1, s: st.data!.rules[i]! })).filter((r) => r.s) : []),
    [st.data, policy.rules],
  );
  const numberOf = useMemo(() => new Map(policy.rules.map((r, i) => [r.id, i + 1])), [policy.rules]);
  const cols = useMemo<Column<Row>[]>(
    () => [
      { id: 'n', label: '#', width: 44, align: 'right', render: (r) => r.n },
      {
        id: 'rule',
        label: 'Rule',
        width: 260,
        grow: 2,
        render: (r) => (
          <span class="mono small" title={r.rule.comment}>
            {ruleText(r.rule)}
          </span>
        ),
      },
      { id: 'flows', label: 'Flows', width: 80, align: 'right', render: (r) => fmtInt(r.s.window.flows) },
      { id: 'last', label: 'Last hit', width: 140, render: (r) => <span class="small">{r.s.window.lastHit ? fmtTime(r.s.window.lastHit) : '–'}</span> },
      {
        id: 'monitor',
        label: 'Monitor',
        width: 150,
        title: 'flows allowed since monitor mode started, and the last one',
        render: (r) =>
          r.s.monitor ? <span class="small">{`${fmtInt(r.s.monitor.flows)} · ${r.s.monitor.lastHit ? fmtTime(r.s.monitor.lastHit) : 'no hit'}`}</span> : '–',
      },
      {
        id: 'flags',
        label: 'Findings',
        width: 220,
        grow: 1,
        render: (r) => (
          <span class="flags">
            {r.s.noTraffic && <span class="badge investigate">no traffic {idleDays} d</span>}
            {r.s.shadowedBy && <span class="badge rejected">shadowed by #{numberOf.get(r.s.shadowedBy) ?? '?'}</span>}
            {r.s.broad.broad && (
              <span class="badge investigate" title={`allows ${fmtInt(r.s.broad.allowed)} host-pair ports, ${fmtInt(r.s.broad.seen)} seen`}>
                broad{r.s.broad.ratio ? ` ×${fmtCompact(r.s.broad.ratio)}` : ''}
              </span>
            )}
          </span>
        ),
      },
      {
        id: 'allowed',
        label: 'Allows / seen',
        width: 190,
        title: 'host pairs × ports the rule allows among known hosts / distinct pairs and ports seen in the window',
        render: (r) => (
          <span class="small">
            {fmtInt(r.s.broad.pairs)} pairs × {fmtInt(r.s.broad.ports)} / {fmtInt(r.s.broad.seenPairs)} × {fmtInt(r.s.broad.seenPorts)}
          </span>
        ),
      },
    ],
    [idleDays, numberOf],
  );
  const sf = st.data?.surface;
  return (
    <div class="policy-stats">
      <div class="toolbar">
        <span class="muted">Over {rangeLabel(range)} (change it in the header)</span>
        <Field label="No traffic for">
          <select aria-label="days without traffic" value={String(idleDays)} onChange={(e) => setIdleDays(Number((e.target as HTMLSelectElement).value))}>
            {[7, 14, 30, 60, 90].map((d) => (
              <option key={d} value={d}>
                {d} days
              </option>
            ))}
          </select>
        </Field>
      </div>
      <ErrorBox error={st.error} onRetry={st.reload} />
      {st.loading && !st.data && <Busy since={st.since} label="Counting rule hits" />}
      {sf && (
        <div class="stats surface">
          <Stat
            label="allowed surface"
            value={fmtCompact(sf.allowed)}
            title={`${fmtInt(sf.allowed)} host pairs × ports allowed among ${fmtInt(sf.hosts)} known hosts${sf.approximate ? ' (per-rule sum: an upper bound)' : ''}`}
          />
          <Stat label="host pairs allowed" value={Number.isFinite(sf.allowedPairs) ? fmtInt(sf.allowedPairs) : '–'} />
          <Stat label="edges observed" value={fmtInt(sf.observed)} />
          <Stat label="of them allowed" value={fmtInt(sf.observedAllowed)} />
          <Stat label="rules without traffic" value={fmtInt(rows.filter((r) => r.s.noTraffic).length)} />
          <Stat label="shadowed rules" value={fmtInt(rows.filter((r) => r.s.shadowedBy).length)} />
          <Stat label="broad rules" value={fmtInt(rows.filter((r) => r.s.broad.broad).length)} />
        </div>
      )}
      {rows.length > 0 && (
        <div class="table-box">
          <VirtualTable label="rule statistics" columns={cols} total={rows.length} rowAt={(i) => rows[i]} rowKey={(r) => r.rule.id} rowHeight={32} />
        </div>
      )}
    </div>
  );
}
