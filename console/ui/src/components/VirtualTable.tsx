import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { useSize } from '../hooks.js';

export interface Column<T> {
  id: string;
  label: string;
  /** Minimum width in px; `grow` shares the remaining width. */
  width: number;
  grow?: number;
  align?: 'right' | 'center';
  /** Server-side sort key, when the column can be sorted. */
  sort?: string;
  title?: string;
  render(row: T, index: number): ComponentChildren;
}

export interface VirtualTableProps<T> {
  columns: Column<T>[];
  /** Number of rows, including those not loaded yet (drawn as placeholders). */
  total: number;
  rowAt(index: number): T | undefined;
  rowKey(row: T, index: number): string;
  rowHeight?: number;
  sort?: { key: string; desc: boolean };
  onSort?(key: string): void;
  /** The row open in the detail pane. */
  activeKey?: string | null;
  onActivate?(row: T, index: number): void;
  selected?: ReadonlySet<string>;
  onToggle?(row: T, index: number, range: boolean): void;
  onToggleAll?(): void;
  allSelected?: boolean;
  /** Rows first..last are on screen (lazy loading). */
  onVisible?(first: number, last: number): void;
  /** Keys pressed on the focused table, with the active row (review shortcuts). */
  onKey?(e: KeyboardEvent, active: T | undefined, index: number): void;
  label: string;
}

const OVERSCAN = 8;

/**
 * A table that renders only the rows on screen: 100,000 rows cost what 40 do. Fixed row height,
 * sticky header, server-side sorting through `onSort`, keyboard navigation (↑/↓, j/k, Home/End,
 * PgUp/PgDn, Space selects, Enter opens).
 */
