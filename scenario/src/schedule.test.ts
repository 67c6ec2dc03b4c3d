import { cidrContains, isLocalAddress, parseCidr, parseIP } from '@spanmap/shared';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildScenario, type Scenario } from './scenario.js';
import { scenarioTruth, type ScenarioTruth, type TruthConversation, type TruthEdge } from './truth.js';

// Monday 2024-01-29 for 35 days: two month-ends (Jan 31, Feb 29 in a leap year), five Sundays.
const START = Date.UTC(2024, 0, 29);
const DAYS = 35;
const END = START + DAYS * 86_400_000;
const H = 3_600_000;
const MIN = 60_000;

let scenario: Scenario;
let truth: ScenarioTruth;
let convsByEdge: Map<TruthEdge, TruthConversation[]>;

beforeAll(() => {
  scenario = buildScenario({ start: START, days: DAYS, scale: 0.3, seed: 3 });
  truth = scenarioTruth(scenario);
  const key = (src: string, dst: string, proto: number, port: number) => `${src}|${dst}|${proto}|${port}`;
  const edges = new Map(truth.edges.map((e) => [key(e.src, e.dst, e.proto, e.port), e]));
  convsByEdge = new Map(truth.edges.map((e) => [e, []]));
  for (const c of truth.conversations) convsByEdge.get(edges.get(key(c.src, c.dst, c.proto, c.dport))!)!.push(c);
});

const edgesTagged = (tag: string) => truth.edges.filter((e) => e.tag === tag);
const convs = (e: TruthEdge) => convsByEdge.get(e)!;
/** Minutes after midnight UTC (fractional). */
const minuteOfDay = (ms: number) => (ms - Math.floor(ms / 86_400_000) * 86_400_000) / MIN;
const utcDay = (ms: number) => new Date(ms).getUTCDay();
const allDays = Array.from({ length: DAYS }, (_, i) => START + i * 86_400_000);
const lastDayOfMonth = (ms: number) => new Date(ms + 86_400_000).getUTCDate() === 1;

describe('jobs of known period', () => {
  it('runs the nightly backup once a day at 02:00 ± 7 min on one edge', () => {
    const [e, ...rest] = edgesTagged('daily-backup');
    expect(rest).toHaveLength(0);
    expect(e!.period).toBe('daily');
    expect([e!.proto, e!.port, e!.srcSegment, e!.dstSegment]).toEqual([6, 873, 'db', 'infra']);
    const cs = convs(e!);
    expect(cs.map((c) => Math.floor(c.start / 86_400_000) * 86_400_000)).toEqual(allDays);
    for (const c of cs) expect(Math.abs(minuteOfDay(c.start) - 120)).toBeLessThanOrEqual(7);
  });

  it('runs the FTP job Monday to Friday only, at 06:30 ± 5 min, with its data connection inside the control session', () => {
    const control = edgesTagged('weekday').find((e) => e.port === 21)!;
    const data = edgesTagged('weekday').find((e) => e.port !== 21)!;
    expect(control.period).toBe('daily');
    expect(control.dstSegment).toBe('legacy');
    const weekdays = allDays.filter((d) => utcDay(d) >= 1 && utcDay(d) <= 5);
    const cs = convs(control);
    expect(cs.map((c) => Math.floor(c.start / 86_400_000) * 86_400_000)).toEqual(weekdays);
    for (const c of cs) expect(Math.abs(minuteOfDay(c.start) - 390)).toBeLessThanOrEqual(5);
    const ds = convs(data);
    expect(ds).toHaveLength(cs.length);
    ds.forEach((d, i) => {
      expect(d.start).toBeGreaterThanOrEqual(cs[i]!.start);
      expect(d.end).toBeLessThanOrEqual(cs[i]!.end);
    });
  });

  it('patches every web server each Sunday at 03:00 ± 10 min', () => {
    const es = edgesTagged('weekly');
    const webs = new Set(truth.hosts.filter((h) => h.segment === 'web' && !h.ip.includes(':')).map((h) => h.ip));
    expect(new Set(es.map((e) => e.src))).toEqual(webs);
    const sundays = allDays.filter((d) => utcDay(d) === 0);
    expect(sundays).toHaveLength(5);
    for (const e of es) {
      expect(e.period).toBe('weekly');
      const cs = convs(e);
      expect(cs.map((c) => Math.floor(c.start / 86_400_000) * 86_400_000)).toEqual(sundays);
      for (const c of cs) expect(Math.abs(minuteOfDay(c.start) - 180)).toBeLessThanOrEqual(10);
    }
  });

  it('runs the month-end report only on the last day of each month at 23:00 ± 3 min', () => {
    const [e, ...rest] = edgesTagged('monthly-last-day');
    expect(rest).toHaveLength(0);
    expect(e!.period).toBe('monthly');
    const monthEnds = allDays.filter(lastDayOfMonth);
    expect(monthEnds.map((d) => new Date(d).toISOString().slice(0, 10))).toEqual(['2024-01-31', '2024-02-29']);
    const cs = convs(e!);
    expect(cs.map((c) => Math.floor(c.start / 86_400_000) * 86_400_000)).toEqual(monthEnds);
    for (const c of cs) expect(Math.abs(minuteOfDay(c.start) - 23 * 60)).toBeLessThanOrEqual(3);
  });

  it('has exactly one conversation per hour at a fixed minute on hourly edges', () => {
    const es = edgesTagged('hourly');
    expect(es.length).toBeGreaterThanOrEqual(3); // health check per web server + the zone transfer
    for (const e of es) {
      expect(e.period).toBe('hourly');
      const cs = convs(e);
      expect(cs).toHaveLength(DAYS * 24);
      const minutes = cs.map((c) => (c.start % H) / MIN);
      cs.forEach((c, i) => expect(Math.floor(c.start / H)).toBe(START / H + i));
      // one fixed minute per edge, ± 1 min
      const mid = minutes.slice().sort((a, b) => a - b)[minutes.length >> 1]!;
      for (const m of minutes) expect(Math.abs(m - mid)).toBeLessThanOrEqual(2);
    }
    const health = es.filter((e) => e.port === 443);
    for (const e of health) for (const c of convs(e)) expect(Math.abs((c.start % H) / MIN - 5)).toBeLessThanOrEqual(1);
  });

  it('has the admin SSH session exactly once, in the first week', () => {
    const [e, ...rest] = edgesTagged('once');
    expect(rest).toHaveLength(0);
    expect([e!.port, e!.period, e!.flows, e!.srcSegment, e!.dstSegment]).toEqual([22, null, 1, 'users', 'db']);
    expect(e!.firstSeen).toBeLessThan(START + 7 * 86_400_000);
  });
});

