import { describe, it, expect, vi } from 'vitest';
import { fmtBytes, fmtCompact, fmtInt, fmtTime, fmtDuration, fmtAgo, fmtElapsed, portLabel, protoName } from '../../ui/src/format.js';
import { heatStyle, logScale, legendStops, rampColor } from '../../ui/src/heat.js';
import { presetRange, rangeFromQuery, rangeToQuery, parseDay, DAY_MS } from '../../ui/src/range.js';
import { tokenFromHash } from '../../ui/src/session.js';
import { locateError, toBody, items, toDraft } from '../../ui/src/views/segments-model.js';
import { longTailFilter, coverageFilter } from '../../ui/src/views/worklist.js';
import { endpointText, parsePortsText, portsText, ruleText, selector } from '../../ui/src/views/policy-format.js';
import { reviewHistory } from '../../ui/src/review-history.js';
import { ApiError, createApi, edgeId, errorField, fileNameOf, parseEdgeId, queryString } from '../../ui/src/api.js';

describe('format', () => {
  it('names protocols and ports the way engineers read them', () => {
    expect(portLabel(6, 443)).toBe('tcp/443');
    expect(portLabel(17, 53)).toBe('udp/53');
    expect(portLabel(1, 8 * 256)).toBe('icmp 8/0');
    expect(portLabel(58, 128 * 256)).toBe('icmpv6 128/0');
    expect(portLabel(47, 0)).toBe('gre');
    expect(protoName(99)).toBe('proto 99');
  });

  it('formats counts, bytes and durations', () => {
    expect(fmtInt(1234567)).toBe('1,234,567');
    expect(fmtCompact(114_751)).toBe('115k');
    expect(fmtCompact(9_390)).toBe('9.39k');
    expect(fmtCompact(12)).toBe('12');
    expect(fmtCompact(null)).toBe('–');
    expect(fmtBytes(999)).toBe('999 B');
    expect(fmtBytes(1500)).toBe('1.5 kB');
    expect(fmtBytes(318_644_907)).toBe('319 MB');
    expect(fmtDuration(45_000)).toBe('45 s');
    expect(fmtDuration(3 * 3_600_000)).toBe('3 h');
    expect(fmtAgo(1000, 61_000)).toBe('60 s ago');
    expect(fmtAgo(61_000, 1000)).toBe('in 60 s');
    expect(fmtElapsed(1234)).toBe('1.2 s');
    expect(fmtElapsed(125_000)).toBe('2 min 05 s');
  });

  it('shows times in UTC', () => {
    expect(fmtTime(Date.UTC(2024, 5, 3, 14, 5, 9))).toBe('2024-06-03 14:05 UTC');
    expect(fmtTime(Date.UTC(2024, 5, 3, 14, 5, 9), true)).toBe('2024-06-03 14:05:09 UTC');
  });
});

