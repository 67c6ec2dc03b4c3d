import { describe, it, expect } from 'vitest';
import type { FlowRecord } from '@spanmap/shared';
import { ContinuationTracker, Pairer } from './pairing.js';
import { toFlowRecord } from './orient.js';
import type { UniFlow } from './types.js';

function uni(o: Partial<UniFlow>): UniFlow {
  return {
    exporter: 'e',
    src: '10.0.0.1',
    dst: '10.0.0.2',
    proto: 17,
    sport: 40000,
    dport: 40001,
    icmpTypeCode: -1,
    packets: 1,
    bytes: 100,
    rpackets: 0,
    rbytes: 0,
    biflow: false,
    first: 1000,
    last: 2000,
    rfirst: NaN,
    tcpFlags: 0,
    rtcpFlags: 0,
    vlan: null,
    end: 'idle',
    declared: 0,
    ingress: null,
    sampling: 1,
    arrival: 0,
    ...o,
  };
}
const rev = (u: UniFlow, o: Partial<UniFlow> = {}) => uni({ ...u, src: u.dst, dst: u.src, sport: u.dport, dport: u.sport, ...o });

function pairer(windowMs = 10_000, maxPending = 100) {
  const out: FlowRecord[] = [];
  const p = new Pairer({ windowMs, maxPending }, (a, b) => out.push(toFlowRecord(a, b)));
  return { p, out };
}

describe('pairing one-direction records', () => {
  it('pairs mirrored records, and only those', () => {
    const { p, out } = pairer();
    const a = uni({});
    p.add(a);
    p.add(uni({ src: '10.0.0.2', dst: '10.0.0.1', sport: 40001, dport: 40002 })); // not the mirror: other port
    p.add(rev(a, { packets: 5 }));
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ src: '10.0.0.1', packets: 1, rpackets: 5 });
    expect(p.pending).toBe(1);
  });

  it('times must overlap (within the window): a reused 5-tuple much later is another conversation', () => {
    const { p, out } = pairer(1000);
    p.add(uni({ first: 0, last: 100 }));
    p.add(rev(uni({}), { first: 50_000, last: 50_100 }));
    expect(out).toEqual([]);
    expect(p.pending).toBe(2);
  });

  it('expire(now) emits records older than the window, in arrival order; flush() emits the rest', () => {
    const { p, out } = pairer(1000);
    p.add(uni({ arrival: 0, sport: 50001 }));
    p.add(uni({ arrival: 500, sport: 50002 }));
    p.expire(999);
    expect(out).toEqual([]);
    p.expire(1000);
    expect(out.map((r) => r.sport)).toEqual([50001]);
    p.flush();
    expect(out.map((r) => r.sport)).toEqual([50001, 50002]);
    expect(p.counters).toMatchObject({ alone: 2, paired: 0 });
  });

  it('a bounded number of records wait: beyond it the oldest goes alone (counted)', () => {
    const { p, out } = pairer(10_000, 2);
    for (let i = 0; i < 4; i++) p.add(uni({ sport: 50000 + i }));
    expect(out.map((r) => r.sport)).toEqual([50000, 50001]);
    expect(p.counters.evicted).toBe(2);
  });

  it('window 0: no pairing', () => {
    const { p, out } = pairer(0);
    const a = uni({});
    p.add(a);
    p.add(rev(a));
    expect(out).toHaveLength(2);
  });
});

describe('initiator of a pair or a record alone', () => {
  it('declared by the exporter wins over everything ("syn" for TCP)', () => {
    const a = uni({ proto: 6, sport: 443, dport: 50000, first: 5, declared: 1 });
    expect(toFlowRecord(a, rev(a, { first: 1 }))).toMatchObject({ src: '10.0.0.1', sport: 443, initiator: 'syn' });
  });

  it('then the earlier start, then ports, then arrival', () => {
    const a = uni({ sport: 53, dport: 40000, first: 10 });
    expect(toFlowRecord(a, rev(a, { first: 20 }))).toMatchObject({ src: '10.0.0.1', initiator: 'first' });
    expect(toFlowRecord(a, rev(a, { first: 10 }))).toMatchObject({ src: '10.0.0.2', dport: 53, initiator: 'port' });
    const b = uni({});
    expect(toFlowRecord(b, rev(b))).toMatchObject({ src: '10.0.0.1', initiator: 'first' });
  });

  it('ICMP: the request sender, whichever record came first', () => {
    const reply = uni({ proto: 1, sport: 0, dport: 0x0800, icmpTypeCode: 0x0000, src: '10.0.0.2', dst: '10.0.0.1' });
    const request = uni({ proto: 1, sport: 0, dport: 0x0800, icmpTypeCode: 0x0800 });
    expect(toFlowRecord(reply, request)).toMatchObject({ src: '10.0.0.1', dst: '10.0.0.2', dport: 0x0800, initiator: 'port' });
    expect(toFlowRecord(reply, null)).toMatchObject({ src: '10.0.0.1', packets: 0, rpackets: 1, initiator: 'port' });
  });

  it('a biflow with separate reverse start times: the earlier one', () => {
    const b = uni({ biflow: true, rpackets: 2, first: 100, rfirst: 50 });
    expect(toFlowRecord(b, null)).toMatchObject({ src: '10.0.0.2', packets: 2, rpackets: 1, initiator: 'first' });
  });

  it('end: the more telling reason of the two; iface: the initiator side ingress; sampling: the larger rate', () => {
    const a = uni({ sport: 50000, dport: 22, end: 'idle', ingress: 7, sampling: 10 });
    const r = toFlowRecord(a, rev(a, { end: 'fin', ingress: 8, sampling: 100 }));
    expect(r).toMatchObject({ end: 'fin', iface: 'e#7', sampling: 100 });
  });
});

describe('continuations', () => {
  it('marks records following an active-timeout record of the same conversation, for a while', () => {
    const t = new ContinuationTracker(1000);
    const r = (end: FlowRecord['end']) => ({ ...toFlowRecord(uni({}), null), end });
    const seq = [r('active'), r('active'), r('idle'), r('idle')];
    seq.forEach((x, i) => t.mark(x, 'e', i * 100));
    expect(seq.map((x) => x.cont ?? false)).toEqual([false, true, true, false]);
    const late = [r('active'), r('idle')];
    t.mark(late[0]!, 'e', 0);
    t.expire(5000);
    t.mark(late[1]!, 'e', 5000);
    expect(late[1]!.cont).toBeUndefined();
    expect(t.size).toBe(0);
  });
});
