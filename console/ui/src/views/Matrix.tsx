import { useCallback, useMemo, useState } from 'preact/hooks';
import { useApp } from '../context.js';
import { useAsync } from '../hooks.js';
import { navigate, setQuery, useLocation, href, linkHandler } from '../router.js';
import { legendStops, rampColor } from '../heat.js';
import { fmtBytes, fmtCompact, fmtInt, portLabel } from '../format.js';
import type { MatrixCell } from '../api.js';
import { Heatmap, type Layout, type Metric } from '../components/Heatmap.js';
import { Busy, Empty, ErrorBox } from '../components/common.js';
import { EDGE_FILTER_KEYS, INFRA_OPTIONS, PROTO_OPTIONS, QueryInput, QuerySelect, REVIEW_OPTIONS, ServiceList, edgeFilterQuery } from './filters.js';

const MATRIX_FILTERS = ['proto', 'port', 'service', 'review', 'infrastructure', 'minFlows', 'host'] as const;

/** The landing page: segments × segments as a heatmap; a cell opens its edges. */
export function MatrixView() {
  const { api, range } = useApp();
  const loc = useLocation();
  const q = loc.query;
  const metric: Metric = q.get('metric') === 'bytes' ? 'bytes' : 'flows';
  const filters = edgeFilterQuery(q, MATRIX_FILTERS);
  const nameFilter = (q.get('names') ?? '').trim().toLowerCase();
  const key = JSON.stringify(filters);
  const m = useAsync((s) => api.matrix({ from: range.from, to: range.to, ...filters }, s), [api, range.from, range.to, key], { keepData: true });

  const segments = useMemo(() => {
    const all = m.data?.segments ?? [];
    return nameFilter ? all.filter((n) => n.toLowerCase().includes(nameFilter)) : all;
  }, [m.data, nameFilter]);
  const cells = useMemo(() => {
    const map = new Map<string, MatrixCell>();
    for (const c of m.data?.cells ?? []) map.set(`${c.src}\u0000${c.dst}`, c);
    return map;
  }, [m.data]);
  const max = useMemo(() => {
    const shown = new Set(segments);
    let mx = 0;
    for (const c of m.data?.cells ?? []) if (shown.has(c.src) && shown.has(c.dst)) mx = Math.max(mx, c[metric]);
    return mx;
  }, [m.data, segments, metric]);
  const totals = useMemo(() => {
    let flows = 0;
    let bytes = 0;
    let edges = 0;
    for (const c of m.data?.cells ?? []) {
      flows += c.flows;
      bytes += c.bytes;
      edges += c.edges;
    }
    return { flows, bytes, edges };
  }, [m.data]);

  const layout: Layout = q.get('cells') === 'compact' || (q.get('cells') !== 'detailed' && segments.length > 30) ? 'compact' : 'detailed';
  const [hover, setHover] = useState<MatrixCell | { src: string; dst: string } | null>(null);

  const keep: Record<string, string | null> = { range: q.get('range'), from: q.get('from'), to: q.get('to') };
  const openCell = useCallback(
    (src: string, dst: string) => {
      const f: Record<string, string | null> = { ...keep };
      for (const k of EDGE_FILTER_KEYS) if (filters[k] !== undefined) f[k] = filters[k]!;
      navigate('/edges', { ...f, srcSegment: src, dstSegment: dst });
    },
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [key, keep.range, keep.from, keep.to],
  );

  return (
    <main class="page matrix-page">
      <div class="toolbar">
        <h2>Segment matrix</h2>
        <div class="seg-toggle" role="group" aria-label="colour by">
          <button class={`btn small ${metric === 'flows' ? 'on' : ''}`} aria-pressed={metric === 'flows'} onClick={() => setQuery({ metric: null }, true)}>
            Flows
          </button>
          <button class={`btn small ${metric === 'bytes' ? 'on' : ''}`} aria-pressed={metric === 'bytes'} onClick={() => setQuery({ metric: 'bytes' }, true)}>
            Bytes
          </button>
        </div>
        <div class="seg-toggle" role="group" aria-label="cell size">
          <button
            class={`btn small ${layout === 'detailed' ? 'on' : ''}`}
            aria-pressed={layout === 'detailed'}
            onClick={() => setQuery({ cells: 'detailed' }, true)}
            title="cells with values and top services"
          >
            Detailed
          </button>
          <button
            class={`btn small ${layout === 'compact' ? 'on' : ''}`}
            aria-pressed={layout === 'compact'}
            onClick={() => setQuery({ cells: 'compact' }, true)}
            title="small cells: colour only (hover for details)"
          >
            Compact
          </button>
        </div>
        <QueryInput name="names" label="Segments" value={q.get('names') ?? ''} placeholder="name contains…" width="11em" />
        <QueryInput name="host" label="Host" value={q.get('host') ?? ''} placeholder="IP or name prefix" width="10em" />
        <QueryInput name="service" label="Service" value={q.get('service') ?? ''} placeholder="e.g. https" list="services" width="8em" />
        <QueryInput name="port" label="Port" value={q.get('port') ?? ''} placeholder="443" width="5em" />
        <QuerySelect name="proto" label="Proto" value={q.get('proto') ?? ''} options={PROTO_OPTIONS} />
        <QuerySelect name="review" label="Review" value={q.get('review') ?? ''} options={REVIEW_OPTIONS} />
        <QuerySelect name="infrastructure" label="Infrastructure" value={q.get('infrastructure') ?? ''} options={INFRA_OPTIONS} />
        <ServiceList />
      </div>
      <ErrorBox error={m.error} onRetry={m.reload} />
      <Busy since={m.since} active={m.loading} label="Building the matrix" />
      {m.data && (
        <div class="matrix-summary muted">
          {fmtInt(m.data.segments.length)} segments · {fmtInt(m.data.cells.length)} non-empty cells · {fmtInt(totals.edges)} edges · {fmtInt(totals.flows)}{' '}
          flows · {fmtBytes(totals.bytes)}
          {segments.length < m.data.segments.length && ` · showing ${segments.length} matching "${nameFilter}"`}
        </div>
      )}
      {m.data && m.data.cells.length === 0 && !m.loading && <MatrixEmpty hasSegments={m.data.segments.length > 0} filtered={key !== '{}'} />}
      {m.data && m.data.cells.length > 0 && (
        <div class="matrix-wrap">
          <Heatmap segments={segments} cells={cells} metric={metric} max={max} layout={layout} onOpen={openCell} onHover={setHover} />
          <aside class="matrix-side">
            <Legend max={max} metric={metric} />
            <CellInfo cell={hover} metric={metric} cells={cells} onOpen={openCell} />
          </aside>
        </div>
      )}
    </main>
  );
}

