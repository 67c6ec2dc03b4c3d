import { describe, it, expect } from 'vitest';
import { alertQuery, hostText } from '../../ui/src/views/alerts-model.js';
import { reviewHistory } from '../../ui/src/review-history.js';

const DAY = 86_400_000;
const q = (s: string) => alertQuery(new URLSearchParams(s), 10 * DAY);

describe('the Alerts view model', () => {
  it('turns the URL into the API query: open alerts by default, any with status=all, one alert from a message link', () => {
    expect(q('')).toEqual({ status: 'open' });
    expect(q('status=all')).toEqual({});
    expect(q('status=dismissed&kind=storm&policy=ab12&segment=db&host=%2010.0.0.1%20&since=7')).toEqual({
      status: 'dismissed',
      kind: 'storm',
      policy: 'ab12',
      segment: 'db',
      host: '10.0.0.1',
      since: 3 * DAY,
    });
    expect(q('id=17')).toEqual({ id: '17' });
    expect(q('kind=bogus&since=x')).toEqual({ status: 'open' });
  });

  it('shows a name beside the address when there is one', () => {
    expect(hostText('10.0.0.1', 'db1.corp')).toBe('db1.corp (10.0.0.1)');
    expect(hostText('10.0.0.1', null)).toBe('10.0.0.1');
    expect(hostText(null, undefined)).toBe('–');
  });

  it('puts alert triage in an edge’s review history', () => {
    const e = { src: '10.0.0.1', dst: '10.0.0.2', proto: 6, port: 22 };
    const h = reviewHistory(
      [
        { at: 1, by: 'a', action: 'review', target: [e], detail: { status: 'expected' } },
        { at: 2, by: 'b', action: 'alert-review', target: [e], detail: { status: 'alert dismissed' } },
        { at: 3, by: 'c', action: 'alert-review', target: [{ ...e, port: 23 }] },
        { at: 4, by: 'd', action: 'policy-change', target: 'p1' },
      ],
      e,
    );
    expect(h.map((x) => x.by)).toEqual(['b', 'a']);
  });
});
