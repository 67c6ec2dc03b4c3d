import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import { useApp } from '../context.js';
import { useAsync } from '../hooks.js';
import { setQuery, useLocation } from '../router.js';
import { usePagedRows } from '../paged.js';
import { edgeId, parseEdgeId, type EdgeQuery, type LongTailRow, type Review, type ReviewStatus } from '../api.js';
import { fmtInt, fmtPercent, fmtTime } from '../format.js';
import { VirtualTable, toggled, type Column } from '../components/VirtualTable.js';
import { edgeColumns, edgesCsv, download } from '../components/EdgeColumns.js';
import { EdgeDetail } from '../components/EdgeDetail.js';
import { ReviewActions } from '../components/ReviewActions.js';
import { Busy, Empty, ErrorBox } from '../components/common.js';
import { PERIOD_OPTIONS, longTailFilter } from './worklist.js';
import { EDGE_FILTER_KEYS, EdgeFilterFields, QuerySelect, ServiceList, edgeFilterQuery } from './filters.js';

/** Filters the API applies to the long tail. */
const LONGTAIL_FILTERS = EDGE_FILTER_KEYS.filter((k) => k !== 'minFlows');

/** Rows fetched up front so the worklist filters work on the whole list. */
const LOAD_LIMIT = 20_000;