describe('continuous and aperiodic traffic', () => {
  it('has a conversation in every hour of the window on every continuous edge', () => {
    const es = truth.edges.filter((e) => e.period === 'continuous' && e.tag === 'continuous');
    expect(es.length).toBeGreaterThan(50);
    for (const e of es) {
      const hours = new Set(convs(e).map((c) => Math.floor(c.start / H)));
      expect(hours.size, `${e.srcName} → ${e.dstName} ${e.proto}/${e.port}`).toBe(DAYS * 24);
    }
  });

  it('has user → web traffic in every weekday business hour (08-18 UTC) and never outside', () => {
    const es = edgesTagged('business-hours');
    expect(es.some((e) => e.src.includes(':'))).toBe(true); // dual-stack users reach web over IPv6
    const businessHours = new Set<number>();
    for (let h = START; h < END; h += H) {
      const d = new Date(h);
      if (d.getUTCDay() >= 1 && d.getUTCDay() <= 5 && d.getUTCHours() >= 8 && d.getUTCHours() < 18) businessHours.add(h / H);
    }
    for (const e of es) {
      expect([e.period, e.srcSegment, e.dstSegment, e.port]).toEqual(['continuous', 'users', 'web', 443]);
      const hours = new Set(convs(e).map((c) => Math.floor(c.start / H)));
      expect(hours).toEqual(businessHours);
    }
  });

  it('keeps aperiodic edges irregular: gaps of hours, at all times of day', () => {
    const es = truth.edges.filter((e) => e.tag === 'aperiodic');
    expect(es.length).toBeGreaterThan(1);
    for (const e of es) {
      expect(e.period).toBeNull();
      const cs = convs(e);
      const hours = new Set(cs.map((c) => Math.floor(c.start / H)));
      expect(hours.size).toBeLessThan(DAYS * 24 * 0.5);
      const gaps = cs.slice(1).map((c, i) => c.start - cs[i]!.start);
      expect(Math.max(...gaps)).toBeGreaterThan(6 * H);
      expect(Math.min(...gaps)).toBeLessThan(H);
    }
    const files = es.filter((e) => e.port === 445).flatMap((e) => convs(e));
    expect(new Set(files.map((c) => new Date(c.start).getUTCHours())).size).toBe(24);
  });

  it('keeps pooled connections alive for hours without a silence over 120 s', () => {
    const long = scenario.conversations.filter((c) => c.endUs - c.startUs > H * 1000);
    expect(long.length).toBeGreaterThan(3);
    const st = scenario.packets;
    for (const c of long) {
      expect(c.dport).toBe(5432);
      for (let i = c.firstPacket + 1; i < c.firstPacket + c.packetCount; i++) expect(st.t[i]! - st.t[i - 1]!).toBeLessThan(120e6);
    }
  });

  it('renews DHCP leases from port 68 every 30 minutes', () => {
    const es = truth.edges.filter((e) => e.service === 'dhcp');
    expect(es.length).toBeGreaterThan(1);
    for (const e of es) {
      const cs = convs(e);
      for (const c of cs) expect([c.proto, c.sport, c.dport]).toEqual([17, 68, 67]);
      const gaps = cs.slice(1).map((c, i) => c.start - cs[i]!.start);
      for (const g of gaps) expect(Math.abs(g - 30 * MIN)).toBeLessThan(MIN);
    }
  });
});

