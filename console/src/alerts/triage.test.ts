import { describe, it, expect, afterEach } from 'vitest';
import { alertHarness, monitoring, entry, DAY, T0, VIEWER, type Harness } from './test-harness.js';

/*
 * Triage through the API: allow opens a rule as a new policy version (the policy's own review
 * path), investigate takes an owner, reject and dismiss; bulk on a selection; every call audited
 * with the edges as target; viewers refused; bad input named. And GET /alerts filters and pages.
 */
let h: Harness;
afterEach(async () => h?.close());
const W = T0 + 8 * DAY;

async function fourAlerts(): Promise<string> {
  h = await alertHarness();
  const policy = await monitoring(h);
  await h.ingest([
    entry('10.20.5.6', '10.10.3.30', 6, 22, W, 2), // 1 users → db
    entry('10.10.1.10', '10.10.3.30', 6, 5432, W + 1000), // 2 web → db
    entry('10.20.5.7', '10.10.2.20', 6, 8443, W + 2000), // 3 users → app
  ]);
  h.setNow(h.now + DAY);
  await h.ingest([entry('10.30.1.1', '10.10.2.20', 6, 22, W + DAY)]); // 4 admins → app
  return policy;
}

describe('alert triage', () => {
  it('allows an alert: a new policy version with the narrowest rule, the violation reviewed, the alert allowed, audited', async () => {
    const policy = await fourAlerts();
    const r = await h.request('POST', '/alerts/review', { ids: ['1'], action: 'allow', note: 'backup operator, CHG-17' });
    expect(r.status).toBe(200);
    expect(r.body.policies).toEqual([{ id: policy, version: 2 }]);
    expect(r.body.alerts[0]).toMatchObject({
      id: '1',
      status: 'allowed',
      review: { action: 'allow', by: 'dana', note: 'backup operator, CHG-17', version: 2 },
    });
    const p = (await h.request('GET', `/policies/${policy}`)).body;
    expect(p.version).toBe(2);
    expect(p.rules.at(-1)).toMatchObject({ src: { host: '10.20.5.6' }, dst: { host: '10.10.3.30' }, proto: 6, ports: [22] });
    expect(p.versions.at(-1).reason).toContain('CHG-17');
    const v = (await h.request('GET', `/policies/${policy}/violations`)).body;
    expect(v.find((x: any) => x.src === '10.20.5.6').review).toMatchObject({ action: 'allow' });
    const check = (await h.request('GET', `/policies/${policy}/simulate?from=${W}&to=${W + DAY}`)).body;
    expect(check.blocked.some((b: any) => b.src === '10.20.5.6')).toBe(false);
    const audit = (await h.request('GET', '/audit')).body.filter((e: any) => e.action === 'alert-review');
    expect(audit).toEqual([
      {
        at: h.now,
        by: 'dana',
        action: 'alert-review',
        target: [{ src: '10.20.5.6', dst: '10.10.3.30', proto: 6, port: 22 }],
        detail: { status: 'alert allowed', action: 'allow', note: 'backup operator, CHG-17', alerts: ['1'], policies: [{ id: policy, version: 2 }] },
      },
    ]);
    // Allowed again: no second version.
    await h.request('POST', '/alerts/review', { ids: ['1'], action: 'allow' });
    expect((await h.request('GET', `/policies/${policy}`)).body.version).toBe(2);
  });

  it('takes bulk actions: investigate with an owner, reject, dismiss', async () => {
    const policy = await fourAlerts();
    let r = await h.request('POST', '/alerts/review', { ids: ['2', '3'], action: 'investigate', note: 'ask the app team', owner: 'erin' });
    expect(r.body.alerts.map((a: any) => [a.id, a.status, a.review.owner])).toEqual([
      ['2', 'investigate', 'erin'],
      ['3', 'investigate', 'erin'],
    ]);
    r = await h.request('POST', '/alerts/review', { ids: ['4'], action: 'investigate' });
    expect(r.body.alerts[0].review.owner).toBe('dana');
    r = await h.request('POST', '/alerts/review', { ids: ['2'], action: 'reject', note: 'never' });
    expect(r.body.alerts[0]).toMatchObject({ status: 'rejected', review: { action: 'reject', note: 'never' } });
    r = await h.request('POST', '/alerts/review', { ids: ['3', '4'], action: 'dismiss', days: 3 });
    expect(r.body.alerts.map((a: any) => a.review.until)).toEqual([h.now + 3 * DAY, h.now + 3 * DAY]);
    const v = (await h.request('GET', `/policies/${policy}/violations`)).body;
    const action = (src: string) => v.find((x: any) => x.src === src).review?.action ?? null;
    expect([action('10.10.1.10'), action('10.20.5.7'), action('10.30.1.1')]).toEqual(['reject', 'investigate', 'investigate']);
    expect((await h.request('GET', `/policies/${policy}`)).body.version).toBe(1);
    expect((await h.request('GET', '/audit')).body.filter((e: any) => e.action === 'alert-review').map((e: any) => e.detail.action)).toEqual([
      'investigate',
      'investigate',
      'reject',
      'dismiss',
    ]);
  });

  it('takes the decision made in the policy queue', async () => {
    const policy = await fourAlerts();
    await h.request('POST', `/policies/${policy}/violations/review`, {
      edges: [{ src: '10.20.5.6', dst: '10.10.3.30', proto: 6, port: 22 }],
      action: 'reject',
    });
    expect((await h.request('GET', '/alerts/1')).body.status).not.toBe('new');
    expect((await h.request('GET', '/alerts?status=new')).body.map((a: any) => a.id)).toEqual(['4', '3', '2']);
  });

  it('refuses viewers, unknown alerts, allowing a storm, and malformed requests, naming the field', async () => {
    await fourAlerts();
    await h.ingest(Array.from({ length: 30 }, (_, i) => entry('10.20.9.9', '10.10.3.30', 6, 100 + i, W + 2 * DAY + i)));
    const cases: Array<[unknown, number, string]> = [
      [{ ids: ['1'], action: 'allow' }, 403, 'viewer'],
      [{ ids: ['99'], action: 'reject' }, 404, 'ids[0]: no alert "99"'],
      [{ ids: ['5'], action: 'allow' }, 400, 'is a storm (30 new edges from 10.20.9.9)'],
      [{ ids: [], action: 'reject' }, 400, 'ids: expected 1-1000'],
      [{ ids: [1], action: 'reject' }, 400, 'ids[0]: expected an alert id'],
      [{ ids: ['1', '1'], action: 'reject' }, 400, 'listed twice'],
      [{ ids: ['1'], action: 'ignore' }, 400, 'action: expected one of allow, investigate, dismiss, reject'],
      [{ ids: ['1'], action: 'dismiss', days: 0 }, 400, 'days: expected a whole number of days from 1 to 3650'],
      [{ ids: ['1'], action: 'reject', days: 3 }, 400, 'days: only with action "dismiss"'],
      [{ ids: ['1'], action: 'reject', owner: 'x' }, 400, 'owner: only with action "investigate"'],
      [{ ids: ['1'], action: 'reject', why: 'x' }, 400, 'why: unknown field'],
    ];
    for (const [body, status, msg] of cases) {
      const r = await h.request('POST', '/alerts/review', body, status === 403 ? VIEWER : undefined);
      expect([r.status, r.body.error.message], JSON.stringify(body)).toEqual([status, expect.stringContaining(msg)]);
    }
    expect((await h.request('GET', '/alerts?status=new')).body).toHaveLength(5);
    const storm = (await h.request('POST', '/alerts/review', { ids: ['5'], action: 'reject', note: 'pentest? no' })).body;
    expect(storm.alerts[0]).toMatchObject({ kind: 'storm', status: 'rejected' });
  });
});