function MatrixEmpty({ hasSegments, filtered }: { hasSegments: boolean; filtered: boolean }) {
  if (filtered) return <Empty title="No traffic matches these filters">Clear a filter above, or widen the time range.</Empty>;
  return (
    <Empty title="No traffic in this window yet">
      {!hasSegments && (
        <p>
          First define your segments (CIDRs, VLANs, host lists) in{' '}
          <a href="/segments" onClick={linkHandler('/segments')}>
            Segments
          </a>
          .
        </p>
      )}
      <p>
        Then feed flows from a probe: <code>spanmap probe read FILE.pcap --publish mqtt://CONSOLE:1883 --probe-id ID</code>, or run one live with{' '}
        <code>spanmap probe run --config probe.yaml</code>. Check{' '}
        <a href="/probes" onClick={linkHandler('/probes')}>
          Probes
        </a>{' '}
        for what has arrived, and pick a wider time range above.
      </p>
    </Empty>
  );
}

function Legend({ max, metric }: { max: number; metric: Metric }) {
  const stops = legendStops(max, 5);
  const fmt = metric === 'bytes' ? fmtBytes : fmtCompact;
  return (
    <div class="legend" aria-label="colour scale">
      <div class="legend-title">{metric === 'bytes' ? 'Bytes' : 'Flows'} (log scale)</div>
      <div class="legend-bar">
        {Array.from({ length: 20 }, (_, i) => (
          <span key={i} style={{ background: rampColor(0.08 + (0.92 * i) / 19) }} />
        ))}
      </div>
      <div class="legend-stops">
        {stops.map((s, i) => (
          <span key={i}>{fmt(s)}</span>
        ))}
      </div>
    </div>
  );
}

function CellInfo({
  cell,
  metric,
  cells,
  onOpen,
}: {
  cell: MatrixCell | { src: string; dst: string } | null;
  metric: Metric;
  cells: Map<string, MatrixCell>;
  onOpen(src: string, dst: string): void;
}) {
  if (!cell)
    return (
      <div class="cell-info muted">Point at a cell to see its services; click it to open its edges. Rows are sources (initiators), columns destinations.</div>
    );
  const c = 'edges' in cell ? cell : null;
  const back = cells.get(`${cell.dst}\u0000${cell.src}`);
  return (
    <div class="cell-info">
      <h3>
        {cell.src} → {cell.dst}
      </h3>
      {!c ? (
        <p class="muted">
          No traffic from {cell.src} to {cell.dst} in this window.
        </p>
      ) : (
        <>
          <p>
            {fmtInt(c.edges)} edges · {fmtInt(c.flows)} flows · {fmtBytes(c.bytes)} · {fmtCompact(c.packets)} packets
          </p>
          <table class="mini">
            <thead>
              <tr>
                <th>service</th>
                <th>port</th>
                <th class="right">flows</th>
              </tr>
            </thead>
            <tbody>
              {c.services.map((s) => (
                <tr key={`${s.proto}/${s.port}`}>
                  <td>{s.service ?? '–'}</td>
                  <td class="mono">{portLabel(s.proto, s.port)}</td>
                  <td class="right">{fmtInt(s.flows)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {c.services.length >= 20 && <p class="muted small">top 20 by flows</p>}
          <a class="btn small" href={href('/edges', { srcSegment: c.src, dstSegment: c.dst })} onClick={(e) => (e.preventDefault(), onOpen(c.src, c.dst))}>
            Open {fmtInt(c.edges)} edges
          </a>
        </>
      )}
      {back && cell.src !== cell.dst && (
        <p class="muted small">
          Reverse direction ({cell.dst} → {cell.src}): {fmtInt(back.edges)} edges, {metric === 'bytes' ? fmtBytes(back.bytes) : `${fmtInt(back.flows)} flows`}
        </p>
      )}
    </div>
  );
}
