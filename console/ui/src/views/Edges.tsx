import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import { useApp } from '../context.js';
import { useAsync } from '../hooks.js';
import { setQuery, useLocation } from '../router.js';
import { usePagedRows } from '../paged.js';
import { edgeId, parseEdgeId, type EdgeQuery, type EdgeRow, type Review, type ReviewStatus, type SortKey } from '../api.js';
import { fmtInt } from '../format.js';
import { dayString } from '../range.js';
import { VirtualTable } from '../components/VirtualTable.js';
import { edgeColumns, edgesCsv, download } from '../components/EdgeColumns.js';
import { EdgeDetail } from '../components/EdgeDetail.js';
import { ReviewActions } from '../components/ReviewActions.js';
import { Busy, Empty, ErrorBox } from '../components/common.js';
import { EDGE_FILTER_KEYS, EdgeFilterFields, QueryInput, ServiceList, edgeFilterQuery } from './filters.js';

const ASC_BY_DEFAULT = ['src', 'dst', 'port', 'firstSeen'];

/** Every edge in the window: filter, sort, select, review; the detail pane on the right. */
export function EdgesView() {
  const { api, range, toast } = useApp();
  const loc = useLocation();
  const q = loc.query;
  const filters = edgeFilterQuery(q);
  const sort = (q.get('sort') ?? 'flows') as SortKey;
  const order = q.get('order') ?? (ASC_BY_DEFAULT.includes(sort) ? 'asc' : 'desc');
  const fkey = JSON.stringify(filters);
  const segs = useAsync((s) => api.matrix({ from: range.from, to: range.to }, s).then((m) => m.segments), [api, range.from, range.to]);

  const list = usePagedRows<EdgeRow>(
    (offset, limit, signal) =>
      api.edges({ ...(filters as EdgeQuery), from: range.from, to: range.to, sort, order: order as 'asc' | 'desc', limit, offset }, signal),
    [api, range.from, range.to, fkey, sort, order],
  );

  const active = parseEdgeId(q.get('edge'));
  const activeId = active ? edgeId(active) : null;
  const activeRow = useMemo(() => (activeId ? list.loaded.find((r) => edgeId(r) === activeId) : undefined), [list.loaded, activeId]);

  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [anchor, setAnchor] = useState<number | null>(null);
  useEffect(() => setSelected(new Set()), [fkey, range.from, range.to]);

  const applyReview = useCallback(
    (ids: Set<string>, review: Review) => list.update((r) => (ids.has(edgeId(r)) ? { ...r, review } : null)),
    // eslint-disable-next-line react-hooks/exhaustive-deps -- the listed values are the intended triggers
    [list.update],
  );

  const reviewMany = async (keys: string[], status: ReviewStatus, note: string) => {
    const edges = keys.map((k) => parseEdgeId(k)!).filter(Boolean);
    const res = await api.review(edges, status, note);
    applyReview(new Set(keys), res.review);
    toast(`Marked ${fmtInt(res.reviewed)} edge${res.reviewed === 1 ? '' : 's'} ${status}`);
  };

  const toggle = (r: EdgeRow, i: number, rangeSel: boolean) => {
    const next = new Set(selected);
    const k = edgeId(r);
    const on = !next.has(k);
    if (rangeSel && anchor !== null) {
      for (let j = Math.min(anchor, i); j <= Math.max(anchor, i); j++) {
        const x = list.rowAt(j);
        if (x) setMember(next, edgeId(x), on);
      }
    } else setMember(next, k, on);
    setAnchor(i);
    setSelected(next);
  };
  const loaded = list.loaded;
  const allSelected = loaded.length > 0 && selected.size >= loaded.length && loaded.every((r) => selected.has(edgeId(r)));
  const toggleAll = () => setSelected(allSelected ? new Set() : new Set(loaded.slice(0, 10_000).map(edgeId)));

  const onSort = (key: string) => {
    if (key === sort) setQuery({ order: order === 'desc' ? 'asc' : 'desc' }, true);
    else setQuery({ sort: key === 'flows' ? null : key, order: null }, true);
  };

  const onKey = (e: KeyboardEvent, row: EdgeRow | undefined) => {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const status = ({ e: 'expected', i: 'investigate', r: 'rejected' } as Record<string, ReviewStatus>)[e.key];
    if (status && row) {
      e.preventDefault();
      reviewMany([edgeId(row)], status, '').catch((err: Error) => toast(`Review failed: ${err.message}`, 'error'));
    }
    if (e.key === 'Escape') setQuery({ edge: null }, true);
  };

  const columns = useMemo(() => edgeColumns<EdgeRow>(), []);
  const ensure = list.ensure;
  const onVisible = useCallback((first: number, last: number) => ensure(first, last), [ensure]);
  const segOptions: Array<[string, string]> = [['', 'any'], ...(segs.data ?? []).map((s): [string, string] => [s, s])];
  const filtered = Object.keys(filters).length > 0;

  return (
    <main class="page edges-page">
      <div class="toolbar">
        <h2>Edges</h2>
        <EdgeFilterFields q={q} segOptions={segOptions} servicePlaceholder="https" />
        <QueryInput name="minFlows" label="Min flows" value={q.get('minFlows') ?? ''} placeholder="0" width="5em" />
        {filtered && (
          <button class="btn small ghost" onClick={() => setQuery(Object.fromEntries(EDGE_FILTER_KEYS.map((k) => [k, null])), true)}>
            Clear filters
          </button>
        )}
        <ServiceList />
      </div>
      <div class="list-status">
        <span>
          {fmtInt(list.total)} edge{list.total === 1 ? '' : 's'}
          {loaded.length < list.total && ` · ${fmtInt(loaded.length)} loaded (rows load as they scroll into view)`}
        </span>
        <span class="muted small">keys: ↑↓ move · space select · e expected · i investigate · r rejected · Esc close</span>
        <button
          class="btn small ghost"
          disabled={loaded.length === 0}
          onClick={() => download(new Blob([edgesCsv(loaded)], { type: 'text/csv' }), `edges-${dayString(range.from)}-${dayString(range.to - 1)}.csv`)}
        >
          CSV ({fmtInt(loaded.length)} loaded)
        </button>
      </div>
      <ErrorBox error={list.error} onRetry={list.reload} />
      <Busy
        since={list.since}
        active={list.loading}
        label={loaded.length ? 'Loading more edges' : 'Loading edges'}
        detail={loaded.length ? `${fmtInt(loaded.length)} of ${fmtInt(list.total)} in memory` : undefined}
      />
      {selected.size > 0 && (
        <div class="bulk" role="region" aria-label="bulk review">
          <strong>{fmtInt(selected.size)} selected</strong>
          <ReviewActions compact count={selected.size} onReview={async (s, note) => reviewMany([...selected], s, note)} />
          <button class="btn small ghost" onClick={() => setSelected(new Set())}>
            Clear selection
          </button>
        </div>
      )}
      <div class="split">
        <div class="split-main">
          {!list.loading && !list.error && list.total === 0 ? (
            <Empty title={filtered ? 'No edges match these filters' : 'No edges in this window'}>
              {filtered ? 'Clear a filter or widen the time range.' : 'Pick a wider time range, or check Probes: no flows have arrived for these days.'}
            </Empty>
          ) : (
            <VirtualTable
              label="edges"
              columns={columns}
              total={list.total}
              rowAt={list.rowAt}
              rowKey={(r) => edgeId(r)}
              rowHeight={38}
              sort={{ key: sort, desc: order === 'desc' }}
              onSort={onSort}
              activeKey={activeId}
              onActivate={(r) => setQuery({ edge: edgeId(r) }, true)}
              selected={selected}
              onToggle={toggle}
              onToggleAll={toggleAll}
              allSelected={allSelected}
              onVisible={onVisible}
              onKey={onKey}
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

function setMember(set: Set<string>, k: string, on: boolean): void {
  if (on) set.add(k);
  else set.delete(k);
}
