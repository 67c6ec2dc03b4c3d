import { describe, it, expect } from 'vitest';
import { RelatedDetector, DEFAULT_DETECTOR_OPTIONS, type FlowEnds, type RelatedMatch } from './detector.js';
import { RELATED_KINDS, dataMask, rangesUsed } from './kinds.js';

const T = Date.UTC(2024, 5, 3, 9);
const A = '10.20.1.11';
const B = '10.10.0.30';
const C = '10.20.1.12';

function flow(src: string, dst: string, proto: number, sport: number, dport: number, first: number, last = first + 200, cont = false): FlowEnds {
  return { src, dst, proto, sport, dport, first, last, ...(cont ? { cont: true } : {}) };
}

function run(d: RelatedDetector, records: FlowEnds[]): Array<{ kind: string; data: string; control: string }> {
  const out: RelatedMatch[] = [];
  for (const r of records) d.observe(r, out);
  return out.map((m) => ({
    kind: RELATED_KINDS[m.kind - 1]!.service,
    data: `${m.data.src}>${m.data.dst}:${m.data.proto}/${m.data.port}`,
    control: `${m.control.src}>${m.control.dst}:${m.control.proto}/${m.control.port}`,
  }));
}

describe('related connections from flow records', () => {
  it('MS-RPC: a dynamic port right after tcp/135 between the same hosts, and nothing else', () => {
    const d = new RelatedDetector();
    const m = run(d, [
      flow(A, B, 6, 50001, 135, T, T + 40),
      flow(A, B, 6, 50002, 49731, T + 300), // follows the endpoint mapper
      flow(C, B, 6, 50003, 49800, T + 400), // another host: it never asked the endpoint mapper
      flow(A, B, 6, 50004, 49900, T + 60_000), // a minute later: not "within seconds"
      flow(A, B, 6, 50005, 135, T + 120_000, T + 120_050),
      flow(A, B, 6, 50006, 1433, T + 120_200), // the old range 1025-5000, but a port with a service of its own
      flow(A, B, 6, 50007, 1100, T + 120_300), // the old range
    ]);
    expect(m).toEqual([
      { kind: 'msrpc-dynamic', data: `${A}>${B}:6/49731`, control: `${A}>${B}:6/135` },
      { kind: 'msrpc-dynamic', data: `${A}>${B}:6/1100`, control: `${A}>${B}:6/135` },
    ]);
  });

  it('passive FTP: the data connection is emitted before its long control connection, and still matches', () => {
    const d = new RelatedDetector();
    const m = run(d, [
      flow(A, B, 6, 40001, 50123, T + 1500, T + 4000), // data, emitted at its FIN
      flow(A, B, 6, 40000, 21, T, T + 600_000), // control, emitted ten minutes later
    ]);
    expect(m).toEqual([{ kind: 'ftp-data', data: `${A}>${B}:6/50123`, control: `${A}>${B}:6/21` }]);
    expect(d.pending).toBe(0);
  });

  it('active FTP and TFTP: the server opens the data connection back to the client', () => {
    const d = new RelatedDetector();
    const m = run(d, [
      flow(A, B, 6, 40000, 21, T, T + 5000),
      flow(B, A, 6, 20, 51515, T + 800),
      flow(C, B, 17, 33333, 69, T, T + 10),
      flow(B, C, 17, 40404, 33333, T + 20, T + 900), // to the port the request came from
      flow(B, C, 17, 40405, 33334, T + 30), // to another port: not this transfer
    ]);
    expect(m).toEqual([
      { kind: 'ftp-active-data', data: `${B}>${A}:6/51515`, control: `${A}>${B}:6/21` },
      { kind: 'tftp-data', data: `${B}>${C}:17/33333`, control: `${C}>${B}:17/69` },
    ]);
  });

  it('Sun RPC: portmapper over UDP, then the service it named over TCP', () => {
    const d = new RelatedDetector();
    const m = run(d, [flow(A, B, 17, 900, 111, T, T + 2), flow(A, B, 6, 901, 892, T + 10), flow(A, B, 6, 902, 2049, T + 20)]);
    expect(m).toEqual([{ kind: 'sunrpc-dynamic', data: `${A}>${B}:6/892`, control: `${A}>${B}:17/111` }]);
  });

  it('ignores continuation records and forgets what is older than the retention', () => {
    const d = new RelatedDetector({ ...DEFAULT_DETECTOR_OPTIONS, retainMs: 3_600_000 });
    expect(run(d, [flow(A, B, 6, 1, 135, T), flow(A, B, 6, 2, 49999, T + 100, T + 200, true)])).toEqual([]);
    run(d, [flow(C, B, 6, 3, 50500, T + 1000)]); // waits for a control that never comes
    expect(d.pending).toBe(1);
    run(d, [flow('10.0.0.1', '10.0.0.2', 6, 4, 443, T + 2 * 3_600_000)]); // the clock moves on
    d.prune();
    expect(d.pending).toBe(0);
    expect(d.takeDirty()).toEqual([[`${A}|${B}`, null]]); // its control was persisted, now gone
  });

  it('restores persisted control connections: data after a restart still matches', () => {
    const d = new RelatedDetector();
    run(d, [flow(A, B, 6, 1, 135, T, T + 50)]);
    const saved = d.takeDirty();
    const e = new RelatedDetector();
    for (const [k, cs] of saved) e.restore(k, cs!);
    expect(run(e, [flow(A, B, 6, 2, 50000, T + 700)]).map((x) => x.kind)).toEqual(['msrpc-dynamic']);
  });

  it('bounds the candidates waiting for a control, and counts what it drops', () => {
    const d = new RelatedDetector({ ...DEFAULT_DETECTOR_OPTIONS, maxPending: 2 });
    run(d, [flow(A, B, 6, 1, 50000, T), flow(A, C, 6, 1, 50001, T), flow(C, A, 6, 1, 50002, T)]);
    expect(d.pending).toBe(2);
    expect(d.counters.pendingDropped).toBe(1);
  });

  it('drafts the documented ranges the observed ports fell in', () => {
    const msrpc = RELATED_KINDS[0]!;
    expect(rangesUsed(msrpc, [49731, 50000])).toEqual([[49152, 65535]]);
    expect(rangesUsed(msrpc, [49731, 1100])).toEqual([
      [1025, 5000],
      [49152, 65535],
    ]);
    expect(dataMask(6, 1234, 443)).toBe(0); // a well-known service is never a dynamic port
    expect(dataMask(1, 0, 2048)).toBe(0);
  });
});
