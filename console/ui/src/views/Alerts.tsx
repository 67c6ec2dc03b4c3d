import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import { useApp } from '../context.js';
import { useAsync } from '../hooks.js';
import { href, linkHandler, setQuery, useLocation } from '../router.js';
import { usePagedRows } from '../paged.js';
import type { Alert, AlertAction, AlertReviewResult } from '../api.js';
import { fmtInt, fmtTime, portLabel } from '../format.js';
import { VirtualTable, toggled, type Column } from '../components/VirtualTable.js';
import { Busy, Empty, ErrorBox } from '../components/common.js';
import { AlertActions } from '../components/AlertActions.js';
import { AlertDetail } from '../components/AlertDetail.js';
import { SinkHealthPanel } from '../components/SinkHealth.js';
import { QueryInput, QuerySelect } from './filters.js';
import { ALERT_FILTER_KEYS, SINCE_OPTIONS, STATUS_BADGE, STATUS_OPTIONS, STATUS_TEXT, alertQuery } from './alerts-model.js';

const DONE: Record<AlertAction, string> = { allow: 'Allowed', investigate: 'Under investigation', dismiss: 'Dismissed', reject: 'Rejected' };

/**
 * Continuous validation: new connections outside a monitored policy, to triage one by one or in
 * bulk (allow, investigate, dismiss, reject), filtered and paged, with the delivery state of the
 * sinks (syslog, webhooks) above.
 */