describe('labels and addressing', () => {
  const SERVICES: Record<string, [number, number, boolean]> = {
    dns: [17, 53, true],
    ntp: [17, 123, true],
    ldap: [6, 389, true],
    syslog: [17, 514, true],
    snmp: [17, 161, true],
    dhcp: [17, 67, true],
    https: [6, 443, false],
    postgresql: [6, 5432, false],
    rsync: [6, 873, false],
    ftp: [6, 21, false],
    'ms-sql-s': [6, 1433, false],
    ssh: [6, 22, false],
  };

  it('names services by port and marks exactly the infrastructure dependencies', () => {
    for (const e of truth.edges) {
      const want = e.service ? SERVICES[e.service] : undefined;
      if (want && e.service !== 'dns') expect([e.proto, e.port]).toEqual([want[0], want[1]]);
      if (e.service === 'dns') expect(e.port).toBe(53);
      if (e.service === 'kerberos') expect(e.port).toBe(88);
      const infra = ['dns', 'ntp', 'ldap', 'kerberos', 'syslog', 'snmp', 'dhcp'].includes(e.service ?? '');
      expect(e.infrastructure, `${e.srcName} → ${e.dstName} ${e.port}`).toBe(infra);
    }
    const kerberos = truth.edges.filter((e) => e.service === 'kerberos');
    expect(new Set(kerberos.map((e) => e.proto))).toEqual(new Set([6, 17]));
    expect(truth.edges.some((e) => e.service === 'dns' && e.proto === 6)).toBe(true);
  });

  it('never leaves the site except for the NTP server following an external pool server', () => {
    const external = truth.edges.filter((e) => !isLocalAddress(parseIP(e.src)!) || !isLocalAddress(parseIP(e.dst)!));
    expect(external).toHaveLength(1);
    expect(external[0]).toMatchObject({ proto: 17, port: 123, service: 'ntp', infrastructure: true, srcSegment: 'infra', dstSegment: 'external' });
  });

  it('has none of the traffic reserved for anomalies', () => {
    const seg = (s: string, d: string) => truth.edges.filter((e) => e.srcSegment === s && e.dstSegment === d);
    expect(seg('users', 'app').filter((e) => e.port === 22)).toEqual([]);
    expect(seg('web', 'db')).toEqual([]);
    const dc = truth.hosts.find((h) => h.role === 'domain-controller')!.ip;
    expect(truth.edges.filter((e) => e.srcSegment === 'users' && e.dst === dc && e.port === 445)).toEqual([]);
    expect(truth.edges.filter((e) => e.anomaly !== null)).toEqual([]);
  });

  it('publishes segments in the console format, each host inside its segment', () => {
    for (const s of truth.segments) {
      expect(Object.keys(s).sort()).toEqual(['cidrs', 'name', 'vlans']);
      expect(s.vlans.length).toBe(1);
    }
    expect(truth.segments.map((s) => s.name).sort()).toEqual(['app', 'db', 'files', 'infra', 'legacy', 'users', 'web']);
    for (const h of truth.hosts) {
      const ip = parseIP(h.ip)!;
      const seg = truth.segments.find((s) => s.cidrs.some((c) => cidrContains(parseCidr(c), ip)));
      expect(seg?.name ?? 'external', h.ip).toBe(h.segment);
    }
    for (const e of truth.edges) {
      expect(truth.hosts.find((h) => h.ip === e.src)!.segment).toBe(e.srcSegment);
      expect(truth.hosts.find((h) => h.ip === e.dst)!.segment).toBe(e.dstSegment);
    }
  });

  it('aggregates edges exactly from the conversations', () => {
    let flows = 0;
    for (const e of truth.edges) {
      const cs = convs(e);
      flows += cs.length;
      expect(e.flows).toBe(cs.length);
      expect(e.packets).toBe(cs.reduce((s, c) => s + c.packets, 0));
      expect(e.rbytes).toBe(cs.reduce((s, c) => s + c.rbytes, 0));
      expect(e.firstSeen).toBe(Math.min(...cs.map((c) => c.start)));
      expect(e.lastSeen).toBe(Math.max(...cs.map((c) => c.end)));
      expect(e.daysSeen).toBe(new Set(cs.map((c) => new Date(c.start).toISOString().slice(0, 10))).size);
    }
    expect(flows).toBe(truth.conversations.length);
    const outside = truth.conversations.filter((c) => c.start < START || c.end >= END || c.end < c.start);
    expect(outside).toEqual([]);
  });
});
