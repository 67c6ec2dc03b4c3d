import type { FlowRecord, NameObservation } from '@spanmap/shared';

/**
 * Collects flow records and learned names between two cuts of the outbox, with the store id of the
 * last item added, so a cut knows what it covers. Records travel one by one (wire version 2): the
 * console merges the views of one conversation from several probes, which needs each record's ports
 * and times. Pure: no I/O, no clock.
 */
export class Batcher {
  private records: FlowRecord[] = [];
  private names: NameObservation[] = [];
  /** Id of the last item added (the store's id), so a drain knows what it covers. */
  lastId = 0;

  addRecord(r: FlowRecord, id: number): void {
    this.records.push(r);
    this.lastId = id;
  }

  addName(n: NameObservation, id: number): void {
    this.names.push(n);
    this.lastId = id;
  }

  /** Items held (records and names). */
  get size(): number {
    return this.records.length + this.names.length;
  }

  /** Takes everything collected so far, leaving the batcher empty. */
  drain(): { records: FlowRecord[]; names: NameObservation[]; lastId: number } {
    const out = { records: this.records, names: this.names, lastId: this.lastId };
    this.records = [];
    this.names = [];
    return out;
  }
}
