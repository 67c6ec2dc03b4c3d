import { describe, it, expect } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FlowRecord, SummaryBatch } from '@spanmap/shared';
import { openData } from '../test-util/open-data.js';

const T = Date.UTC(2024, 5, 3, 9);
const WS = '10.20.1.11';
const DC = '10.10.0.30';
const WEB = '10.10.1.11';

function rec(src: string, dst: string, sport: number, dport: number, first: number, last = first + 150): FlowRecord {
  return {
    src,
    dst,
    proto: 6,
    sport,
    dport,
    packets: 6,
    bytes: 600,
    rpackets: 5,
    rbytes: 900,
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
const batch = (records: FlowRecord[]): SummaryBatch => ({
  v: 2,
  probe: 'p',
  epoch: 'ab'.repeat(16),
  seq: ++seq,
  from: Math.min(...records.map((r) => r.first)),
  to: Math.max(...records.map((r) => r.last)),
  records,
  names: [],
  entries: [],
});

const serviceOf = (rows: Array<{ src: string; dst: string; port: number; service: string | null }>, src: string, dst: string, port: number) =>
  rows.find((r) => r.src === src && r.dst === dst && r.port === port)?.service;

describe('related connections at ingest', () => {
  it('labels the data edge in the ingest transaction, shows it as the edge service, and keeps labels and controls across a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spanmap-related-'));
    const now = () => T + 86_400_000;
    let d = await openData(dir, {}, now);
    await d.data.ingest([batch([rec(WS, DC, 50001, 135, T, T + 40), rec(WS, DC, 50002, 49731, T + 300)])]);
    // A high port to a web server with no endpoint-mapper call before it stays an ordinary edge.
    await d.data.ingest([batch([rec(WS, WEB, 50003, 49731, T + 500)])]);
    const range = { from: T - 3_600_000, to: T + 3_600_000 };
    let rows = d.data.query.edges(range, {}, 'flows', true, 0, 100).rows;
    expect(serviceOf(rows, WS, DC, 49731)).toBe('msrpc-dynamic');
    expect(serviceOf(rows, WS, DC, 135)).toBe('msrpc');
    expect(serviceOf(rows, WS, WEB, 49731)).toBeNull();
    expect(d.data.query.edges(range, { service: 'msrpc-dynamic' }, 'flows', true, 0, 100).total).toBe(1);
    await d.close();

    d = await openData(dir, {}, now);
    rows = d.data.query.edges(range, {}, 'flows', true, 0, 100).rows;
    expect(serviceOf(rows, WS, DC, 49731)).toBe('msrpc-dynamic');
    // The control connection was persisted: a data connection arriving after the restart is recognised.
    await d.data.ingest([batch([rec(WS, DC, 50004, 50777, T + 900)])]);
    rows = d.data.query.edges(range, {}, 'flows', true, 0, 100).rows;
    expect(serviceOf(rows, WS, DC, 50777)).toBe('msrpc-dynamic');
    expect(d.data.related.label(d.data.catalog.find({ src: WS, dst: DC, proto: 6, port: 50777 }))?.control).toEqual({
      src: WS,
      dst: DC,
      proto: 6,
      port: 135,
    });
    await d.close();
  });
});
