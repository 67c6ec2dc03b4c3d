import { describe, it, expect } from 'vitest';
import { IpfixSequence, SequenceTracker } from './sequence.js';

describe('export sequence numbers', () => {
  it('in order: nothing lost', () => {
    const t = new SequenceTracker(100);
    for (let s = 5; s < 50; s += 3) t.add(s, 3);
    expect([t.lost, t.late, t.duplicates, t.resets]).toEqual([0, 0, 0, 0]);
  });

  it('a gap is lost until the late message fills it; what never comes stays lost', () => {
    const t = new SequenceTracker(100);
    t.add(0, 10);
    t.add(30, 10); // 10..29 missing
    expect(t.lost).toBe(20);
    t.add(10, 10); // late
    expect(t.lost).toBe(10);
    t.add(10, 10); // duplicate
    expect([t.lost, t.late, t.duplicates]).toEqual([10, 1, 1]);
  });

  it('messages sent before the first one seen, arriving after it, are late, and the space between is missing', () => {
    const t = new SequenceTracker(100);
    t.add(50, 1);
    t.add(45, 1);
    expect([t.lost, t.late]).toEqual([4, 1]);
    t.add(47, 1);
    expect(t.lost).toBe(3);
  });

  it('holes older than the window become final: a very late message no longer changes the count', () => {
    const t = new SequenceTracker(10);
    t.add(0, 1);
    t.add(5, 1); // 1..4 missing
    t.add(100, 1); // 6..99 missing; the first hole is final
    t.add(2, 1);
    expect(t.lost).toBe(4 + 94);
    expect(t.duplicates).toBe(1);
  });

  it('the 32-bit counter wraps without loss', () => {
    const t = new SequenceTracker(100);
    t.add(0xfffffffe, 1);
    t.add(0xffffffff, 1);
    t.add(0, 1);
    t.add(2, 1); // 1 missing
    expect([t.lost, t.resets]).toEqual([1, 0]);
  });

  it('a jump far backwards is an exporter restart, not loss', () => {
    const t = new SequenceTracker(100, 1000);
    t.add(500_000, 1);
    t.add(3, 1);
    t.add(4, 1);
    expect([t.lost, t.resets]).toEqual([0, 1]);
  });

  it('after a message of unknown size, the next one resynchronises', () => {
    const t = new SequenceTracker(100);
    t.add(0, 5);
    t.add(5, undefined);
    t.add(40, 5);
    t.add(45, 5);
    expect(t.lost).toBe(0);
  });

  it('a message without counted units (templates only) fills nothing', () => {
    const t = new SequenceTracker(100);
    t.add(0, 1);
    t.add(10, 1);
    t.add(5, 0);
    expect([t.lost, t.late]).toEqual([9, 1]);
  });
});

describe('IPFIX numbering conventions', () => {
  /** What a message's sequence number is, given what was sent before it and what it carries. */
  type Numbering = (sentAll: number, sentData: number, all: number, data: number) => number;
  const rfc: Numbering = (sentAll) => sentAll;
  const noOptions: Numbering = (_sentAll, sentData) => sentData;
  // softflowd 1.1.0: data records up to and including this message, options records left out
  const softflowd: Numbering = (_sentAll, sentData, _all, data) => sentData + data;
  const sizes = [23, 32, 32, 31, 32, 24, 32, 33, 32, 10];

  /** Messages of `sizes` data records, every fifth with `options` options records too; `drop` never arrive. */
  function run(number: Numbering, options: number, drop: number[] = []) {
    const s = new IpfixSequence(10_000);
    let sentAll = 0;
    let sentData = 0;
    sizes.forEach((d, i) => {
      const o = i % 5 === 0 ? options : 0;
      if (!drop.includes(i)) s.add(number(sentAll, sentData, d + o, d) >>> 0, d + o, d);
      sentAll += d + o;
      sentData += d;
    });
    return s.t;
  }

  it('RFC 7011 numbering: no loss; a dropped message is its records', () => {
    expect(run(rfc, 1).lost).toBe(0);
    expect(run(rfc, 1, [3]).lost).toBe(31);
  });

  it("softflowd's numbering (inclusive, options left out) is recognised: no false loss, real loss still counted", () => {
    expect(run(softflowd, 1).lost).toBe(0);
    expect(run(softflowd, 1, [6]).lost).toBe(32);
  });

  it('numbering that leaves options records out is recognised', () => {
    expect(run(noOptions, 2).lost).toBe(0);
  });
});
