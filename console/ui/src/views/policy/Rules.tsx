import { useMemo, useState } from 'preact/hooks';
import { useApp } from '../../context.js';
import { href, linkHandler } from '../../router.js';
import { edgeId, type Policy, type PolicyRule } from '../../api.js';
import { fmtInt, fmtTime, portLabel } from '../../format.js';
import { VirtualTable, type Column } from '../../components/VirtualTable.js';
import { Empty, ErrorBox } from '../../components/common.js';
import { EndpointLabel, HostLabel } from '../../components/HostName.js';
import { endpointText, parsePortsText, portsText, ruleKey, ruleText, selector, type SelectorKind } from '../policy-format.js';

/** The rules of one version: find, inspect the justifying edges, add and remove (new versions). */
export function Rules({ policy, editable, onChanged }: { policy: Policy; editable: boolean; onChanged(): void }) {
  const [adding, setAdding] = useState(false);
  const [filter, setFilter] = useState('');
  const [layer, setLayer] = useState('');
  const [open, setOpen] = useState<string | null>(null);
  const f = filter.trim().toLowerCase();
  const rules = useMemo(
    () => policy.rules.filter((r) => (!layer || r.layer === layer) && (!f || `${ruleText(r)} ${r.comment ?? ''}`.toLowerCase().includes(f))),
    [policy.rules, f, layer],
  );
  const cols = useMemo<Column<PolicyRule>[]>(
    () => [
      { id: 'n', label: '#', width: 48, align: 'right', render: (_r, i) => i + 1 },
      {
        id: 'layer',
        label: 'Layer',
        width: 110,
        render: (r) => (r.layer ? <span class={`badge ${r.layer === 'infrastructure' ? 'infra' : 'svc'}`}>{r.layer}</span> : '–'),
      },
      { id: 'src', label: 'Source', width: 170, grow: 1, render: (r) => <EndpointLabel text={endpointText(r.src)} host={hostOf(r.src)} name={r.srcName} /> },
      {
        id: 'dst',
        label: 'Destination',
        width: 170,
        grow: 1,
        render: (r) => <EndpointLabel text={endpointText(r.dst)} host={hostOf(r.dst)} name={r.dstName} />,
      },
      {
        id: 'proto',
        label: 'Proto',
        width: 70,
        render: (r) => (r.proto === null || r.proto === undefined ? 'any' : portLabel(r.proto, 0).split('/')[0]!.split(' ')[0]),
      },
      { id: 'ports', label: 'Ports', width: 130, render: (r) => <span class="mono">{portsText(r.ports)}</span> },
      { id: 'just', label: 'Justified by', width: 100, align: 'right', render: (r) => `${fmtInt(r.edges)} edge${r.edges === 1 ? '' : 's'}` },
      {
        id: 'kept',
        label: 'Periodic',
        width: 110,
        render: (r) =>
          r.keptPeriodic ? (
            <span
              class="badge investigate"
              title={`kept: ${r.keptPeriodic.period}, last seen ${fmtTime(r.keptPeriodic.lastSeen)}${r.keptPeriodic.nextExpected ? `, next expected ${fmtTime(r.keptPeriodic.nextExpected)}` : ''}`}
            >
              kept ({r.keptPeriodic.period})
            </span>
          ) : (
            ''
          ),
      },
      { id: 'comment', label: 'Comment', width: 180, grow: 2, render: (r) => <span class="small">{r.comment ?? ''}</span> },
    ],
    [],
  );
  const sel = open ? policy.rules.find((r) => ruleKey(r) === open) : undefined;
  return (
    <>
      <div class="toolbar">
        <label class="field inline">
          <span class="field-label">Find</span>
          <input type="search" value={filter} placeholder="segment, host, port, comment" onInput={(e) => setFilter((e.target as HTMLInputElement).value)} />
        </label>
        <label class="field inline">
          <span class="field-label">Layer</span>
          <select value={layer} onChange={(e) => setLayer((e.target as HTMLSelectElement).value)}>
            <option value="">any</option>
            <option value="infrastructure">infrastructure</option>
            <option value="application">application</option>
          </select>
        </label>
        <span class="muted">
          {fmtInt(rules.length)} of {fmtInt(policy.rules.length)} allow rules, then <strong>deny everything else</strong>
        </span>
        {editable && (
          <button class="btn small" onClick={() => setAdding(!adding)} aria-expanded={adding}>
            {adding ? 'Close' : 'Add rule'}
          </button>
        )}
      </div>
      {adding && <AddRule policy={policy} onDone={() => (setAdding(false), onChanged())} />}
      {policy.rules.length === 0 ? (
        <Empty title="This policy allows nothing">
          It was drafted from edges reviewed as expected and found none: review edges, then draft again (or draft from every observed edge).
        </Empty>
      ) : (
        <div class="split">
          <div class="split-main">
            <VirtualTable
              label="policy rules"
              columns={cols}
              total={rules.length}
              rowAt={(i) => rules[i]}
              rowKey={ruleKey}
              rowHeight={38}
              activeKey={open}
              onActivate={(r) => setOpen(ruleKey(r))}
            />
          </div>
          {sel && (
            <div class="split-side">
              <section class="detail">
                <header class="detail-head">
                  <h3>{ruleText(sel)}</h3>
                  <button class="btn small ghost" onClick={() => setOpen(null)} aria-label="close rule">
                    ✕
                  </button>
                </header>
                {sel.comment && <p>{sel.comment}</p>}
                {sel.keptPeriodic && (
                  <p class="muted">
                    Kept because it is {sel.keptPeriodic.period}: last seen {fmtTime(sel.keptPeriodic.lastSeen)}
                    {sel.keptPeriodic.nextExpected ? `, next expected ${fmtTime(sel.keptPeriodic.nextExpected)}` : ''}.
                  </p>
                )}
                <h4>
                  Justified by {fmtInt(sel.edges)} edge{sel.edges === 1 ? '' : 's'}
                  {sel.edges > sel.justifiedBy.length ? ` (first ${sel.justifiedBy.length} listed)` : ''}
                </h4>
                {editable && <RemoveRule policy={policy} rule={sel} onDone={() => (setOpen(null), onChanged())} />}
                <ul class="edge-list mono small">
                  {sel.justifiedBy.map((e) => (
                    <li key={edgeId(e)}>
                      <a
                        href={href('/edges', { edge: edgeId(e), host: e.src, port: e.port })}
                        onClick={linkHandler('/edges', { edge: edgeId(e), host: e.src, port: e.port })}
                      >
                        <HostLabel ip={e.src} name={e.srcName} /> → <HostLabel ip={e.dst} name={e.dstName} /> {portLabel(e.proto, e.port)}
                      </a>
                    </li>
                  ))}
                </ul>
              </section>
            </div>
          )}
        </div>
      )}
    </>
  );
}

