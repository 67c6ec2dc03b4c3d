import { describe, it, expect, afterEach } from 'vitest';
import type { FlowRecord, SummaryBatch } from '@spanmap/shared';
import { openData } from '../test-util/open-data.js';
import { validateSegments } from '../segments/segments.js';
import { Infrastructure } from './infrastructure.js';

const T0 = Date.UTC(2024, 5, 3, 9);
const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0)) await c();
});

let seq = 0;
let sport = 30000;
function batch(edges: Array<[string, string, number, number?]>): SummaryBatch {
  const records: FlowRecord[] = edges.map(([src, dst, dport, proto = 6]) => ({
    src,
    dst,
    proto,
    sport: sport++,
    dport,
    packets: 4,
    bytes: 400,
    rpackets: 4,
    rbytes: 400,
    first: T0 + seq * 1000,
    last: T0 + seq * 1000 + 50,
    tcpFlags: proto === 6 ? 27 : 0,
    rtcpFlags: proto === 6 ? 27 : 0,
    vlan: null,
    end: proto === 6 ? 'fin' : 'timeout',
    initiator: proto === 6 ? 'syn' : 'port',
  }));
  return { v: 2, probe: 'p', epoch: 'ab'.repeat(16), seq: ++seq, from: T0, to: T0 + 3_600_000, records, names: [], entries: [] };
}

async function site() {
  const o = await openData();
  cleanup.push(() => o.close());
  await o.data.segments.set(validateSegments(['a', 'b', 'c', 'd'].map((n, i) => ({ name: n, cidrs: [`10.${i}.0.0/16`], vlans: [] }))), 'test', T0);
  return o;
}

const DC = '10.3.0.10';

describe('shared infrastructure, kept up to date edge by edge', () => {
  it("flags a domain controller's RPC service when its fifth client from a third segment arrives, not before", async () => {
    const o = await site();
    const infra = new Infrastructure(o.data.model);
    const id = (src: string, port: number) => o.data.catalog.find({ src, dst: DC, proto: 6, port });
    // Kerberos from two clients: DC is an infrastructure server (port 88 is infrastructure by port).
    await o.data.ingest([
      batch([
        ['10.0.0.1', DC, 88],
        ['10.1.0.1', DC, 88],
      ]),
    ]);
    expect(infra.has(id('10.0.0.1', 88))).toBe(true);
    const rpcClients = ['10.0.0.1', '10.0.0.2', '10.1.0.1', '10.1.0.2'];
    await o.data.ingest([batch(rpcClients.map((c) => [c, DC, 135] as [string, string, number]))]);
    for (const c of rpcClients) expect(infra.has(id(c, 135))).toBe(false); // 4 clients, 2 segments
    await o.data.ingest([batch([['10.2.0.1', DC, 135]])]); // the fifth client, from a third segment
    for (const c of [...rpcClients, '10.2.0.1']) expect(infra.has(id(c, 135))).toBe(true);
    // An application server used the same way, but serving no infrastructure port: not infrastructure.
    const app = '10.3.0.20';
    await o.data.ingest([batch(['10.0.0.1', '10.0.0.2', '10.1.0.1', '10.1.0.2', '10.2.0.1'].map((c) => [c, app, 8443] as [string, string, number]))]);
    expect(infra.has(o.data.catalog.find({ src: '10.0.0.1', dst: app, proto: 6, port: 8443 }))).toBe(false);
    // It starts serving DNS to two clients: its 8443 service becomes infrastructure too.
    await o.data.ingest([
      batch([
        ['10.0.0.5', app, 53, 17],
        ['10.1.0.5', app, 53, 17],
      ]),
    ]);
    expect(infra.has(o.data.catalog.find({ src: '10.0.0.1', dst: app, proto: 6, port: 8443 }))).toBe(true);
  });

  it('gives the same flags built edge by edge as computed over everything at once, and after a segment change', async () => {
    const o = await site();
    const incremental = new Infrastructure(o.data.model);
    let r = 12345;
    const rand = (n: number) => (r = (Math.imul(r, 1103515245) + 12345) >>> 0) % n;
    const host = () => `10.${rand(4)}.0.${1 + rand(12)}`;
    for (let step = 0; step < 30; step++) {
      const edges: Array<[string, string, number, number?]> = [];
      for (let i = 0; i < 8; i++) {
        const port = [88, 389, 135, 445, 8443, 53][rand(6)]!;
        edges.push([host(), `10.3.0.${1 + rand(3)}`, port, port === 53 ? 17 : 6]);
      }
      await o.data.ingest([batch(edges)]);
      const fresh = new Infrastructure(o.data.model);
      for (let e = 0; e < o.data.catalog.maxId; e++) expect(incremental.has(e), `edge ${e} after step ${step}`).toBe(fresh.has(e));
    }
    const flagged = Array.from({ length: o.data.catalog.maxId }, (_, e) => incremental.has(e)).filter(Boolean).length;
    expect(flagged).toBeGreaterThan(0);
    expect(flagged).toBeLessThan(o.data.catalog.maxId);
    // Everything in one segment: no service has clients from three segments any more.
    await o.data.segments.set(validateSegments([{ name: 'all', cidrs: ['10.0.0.0/8'], vlans: [] }]), 'test', T0);
    for (let e = 0; e < o.data.catalog.maxId; e++) {
      const { proto, port } = { proto: o.data.catalog.proto[e]!, port: o.data.catalog.port[e]! };
      const byPort = [88, 389, 53].includes(port) && (proto === 6 || proto === 17);
      expect(incremental.has(e), `edge ${e} port ${port}`).toBe(byPort);
    }
  });
});
