import { describe, it, expect, afterEach } from 'vitest';
import type { FlowRecord, SummaryBatch } from '@spanmap/shared';
import { openData } from '../test-util/open-data.js';
import { flowRecord, recordBatch } from '../test-util/records.js';
import { validateSegments } from '../segments/segments.js';
import { Infrastructure } from './infrastructure.js';

const T0 = Date.UTC(2024, 5, 3, 9);
const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0)) await c();
});

let seq = 0;
let sport = 30000;
/** One batch of short connections, a second after the previous batch's (UDP ones end idle). */
function batch(edges: Array<[string, string, number, number?]>, probe = 'p'): SummaryBatch {
  const first = T0 + seq++ * 1000;
  const udp = { tcpFlags: 0, rtcpFlags: 0, end: 'idle', initiator: 'port' } as const;
  const records = edges.map(([src, dst, dport, proto = 6]) =>
    flowRecord(first, {
      src,
      dst,
      proto,
      sport: sport++,
      dport,
      packets: 4,
      bytes: 400,
      rpackets: 4,
      rbytes: 400,
      last: first + 50,
      ...(proto === 6 ? {} : udp),
    }),
  );
  return recordBatch(probe, records);
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

describe('edges merged away', () => {
  it('stops counting a client whose only view turned out to be the other direction', async () => {
    const o = await site();
    const infra = new Infrastructure(o.data.model);
    await o.data.ingest([
      batch([
        ['10.0.0.1', DC, 88],
        ['10.1.0.1', DC, 88],
      ]),
    ]);
    const clients = ['10.0.0.1', '10.0.0.2', '10.1.0.1', '10.1.0.2', '10.2.0.1'];
    // Probe q saw the fifth client's conversation without its SYN and guessed it the other way round.
    const guessed: FlowRecord = { ...batch([[clients[4]!, DC, 135]]).records[0]!, probe: undefined } as unknown as FlowRecord;
    const reversed: FlowRecord = { ...guessed, src: DC, dst: clients[4]!, sport: 135, dport: guessed.sport, initiator: 'port', tcpFlags: 16, rtcpFlags: 16 };
    await o.data.ingest([batch(clients.slice(0, 4).map((c) => [c, DC, 135] as [string, string, number]))]);
    await o.data.ingest([recordBatch('q', [reversed])]);
    const rpc = (c: string) => infra.has(o.data.catalog.find({ src: c, dst: DC, proto: 6, port: 135 }));
    expect(rpc(clients[0]!)).toBe(false); // four clients of 135 so far, in two segments
    // Probe p saw its SYN: the conversation is client → DC:135, the guessed edge has no traffic left.
    await o.data.ingest([recordBatch('p', [{ ...guessed, last: guessed.last + 0.1 }])]);
    const wrongWay = o.data.catalog.find({ src: DC, dst: clients[4]!, proto: 6, port: guessed.sport });
    expect(wrongWay).toBeGreaterThanOrEqual(0);
    expect(o.data.rollup.totals.records[wrongWay]).toBe(0);
    expect(rpc(clients[0]!)).toBe(true);
    for (let e = 0; e < o.data.catalog.maxId; e++) expect(infra.has(e), `edge ${e}`).toBe(new Infrastructure(o.data.model).has(e));
  });

  it.each([
    ['its fifth client', ['10.0.0.1', '10.0.0.2', '10.1.0.1', '10.2.0.2']],
    ['its only client in a third segment', ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.1.0.1', '10.1.0.2']],
  ])('un-flags a service when %s turns out to have been the server', async (_, clients) => {
    const o = await site();
    const infra = new Infrastructure(o.data.model);
    await o.data.ingest([
      batch([
        ['10.0.0.1', DC, 88],
        ['10.1.0.1', DC, 88],
      ]),
    ]);
    await o.data.ingest([batch(clients.map((c) => [c, DC, 135] as [string, string, number]))]);
    // Probe q, without the SYN, guesses 10.2.0.1 → DC:135 from the ports: a fifth client.
    const x = '10.2.0.1';
    const guessed = batch([[x, DC, 135]], 'q');
    guessed.records[0] = { ...guessed.records[0]!, initiator: 'port', tcpFlags: 16, rtcpFlags: 16 };
    await o.data.ingest([guessed]);
    const rpc = (c: string) => infra.has(o.data.catalog.find({ src: c, dst: DC, proto: 6, port: 135 }));
    expect(rpc(clients[0]!)).toBe(true);
    // Probe p saw the SYN: DC opened that conversation from port 135 to x's port. x is no client of 135.
    const g = guessed.records[0]!;
    const syn = recordBatch('p', [{ ...g, src: DC, dst: x, sport: 135, dport: g.sport, initiator: 'syn', tcpFlags: 27, rtcpFlags: 27 }]);
    await o.data.ingest([syn]);
    expect(o.data.rollup.totals.records[o.data.catalog.find({ src: x, dst: DC, proto: 6, port: 135 })]).toBe(0);
    expect(rpc(clients[0]!)).toBe(false);
    for (let e = 0; e < o.data.catalog.maxId; e++) expect(infra.has(e), `edge ${e}`).toBe(new Infrastructure(o.data.model).has(e));
  });
});
