import { useState } from 'preact/hooks';
import { useApp } from '../context.js';
import { setQuery } from '../router.js';
import { DAY_MS, PRESETS, dayString, parseDay, rangeLabel, rangeToQuery, type Preset } from '../range.js';

/** The analysis window: whole UTC days, "last N days of data" presets or custom days. */
export function RangePicker() {
  const { range, preset, extent, refreshExtent } = useApp();
  const [custom, setCustom] = useState(preset === 'custom');
  const [from, setFrom] = useState(dayString(range.from));
  const [to, setTo] = useState(dayString(range.to - DAY_MS));
  const [err, setErr] = useState<string | null>(null);

  const choose = (p: Preset) => {
    if (p === 'custom') {
      setCustom(true);
      setFrom(dayString(range.from));
      setTo(dayString(range.to - DAY_MS));
      return;
    }
    setCustom(false);
    setErr(null);
    setQuery(rangeToQuery(p, range));
  };

  const apply = (e: Event) => {
    e.preventDefault();
    const f = parseDay(from);
    const t = parseDay(to);
    if (f === null || t === null) return setErr('dates are YYYY-MM-DD (UTC)');
    if (t < f) return setErr('the last day is before the first');
    setErr(null);
    setQuery(rangeToQuery('custom', { from: f, to: t + DAY_MS }));
  };

  const dataSpan = extent.start !== null && extent.end !== null ? `data: ${dayString(extent.start)} → ${dayString(extent.end)} (UTC)` : 'no data yet';
  return (
    <form class="range" onSubmit={apply} aria-label="time range">
      <select
        aria-label="time range preset"
        value={custom ? 'custom' : preset}
        onChange={(e) => choose((e.target as HTMLSelectElement).value as Preset)}
        title={`${rangeLabel(range)}\n${dataSpan}`}
      >
        {PRESETS.map((p) => (
          <option key={p.id} value={p.id}>
            {p.label}
          </option>
        ))}
      </select>
      {custom ? (
        <>
          <input
            type="date"
            aria-label="first day (UTC)"
            value={from}
            min={extent.start !== null ? dayString(extent.start) : undefined}
            onInput={(e) => setFrom((e.target as HTMLInputElement).value)}
          />
          <span class="muted">→</span>
          <input
            type="date"
            aria-label="last day (UTC)"
            value={to}
            max={extent.end !== null ? dayString(extent.end) : undefined}
            onInput={(e) => setTo((e.target as HTMLInputElement).value)}
          />
          <button class="btn small" type="submit">
            Apply
          </button>
        </>
      ) : (
        <span class="range-label" title={dataSpan}>
          {rangeLabel(range)}
        </span>
      )}
      <button class="btn small ghost" type="button" onClick={refreshExtent} title={`look for newer data (${dataSpan})`} aria-label="refresh data extent">
        ↻
      </button>
      {err && <span class="field-error">{err}</span>}
    </form>
  );
}
