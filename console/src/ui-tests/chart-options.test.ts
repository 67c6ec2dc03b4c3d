import { describe, it, expect } from 'vitest';
import {
  timelineOptions,
  timelineData,
  probeRateOptions,
  probeBacklogOptions,
  zeroBasedRange,
  fmtAxisTime,
  utcDate,
  metricFormatter,
} from '../../ui/src/charts/options.js';
import { counterRates, frameWindow, type HistoryPoint } from '../../ui/src/charts/rates.js';

// The web console's chart option builders are pure: same input, same options, no DOM.

describe('timelineOptions', () => {
  it('plots one series of hourly values with the given size and a UTC time axis', () => {
    const o = timelineOptions({ width: 640, height: 170, metric: 'flows' });
    expect(o.width).toBe(640);
    expect(o.height).toBe(170);
    expect(o.series).toHaveLength(2);
    expect(o.series[1]!.label).toBe('flows per hour');
    expect(o.scales!.x!.time).toBe(true);
    expect(o.axes).toHaveLength(2);
    // tzDate makes uPlot's local-time getters read UTC.
    const d = o.tzDate!(Date.UTC(2024, 5, 3, 14, 0) / 1000);
    expect([d.getHours(), d.getDate()]).toEqual([14, 3]);
  });

  it('uses the bar path builder it is given, and draws no marker without a next run', () => {
    const bars = (() => null) as never;
    const o = timelineOptions({ width: 100, height: 100, metric: 'bytes', bars });
    expect(o.series[1]!.paths).toBe(bars);
    expect(o.hooks?.draw ?? []).toHaveLength(0);
    expect(timelineOptions({ width: 100, height: 100, metric: 'flows' }).series[1]!.paths).toBeUndefined();
  });

  it('adds a draw hook marking the next expected run', () => {
    const o = timelineOptions({ width: 100, height: 100, metric: 'flows', nextExpected: 1_717_400_000_000 });
    expect(o.hooks!.draw).toHaveLength(1);
  });

  it('formats values per metric: bytes in SI units, counts compact', () => {
    const o = timelineOptions({ width: 100, height: 100, metric: 'bytes' });
    const value = o.series[1]!.value as (u: unknown, v: number | null) => string;
    expect(value(null, 1_500_000)).toBe('1.5 MB');
    expect(value(null, null)).toBe('–');
    expect(metricFormatter('flows')(12_345)).toBe('12.3k');
  });

  it('is pure: the same input gives equal options', () => {
    const a = timelineOptions({ width: 300, height: 120, metric: 'packets' });
    const b = timelineOptions({ width: 300, height: 120, metric: 'packets' });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
  });
});

describe('timelineData', () => {
  it('turns the API hourly columns into uPlot columns in seconds', () => {
    const t = [1_717_372_800_000, 1_717_376_400_000];
    const data = timelineData(t, [3, 0]);
    expect(data).toEqual([
      [1_717_372_800, 1_717_376_400],
      [3, 0],
    ]);
  });
});

describe('probe charts', () => {
  it('plots drops on their own axis when the backend counts them', () => {
    const o = probeRateOptions({ width: 500, height: 200, dropsKnown: true });
    expect(o.series.map((s) => s.label)).toEqual(['time (UTC)', 'captured packets/s', 'drops/s']);
    expect(o.series[2]!.scale).toBe('drops');
    expect(o.axes!.find((a) => a.scale === 'drops')!.side).toBe(1);
  });

  it('leaves drops out when they are unknown (null), rather than drawing zero', () => {
    const o = probeRateOptions({ width: 500, height: 200, dropsKnown: false });
    expect(o.series.map((s) => s.label)).toEqual(['time (UTC)', 'captured packets/s']);
    expect(o.axes).toHaveLength(2);
  });

  it('backlog chart has one series', () => {
    expect(probeBacklogOptions({ width: 10, height: 10 }).series[1]!.label).toBe('backlog (batches)');
  });
});

describe('axis helpers', () => {
  it('y scales start at zero and an empty series still gets an axis', () => {
    expect(zeroBasedRange(null, 0, 0)).toEqual([0, 1]);
    expect(zeroBasedRange(null, 5, 100)).toEqual([0, 108]);
    expect(zeroBasedRange(null, null, null)).toEqual([0, 1]);
  });

  it('labels ticks by date, hour or second depending on their spacing (UTC)', () => {
    const t = Date.UTC(2024, 5, 3, 14, 30, 15);
    expect(fmtAxisTime(t, [0, 86_400 * 2])).toBe('06-03');
    expect(fmtAxisTime(t, [0, 3600])).toBe('14:30');
    expect(fmtAxisTime(t, [0, 10])).toBe('14:30:15');
    expect(fmtAxisTime(Date.UTC(2024, 5, 4), [0, 3600 * 6])).toBe('06-04\n00:00');
  });

  it('utcDate shifts so local getters read UTC', () => {
    const d = utcDate(Date.UTC(2024, 0, 1, 23, 59) / 1000);
    expect([d.getFullYear(), d.getMonth(), d.getDate(), d.getHours(), d.getMinutes()]).toEqual([2024, 0, 1, 23, 59]);
  });
});

describe('counterRates', () => {
  const p = (time: number, packets: number, drops: number | null = 0, online = true, backlog = 0): HistoryPoint => ({
    time,
    online,
    packets,
    drops,
    ifDrops: drops === null ? null : 0,
    backlog,
  });

  it('derives per-second rates from cumulative counters', () => {
    const r = counterRates([p(0, 0), p(10_000, 1000, 5), p(20_000, 3000, 5)]);
    expect(r.t).toEqual([0, 10, 20]);
    expect(r.packets).toEqual([null, 100, 200]);
    expect(r.drops).toEqual([null, 0.5, 0]);
  });

  it('sorts snapshots and ignores duplicates of the same time', () => {
    const r = counterRates([p(20_000, 3000), p(0, 0), p(10_000, 1000), p(10_000, 1000)]);
    expect(r.t).toEqual([0, 10, 20]);
    expect(r.packets).toEqual([null, 100, 200]);
  });

  it('reads a counter that went backwards as a restarted probe', () => {
    const r = counterRates([p(0, 5000), p(10_000, 6000), p(20_000, 400)]);
    expect(r.packets).toEqual([null, 100, 40]);
  });

  it('breaks the line over a gap instead of averaging across it', () => {
    const r = counterRates([p(0, 0), p(10_000, 1000), p(600_000, 9000)]);
    expect(r.packets).toEqual([null, 100, null]);
  });

  it('keeps unknown drops unknown', () => {
    const r = counterRates([p(0, 0, null), p(10_000, 1000, null)]);
    expect(r.drops).toEqual([null, null]);
    expect(r.online).toEqual([1, 1]);
  });

  it('frames a series in its window with null edge points', () => {
    expect(frameWindow([10, 20], [[1, 2]], 0, 30)).toEqual([
      [0, 10, 20, 30],
      [null, 1, 2, null],
    ]);
    expect(frameWindow([0, 30], [[1, 2]], 0, 30)).toEqual([
      [0, 30],
      [1, 2],
    ]);
    expect(frameWindow([], [[]], 0, 30)).toEqual([
      [0, 30],
      [null, null],
    ]);
  });
});