export function AlertsView() {
  const { api, toast } = useApp();
  const q = useLocation().query;
  const qs = ALERT_FILTER_KEYS.map((k) => q.get(k) ?? '').join('|');
  // eslint-disable-next-line react-hooks/exhaustive-deps -- "last N days" is fixed when the filter changes
  const filters = useMemo(() => alertQuery(q, Date.now()), [qs]);
  const list = usePagedRows<Alert>((offset, limit, signal) => api.alertPage({ ...filters, limit, offset }, signal), [api, qs], { size: 500 });
  const loaded = list.loaded;
  const policies = useAsync((s) => api.policies(s), [api]);
  const segments = useAsync((s) => api.segments(s), [api]);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  useEffect(() => setSelected(new Set()), [qs]);
  const activeId = q.get('alert') ?? (loaded.length === 1 && q.get('id') ? loaded[0]!.id : null);
  const active = useMemo(() => loaded.find((r) => r.id === activeId), [loaded, activeId]);

  const done = useCallback(
    (r: AlertReviewResult, action: AlertAction) => {
      const byId = new Map(r.alerts.map((a) => [a.id, a]));
      list.update((row) => byId.get(row.id) ?? null);
      setSelected(new Set());
      const versions = r.policies.map((p) => `policy version ${p.version}`).join(', ');
      toast(`${DONE[action]}: ${fmtInt(r.reviewed)} alert${r.reviewed === 1 ? '' : 's'}${versions ? ` (${versions})` : ''}`);
    },
    // eslint-disable-next-line react-hooks/exhaustive-deps -- list.update is stable
    [list.update, toast],
  );

  const cols = useMemo<Column<Alert>[]>(
    () => [
      { id: 'id', label: '#', width: 60, render: (r) => <span class="mono">{r.id}</span> },
      {
        id: 'src',
        label: 'Source',
        width: 170,
        grow: 1,
        render: (r) => (
          <span class="two-line">
            <span class="mono">{r.src}</span>
            <span class="seg">
              {r.srcName ? `${r.srcName} · ` : ''}
              {r.srcSegment}
            </span>
          </span>
        ),
      },
      {
        id: 'dst',
        label: 'Destination',
        width: 170,
        grow: 1,
        render: (r) =>
          r.kind === 'storm' ? (
            <span class="two-line">
              <span>
                <span class="badge rejected">storm</span> {fmtInt(r.edges)} new edges
              </span>
              <span class="seg">
                {fmtInt(r.dsts ?? 0)} hosts · {fmtInt(r.ports ?? 0)} ports
              </span>
            </span>
          ) : (
            <span class="two-line">
              <span class="mono">{r.dst}</span>
              <span class="seg">
                {r.dstName ? `${r.dstName} · ` : ''}
                {r.dstSegment}
              </span>
            </span>
          ),
      },
      { id: 'port', label: 'Port', width: 100, render: (r) => (r.proto === null ? '–' : <span class="mono">{portLabel(r.proto, r.port!)}</span>) },
      { id: 'flows', label: 'Flows', width: 80, align: 'right', render: (r) => fmtInt(r.flows) },
      { id: 'raised', label: 'Raised', width: 140, render: (r) => <span class="small">{fmtTime(r.raisedAt)}</span> },
      { id: 'last', label: 'Last seen', width: 140, render: (r) => <span class="small">{fmtTime(r.lastSeen)}</span> },
      {
        id: 'policy',
        label: 'Policy',
        width: 130,
        render: (r) => (
          <a
            href={href(`/policies/${encodeURIComponent(r.policy)}`, { tab: 'monitor' })}
            onClick={linkHandler(`/policies/${encodeURIComponent(r.policy)}`, { tab: 'monitor' })}
          >
            {r.policyName}
          </a>
        ),
      },
      {
        id: 'status',
        label: 'Status',
        width: 120,
        render: (r) => (
          <span
            class={`badge ${STATUS_BADGE[r.status]}`}
            title={
              r.review
                ? `${r.review.action} by ${r.review.by}${r.review.owner ? ` (owner ${r.review.owner})` : ''}${r.review.note ? `: ${r.review.note}` : ''}`
                : 'not triaged'
            }
          >
            {STATUS_TEXT[r.status]}
          </span>
        ),
      },
    ],
    [],
  );

  const policyOptions: Array<[string, string]> = [['', 'any'], ...(policies.data ?? []).map((p): [string, string] => [p.id, p.name])];
  const segOptions: Array<[string, string]> = [['', 'any'], ...(segments.data ?? []).map((s): [string, string] => [s.name, s.name])];
  const chosen = loaded.filter((r) => selected.has(r.id));
  const filtered = ALERT_FILTER_KEYS.some((k) => q.get(k));
  const ensure = list.ensure;
  const onVisible = useCallback((first: number, last: number) => ensure(first, last), [ensure]);

  return (
    <main class="page edges-page alerts-page">
      <SinkHealthPanel />
      <div class="toolbar">
        <h2>Alerts</h2>
        <QuerySelect name="status" label="Status" value={q.get('status') ?? ''} options={STATUS_OPTIONS} />
        <QuerySelect
          name="kind"
          label="Kind"
          value={q.get('kind') ?? ''}
          options={[
            ['', 'any'],
            ['edge', 'new edge'],
            ['storm', 'storm'],
          ]}
        />
        <QuerySelect name="policy" label="Policy" value={q.get('policy') ?? ''} options={policyOptions} />
        <QuerySelect name="segment" label="Segment (either side)" value={q.get('segment') ?? ''} options={segOptions} />
        <QueryInput name="host" label="Host" value={q.get('host') ?? ''} placeholder="10.0.0.1 or a name" width="10em" />
        <QuerySelect name="since" label="Raised" value={q.get('since') ?? ''} options={SINCE_OPTIONS} />
        {filtered && (
          <button class="btn small ghost" onClick={() => setQuery(Object.fromEntries([...ALERT_FILTER_KEYS, 'alert'].map((k) => [k, null])), true)}>
            Clear filters
          </button>
        )}
        <button class="btn small ghost" onClick={list.reload}>
          Refresh
        </button>
      </div>
      <div class="list-status">
        <span>
          {fmtInt(list.total)} alert{list.total === 1 ? '' : 's'}
          {loaded.length < list.total && ` · ${fmtInt(loaded.length)} loaded (rows load as they scroll into view)`}
        </span>
      </div>
      <ErrorBox error={list.error} onRetry={list.reload} />
      <Busy since={list.since} active={list.loading} label="Loading alerts" />
      {selected.size > 0 && (
        <div class="bulk" role="region" aria-label="bulk triage">
          <strong>{fmtInt(selected.size)} selected</strong>
          <AlertActions compact alerts={chosen} onDone={done} />
          <button class="btn small ghost" onClick={() => setSelected(new Set())}>
            Clear selection
          </button>
        </div>
      )}
      <div class="split">
        <div class="split-main">
          {!list.loading && !list.error && list.total === 0 ? (
            <Empty title={filtered ? 'No alerts match these filters' : 'No open alerts'}>
              {filtered
                ? 'Clear a filter, or choose "any" status.'
                : 'New connections outside a policy in monitor mode show up here. Put a policy in monitor mode under Policies to start continuous validation.'}
            </Empty>
          ) : (
            <VirtualTable
              label="alerts"
              columns={cols}
              total={list.total}
              rowAt={list.rowAt}
              rowKey={(r) => r.id}
              rowHeight={38}
              activeKey={activeId}
              onActivate={(r) => setQuery({ alert: r.id }, true)}
              selected={selected}
              onToggle={(r) => setSelected(toggled(selected, r.id))}
              onToggleAll={() => setSelected(selected.size === loaded.length ? new Set() : new Set(loaded.map((r) => r.id)))}
              allSelected={loaded.length > 0 && selected.size === loaded.length}
              onVisible={onVisible}
              onKey={(e) => e.key === 'Escape' && setQuery({ alert: null }, true)}
            />
          )}
        </div>
        {active && (
          <div class="split-side">
            <AlertDetail alert={active} onDone={done} onClose={() => setQuery({ alert: null, id: null }, true)} />
          </div>
        )}
      </div>
    </main>
  );
}
