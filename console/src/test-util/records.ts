import type { FlowRecord, SummaryBatch } from '@spanmap/shared';

/**
 * Flow records and the batches that carry them, as a probe publishes them (the console's unit
 * tests). One TCP conversation by default — 10.0.0.1:40000 → 10.0.1.1:443, 10 packets out and 8
 * back, closed by FIN five seconds after `first` — with the fields a test cares about given.
 */
export function flowRecord(first: number, o: Partial<FlowRecord> = {}): FlowRecord {
  return {
    src: '10.0.0.1',
    dst: '10.0.1.1',
    proto: 6,
    sport: 40000,
    dport: 443,
    packets: 10,
    bytes: 1000,
    rpackets: 8,
    rbytes: 8000,
    first,
    last: first + 5000,
    tcpFlags: 27,
    rtcpFlags: 27,
    vlan: null,
    end: 'fin',
    initiator: 'syn',
    ...o,
  };
}

const seqs = new Map<string, number>();

/** The next batch of `probe` (sequence numbers count per probe from 1; the epoch follows the name). */
export function recordBatch(probe: string, records: FlowRecord[]): SummaryBatch {
  const seq = (seqs.get(probe) ?? 0) + 1;
  seqs.set(probe, seq);
  return {
    v: 2,
    probe,
    epoch: Buffer.from(probe).toString('hex').padEnd(32, '0').slice(0, 32),
    seq,
    from: Math.min(...records.map((r) => r.first)),
    to: Math.max(...records.map((r) => r.last)),
    records,
    names: [],
    entries: [],
  };
}
