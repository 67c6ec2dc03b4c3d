import { describe, it, expect } from 'vitest';
import { detectPeriod, DAY, HOUR, type Activity, type Observation } from './period.js';

const MIN = 60_000;
const T0 = Date.UTC(2024, 5, 3); // Monday 3 June 2024
const D0 = T0 / DAY;

function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Days [D0, D0+days) observed, except `missing` (offsets from D0). */
function obs(days: number, missing: number[] = []): Observation {
  const miss = new Set(missing.map((m) => D0 + m));
  return {
    observedDay: (d) => d >= D0 && d < D0 + days && !miss.has(d),
    observedDays: (a, b) => {
      let n = 0;
      for (let d = a; d < b; d++) if (d >= D0 && d < D0 + days && !miss.has(d)) n++;
      return n;
    },
    lastDay: D0 + days - 1,
  };
}

/** Groups flow start times into active hours (what the console stores). */
function hoursOf(starts: number[]): Activity[] {
  const m = new Map<number, Activity>();
  for (const t of starts.sort((a, b) => a - b)) {
    const h = Math.floor(t / HOUR);
    const a = m.get(h);
    if (a) a.flows++;
    else m.set(h, { t, flows: 1 });
  }
  return [...m.values()];
}

const daysRange = (n: number, skip: (d: number) => boolean = () => false) => Array.from({ length: n }, (_, i) => i).filter((i) => !skip(i));
const weekday = (i: number) => new Date(T0 + i * DAY).getUTCDay();

describe('detectPeriod', () => {
  it('daily job at 02:00 ± 7 min, robust to unobserved days and to a few missed runs', () => {
    const r = rng(1);
    const run = (i: number) => T0 + i * DAY + 2 * HOUR + (r() - 0.5) * 14 * MIN;
    const all = daysRange(28).map(run);
    const got = detectPeriod(hoursOf(all), obs(28));
    expect(got.period).toBe('daily');
    expect(Math.abs(got.nextExpected! - (T0 + 28 * DAY + 2 * HOUR))).toBeLessThan(8 * MIN);
    // The probe was offline on five days: those days are not absence.
    expect(detectPeriod(hoursOf(daysRange(28, (i) => [3, 4, 11, 18, 19].includes(i)).map(run)), obs(28, [3, 4, 11, 18, 19])).period).toBe('daily');
    // Three observed days without a run (the job failed): still daily.
    expect(detectPeriod(hoursOf(daysRange(28, (i) => [5, 12, 20].includes(i)).map(run)), obs(28)).period).toBe('daily');
  });

  it('a 23:55 job that slips past midnight is still daily', () => {
    const r = rng(2);
    const starts = daysRange(21).map((i) => T0 + i * DAY + 23 * HOUR + 55 * MIN + (r() - 0.5) * 20 * MIN);
    expect(detectPeriod(hoursOf(starts), obs(22)).period).toBe('daily');
  });

  it('weekday-only job at 06:30 is daily, next run skips the weekend', () => {
    const r = rng(3);
    const starts = daysRange(26, (i) => weekday(i) === 0 || weekday(i) === 6).map((i) => T0 + i * DAY + 6.5 * HOUR + (r() - 0.5) * 10 * MIN);
    const got = detectPeriod(hoursOf(starts), obs(26)); // day 25 is Friday 28 June
    expect(got).toMatchObject({ period: 'daily', note: 'weekdays only' });
    expect(new Date(got.nextExpected!).getUTCDay()).toBe(1); // Monday
  });

  it('hourly health check at :05 ± 1 min; a twice-hourly renewal and round-the-clock chatter are continuous', () => {
    const r = rng(4);
    const hourly = Array.from({ length: 14 * 24 }, (_, h) => T0 + h * HOUR + 5 * MIN + (r() - 0.5) * 2 * MIN);
    const got = detectPeriod(hoursOf(hourly), obs(14));
    expect(got.period).toBe('hourly');
    expect((got.nextExpected! % HOUR) / MIN).toBeCloseTo(5, 0);
    // Two renewals an hour at fixed minutes: regular, but not one per hour.
    const dhcp = Array.from({ length: 14 * 48 }, (_, k) => T0 + k * 30 * MIN + 7 * MIN);
    expect(detectPeriod(hoursOf(dhcp), obs(14)).period).toBe('continuous');
    // About one flow an hour at random minutes (LDAP, DNS from a quiet host): continuous, not hourly.
    const ldap = Array.from({ length: 14 * 24 }, (_, h) => T0 + h * HOUR + r() * HOUR);
    expect(detectPeriod(hoursOf(ldap), obs(14)).period).toBe('continuous');
  });

  it('business-hours traffic is continuous; frequent but random traffic is not periodic', () => {
    const r = rng(5);
    const office: number[] = [];
    for (const i of daysRange(28, (d) => weekday(d) === 0 || weekday(d) === 6))
      for (let h = 8; h <= 18; h++) for (let k = 0; k < 5; k++) office.push(T0 + i * DAY + h * HOUR + r() * HOUR);
    expect(detectPeriod(hoursOf(office), obs(28)).period).toBe('continuous');
    // Poisson arrivals, mean gap 4 h, any hour of the day: busy enough, regular never.
    const poisson: number[] = [];
    for (let t = T0; t < T0 + 28 * DAY; t += -Math.log(1 - r()) * 4 * HOUR) poisson.push(t);
    expect(detectPeriod(hoursOf(poisson), obs(28)).period).toBeNull();
  });

  it('weekly on Sundays at 03:00 ± 10 min, also with a missed week', () => {
    const r = rng(6);
    const sundays = daysRange(35)
      .filter((i) => weekday(i) === 0)
      .map((i) => T0 + i * DAY + 3 * HOUR + (r() - 0.5) * 20 * MIN);
    expect(sundays).toHaveLength(5);
    const got = detectPeriod(hoursOf(sundays), obs(35));
    expect(got.period).toBe('weekly');
    expect(new Date(got.nextExpected!).getUTCDay()).toBe(0);
    expect(detectPeriod(hoursOf([sundays[0]!, sundays[2]!, sundays[3]!]), obs(35)).period).toBe('weekly');
  });

  it('monthly on the last day; seen once on a month end is surfaced as possibly monthly; once elsewhere is not', () => {
    const june30 = Date.UTC(2024, 5, 30, 23, 0);
    const july31 = Date.UTC(2024, 6, 31, 23, 2);
    const two = detectPeriod(hoursOf([june30, july31]), obs(70));
    expect(two.period).toBe('monthly');
    expect(new Date(two.nextExpected!).toISOString().slice(0, 10)).toBe('2024-08-31');
    const once = detectPeriod(hoursOf([june30]), obs(28));
    expect(once).toMatchObject({ period: 'monthly', confidence: 0.3 });
    expect(once.note).toMatch(/^seen once, possibly monthly/);
    expect(new Date(once.nextExpected!).toISOString().slice(0, 10)).toBe('2024-07-31');
    expect(detectPeriod(hoursOf([Date.UTC(2024, 5, 6, 14, 59)]), obs(28))).toMatchObject({ period: null, note: 'seen once' });
  });

  it('first business day of the month', () => {
    // 1 June 2024 was a Saturday: the first business day was Monday 3 June; 1 July a Monday.
    const got = detectPeriod(hoursOf([Date.UTC(2024, 5, 3, 5, 0), Date.UTC(2024, 6, 1, 5, 3)]), obs(40));
    expect(got.period).toBe('monthly');
    expect(new Date(got.nextExpected!).toISOString().slice(0, 10)).toBe('2024-08-01');
  });
});

