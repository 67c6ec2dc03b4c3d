import type { FlowRecord, SummaryEntry } from '@spanmap/shared';

const HOUR = 3_600_000;

/**
 * Aggregates flow records into summary entries keyed by (initiator, responder, protocol,
 * responder port, VLAN, interface, hour of flow start). Pure: no I/O, no clock.
 */
export class Summarizer {
  private entries = new Map<string, SummaryEntry>();
  /** Id of the last record added (the store's record id), so a drain knows what it covers. */
  lastRecordId = 0;
  records = 0;

  add(r: FlowRecord, recordId: number): void {
    const hour = Math.floor(r.first / HOUR);
    const key = `${r.src}|${r.dst}|${r.proto}|${r.dport}|${r.vlan ?? ''}|${r.iface ?? ''}|${hour}`;
    let e = this.entries.get(key);
    if (!e) {
      e = {
        src: r.src,
        dst: r.dst,
        proto: r.proto,
        port: r.dport,
        vlan: r.vlan,
        iface: r.iface ?? null,
        flows: 0,
        records: 0,
        packets: 0,
        bytes: 0,
        rpackets: 0,
        rbytes: 0,
        first: r.first,
        last: r.last,
        tcpFlags: 0,
        rtcpFlags: 0,
        init: { syn: 0, port: 0, first: 0 },
      };
      this.entries.set(key, e);
    }
    if (!r.cont) e.flows++;
    e.records++;
    e.packets += r.packets;
    e.bytes += r.bytes;
    e.rpackets += r.rpackets;
    e.rbytes += r.rbytes;
    if (r.first < e.first) e.first = r.first;
    if (r.last > e.last) e.last = r.last;
    e.tcpFlags |= r.tcpFlags;
    e.rtcpFlags |= r.rtcpFlags;
    e.init[r.initiator]++;
    this.lastRecordId = recordId;
    this.records++;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Takes everything aggregated so far, leaving the summarizer empty. */
  drain(): { entries: SummaryEntry[]; lastRecordId: number; records: number } {
    const out = { entries: [...this.entries.values()], lastRecordId: this.lastRecordId, records: this.records };
    this.entries = new Map();
    this.records = 0;
    return out;
  }
}
