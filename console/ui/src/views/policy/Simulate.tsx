import { useEffect, useMemo, useState } from 'preact/hooks';
import { useApp } from '../../context.js';
import { edgeId, type Policy, type SimulateResult } from '../../api.js';
import { fmtElapsed, fmtInt, fmtPercent, fmtTime, portLabel } from '../../format.js';
import { rangeLabel } from '../../range.js';
import { VirtualTable, type Column } from '../../components/VirtualTable.js';
import { Busy, Empty, ErrorBox, Stat } from '../../components/common.js';
import { HostCell } from '../../components/HostName.js';

/** Stored history replayed against the policy: what it would have blocked. */
export function Simulate({ policy }: { policy: Policy }) {
  const { api, range } = useApp();
  const [run, setRun] = useState<{ since: number; ac: AbortController } | null>(null);
  const [result, setResult] = useState<{ sim: SimulateResult; took: number; label: string } | null>(null);
  const [error, setError] = useState<Error | null>(null);
  useEffect(() => () => run?.ac.abort(), [run]);
  const start = async () => {
    const ac = new AbortController();
    const since = Date.now();
    setRun({ since, ac });
    setError(null);
    try {
      const sim = await api.simulate(policy.id, { from: range.from, to: range.to, version: policy.version }, ac.signal);
      setResult({ sim, took: Date.now() - since, label: rangeLabel(range) });
    } catch (e) {
      if ((e as Error).name !== 'AbortError') setError(e as Error);
    } finally {
      setRun(null);
    }
  };
  const blocked = useMemo(() => [...(result?.sim.blocked ?? [])].sort((a, b) => b.flows - a.flows), [result]);
  const total = result ? result.sim.allowedFlows + result.sim.blockedFlows : 0;
  const cols = useMemo<Column<SimulateResult['blocked'][number]>[]>(
    () => [
      {
        id: 'src',
        label: 'Source',
        width: 150,
        grow: 1,
        render: (r) => <HostCell ip={r.src} name={r.srcName} segment={r.srcSegment} />,
      },
      {
        id: 'dst',
        label: 'Destination',
        width: 150,
        grow: 1,
        render: (r) => <HostCell ip={r.dst} name={r.dstName} segment={r.dstSegment} />,
      },
      { id: 'port', label: 'Port', width: 100, render: (r) => <span class="mono">{portLabel(r.proto, r.port)}</span> },
      { id: 'flows', label: 'Flows', width: 90, align: 'right', render: (r) => fmtInt(r.flows) },
      { id: 'first', label: 'First', width: 150, render: (r) => <span class="small">{fmtTime(r.firstSeen)}</span> },
      { id: 'last', label: 'Last', width: 150, render: (r) => <span class="small">{fmtTime(r.lastSeen)}</span> },
    ],
    [],
  );
  return (
    <div class="simulate">
      <div class="form-row">
        <p>
          Replays the stored history of <strong>{rangeLabel(range)}</strong> against version {policy.version}: what would this policy have blocked?
        </p>
        {run ? (
          <button class="btn" onClick={() => run.ac.abort()}>
            Cancel
          </button>
        ) : (
          <button class="btn primary" onClick={start}>
            {result ? 'Simulate again' : 'Simulate'}
          </button>
        )}
      </div>
      {run && <Busy since={run.since} label="Replaying history against the policy" detail="weeks of history can take a while" />}
      <ErrorBox error={error} title="The simulation failed" />
      {result && (
        <>
          <div class="stats">
            <Stat label="flows allowed" value={fmtInt(result.sim.allowedFlows)} />
            <Stat label="flows blocked" value={<span class={result.sim.blockedFlows ? 'no' : 'yes'}>{fmtInt(result.sim.blockedFlows)}</span>} />
            <Stat label="blocked share" value={fmtPercent(total ? result.sim.blockedFlows / total : 0, 2)} />
            <Stat label="edges blocked" value={fmtInt(result.sim.blocked.length)} />
            <Stat label="took" value={fmtElapsed(result.took)} title={result.label} />
          </div>
          {blocked.length === 0 ? (
            <Empty title="Nothing would have been blocked">Every flow in the window matches an allow rule. Next: run it in monitor mode (Monitor tab).</Empty>
          ) : (
            <div class="table-box">
              <VirtualTable
                label="would-be-blocked edges"
                columns={cols}
                total={blocked.length}
                rowAt={(i) => blocked[i]}
                rowKey={(r) => edgeId(r)}
                rowHeight={38}
              />
            </div>
          )}
        </>
      )}
    </div>
  );
}