describe('what a change of the observed days can change (analyzer.ts marks edges by it)', () => {
  /** Observation of `days` (offsets from D0, any order). */
  const observed = (days: number[]): Observation => {
    const set = new Set(days.map((d) => D0 + d));
    const sorted = [...set].sort((a, b) => a - b);
    return { observedDay: (d) => set.has(d), observedDays: (a, b) => sorted.filter((d) => d >= a && d < b).length, lastDay: sorted.at(-1)! };
  };

  it('a label that did not read observed days beyond its span stays the same when days outside it change', () => {
    const r = rng(7);
    let independent = 0;
    let reading = 0;
    for (let i = 0; i < 3000; i++) {
      // Jobs at a fixed time on some days, bursts at random hours, busy edges: a mix of every kind.
      const kind = i % 3;
      const hour = Math.floor(r() * 24);
      const starts: number[] = [];
      for (let d = 0; d < 40; d++) {
        if (r() > [0.5, 0.15, 0.9][kind]!) continue;
        const n = kind === 2 ? 1 + Math.floor(r() * 20) : 1 + Math.floor(r() * 2);
        for (let k = 0; k < n; k++) starts.push(T0 + d * DAY + (kind === 0 ? hour * HOUR + r() * 10 * MIN : r() * DAY));
      }
      if (starts.length === 0) continue;
      const acts = hoursOf(starts);
      const firstDay = Math.floor(Math.min(...starts) / DAY) - D0;
      const lastDay = Math.floor(Math.max(...starts) / DAY) - D0;
      // Observed: every day up to the last activity but a few; then days after it are added.
      const before = daysRange(lastDay + 1, (d) => d > 2 && r() < 0.1 && d !== firstDay && d !== lastDay);
      const trace = { readsObservation: false };
      const a = detectPeriod(acts, observed(before), trace);
      const after = [...before, ...daysRange(lastDay + 1 + Math.floor(r() * 20)).filter((d) => d > lastDay)];
      const b = detectPeriod(acts, observed(after));
      if (trace.readsObservation) reading++;
      else {
        independent++;
        expect(b).toEqual(a);
      }
    }
    expect(independent).toBeGreaterThan(1000);
    expect(reading).toBeGreaterThan(100);
  });

  it('a daily job that stopped loses its label as days without it are observed: it reads observation', () => {
    const acts = hoursOf(daysRange(14).map((d) => T0 + d * DAY + 2 * HOUR));
    const trace = { readsObservation: false };
    expect(detectPeriod(acts, observed(daysRange(14)), trace).period).toBe('daily');
    expect(trace.readsObservation).toBe(true);
    expect(detectPeriod(acts, observed(daysRange(28))).period).not.toBe('daily');
  });
});
