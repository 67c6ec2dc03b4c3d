import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FlowRecord, SummaryBatch } from '@spanmap/shared';
import { openData } from '../test-util/open-data.js';
import { createApp } from '../api/app.js';

/** A small site for policy tests: three days of flow records with related connections and SNMP polling. */
export const T0 = Date.UTC(2024, 5, 3);
export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
export const SITE = {
  dc: '10.10.0.30',
  dns: '10.10.0.10',
  mgmt: '10.10.0.50',
  users: ['10.20.1.11', '10.20.1.12', '10.20.1.13', '10.20.1.14', '10.20.1.15'],
  web: ['10.10.1.11', '10.10.1.12'],
  app: '10.10.2.21',
  mainframe: '10.30.0.5',
};
export const SEGMENTS = [
  { name: 'infra', cidrs: ['10.10.0.0/24'], vlans: [] },
  { name: 'web', cidrs: ['10.10.1.0/24'], vlans: [] },
  { name: 'app', cidrs: ['10.10.2.0/24'], vlans: [] },
  { name: 'users', cidrs: ['10.20.0.0/16'], vlans: [] },
  { name: 'legacy', cidrs: ['10.30.0.0/24'], vlans: [] },
];
const TOKEN = 'policy-production-token-0123';

export function rec(src: string, dst: string, proto: number, sport: number, dport: number, first: number, last = first + 150): FlowRecord {
  return {
    src,
    dst,
    proto,
    sport,
    dport,
    packets: 4,
    bytes: 400,
    rpackets: 3,
    rbytes: 600,
    first,
    last,
    tcpFlags: 27,
    rtcpFlags: 27,
    vlan: null,
    end: 'fin',
    initiator: 'syn',
  };
}

let seq = 0;
export const batch = (records: FlowRecord[]): SummaryBatch => ({
  v: 2,
  probe: 'p',
  epoch: 'cd'.repeat(16),
  seq: ++seq,
  from: Math.min(...records.map((r) => r.first)),
  to: Math.max(...records.map((r) => r.last)),
  records,
  names: [],
  entries: [],
});

/** Hour h of the history: what every host does. Dynamic ports differ every time (a counter, never reused). */
export function hour(h: number, next: () => number): FlowRecord[] {
  const t = T0 + h * HOUR;
  const out: FlowRecord[] = [];
  const clients = [...SITE.users, ...SITE.web, SITE.app];
  clients.forEach((c, i) => {
    const at = t + 60_000 + i * 1000;
    out.push(rec(c, SITE.dns, 17, 40000 + i, 53, at));
    out.push(rec(c, SITE.dc, 6, 41000 + i, 389, at + 100));
    out.push(rec(c, SITE.dc, 6, 42000 + i, 135, at + 200, at + 240));
    out.push(rec(c, SITE.dc, 6, 43000 + i, 49152 + next(), at + 500)); // the port the endpoint mapper handed out
  });
  for (const d of [...SITE.web, SITE.app, SITE.dc, SITE.dns]) out.push(rec(SITE.mgmt, d, 17, 50161, 161, t + 300_000));
  SITE.users.forEach((u, i) => out.push(rec(u, SITE.web[i % 2]!, 6, 44000 + i, 443, t + 600_000)));
  if (h % 24 === 6) {
    out.push(rec(SITE.app, SITE.mainframe, 6, 45000, 21, t + 900_000, t + 960_000));
    out.push(rec(SITE.app, SITE.mainframe, 6, 45001, 30000 + next(), t + 901_000, t + 905_000));
  }
  if (h % 24 === 7) {
    // A second job against a server configured with one passive port.
    out.push(rec(SITE.web[0]!, SITE.mainframe, 6, 45002, 21, t + 900_000, t + 960_000));
    out.push(rec(SITE.web[0]!, SITE.mainframe, 6, 45003, 30021, t + 901_000, t + 905_000));
  }
  return out;
}

/** A console's data and API over the site's first `days` days, each hour's records in one batch. */
export async function site(days = 3) {
  let now = T0 + days * DAY;
  const d = await openData(mkdtempSync(join(tmpdir(), 'spanmap-site-')), {}, () => now);
  const app = createApp({ data: d.data, tokens: () => [{ token: TOKEN, role: 'editor', name: 'erin' }], now: () => now });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const call = async (method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> => {
    const r = await app.request(`/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: r.status, body: await r.json() };
  };
  await call('PUT', '/segments', SEGMENTS);
  let n = 0;
  const next = () => n++;
  for (let h = 0; h < days * 24; h++) await d.data.ingest([batch(hour(h, next))], now);
  return { ...d, call, next, setNow: (t: number) => (now = t) };
}
