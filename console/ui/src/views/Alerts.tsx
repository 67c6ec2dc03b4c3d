import { useMemo } from 'preact/hooks';
import { useApp } from '../context.js';
import { useAsync } from '../hooks.js';
import { href, linkHandler, useLocation } from '../router.js';
import { edgeId, type Alert } from '../api.js';
import { fmtInt, fmtTime, portLabel } from '../format.js';
import { VirtualTable, type Column } from '../components/VirtualTable.js';
import { Busy, Empty, ErrorBox } from '../components/common.js';
import { QueryInput, QuerySelect } from './filters.js';
import { HostLabel } from '../components/HostName.js';

/** Continuous validation: new connections outside the active policy. */
export function AlertsView() {
  const { api } = useApp();
  const q = useLocation().query;
  const status = (q.get('status') ?? '') as '' | Alert['status'];
  const alerts = useAsync((s) => api.alerts(status || undefined, s), [api, status]);
  const host = (q.get('host') ?? '').trim();
  const rows = useMemo(
    () =>
      (alerts.data ?? [])
        .filter((a) => !host || [a.src, a.dst, a.srcName ?? '', a.dstName ?? ''].some((x) => x.toLowerCase().includes(host.toLowerCase())))
        .sort((a, b) => b.raisedAt - a.raisedAt),
    [alerts.data, host],
  );
  const cols = useMemo<Column<Alert>[]>(
    () => [
      {
        id: 'src',
        label: 'Source',
        width: 150,
        grow: 1,
        render: (r) => {
          const q = { edge: edgeId(r), host: r.src, range: 'all' };
          return (
            <a href={href('/edges', q)} onClick={linkHandler('/edges', q)} title="open this edge (timeline, review)">
              <HostLabel ip={r.src} name={r.srcName} />
            </a>
          );
        },
      },
      { id: 'dst', label: 'Destination', width: 150, grow: 1, render: (r) => <HostLabel ip={r.dst} name={r.dstName} /> },
      { id: 'port', label: 'Port', width: 100, render: (r) => <span class="mono">{portLabel(r.proto, r.port)}</span> },
      { id: 'flows', label: 'Flows', width: 80, align: 'right', render: (r) => fmtInt(r.flows) },
      { id: 'raised', label: 'Raised', width: 150, render: (r) => <span class="small">{fmtTime(r.raisedAt)}</span> },
      { id: 'first', label: 'First seen', width: 150, render: (r) => <span class="small">{fmtTime(r.firstSeen)}</span> },
      { id: 'last', label: 'Last seen', width: 150, render: (r) => <span class="small">{fmtTime(r.lastSeen)}</span> },
      {
        id: 'policy',
        label: 'Policy',
        width: 140,
        render: (r) => (
          <a
            href={href(`/policies/${encodeURIComponent(r.policy)}`, { tab: 'monitor' })}
            onClick={linkHandler(`/policies/${encodeURIComponent(r.policy)}`, { tab: 'monitor' })}
          >
            {r.policyName}
          </a>
        ),
      },
      { id: 'status', label: 'Status', width: 100, render: (r) => <span class={`badge ${r.status === 'new' ? 'rejected' : 'none'}`}>{r.status}</span> },
    ],
    [],
  );
  return (
    <main class="page edges-page">
      <div class="toolbar">
        <h2>Alerts</h2>
        <QuerySelect
          name="status"
          label="Status"
          value={status}
          options={[
            ['', 'any'],
            ['new', 'new'],
            ['reviewed', 'reviewed'],
          ]}
        />
        <QueryInput name="host" label="Host" value={q.get('host') ?? ''} placeholder="IP or name" width="10em" />
        <button class="btn small ghost" onClick={alerts.reload}>
          Refresh
        </button>
        <span class="muted">{alerts.data ? `${fmtInt(rows.length)} of ${fmtInt(alerts.data.length)}` : ''}</span>
      </div>
      <ErrorBox error={alerts.error} onRetry={alerts.reload} />
      {alerts.loading && <Busy since={alerts.since} label="Loading alerts" />}
      {alerts.data && alerts.data.length === 0 && (
        <Empty title={status ? `No ${status} alerts` : 'No alerts'}>
          New connections outside an active (monitor-mode) policy show up here. Put a policy in monitor mode under Policies to start continuous validation.
        </Empty>
      )}
      {rows.length > 0 && (
        <div class="split">
          <div class="split-main">
            <VirtualTable label="alerts" columns={cols} total={rows.length} rowAt={(i) => rows[i]} rowKey={(r) => `${r.policy}|${edgeId(r)}`} rowHeight={32} />
          </div>
        </div>
      )}
    </main>
  );
}
