import type uPlot from 'uplot';
import { fmtBytes, fmtCompact, fmtTime } from '../format.js';

/**
 * uPlot option builders: pure functions of their inputs (no DOM, no uPlot runtime), so they are
 * unit-tested in Node. Path builders (bars) come from the caller, which holds the uPlot module.
 */

export type Metric = 'flows' | 'packets' | 'bytes';

export const COLORS = {
  flows: '#2b6cb0',
  packets: '#2f855a',
  bytes: '#6b46c1',
  drops: '#c53030',
  backlog: '#b7791f',
  expected: '#d69e2e',
  grid: 'rgba(0,0,0,0.07)',
  axis: '#4a5568',
} as const;

export function metricFormatter(metric: Metric): (v: number) => string {
  return metric === 'bytes' ? fmtBytes : fmtCompact;
}

/** A y scale from 0 to a little above the maximum (an all-zero series still gets a visible axis). */
export function zeroBasedRange(_u: unknown, _min: number | null, max: number | null): uPlot.Range.MinMax {
  const top = max !== null && max > 0 ? max * 1.08 : 1;
  return [0, top];
}

const axisBase = (): uPlot.Axis => ({
  stroke: COLORS.axis,
  grid: { stroke: COLORS.grid, width: 1 },
  ticks: { stroke: COLORS.grid, width: 1 },
  font: '11px system-ui, sans-serif',
});

/** The time axis in UTC: the whole console reasons in UTC days. */
export function utcTimeAxis(): uPlot.Axis {
  return {
    ...axisBase(),
    values: (_u, splits) => splits.map((s) => fmtAxisTime(s * 1000, splits)),
  };
}

/** Short UTC tick labels: dates for day-spaced ticks, hours otherwise. */
export function fmtAxisTime(ms: number, splits: readonly number[]): string {
  const step = splits.length > 1 ? (splits[1]! - splits[0]!) * 1000 : 86_400_000;
  const iso = new Date(ms).toISOString();
  if (step >= 86_400_000) return iso.slice(5, 10);
  if (step < 60_000) return iso.slice(11, 19);
  if (ms % 86_400_000 === 0) return `${iso.slice(5, 10)}\n00:00`;
  return iso.slice(11, 16);
}

export interface TimelineInput {
  width: number;
  height: number;
  metric: Metric;
  /** When the analysis expects this edge next (ms), drawn as a dashed line when in view. */
  nextExpected?: number | null;
  bars?: uPlot.Series.PathBuilder;
}

/** One edge's hourly activity over the window: bars per hour, UTC time axis. */
export function timelineOptions(p: TimelineInput): uPlot.Options {
  const fmt = metricFormatter(p.metric);
  const marker = p.nextExpected ?? null;
  return {
    width: p.width,
    height: p.height,
    tzDate: (ts) => utcDate(ts),
    scales: { x: { time: true }, y: { range: zeroBasedRange } },
    legend: { show: true, live: true },
    cursor: { drag: { x: true, y: false }, points: { show: false } },
    series: [
      { label: 'hour (UTC)', value: (_u, v) => (v === null ? '–' : fmtTime(v * 1000)) },
      {
        label: `${p.metric} per hour`,
        stroke: COLORS[p.metric],
        fill: `${COLORS[p.metric]}99`,
        width: 1,
        points: { show: false },
        ...(p.bars ? { paths: p.bars } : {}),
        value: (_u, v) => (v === null ? '–' : fmt(v)),
      },
    ],
    axes: [utcTimeAxis(), { ...axisBase(), size: 60, values: (_u, splits) => splits.map(fmt) }],
    hooks: marker === null ? {} : { draw: [(u: uPlot) => drawMarker(u, marker / 1000, 'next expected')] },
  };
}

/** [seconds, values] columns for uPlot from the API's hourly timeline. */
export function timelineData(t: readonly number[], values: readonly number[]): uPlot.AlignedData {
  return [t.map((ms) => ms / 1000), [...values]];
}