describe('GET /alerts', () => {
  it('filters by status, policy, segment, host, kind, since and id, and pages with headers like /edges', async () => {
    const policy = await fourAlerts();
    await h.request('POST', '/alerts/review', { ids: ['2'], action: 'investigate' });
    const ids = async (q: string) => {
      const r = await h.request('GET', `/alerts${q}`);
      expect(r.status, `${q}: ${JSON.stringify(r.body)}`).toBe(200);
      return r.body.map((a: any) => a.id);
    };
    expect(await ids('')).toEqual(['4', '3', '2', '1']);
    expect(await ids('?order=asc')).toEqual(['1', '2', '3', '4']);
    expect(await ids('?status=new')).toEqual(['4', '3', '1']);
    expect(await ids('?status=investigate')).toEqual(['2']);
    expect(await ids('?status=open')).toEqual(['4', '3', '2', '1']);
    expect(await ids(`?policy=${policy}`)).toEqual(['4', '3', '2', '1']);
    expect(await ids('?policy=nope')).toEqual([]);
    expect(await ids('?segment=db')).toEqual(['2', '1']);
    expect(await ids('?segment=admins')).toEqual(['4']);
    expect(await ids('?host=10.10.2.20')).toEqual(['4', '3']);
    expect(await ids('?host=10.20.5')).toEqual(['3', '1']);
    expect(await ids(`?since=${h.now}`)).toEqual(['4']);
    expect(await ids(`?since=${new Date(h.now).toISOString()}`)).toEqual(['4']);
    expect(await ids('?kind=storm')).toEqual([]);
    expect(await ids('?id=1,3')).toEqual(['3', '1']);
    const p1 = await h.request('GET', '/alerts?limit=3');
    expect([p1.headers.get('x-total-count'), p1.body.length]).toEqual(['4', 3]);
    const p2 = await h.request('GET', `/alerts?limit=3&cursor=${p1.headers.get('x-next-cursor')}`);
    expect([p2.body.map((a: any) => a.id), p2.headers.get('x-next-cursor')]).toEqual([['1'], null]);
    for (const [q, msg] of [
      ['?status=old', 'status: expected open or one of new'],
      ['?cursor=zzz', 'cursor: not a cursor'],
      ['?limit=0', 'limit'],
      ['?since=yesterday', 'since: expected milliseconds'],
      ['?id=a', 'id: expected alert ids'],
      ['?colour=red', 'colour: unknown query parameter'],
    ])
      expect((await h.request('GET', `/alerts${q}`)).body.error.message).toContain(msg);
    expect((await h.request('GET', '/alerts/3')).body).toMatchObject({ id: '3', src: '10.20.5.7' });
    expect((await h.request('GET', '/alerts/33')).status).toBe(404);
    expect((await h.request('GET', '/alerts/sinks')).body).toEqual([]);
  });

  it('shows host names from the names seam, and finds alerts by them', async () => {
    await fourAlerts();
    h.data.alerts.names = { nameAt: (ip) => (ip === '10.10.3.30' ? 'pg-main.corp' : null) };
    const a = (await h.request('GET', '/alerts/1')).body;
    expect([a.srcName, a.dstName]).toEqual([null, 'pg-main.corp']);
    expect((await h.request('GET', '/alerts?host=pg-main')).body.map((x: any) => x.id)).toEqual(['2', '1']);
  });
});
