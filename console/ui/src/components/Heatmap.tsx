import { useCallback, useRef, useState } from 'preact/hooks';
import { useSize } from '../hooks.js';
import { heatStyle } from '../heat.js';
import { fmtBytes, fmtCompact, fmtInt, portLabel } from '../format.js';
import type { MatrixCell } from '../api.js';

export type Metric = 'flows' | 'bytes';
export type Layout = 'detailed' | 'compact';

const SIZES: Record<Layout, { cw: number; ch: number; rowHead: number; colHead: number }> = {
  detailed: { cw: 128, ch: 66, rowHead: 150, colHead: 34 },
  compact: { cw: 22, ch: 22, rowHead: 150, colHead: 120 },
};

interface HeatmapProps {
  segments: string[];
  cells: Map<string, MatrixCell>;
  metric: Metric;
  max: number;
  layout: Layout;
  onOpen(src: string, dst: string): void;
  onHover(c: MatrixCell | { src: string; dst: string } | null): void;
}

/**
 * The heatmap grid, virtualised in both directions: only the cells on screen are in the DOM, so
 * 200 × 200 segments scroll as smoothly as 6 × 6. Rows are sources, columns destinations.
 */
export function Heatmap({ segments, cells, metric, max, layout, onOpen, onHover }: HeatmapProps) {
  const { cw, ch, rowHead, colHead } = SIZES[layout];
  const [sizeRef, size] = useSize<HTMLDivElement>();
  const el = useRef<HTMLDivElement | null>(null);
  const [pos, setPos] = useState({ x: 0, y: 0 });
  const frame = useRef(0);
  const setRef = useCallback(
    (e: HTMLDivElement | null) => {
      el.current = e;
      sizeRef(e);
    },
    [sizeRef],
  );
  const onScroll = () => {
    if (frame.current) return;
    frame.current = requestAnimationFrame(() => {
      frame.current = 0;
      if (el.current) setPos({ x: el.current.scrollLeft, y: el.current.scrollTop });
    });
  };
  const n = segments.length;
  const c0 = Math.max(0, Math.floor(pos.x / cw) - 2);
  const c1 = Math.min(n - 1, Math.ceil((pos.x + Math.max(0, size.width - rowHead)) / cw) + 2);
  const r0 = Math.max(0, Math.floor(pos.y / ch) - 2);
  const r1 = Math.min(n - 1, Math.ceil((pos.y + Math.max(0, size.height - colHead)) / ch) + 2);

  const out = [];
  for (let i = r0; i <= r1; i++) {
    for (let j = c0; j <= c1; j++) {
      const src = segments[i]!;
      const dst = segments[j]!;
      const c = cells.get(`${src}\u0000${dst}`);
      const v = c ? c[metric] : 0;
      const st = heatStyle(v, max);
      const style = {
        left: `${rowHead + j * cw}px`,
        top: `${colHead + i * ch}px`,
        width: `${cw}px`,
        height: `${ch}px`,
        background: st.background,
        color: st.color,
      };
      const label = c ? `${src} → ${dst}: ${fmtInt(c.edges)} edges, ${fmtInt(c.flows)} flows, ${fmtBytes(c.bytes)}` : `${src} → ${dst}: no traffic`;
      out.push(
        <button
          key={`${i}:${j}`}
          class={`hm-cell${c ? '' : ' empty'}${i === j ? ' diag' : ''}`}
          style={style}
          aria-label={label}
          title={label}
          data-src={src}
          data-dst={dst}
          disabled={!c}
          onClick={() => c && onOpen(src, dst)}
          onMouseEnter={() => onHover(c ?? { src, dst })}
          onFocus={() => onHover(c ?? { src, dst })}
        >
          {c && layout === 'detailed' && (
            <>
              <span class="hm-value">{metric === 'bytes' ? fmtBytes(v) : fmtCompact(v)}</span>
              <span class="hm-edges">
                {fmtInt(c.edges)} edge{c.edges === 1 ? '' : 's'}
              </span>
              <span class="hm-services">{topServices(c, 3)}</span>
            </>
          )}
        </button>,
      );
    }
  }
  const colLabels = [];
  for (let j = c0; j <= c1; j++)
    colLabels.push(
      <div key={j} class={`hm-col ${layout}`} style={{ left: `${rowHead + j * cw}px`, width: `${cw}px`, height: `${colHead}px` }} title={`to ${segments[j]}`}>
        <span>{segments[j]}</span>
      </div>,
    );
  const rowLabels = [];
  for (let i = r0; i <= r1; i++)
    rowLabels.push(
      <div key={i} class="hm-row" style={{ top: `${i * ch}px`, height: `${ch}px`, width: `${rowHead}px` }} title={`from ${segments[i]}`}>
        <span>{segments[i]}</span>
      </div>,
    );

  return (
    <div
      class="heatmap"
      ref={setRef}
      onScroll={onScroll}
      role="grid"
      aria-label="segment matrix: rows are sources, columns destinations"
      onMouseLeave={() => onHover(null)}
    >
      <div class="hm-inner" style={{ width: `${rowHead + n * cw}px`, height: `${colHead + n * ch}px` }}>
        <div class="hm-colhead" style={{ height: `${colHead}px`, width: `${rowHead + n * cw}px` }}>
          <div class="hm-corner" style={{ width: `${rowHead}px`, height: `${colHead}px` }}>
            <span>from ↓ · to →</span>
          </div>
          {colLabels}
        </div>
        <div class="hm-rowhead" style={{ width: `${rowHead}px`, height: `${n * ch}px` }}>
          {rowLabels}
        </div>
        {out}
      </div>
    </div>
  );
}

function topServices(c: MatrixCell, k: number): string {
  const names: string[] = [];
  for (const s of c.services) {
    const name = s.service ?? portLabel(s.proto, s.port);
    if (!names.includes(name)) names.push(name);
    if (names.length === k) break;
  }
  const more = c.services.length > names.length ? ' …' : '';
  return names.join(' · ') + more;
}
