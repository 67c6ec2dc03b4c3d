import { useCallback, useMemo, useState } from 'preact/hooks';
import { useApp } from '../context.js';
import { useAsync } from '../hooks.js';
import { setQuery, useLocation } from '../router.js';
import { usePagedRows } from '../paged.js';
import type { HostRow } from '../api.js';
import { fmtInt, fmtTime } from '../format.js';
import { VirtualTable, type Column } from '../components/VirtualTable.js';
import { Busy, Empty, ErrorBox } from '../components/common.js';
import { HostPanel } from '../components/HostPanel.js';
import { SourceBadge } from '../components/HostName.js';
import { QueryInput, QuerySelect } from './filters.js';

const NAMED_OPTIONS: Array<[string, string]> = [
  ['', 'any'],
  ['true', 'named'],
  ['false', 'without a name'],
];

/**
 * Every address seen in traffic or named, with the name it has now: search by address or name
 * (names it had before included), set or remove operator names, import a hosts file or a CSV.
 */
export function HostsView() {
  const { api } = useApp();
  const q = useLocation().query;
  const text = (q.get('q') ?? '').trim();
  const named = q.get('named') ?? '';
  const active = q.get('ip');
  const [tick, setTick] = useState(0);
  const summary = useAsync((s) => api.names(s), [api, tick]);
  const list = usePagedRows<HostRow>(
    (offset, limit, signal) => api.hosts({ ...(text ? { q: text } : {}), ...(named ? { named: named === 'true' } : {}), limit, offset }, signal),
    [api, text, named, tick],
  );
  const reload = useCallback(() => setTick((t) => t + 1), []);
  const cols = useMemo<Column<HostRow>[]>(
    () => [
      { id: 'ip', label: 'Address', width: 150, render: (r) => <span class="mono">{r.ip}</span> },
      { id: 'name', label: 'Name', width: 220, grow: 2, render: (r) => (r.name ? <span class="host-name">{r.name}</span> : <span class="muted">–</span>) },
      { id: 'source', label: 'Source', width: 90, render: (r) => <SourceBadge source={r.source} /> },
      { id: 'segment', label: 'Segment', width: 110, render: (r) => r.segment },
      { id: 'first', label: 'First seen', width: 150, title: 'the name’s first observation (unnamed: first traffic)', render: (r) => time(r.firstSeen) },
      { id: 'last', label: 'Last seen', width: 150, title: 'the name’s last observation (unnamed: last traffic)', render: (r) => time(r.lastSeen) },
      {
        id: 'until',
        label: 'Until',
        width: 150,
        title: 'when the same source named the address differently',
        render: (r) => (r.validUntil ? time(r.validUntil) : r.name ? <span class="muted">holds</span> : ''),
      },
      {
        id: 'traffic',
        label: 'Last traffic',
        width: 150,
        render: (r) => (r.traffic ? time(r.traffic.lastSeen) : <span class="muted">never seen talking</span>),
      },
    ],
    [],
  );
  const ensure = list.ensure;
  const onVisible = useCallback((first: number, last: number) => ensure(first, last), [ensure]);
  const s = summary.data;
  return (
    <main class="page edges-page hosts-page">
      <div class="toolbar">
        <h2>Hosts</h2>
        <QueryInput name="q" label="Search" value={q.get('q') ?? ''} placeholder="address or part of a name" width="16em" />
        <QuerySelect name="named" label="Names" value={named} options={NAMED_OPTIONS} />
        <Import onDone={reload} />
      </div>
      <div class="list-status">
        <span>
          {fmtInt(list.total)} row{list.total === 1 ? '' : 's'}
          {text && ' (every name an address had that matches, past ones included)'}
        </span>
        {s && (
          <span class="muted small">
            {fmtInt(s.learned)} addresses named from the wire · {fmtInt(s.operator)} operator names · {fmtInt(s.observations)} observations since the console
            started
            {Object.keys(s.rejected).length > 0 &&
              ` · refused: ${Object.entries(s.rejected)
                .map(([k, n]) => `${k} ${n}`)
                .join(', ')}`}
          </span>
        )}
      </div>
      <ErrorBox error={list.error} onRetry={list.reload} />
      <Busy since={list.since} active={list.loading} label="Loading hosts" />
      <div class="split">
        <div class="split-main">
          {!list.loading && !list.error && list.total === 0 ? (
            <Empty title={text ? `No address or name matches “${text}”` : 'No hosts yet'}>
              {text ? 'Search is by address prefix or part of a name.' : 'Hosts appear as probes report traffic and the names they learn.'}
            </Empty>
          ) : (
            <VirtualTable
              label="hosts"
              columns={cols}
              total={list.total}
              rowAt={list.rowAt}
              rowKey={(r, i) => `${r.ip}|${r.name ?? ''}|${r.source ?? ''}|${i}`}
              rowHeight={32}
              activeKey={null}
              onActivate={(r) => setQuery({ ip: r.ip }, true)}
              onVisible={onVisible}
            />
          )}
        </div>
        {active && (
          <div class="split-side">
            <HostPanel key={`${active}|${tick}`} ip={active} onChanged={reload} onClose={() => setQuery({ ip: null }, true)} />
          </div>
        )}
      </div>
    </main>
  );
}

function time(ms: number | null): string {
  return ms === null ? '' : fmtTime(ms).replace(' UTC', '');
}

/** A hosts file or a CSV (ip,name) imported as operator names, all or nothing. */
function Import({ onDone }: { onDone(): void }) {
  const { api, toast } = useApp();
  const [busy, setBusy] = useState(0);
  const [error, setError] = useState<Error | null>(null);
  const pick = async (e: Event) => {
    const input = e.target as HTMLInputElement;
    const file = input.files?.[0];
    if (!file) return;
    setBusy(Date.now());
    setError(null);
    try {
      const format = /\.csv$/i.test(file.name) || file.type === 'text/csv' ? 'csv' : 'hosts';
      const r = await api.importNames(await file.text(), format);
      toast(`Imported ${file.name}: ${fmtInt(r.set)} names set, ${fmtInt(r.removed)} removed, ${fmtInt(r.unchanged)} unchanged`);
      onDone();
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(0);
      input.value = '';
    }
  };
  return (
    <span class="import">
      <label class="btn small" title="a hosts file (ADDRESS NAME per line) or a CSV (ip,name); one bad line refuses the whole file">
        Import hosts file / CSV
        <input type="file" accept=".csv,.txt,text/csv,text/plain,*" aria-label="import names from a hosts file or CSV" onChange={pick} hidden />
      </label>
      {busy > 0 && <Busy since={busy} label="Importing" />}
      <ErrorBox error={error} title="The file was not imported" />
    </span>
  );
}