export function VirtualTable<T>(p: VirtualTableProps<T>) {
  const rh = p.rowHeight ?? 30;
  const [sizeRef, size] = useSize<HTMLDivElement>();
  const scroller = useRef<HTMLDivElement | null>(null);
  const [top, setTop] = useState(0);
  const frame = useRef(0);
  const selectable = p.onToggle !== undefined;

  const template = useMemo(
    () => (selectable ? ['32px'] : []).concat(p.columns.map((c) => (c.grow ? `minmax(${c.width}px, ${c.grow}fr)` : `${c.width}px`))).join(' '),
    [p.columns, selectable],
  );
  const minWidth = useMemo(() => p.columns.reduce((s, c) => s + c.width, selectable ? 32 : 0), [p.columns, selectable]);

  const setRef = useCallback(
    (el: HTMLDivElement | null) => {
      scroller.current = el;
      sizeRef(el);
    },
    [sizeRef],
  );

  const onScroll = useCallback(() => {
    if (frame.current) return;
    frame.current = requestAnimationFrame(() => {
      frame.current = 0;
      if (scroller.current) setTop(scroller.current.scrollTop);
    });
  }, []);
  useEffect(() => () => cancelAnimationFrame(frame.current), []);

  const headH = rh + 2;
  const bodyH = Math.max(0, size.height - headH);
  const first = Math.max(0, Math.floor(top / rh) - OVERSCAN);
  const last = Math.min(p.total - 1, Math.ceil((top + bodyH) / rh) + OVERSCAN);

  const onVisible = p.onVisible;
  useEffect(() => {
    if (p.total > 0) onVisible?.(first, last);
  }, [first, last, p.total, onVisible]);

  // Where the active row is, for keyboard navigation.
  let activeIndex = -1;
  if (p.activeKey) {
    for (let i = first; i <= last; i++) {
      const r = p.rowAt(i);
      if (r && p.rowKey(r, i) === p.activeKey) activeIndex = i;
    }
  }
  const lastIndex = useRef(-1);
  if (activeIndex >= 0) lastIndex.current = activeIndex;

  const go = (i: number) => {
    const n = Math.max(0, Math.min(p.total - 1, i));
    const r = p.rowAt(n);
    lastIndex.current = n; // where ↑/↓ go on from, also while the row is still loading (End)
    const el = scroller.current;
    if (el) {
      const y = n * rh;
      if (y < el.scrollTop) el.scrollTop = y;
      else if (y + rh > el.scrollTop + bodyH) el.scrollTop = y + rh - bodyH;
    }
    if (r) p.onActivate?.(r, n);
  };

  const onKeyDown = (e: KeyboardEvent) => {
    if ((e.target as HTMLElement) !== scroller.current) return;
    const cur = activeIndex >= 0 ? activeIndex : lastIndex.current;
    const page = Math.max(1, Math.floor(bodyH / rh) - 1);
    const keys: Record<string, () => void> = {
      ArrowDown: () => go(cur + 1),
      j: () => go(cur + 1),
      ArrowUp: () => go(cur - 1),
      k: () => go(cur - 1),
      PageDown: () => go(cur + page),
      PageUp: () => go(cur - page),
      Home: () => go(0),
      End: () => go(p.total - 1),
    };
    const act = keys[e.key];
    if (act && !e.ctrlKey && !e.metaKey && !e.altKey) {
      e.preventDefault();
      act();
      return;
    }
    const row = cur >= 0 ? p.rowAt(cur) : undefined;
    if (e.key === ' ' && row && p.onToggle) {
      e.preventDefault();
      p.onToggle(row, cur, e.shiftKey);
      return;
    }
    p.onKey?.(e, row, cur);
  };

  const rows: ComponentChildren[] = [];
  for (let i = first; i <= last; i++) {
    const r = p.rowAt(i);
    const style = { top: `${i * rh}px`, height: `${rh}px`, gridTemplateColumns: template };
    if (!r) {
      rows.push(
        <div key={`ph${i}`} class="vt-row placeholder" style={style} role="row" aria-rowindex={i + 2}>
          <div class="vt-cell muted">loading…</div>
        </div>,
      );
      continue;
    }
    const k = p.rowKey(r, i);
    const sel = p.selected?.has(k) ?? false;
    rows.push(
      <div
        key={k}
        class={`vt-row${k === p.activeKey ? ' active' : ''}${sel ? ' selected' : ''}`}
        style={style}
        role="row"
        aria-rowindex={i + 2}
        aria-selected={k === p.activeKey}
        data-key={k}
        onClick={(e) => {
          if ((e.target as HTMLElement).closest('input,button,a,select,textarea')) return;
          p.onActivate?.(r, i);
        }}
      >
        {selectable && (
          <div class="vt-cell center" role="gridcell">
            <input type="checkbox" aria-label="select row" checked={sel} onClick={(e) => p.onToggle!(r, i, (e as MouseEvent).shiftKey)} />
          </div>
        )}
        {p.columns.map((c) => (
          <div key={c.id} class={`vt-cell ${c.align ?? ''}`} role="gridcell">
            {c.render(r, i)}
          </div>
        ))}
      </div>,
    );
  }

  return (
    <div class="vt" ref={setRef} onScroll={onScroll} tabIndex={0} role="grid" aria-label={p.label} aria-rowcount={p.total + 1} onKeyDown={onKeyDown}>
      <div class="vt-inner" style={{ minWidth: `${minWidth}px`, height: `${headH + p.total * rh}px` }}>
        <div class="vt-head" role="row" style={{ gridTemplateColumns: template, height: `${headH}px` }}>
          {selectable && (
            <div class="vt-cell center" role="columnheader">
              <input type="checkbox" aria-label="select all loaded rows" checked={p.allSelected ?? false} onClick={() => p.onToggleAll?.()} />
            </div>
          )}
          {p.columns.map((c) => {
            const sorted = p.sort && c.sort === p.sort.key;
            return (
              <div
                key={c.id}
                role="columnheader"
                aria-sort={sorted ? (p.sort!.desc ? 'descending' : 'ascending') : undefined}
                class={`vt-cell ${c.align ?? ''}${c.sort ? ' sortable' : ''}${sorted ? ' sorted' : ''}`}
                title={c.title ?? (c.sort ? `sort by ${c.label}` : undefined)}
                onClick={c.sort && p.onSort ? () => p.onSort!(c.sort!) : undefined}
              >
                {c.label}
                {sorted ? (p.sort!.desc ? ' ▾' : ' ▴') : ''}
              </div>
            );
          })}
        </div>
        <div class="vt-body" style={{ top: `${headH}px` }}>
          {rows}
        </div>
      </div>
    </div>
  );
}

/** A copy of a selection with `key` switched in or out (for onToggle). */
export function toggled<K>(selection: ReadonlySet<K>, key: K): Set<K> {
  const next = new Set(selection);
  if (next.has(key)) next.delete(key);
  else next.add(key);
  return next;
}
