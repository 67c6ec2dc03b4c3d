import { useApp } from '../context.js';
import { useAsync } from '../hooks.js';
import { href, linkHandler, setQuery, useLocation } from '../router.js';
import { fmtTime } from '../format.js';
import { rangeLabel } from '../range.js';
import { Busy, ErrorBox } from '../components/common.js';
import { Rules } from './policy/Rules.js';
import { Versions } from './policy/Versions.js';
import { Simulate } from './policy/Simulate.js';
import { Monitor } from './policy/Monitor.js';
import { Export } from './policy/Export.js';
import { Check } from './policy/Check.js';
import { Stats } from './policy/Stats.js';

const TABS = [
  ['rules', 'Rules'],
  ['versions', 'Versions'],
  ['simulate', 'Simulate'],
  ['monitor', 'Monitor'],
  ['stats', 'Statistics'],
  ['export', 'Export'],
] as const;
type Tab = (typeof TABS)[number][0];

/** One policy: a policy check, rules, versions and diffs, simulation, monitor mode and its queue, rule statistics, exports. */
export function PolicyView({ id }: { id: string }) {
  const { api } = useApp();
  const q = useLocation().query;
  const tab = (TABS.find((t) => t[0] === q.get('tab'))?.[0] ?? 'rules') as Tab;
  const version = q.get('version') ? Number(q.get('version')) : undefined;
  const p = useAsync((s) => api.policy(id, version, s), [api, id, version], { keepData: true });
  const keep = { range: q.get('range'), from: q.get('from'), to: q.get('to') };

  return (
    <main class="page policy-page">
      <div class="toolbar">
        <a class="muted" href={href('/policies', keep)} onClick={linkHandler('/policies', keep)}>
          Policies
        </a>
        <span class="muted">/</span>
        <h2>{p.data?.name ?? id}</h2>
        {p.data && (
          <>
            <span class={`badge mode-${p.data.mode}`}>{p.data.mode}</span>
            <span class="muted" title={`drafted by ${p.data.createdBy} on ${fmtTime(p.data.createdAt)}`}>
              version {p.data.version} · {p.data.granularity} rules from {p.data.include === 'expected' ? 'expected' : 'observed'} edges of{' '}
              {rangeLabel(p.data.window)} · default {p.data.defaultAction}
              {p.data.monitorSince ? ` · monitoring since ${fmtTime(p.data.monitorSince)}` : ''}
            </span>
          </>
        )}
        {version !== undefined && (
          <button class="btn small ghost" onClick={() => setQuery({ version: null }, true)}>
            viewing version {version}: back to current
          </button>
        )}
      </div>
      <nav class="tabs" role="tablist">
        {TABS.map(([t, label]) => (
          <button key={t} role="tab" aria-selected={tab === t} class={tab === t ? 'on' : ''} onClick={() => setQuery({ tab: t === 'rules' ? null : t }, true)}>
            {label}
          </button>
        ))}
      </nav>
      <ErrorBox error={p.error} onRetry={p.reload} />
      {p.data && <Check policy={p.data} />}
      {!p.data && p.loading && <Busy since={p.since} label="Loading the policy" />}
      {p.data && tab === 'rules' && <Rules policy={p.data} editable={version === undefined} onChanged={p.reload} />}
      {p.data && tab === 'versions' && <Versions policy={p.data} onChanged={() => (setQuery({ version: null }, true), p.reload())} />}
      {p.data && tab === 'simulate' && <Simulate policy={p.data} />}
      {p.data && tab === 'monitor' && <Monitor policy={p.data} onChanged={p.reload} />}
      {p.data && tab === 'stats' && <Stats policy={p.data} />}
      {p.data && tab === 'export' && <Export policy={p.data} />}
    </main>
  );
}