export interface ProbeChartInput {
  width: number;
  height: number;
  /** Whether the backend can count drops (null drops: unknown, not zero). */
  dropsKnown: boolean;
}

/** Captured packets per second (left axis) and drops per second (right axis, red). */
export function probeRateOptions(p: ProbeChartInput): uPlot.Options {
  const series: uPlot.Series[] = [
    { label: 'time (UTC)', value: (_u, v) => (v === null ? '–' : fmtTime(v * 1000, true)) },
    {
      label: 'captured packets/s',
      stroke: COLORS.packets,
      width: 1.5,
      points: { size: 4 },
      spanGaps: false,
      value: (_u, v) => (v === null ? '–' : fmtCompact(v)),
    },
  ];
  const axes: uPlot.Axis[] = [utcTimeAxis(), { ...axisBase(), size: 56, values: (_u, s) => s.map(fmtCompact) }];
  if (p.dropsKnown) {
    series.push({
      label: 'drops/s',
      stroke: COLORS.drops,
      width: 1.5,
      scale: 'drops',
      points: { size: 4 },
      value: (_u, v) => (v === null ? '–' : fmtCompact(v)),
    });
    axes.push({ ...axisBase(), scale: 'drops', side: 1, size: 50, grid: { show: false }, stroke: COLORS.drops, values: (_u, s) => s.map(fmtCompact) });
  }
  return {
    width: p.width,
    height: p.height,
    tzDate: (ts) => utcDate(ts),
    scales: { x: { time: true }, y: { range: zeroBasedRange }, drops: { range: zeroBasedRange } },
    cursor: { drag: { x: true, y: false } },
    series,
    axes,
  };
}

/** The probe's outbox: batches waiting for the console's acknowledgement. */
export function probeBacklogOptions(p: { width: number; height: number }): uPlot.Options {
  return {
    width: p.width,
    height: p.height,
    tzDate: (ts) => utcDate(ts),
    scales: { x: { time: true }, y: { range: zeroBasedRange } },
    cursor: { drag: { x: true, y: false } },
    series: [
      { label: 'time (UTC)', value: (_u, v) => (v === null ? '–' : fmtTime(v * 1000, true)) },
      {
        label: 'backlog (batches)',
        stroke: COLORS.backlog,
        fill: `${COLORS.backlog}33`,
        width: 1.5,
        points: { size: 4 },
        value: (_u, v) => (v === null ? '–' : fmtCompact(v)),
      },
    ],
    axes: [utcTimeAxis(), { ...axisBase(), size: 56, values: (_u, s) => s.map(fmtCompact) }],
  };
}

/**
 * uPlot formats time axes in local time unless given a tzDate: shift so that local getters read
 * UTC (the console shows UTC everywhere).
 */
export function utcDate(ts: number): Date {
  const d = new Date(ts * 1000);
  return new Date(d.getTime() + d.getTimezoneOffset() * 60_000);
}

function drawMarker(u: uPlot, x: number, label: string): void {
  const min = u.scales.x!.min;
  const max = u.scales.x!.max;
  if (min === undefined || max === undefined || x < min || x > max) return;
  const ctx = u.ctx;
  const px = Math.round(u.valToPos(x, 'x', true));
  const { top, height } = u.bbox;
  ctx.save();
  ctx.strokeStyle = COLORS.expected;
  ctx.lineWidth = 2 * devicePixelRatioOf(u);
  ctx.setLineDash([6, 4]);
  ctx.beginPath();
  ctx.moveTo(px, top);
  ctx.lineTo(px, top + height);
  ctx.stroke();
  ctx.fillStyle = COLORS.expected;
  ctx.font = `${11 * devicePixelRatioOf(u)}px system-ui, sans-serif`;
  ctx.fillText(label, px + 4, top + 12 * devicePixelRatioOf(u));
  ctx.restore();
}

function devicePixelRatioOf(_u: uPlot): number {
  return (globalThis as { devicePixelRatio?: number }).devicePixelRatio ?? 1;
}
