import { useEffect, useMemo, useState } from 'preact/hooks';
import { useApp } from '../../context.js';
import { useAsync } from '../../hooks.js';
import { edgeId, type Policy, type ViolationRow, type ViolationAction } from '../../api.js';
import { fmtInt, fmtTime, portLabel } from '../../format.js';
import { VirtualTable, toggled, type Column } from '../../components/VirtualTable.js';
import { Busy, Empty, ErrorBox } from '../../components/common.js';
import { HostCell } from '../../components/HostName.js';
import { endpointText, portsText } from '../policy-format.js';

/** Monitor mode and the would-be-blocked queue with its actions. */
const ACTION_CLASS: Record<ViolationAction, string> = { allow: 'expected', investigate: 'investigate', reject: 'rejected' };

export function Monitor({ policy, onChanged }: { policy: Policy; onChanged(): void }) {
  const { api, toast } = useApp();
  const v = useAsync((s) => api.violations(policy.id, s), [api, policy.id, policy.mode], { keepData: true });
  // The queue fills from live ingest: follow it while monitoring.
  useEffect(() => {
    if (policy.mode !== 'monitor') return;
    const t = setInterval(v.reload, 15_000);
    return () => clearInterval(t);
  }, [policy.mode, v.reload]);
  const [busy, setBusy] = useState(0);
  const [error, setError] = useState<Error | null>(null);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [note, setNote] = useState('');
  const [acting, setActing] = useState<ViolationAction | null>(null);
  const rows = useMemo(() => [...(v.data ?? [])].sort((a, b) => b.lastSeen - a.lastSeen), [v.data]);

  const setMode = async (mode: 'monitor' | 'off') => {
    setBusy(Date.now());
    setError(null);
    try {
      await api.setMode(policy.id, mode);
      toast(
        mode === 'monitor'
          ? `“${policy.name}” is in monitor mode: would-be-blocked flows are logged, nothing is blocked`
          : `Monitoring of “${policy.name}” is off`,
      );
      onChanged();
    } catch (e) {
      setError(e as Error);
    } finally {
      setBusy(0);
    }
  };

  const act = async (action: ViolationAction, widen?: 'segment') => {
    const edges = rows.filter((r) => selected.has(edgeId(r)));
    if (edges.length === 0) return;
    setActing(action);
    setError(null);
    try {
      await api.reviewViolations(policy.id, edges, action, note.trim(), widen);
      toast(
        `${action === 'allow' ? (widen ? 'Allowed for the segment pair' : 'Allowed') : action === 'reject' ? 'Rejected' : 'Marked for investigation'}: ${fmtInt(edges.length)} edge${edges.length === 1 ? '' : 's'}`,
      );
      setSelected(new Set());
      setNote('');
      v.reload();
      if (action === 'allow') onChanged();
    } catch (e) {
      setError(e as Error);
    } finally {
      setActing(null);
    }
  };

  const cols = useMemo<Column<ViolationRow>[]>(
    () => [
      {
        id: 'src',
        label: 'Source',
        width: 160,
        grow: 1,
        render: (r) => <HostCell ip={r.src} name={r.srcName} segment={r.srcSegment} />,
      },
      {
        id: 'dst',
        label: 'Destination',
        width: 160,
        grow: 1,
        render: (r) => <HostCell ip={r.dst} name={r.dstName} segment={r.dstSegment} />,
      },
      { id: 'port', label: 'Port', width: 100, render: (r) => <span class="mono">{portLabel(r.proto, r.port)}</span> },
      { id: 'flows', label: 'Flows', width: 80, align: 'right', render: (r) => fmtInt(r.flows) },
      {
        id: 'proposal',
        label: 'Allow would add',
        width: 300,
        grow: 1,
        title: 'the narrowest rule that covers the edge: its host pair and port, or the range of the related connection it belongs to',
        render: (r) => (
          <span class="two-line" title={r.proposal.why}>
            <span class="mono small">
              {endpointText(r.proposal.src)} → {endpointText(r.proposal.dst)} {portsText(r.proposal.ports)}
            </span>
            <span class="seg">{r.related ? `${r.proposal.scope} (${r.related})` : r.proposal.scope}</span>
          </span>
        ),
      },
      { id: 'first', label: 'First', width: 150, render: (r) => <span class="small">{fmtTime(r.firstSeen)}</span> },
      { id: 'last', label: 'Last', width: 150, render: (r) => <span class="small">{fmtTime(r.lastSeen)}</span> },
      {
        id: 'review',
        label: 'Decision',
        width: 120,
        render: (r) =>
          r.review ? (
            <span
              class={`badge ${ACTION_CLASS[r.review.action]}`}
              title={`${r.review.action} by ${r.review.by} ${fmtTime(r.review.at)}${r.review.note ? `: ${r.review.note}` : ''}`}
            >
              {r.review.action}
            </span>
          ) : (
            <span class="badge none">to review</span>
          ),
      },
    ],
    [],
  );

  return (
    <div class="monitor">
      <div class="card">
        <div class="form-row">
          <div>
            Mode: <span class={`badge mode-${policy.mode}`}>{policy.mode}</span>{' '}
            <span class="muted small">Monitor mode logs what this policy would block, from live ingest; it never blocks anything.</span>
          </div>
          {policy.mode === 'monitor' ? (
            <button class="btn" disabled={busy > 0} onClick={() => setMode('off')}>
              Turn monitoring off
            </button>
          ) : (
            <button class="btn primary" disabled={busy > 0} onClick={() => setMode('monitor')}>
              Start monitor mode
            </button>
          )}
        </div>
        {busy > 0 && <Busy since={busy} label="Changing mode" />}
      </div>
      <ErrorBox error={error} />
      <div class="toolbar">
        <h3>Would-be-blocked queue</h3>
        <span class="muted small">
          {v.data ? `${fmtInt(rows.length)} edge${rows.length === 1 ? '' : 's'} · ${fmtInt(rows.filter((r) => !r.review).length)} to review` : ''}
        </span>
        <button class="btn small ghost" onClick={v.reload} disabled={v.loading}>
          Refresh
        </button>
      </div>
      <ErrorBox error={v.error} onRetry={v.reload} />
      {v.loading && !v.data && <Busy since={v.since} label="Loading violations" />}
      {v.data && rows.length === 0 && (
        <Empty title={policy.mode === 'monitor' ? 'Nothing would have been blocked so far' : 'Not monitoring'}>
          {policy.mode === 'monitor'
            ? 'New connections outside this policy appear here as probes report them.'
            : 'Start monitor mode to log what this policy would block from live traffic.'}
        </Empty>
      )}
      {rows.length > 0 && (
        <>
          <div class="bulk">
            <strong>{fmtInt(selected.size)} selected</strong>
            <input
              aria-label="note for the selected violations"
              placeholder="note (ticket, owner, why)"
              value={note}
              onInput={(e) => setNote((e.target as HTMLInputElement).value)}
            />
            <button
              class="btn review-expected"
              disabled={!selected.size || acting !== null}
              onClick={() => act('allow')}
              title="add the narrowest rule that covers each selected edge (shown in the table; a new policy version)"
            >
              {acting === 'allow' ? 'Allowing…' : 'Allow'}
            </button>
            <button
              class="btn ghost"
              disabled={!selected.size || acting !== null}
              onClick={() => act('allow', 'segment')}
              title="wider than needed: allow every host of the source segment to every host of the destination segment"
            >
              Allow segment pair
            </button>
            <button class="btn review-investigate" disabled={!selected.size || acting !== null} onClick={() => act('investigate')}>
              {acting === 'investigate' ? 'Saving…' : 'Investigate'}
            </button>
            <button class="btn review-rejected" disabled={!selected.size || acting !== null} onClick={() => act('reject')} title="keep it denied">
              {acting === 'reject' ? 'Saving…' : 'Reject'}
            </button>
          </div>
          <div class="table-box">
            <VirtualTable
              label="would-be-blocked flows"
              columns={cols}
              total={rows.length}
              rowAt={(i) => rows[i]}
              rowKey={(r) => edgeId(r)}
              rowHeight={38}
              selected={selected}
              onToggle={(r) => setSelected(toggled(selected, edgeId(r)))}
              onToggleAll={() => setSelected(selected.size === rows.length ? new Set() : new Set(rows.map(edgeId)))}
              allSelected={rows.length > 0 && selected.size === rows.length}
            />
          </div>
        </>
      )}
    </div>
  );
}
