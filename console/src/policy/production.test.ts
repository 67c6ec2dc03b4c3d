import { describe, it, expect, beforeAll } from 'vitest';
import { site, SITE, T0, DAY } from './test-site.js';

type Site = Awaited<ReturnType<typeof site>>;
let s: Site;
let rules: any[];
let policy: string;

beforeAll(async () => {
  s = await site(3);
  const r = await s.call('POST', '/policies', {
    name: 'site',
    from: T0,
    to: T0 + 3 * DAY,
    include: 'observed',
    granularity: 'segment',
    infrastructureLayer: true,
  });
  expect(r.status).toBe(201);
  rules = r.body.rules;
  policy = r.body.id;
}, 120_000);

const sel = (x: Record<string, unknown>) => Object.entries(x)[0]!.join(':');
const text = (r: { src: Record<string, unknown>; dst: Record<string, unknown>; proto: number; ports: unknown[] }) =>
  `${sel(r.src)} > ${sel(r.dst)} ${r.proto} ${JSON.stringify(r.ports)}`;

describe('a draft that does not break production and allows no more than it must', () => {
  it('turns the dynamic RPC ports into one range rule per pair that used the endpoint mapper', () => {
    const related = rules.filter((r) => r.related);
    expect(related.map(text).sort()).toEqual([
      'segment:app > host:10.10.0.30 6 [[49152,65535]]',
      'segment:app > segment:legacy 6 [[1024,65535]]',
      'segment:users > host:10.10.0.30 6 [[49152,65535]]',
      'segment:web > host:10.10.0.30 6 [[49152,65535]]',
      'segment:web > segment:legacy 6 [30021]', // three runs on one port: a fixed passive port, not the range
    ]);
    const ftp = related.filter((r) => r.related.service === 'ftp-data').map((r) => r.comment);
    expect(ftp.sort()).toEqual([
      expect.stringMatching(/^related ftp-data: .*, 3 flows in the window; the data port is fixed, not dynamic: allowed as 30021 only/),
      expect.stringMatching(
        /^related ftp-data: data connections after FTP control tcp\/21 .* allowed as the documented range 1024-65535 for the segment pairs/,
      ),
    ]);
    // No rule lists an observed dynamic port: they are all inside the ranges.
    expect(rules.filter((r) => !r.related && r.ports.some((p: unknown) => typeof p === 'number' && p >= 30000))).toEqual([]);
    // The endpoint mapper itself is shared infrastructure of the domain controller (many → one).
    expect(rules.find((r) => r.proto === 6 && r.ports.includes(135))).toMatchObject({ src: { any: true }, dst: { host: SITE.dc }, orientation: 'in' });
  });

  it('orients SNMP polling one → many: the manager to the devices’ segments, never any → device', () => {
    const snmp = rules.filter((r) => r.proto === 17 && r.ports.includes(161));
    expect(snmp.map(text).sort()).toEqual([
      'host:10.10.0.50 > segment:app 17 [161]',
      'host:10.10.0.50 > segment:infra 17 [161]',
      'host:10.10.0.50 > segment:web 17 [161]',
    ]);
    for (const r of snmp) {
      expect(r).toMatchObject({ layer: 'infrastructure', orientation: 'out' });
      expect(r.comment).toMatch(/one → many, the initiator is the shared side/);
    }
    const dns = rules.find((r) => r.proto === 17 && r.ports.includes(53));
    expect(dns).toMatchObject({ src: { any: true }, dst: { host: SITE.dns }, orientation: 'in' });
    expect(dns.comment).toMatch(/many → one/);
  });

  it('answers the policy check: the manager’s SNMP yes, a workstation’s no; a new RPC port to the DC yes, to a web server no', async () => {
    const check = async (src: string, dst: string, proto: number, port: number) =>
      (await s.call('GET', `/policies/${policy}/check?src=${src}&dst=${dst}&proto=${proto}&port=${port}`)).body;
    expect(await check(SITE.mgmt, SITE.web[0]!, 17, 161)).toMatchObject({
      allowed: true,
      rule: { orientation: 'out' },
      srcSegment: 'infra',
      dstSegment: 'web',
    });
    expect(await check(SITE.users[0]!, SITE.web[0]!, 17, 161)).toMatchObject({ allowed: false, rule: null });
    const fresh = 65000; // never seen
    expect(await check(SITE.users[0]!, SITE.dc, 6, fresh)).toMatchObject({ allowed: true, rule: { related: { service: 'msrpc-dynamic' } } });
    expect(await check(SITE.users[0]!, SITE.web[0]!, 6, fresh)).toMatchObject({ allowed: false });
    // A host the console has never seen, in the users segment, is judged by its segment.
    expect(await check('10.20.9.9', SITE.dc, 6, fresh)).toMatchObject({ allowed: true });
    const bad = await s.call('GET', `/policies/${policy}/check?src=10.20.1.11&dst=nope&proto=6&port=1`);
    expect([bad.status, bad.body.error.message]).toEqual([400, 'dst: "nope" is not an IP address']);
    expect((await s.call('GET', `/policies/${policy}/check?src=10.20.1.11&dst=10.10.0.30&proto=6`)).body.error.message).toMatch(/^port: required/);
  });

  it('simulates the next day clean: new dynamic ports, new FTP data ports', async () => {
    const records = [];
    for (let h = 72; h < 96; h++) records.push(...(await import('./test-site.js')).hour(h, s.next));
    await s.data.ingest([(await import('./test-site.js')).batch(records)]);
    const sim = (await s.call('GET', `/policies/${policy}/simulate?from=${T0 + 3 * DAY}&to=${T0 + 4 * DAY}`)).body;
    expect(sim.blocked).toEqual([]);
    expect(sim.allowedFlows).toBe(records.length);
  });
});