/** The rare edges (periodic jobs, legacy integrations, one-off transfers), rarest first. */
export function LongTailView() {
  const { api, range, toast } = useApp();
  const loc = useLocation();
  const q = loc.query;
  const filters = edgeFilterQuery(q, LONGTAIL_FILTERS);
  const fkey = JSON.stringify(filters);
  const segs = useAsync((s) => api.matrix({ from: range.from, to: range.to }, s).then((m) => m.segments), [api, range.from, range.to]);
  // The whole working set, read in order and kept (no margin beyond it): the worklist filters run on it.
  const list = usePagedRows<LongTailRow>(
    (offset, limit, signal) => api.longtail({ ...(filters as EdgeQuery), from: range.from, to: range.to, limit, offset }, signal),
    [api, range.from, range.to, fkey],
    { margin: 0, parallel: 1 },
  );
  // Period analysis still catching up (after an upgrade or a backfill): said, and polled until done.
  const analysis = useAsync((s) => api.stats(s).then((st) => Number((st.analysis as { pending?: number } | undefined)?.pending ?? 0)), [api, list.total], {
    keepData: true,
  });
  const reloadAnalysis = analysis.reload;
  useEffect(() => {
    if (!analysis.data) return;
    const t = setTimeout(reloadAnalysis, 5000);
    return () => clearTimeout(t);
  }, [analysis.data, reloadAnalysis]);
  const ensure = list.ensure;
  useEffect(() => ensure(0, LOAD_LIMIT - 1), [ensure, list.total, fkey, range.from, range.to]);
  const loaded = list.loaded;

  // eslint-disable-next-line react-hooks/exhaustive-deps -- the listed values are the intended triggers
  const filter = useMemo(() => longTailFilter(q), [q.toString()]);
  const rows = useMemo(() => loaded.filter(filter), [loaded, filter]);
  const active = parseEdgeId(q.get('edge'));
  const activeId = active ? edgeId(active) : null;
  const activeRow = rows.find((r) => edgeId(r) === activeId) ?? loaded.find((r) => edgeId(r) === activeId);
  const [selected, setSelected] = useState<Set<string>>(new Set());

  // eslint-disable-next-line react-hooks/exhaustive-deps -- the listed values are the intended triggers
  const applyReview = useCallback((ids: Set<string>, review: Review) => list.update((r) => (ids.has(edgeId(r)) ? { ...r, review } : null)), [list.update]);
  const reviewMany = async (keys: string[], status: ReviewStatus, note: string) => {
    const res = await api.review(
      keys.map((k) => parseEdgeId(k)!),
      status,
      note,
    );
    applyReview(new Set(keys), res.review);
    toast(`Marked ${fmtInt(res.reviewed)} edge${res.reviewed === 1 ? '' : 's'} ${status}`);
  };

  const columns = useMemo<Column<LongTailRow>[]>(() => {
    const base = edgeColumns<LongTailRow>()
      .filter((c) => !['packets', 'first', 'bytes'].includes(c.id))
      .map((c) => ({ ...c, sort: undefined }));
    return [
      {
        id: 'rarity',
        label: 'Rarity',
        width: 92,
        title: '0–100%: how rare this edge is (higher is rarer)',
        render: (r) => (
          <span class="rarity" title={fmtPercent(r.rarity, 1)}>
            <span class="rarity-bar">
              <span style={{ width: `${Math.round(r.rarity * 100)}%` }} />
            </span>
            {fmtPercent(r.rarity)}
          </span>
        ),
      },
      ...base.slice(0, 4),
      { id: 'hours', label: 'Active h', width: 72, align: 'right', title: 'hours with traffic in the window', render: (r) => fmtInt(r.activeHours) },
      { id: 'adays', label: 'Active d', width: 70, align: 'right', title: 'days with traffic in the window', render: (r) => fmtInt(r.activeDays) },
      ...base.slice(4).filter((c) => c.id !== 'days'),
      {
        id: 'next',
        label: 'Next expected',
        width: 140,
        render: (r) => (r.nextExpected ? <span class="small">{fmtTime(r.nextExpected).replace(' UTC', '')}</span> : <span class="muted">–</span>),
      },
    ];
  }, []);

  const segOptions: Array<[string, string]> = [['', 'any'], ...(segs.data ?? []).map((s): [string, string] => [s, s])];
  const filtered = Object.keys(filters).length > 0 || q.get('period') || q.get('minRarity');
  const capped = list.total > loaded.length && loaded.length >= LOAD_LIMIT;
  return (
    <main class="page edges-page">
      <div class="toolbar">
        <h2>Long tail</h2>
        <EdgeFilterFields q={q} segOptions={segOptions} servicePlaceholder="ssh">
          <QuerySelect name="period" label="Period" value={q.get('period') ?? ''} options={PERIOD_OPTIONS} />
        </EdgeFilterFields>
        <QuerySelect
          name="minRarity"
          label="Rarity ≥"
          value={q.get('minRarity') ?? ''}
          options={[
            ['', 'any'],
            ['0.5', '50%'],
            ['0.8', '80%'],
            ['0.95', '95%'],
          ]}
        />
        {filtered && (
          <button
            class="btn small ghost"
            onClick={() => setQuery({ ...Object.fromEntries(EDGE_FILTER_KEYS.map((k) => [k, null])), period: null, minRarity: null }, true)}
          >
            Clear filters
          </button>
        )}
        <ServiceList />
      </div>
      <div class="list-status">
        <span>
          {fmtInt(rows.length)} shown of {fmtInt(loaded.length)} loaded
          {list.total > loaded.length ? ` (${fmtInt(list.total)} ranked)` : ''}
        </span>
        <span class="muted small">Edges seen in few hours or on few days, rarest first: review each before it becomes a rule or a denial.</span>
        <button class="btn small ghost" disabled={rows.length === 0} onClick={() => download(new Blob([edgesCsv(rows)], { type: 'text/csv' }), 'longtail.csv')}>
          CSV
        </button>
      </div>
      {analysis.data ? (
        <p class="muted small" data-testid="analysis-pending">
          Period analysis in progress: {fmtInt(analysis.data)} edges not analysed yet; their periods appear as it finishes.
        </p>
      ) : null}
      {capped && <p class="muted small">Only the {fmtInt(LOAD_LIMIT)} rarest edges are loaded; narrow the filters to see the rest.</p>}
      <ErrorBox error={list.error} onRetry={list.reload} />
      <Busy
        since={list.since}
        active={list.loading}
        label="Ranking the long tail"
        detail={loaded.length ? `${fmtInt(loaded.length)} of ${fmtInt(list.total)}` : undefined}
      />
      {selected.size > 0 && (
        <div class="bulk" role="region" aria-label="bulk review">
          <strong>{fmtInt(selected.size)} selected</strong>
          <ReviewActions compact count={selected.size} onReview={(s, note) => reviewMany([...selected], s, note)} />
          <button class="btn small ghost" onClick={() => setSelected(new Set())}>
            Clear selection
          </button>
        </div>
      )}
      <div class="split">
        <div class="split-main">
          {!list.loading && !list.error && rows.length === 0 ? (
            <Empty title={loaded.length || filtered ? 'Nothing in the long tail matches these filters' : 'No long tail in this window'}>
              {loaded.length || filtered
                ? 'Clear a filter above.'
                : 'The long tail needs weeks of data: widen the time range, or let the probes collect for 2–4 weeks (a full weekly cycle and a month-end).'}
            </Empty>
          ) : (
            <VirtualTable
              label="long tail"
              columns={columns}
              total={rows.length}
              rowAt={(i) => rows[i]}
              rowKey={(r) => edgeId(r)}
              rowHeight={38}
              activeKey={activeId}
              onActivate={(r) => setQuery({ edge: edgeId(r) }, true)}
              selected={selected}
              onToggle={(r) => setSelected(toggled(selected, edgeId(r)))}
              onToggleAll={() => setSelected(selected.size ? new Set() : new Set(rows.slice(0, 10_000).map(edgeId)))}
              allSelected={rows.length > 0 && selected.size >= rows.length}
              onKey={(e, row) => {
                const status = ({ e: 'expected', i: 'investigate', r: 'rejected' } as Record<string, ReviewStatus>)[e.key];
                if (status && row && !e.ctrlKey && !e.metaKey)
                  reviewMany([edgeId(row)], status, '').catch((err: Error) => toast(`Review failed: ${err.message}`, 'error'));
                if (e.key === 'Escape') setQuery({ edge: null }, true);
              }}
            />
          )}
        </div>
        {active && (
          <div class="split-side">
            <EdgeDetail
              key={activeId}
              edge={active}
              row={activeRow}
              onReviewed={(rv) => applyReview(new Set([activeId!]), rv)}
              onClose={() => setQuery({ edge: null }, true)}
            />
          </div>
        )}
      </div>
    </main>
  );
}