describe('heat scale', () => {
  it('is a log scale from 0 to 1', () => {
    expect(logScale(0, 100)).toBe(0);
    expect(logScale(100, 100)).toBe(1);
    expect(logScale(10, 100_000)).toBeGreaterThan(0.15);
    expect(logScale(10, 100_000)).toBeLessThan(0.3);
    expect(logScale(5, 0)).toBe(0);
  });

  it('grows darker with the value, and a cell with any traffic is never blank', () => {
    expect(heatStyle(0, 100).background).toBe('transparent');
    const lum = (c: string) =>
      c
        .match(/\d+/g)!
        .map(Number)
        .reduce((a, b) => a + b, 0);
    const low = heatStyle(1, 1_000_000);
    const high = heatStyle(1_000_000, 1_000_000);
    expect(low.background).not.toBe('transparent');
    expect(lum(low.background)).toBeGreaterThan(lum(high.background));
    expect(high.color).toBe('#ffffff');
    expect(low.color).not.toBe('#ffffff');
  });

  it('legend stops span 0..max on the log scale', () => {
    const s = legendStops(100_000, 5);
    expect(s[0]).toBe(0);
    expect(s[4]).toBe(100_000);
    expect(s).toEqual([...s].sort((a, b) => a - b));
    expect(rampColor(0)).toMatch(/^rgb\(/);
  });
});

describe('time range', () => {
  const extent = { start: Date.UTC(2024, 5, 3, 0, 1), end: Date.UTC(2024, 5, 30, 23, 56) };

  it('"last N days of data" ends at the end of the newest data day (UTC)', () => {
    const r = presetRange('7d', extent, 0);
    expect(r).toEqual({ from: Date.UTC(2024, 5, 24), to: Date.UTC(2024, 6, 1) });
    expect(presetRange('28d', extent, 0)).toEqual({ from: Date.UTC(2024, 5, 3), to: Date.UTC(2024, 6, 1) });
  });

  it('never starts before the data, and "all" covers all of it', () => {
    const short = { start: Date.UTC(2024, 5, 28, 10), end: Date.UTC(2024, 5, 30, 1) };
    expect(presetRange('28d', short, 0)).toEqual({ from: Date.UTC(2024, 5, 28), to: Date.UTC(2024, 6, 1) });
    expect(presetRange('all', extent, 0)).toEqual({ from: Date.UTC(2024, 5, 3), to: Date.UTC(2024, 6, 1) });
  });

  it('uses today without data', () => {
    const now = Date.UTC(2026, 0, 10, 12);
    expect(presetRange('7d', { start: null, end: null }, now)).toEqual({ from: Date.UTC(2026, 0, 4), to: Date.UTC(2026, 0, 11) });
  });

  it('reads and writes the URL: presets, and custom days with an inclusive last day', () => {
    expect(rangeFromQuery(new URLSearchParams('range=14d'), extent, 0).preset).toBe('14d');
    expect(rangeFromQuery(new URLSearchParams(''), extent, 0).preset).toBe('28d');
    const c = rangeFromQuery(new URLSearchParams('from=2024-06-10&to=2024-06-16'), extent, 0);
    expect(c).toEqual({ preset: 'custom', range: { from: Date.UTC(2024, 5, 10), to: Date.UTC(2024, 5, 17) } });
    expect(rangeToQuery('custom', c.range)).toEqual({ range: null, from: '2024-06-10', to: '2024-06-16' });
    expect(rangeToQuery('7d', c.range)).toEqual({ range: '7d', from: null, to: null });
    expect(parseDay('2024-13-40')).toBeNull();
    expect(parseDay('2024-06-10')! % DAY_MS).toBe(0);
  });
});

describe('session', () => {
  it('takes the token from the URL the console prints', () => {
    expect(tokenFromHash('#token=abc123')).toBe('abc123');
    expect(tokenFromHash('#x=1&token=t%2Bk')).toBe('t+k');
    expect(tokenFromHash('#/edges')).toBeNull();
    expect(tokenFromHash('')).toBeNull();
  });
});

describe('segments editor model', () => {
  it('places an API validation error on the field and item it names', () => {
    const msg = 'segments[1].cidrs[0]: 10.10.1.0/24 is also in segment "web" (ambiguous)';
    expect(locateError('segments[1].cidrs[0]', msg)).toEqual({
      index: 1,
      field: 'cidrs',
      item: 0,
      message: '10.10.1.0/24 is also in segment "web" (ambiguous)',
    });
    expect(locateError(null, 'segments[2].name: "any" is reserved')).toEqual({ index: 2, field: 'name', item: null, message: '"any" is reserved' });
    expect(locateError('segments[0]', 'segments[0]: segment "x" has no cidrs, vlans or hosts')).toMatchObject({ index: 0, field: null });
    expect(locateError('body', 'body: expected an array')).toEqual({ index: null, field: null, item: null, message: 'expected an array' });
  });

  it('sends lists split on lines and commas; VLANs as numbers when they are', () => {
    const d = { ...toDraft({ name: 'web', cidrs: [], vlans: [], hosts: [] }), cidrs: '10.0.0.0/24\n 10.1.0.0/24,', vlans: '110, 111 x', hosts: '' };
    expect(toBody([d])).toEqual([{ name: 'web', cidrs: ['10.0.0.0/24', '10.1.0.0/24'], vlans: [110, 111, 'x'], hosts: [] }]);
    expect(items(' a ,b\nc ')).toEqual(['a', 'b', 'c']);
  });
});

describe('worklist filters', () => {
  const row = (o: object) => ({ period: null, rarity: 0.5, review: null, infrastructure: false, ...o }) as never;
  it('filters the long tail by period and rarity', () => {
    expect(longTailFilter(new URLSearchParams('period=weekly'))(row({ period: 'weekly' }))).toBe(true);
    expect(longTailFilter(new URLSearchParams('period=weekly'))(row({ period: 'daily' }))).toBe(false);
    expect(longTailFilter(new URLSearchParams('period=periodic'))(row({}))).toBe(false);
    expect(longTailFilter(new URLSearchParams('period=none'))(row({}))).toBe(true);
    expect(longTailFilter(new URLSearchParams('minRarity=0.8'))(row({ rarity: 0.7 }))).toBe(false);
  });
  it('filters coverage rows', () => {
    const cov = (o: object) => ({ segment: 'web', completeness: 1, gaps: [], weeklyCycle: true, monthEnd: true, ...o }) as never;
    expect(coverageFilter(new URLSearchParams('show=incomplete'))(cov({}))).toBe(false);
    expect(coverageFilter(new URLSearchParams('show=incomplete'))(cov({ completeness: 0.5 }))).toBe(true);
    expect(coverageFilter(new URLSearchParams('names=WE'))(cov({}))).toBe(true);
    expect(coverageFilter(new URLSearchParams('show=nomonthend'))(cov({}))).toBe(false);
  });
});

describe('policy formatting', () => {
  it('writes rules the way they read', () => {
    expect(endpointText({ segment: 'web' })).toBe('segment web');
    expect(endpointText({ cidr: '10.0.0.0/8' })).toBe('10.0.0.0/8');
    expect(endpointText({ any: true })).toBe('any');
    expect(portsText([443, [8000, 8080]])).toBe('443, 8000–8080');
    expect(portsText([])).toBe('any');
    expect(parsePortsText('443, 8000-8080 x')).toEqual([443, [8000, 8080], 'x']);
    expect(parsePortsText('  ')).toEqual([]);
    expect(selector('segment', ' web ')).toEqual({ segment: 'web' });
    expect(selector('any', 'ignored')).toEqual({ any: true });
    expect(
      ruleText({
        id: 'r1',
        src: { segment: 'web' },
        dst: { host: '10.0.0.5' },
        proto: 6,
        ports: [5432],
        comment: '',
        justifiedBy: [],
        edges: 0,
        layer: 'application',
      }),
    ).toBe('allow segment web → host 10.0.0.5 tcp port 5432');
    expect(ruleText({ src: { any: true }, dst: { host: '10.0.0.5' }, dstName: 'db1.corp.example', proto: 6, ports: [5432] })).toBe(
      'allow any → host db1.corp.example (10.0.0.5) tcp port 5432',
    );
  });
});

describe('review history', () => {
  it('picks the audit entries that reviewed an edge, newest first', () => {
    const e = { src: '10.0.0.1', dst: '10.0.0.2', proto: 6, port: 22 };
    const other = { ...e, port: 23 };
    const h = reviewHistory(
      [
        { at: 1, by: 'a', action: 'review', target: [e], detail: { status: 'investigate' } },
        { at: 2, by: 'b', action: 'review', target: [other] },
        { at: 3, by: 'c', action: 'segments', target: ['web'] },
        { at: 4, by: 'd', action: 'review', target: [other, e], detail: { status: 'expected' } },
      ],
      e,
    );
    expect(h.map((x) => x.at)).toEqual([4, 1]);
  });
});

describe('api client', () => {
  it('builds query strings without empty values', () => {
    expect(queryString({ a: 1, b: '', c: null, d: undefined, e: 'x y' })).toBe('?a=1&e=x+y');
    expect(queryString({})).toBe('');
  });

  it('round-trips edge ids (IPv6 included)', () => {
    const k = { src: 'fd00:20::106', dst: 'fd00:10:1::12', proto: 6, port: 443 };
    expect(parseEdgeId(edgeId(k))).toEqual(k);
    expect(parseEdgeId('garbage')).toBeNull();
  });

  it('finds the field an error names', () => {
    expect(errorField({ error: { code: 'bad_request', message: 'x', details: { field: 'segments[1].cidrs[0]' } } }, 'x')).toBe('segments[1].cidrs[0]');
    expect(errorField(null, 'port: expected a whole number')).toBe('port');
    expect(errorField(null, 'no such edge')).toBeNull();
  });

  it('reads file names from Content-Disposition', () => {
    expect(fileNameOf('attachment; filename="policy-1.nft"')).toBe('policy-1.nft');
    expect(fileNameOf("attachment; filename*=UTF-8''p%20x.csv")).toBe('p x.csv');
    expect(fileNameOf(null)).toBeNull();
  });

  it('sends the bearer token, reads paging headers, and reports 401 to the app', async () => {
    const calls: Array<{ url: string; auth: string | null }> = [];
    const fake = (async (url: string, init: RequestInit) => {
      calls.push({ url, auth: new Headers(init.headers).get('authorization') });
      if (url.includes('/stats')) return new Response(JSON.stringify({ error: { code: 'unauthorized', message: 'invalid token' } }), { status: 401 });
      if (url.includes('/segments'))
        return new Response(
          JSON.stringify({ error: { code: 'bad_request', message: 'segments[0].name: expected 1-64 characters', details: { field: 'segments[0].name' } } }),
          { status: 400 },
        );
      return new Response('[{"src":"a"}]', { headers: { 'x-total-count': '5000', 'x-next-cursor': 'abc' } });
    }) as unknown as typeof fetch;
    const onUnauthorized = vi.fn();
    const api = createApi({ token: 'tok', onUnauthorized, fetch: fake });
    const page = await api.edges({ from: 0, to: 10, srcSegment: 'web', limit: 1 });
    expect(page).toEqual({ rows: [{ src: 'a' }], total: 5000, next: 'abc' });
    expect(calls[0]).toEqual({ url: '/api/v1/edges?from=0&to=10&srcSegment=web&limit=1', auth: 'Bearer tok' });
    await expect(api.stats()).rejects.toMatchObject({ status: 401, code: 'unauthorized', message: 'invalid token' });
    expect(onUnauthorized).toHaveBeenCalledWith('invalid token');
    const err = await api.putSegments([{}]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 400, field: 'segments[0].name' });
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
  });

  it('turns a network failure into a clear error', async () => {
    const api = createApi({
      token: 't',
      onUnauthorized: () => {},
      fetch: (async () => {
        throw new TypeError('Failed to fetch');
      }) as unknown as typeof fetch,
    });
    await expect(api.probes()).rejects.toMatchObject({ status: 0, code: 'network', message: 'cannot reach the console (Failed to fetch)' });
  });
});