function hostOf(e: PolicyRule['src']): string | null {
  return 'host' in e ? e.host : null;
}

/** A new allow rule, as a new version with a reason. */
function AddRule({ policy, onDone }: { policy: Policy; onDone(): void }) {
  const { api, toast } = useApp();
  const [f, setF] = useState({
    srcKind: 'segment' as SelectorKind,
    src: '',
    dstKind: 'segment' as SelectorKind,
    dst: '',
    proto: '6',
    ports: '',
    comment: '',
    layer: 'application' as PolicyRule['layer'],
    reason: '',
  });
  const [busy, setBusy] = useState(0);
  const [error, setError] = useState<Error | null>(null);
  const set = (k: keyof typeof f) => (e: Event) => setF({ ...f, [k]: (e.target as HTMLInputElement).value });
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(Date.now());
    setError(null);
    try {
      const r = await api.addRule(
        policy.id,
        {
          src: selector(f.srcKind, f.src),
          dst: selector(f.dstKind, f.dst),
          proto: f.proto === '' ? null : Number(f.proto),
          ports: parsePortsText(f.ports),
          comment: f.comment.trim(),
          layer: f.layer,
        },
        f.reason.trim(),
      );
      toast(`Rule added: version ${r.version}`);
      onDone();
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(0);
    }
  };
  const side = (label: string, kind: 'srcKind' | 'dstKind', value: 'src' | 'dst') => (
    <div class="field">
      <span class="field-label">{label}</span>
      <div class="form-row tight">
        <select aria-label={`${label} kind`} value={f[kind]} onChange={set(kind)}>
          <option value="segment">segment</option>
          <option value="host">host</option>
          <option value="cidr">CIDR</option>
          <option value="any">any</option>
        </select>
        {f[kind] !== 'any' && (
          <input
            aria-label={`${label} value`}
            value={f[value]}
            onInput={set(value)}
            placeholder={f[kind] === 'segment' ? 'web' : f[kind] === 'host' ? '10.0.0.5' : '10.0.0.0/24'}
          />
        )}
      </div>
    </div>
  );
  return (
    <form class="card add-rule" onSubmit={submit}>
      <div class="form-row">
        {side('Source', 'srcKind', 'src')}
        {side('Destination', 'dstKind', 'dst')}
        <label class="field">
          <span class="field-label">Protocol</span>
          <select value={f.proto} onChange={set('proto')}>
            <option value="6">tcp</option>
            <option value="17">udp</option>
            <option value="1">icmp</option>
            <option value="58">icmpv6</option>
            <option value="">any</option>
          </select>
        </label>
        <label class="field">
          <span class="field-label">Ports</span>
          <input value={f.ports} onInput={set('ports')} placeholder="443, 8000-8080 (empty: any)" />
        </label>
        <label class="field">
          <span class="field-label">Layer</span>
          <select value={f.layer} onChange={set('layer')}>
            <option value="application">application</option>
            <option value="infrastructure">infrastructure</option>
          </select>
        </label>
      </div>
      <div class="form-row">
        <label class="field grow">
          <span class="field-label">Comment</span>
          <input value={f.comment} onInput={set('comment')} placeholder="what it is for, who owns it" />
        </label>
        <label class="field grow">
          <span class="field-label">Reason for this change</span>
          <input value={f.reason} onInput={set('reason')} placeholder="ticket or justification (required)" required />
        </label>
        <button class="btn primary" type="submit" disabled={busy > 0 || !f.reason.trim()}>
          {busy ? 'Adding…' : 'Add rule'}
        </button>
      </div>
      <ErrorBox error={error} title="The rule was not added" />
    </form>
  );
}

function RemoveRule({ policy, rule, onDone }: { policy: Policy; rule: PolicyRule; onDone(): void }) {
  const { api, toast } = useApp();
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const remove = async () => {
    setBusy(true);
    setError(null);
    try {
      const r = await api.removeRule(policy.id, rule.id, reason.trim());
      toast(`Rule removed: version ${r.version}`);
      onDone();
    } catch (e) {
      setError(e as Error);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="remove-rule">
      <div class="form-row">
        <input
          aria-label="reason for removing the rule"
          placeholder="reason for removing it"
          value={reason}
          onInput={(e) => setReason((e.target as HTMLInputElement).value)}
        />
        <button class="btn review-rejected" disabled={busy || !reason.trim()} onClick={remove}>
          {busy ? 'Removing…' : 'Remove rule'}
        </button>
      </div>
      <ErrorBox error={error} title="The rule was not removed" />
    </div>
  );
}
