import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SummaryBatch, SummaryEntry } from '@spanmap/shared';
import { openData } from '../test-util/open-data.js';
import { createApp } from '../api/app.js';
import type { FaultPoint } from '../ingest/batch-writer.js';
import type { StormOptions } from './model.js';

/*
 * A console's data with a host-granularity policy in monitor mode, drafted from a week of
 * history, driven through app.request() (the alert tests). Time is a parameter.
 */
export const DAY = 86_400_000;
export const HOUR = 3_600_000;
export const T0 = Date.UTC(2024, 4, 27);
export const EDITOR = 'alerts-editor-token-0123456789';
export const VIEWER = 'alerts-viewer-token-0123456789';

export function entry(src: string, dst: string, proto: number, port: number, first: number, flows = 1): SummaryEntry {
  return {
    src,
    dst,
    proto,
    port,
    vlan: null,
    iface: null,
    flows,
    records: flows,
    packets: 4 * flows,
    bytes: 400 * flows,
    rpackets: 3 * flows,
    rbytes: 900 * flows,
    first,
    last: first + 100,
    tcpFlags: 27,
    rtcpFlags: 27,
    init: { syn: flows, port: 0, first: 0 },
  };
}

let seq = 0;
export const batch = (entries: SummaryEntry[]): SummaryBatch => ({
  v: 1,
  probe: 'p',
  epoch: 'ab'.repeat(16),
  seq: ++seq,
  from: Math.min(...entries.map((e) => e.first)),
  to: Math.max(...entries.map((e) => e.last)),
  records: [],
  names: [],
  entries,
});

export const SEGMENTS = [
  { name: 'web', cidrs: ['10.10.1.0/24'], vlans: [] },
  { name: 'app', cidrs: ['10.10.2.0/24'], vlans: [] },
  { name: 'db', cidrs: ['10.10.3.0/24'], vlans: [] },
  { name: 'users', cidrs: ['10.20.0.0/16'], vlans: [] },
  { name: 'admins', cidrs: ['10.30.0.0/16'], vlans: [] },
];

export async function alertHarness(opts: { sinks?: string[]; storm?: StormOptions; dir?: string } = {}) {
  let now = T0 + 10 * DAY;
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'spanmap-alerts-'));
  const d = await openData(dir, { alerts: { sinks: opts.sinks ?? ['a', 'b'], storm: opts.storm ?? { threshold: 5, windowMs: 10 * 60_000 } } }, () => now);
  const app = createApp({
    data: d.data,
    tokens: () => [
      { token: EDITOR, role: 'editor', name: 'dana' },
      { token: VIEWER, role: 'viewer', name: 'vic' },
    ],
    now: () => now,
  });
  const request = async (method: string, path: string, body?: unknown, token = EDITOR) => {
    const r = await app.request(`/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers, read loosely by tests
    return { status: r.status, body: (await r.json()) as any, headers: r.headers };
  };
  const ingest = (entries: SummaryEntry[], fault?: (p: FaultPoint) => void) => d.data.ingest([batch(entries)], now, fault);
  return {
    ...d,
    request,
    ingest,
    setNow: (t: number) => (now = t),
    get now() {
      return now;
    },
  };
}

export type Harness = Awaited<ReturnType<typeof alertHarness>>;

/** A week of ordinary traffic, then a host-granularity policy from it in monitor mode; returns its id. */
export async function monitoring(h: Harness): Promise<string> {
  await h.request('PUT', '/segments', SEGMENTS);
  const week: SummaryEntry[] = [];
  for (let hour = 0; hour < 7 * 24; hour++) {
    const t = T0 + hour * HOUR + 60_000;
    week.push(entry('10.10.1.10', '10.10.2.20', 6, 8080, t, 2));
    week.push(entry('10.10.2.20', '10.10.3.30', 6, 5432, t + 1000));
    week.push(entry('10.20.5.5', '10.10.1.10', 6, 443, t + 2000));
  }
  await h.ingest(week);
  const p = await h.request('POST', '/policies', { name: 'first week', from: T0, to: T0 + 7 * DAY, include: 'observed', granularity: 'host' });
  await h.request('POST', `/policies/${p.body.id}/mode`, { mode: 'monitor' });
  return p.body.id as string;
}
