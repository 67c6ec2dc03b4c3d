import type { EdgeLabels, Period } from '../matrix/query.js';

const PERIODS: Period[] = [null, 'continuous', 'hourly', 'daily', 'weekly', 'monthly'];

/**
 * The long-tail analysis per edge in typed arrays (a million edges in a few tens of MB): period,
 * next expected run, confidence, note, active hours and days. Persisted as one blob so a restart
 * answers at once; edges change label only when their activity (or what was observed) changes.
 */
export class LabelTable {
  period = new Uint8Array(1024);
  next = new Float64Array(1024);
  confidence = new Float32Array(1024).fill(NaN);
  note = new Uint16Array(1024);
  hours = new Uint32Array(1024);
  days = new Uint16Array(1024);
  /** When the edge was last active (ms): survives retention with the period (a monthly job's last run). */
  last = new Float64Array(1024).fill(NaN);
  /**
   * 0 until computed; then 1 when the label may change with any change of the observed days (the
   * daily and weekly tests read them; also every label of an earlier version), 2 when only days
   * strictly inside the edge's activity span can change it (analyzer.ts marks edges by this).
   */
  known = new Uint8Array(1024);
  readonly notes: string[] = [''];
  private readonly noteIds = new Map<string, number>([['', 0]]);

  set(edge: number, l: EdgeLabels, activeHours: number, activeDays: number, last: number, readsObservation = true): void {
    this.ensure(edge + 1);
    this.period[edge] = PERIODS.indexOf(l.period);
    this.next[edge] = l.nextExpected ?? NaN;
    this.confidence[edge] = l.confidence ?? NaN;
    this.note[edge] = this.noteId(l.note ?? '');
    this.hours[edge] = activeHours;
    this.days[edge] = activeDays;
    this.last[edge] = last;
    this.known[edge] = readsObservation ? 1 : 2;
  }

  get(edge: number): (EdgeLabels & { activeHours: number; activeDays: number; lastActive: number | null }) | null {
    if (edge >= this.known.length || !this.known[edge]) return null;
    const next = this.next[edge]!;
    const conf = this.confidence[edge]!;
    return {
      period: PERIODS[this.period[edge]!] ?? null,
      nextExpected: Number.isNaN(next) ? null : next,
      confidence: Number.isNaN(conf) ? null : Math.round(conf * 100) / 100,
      note: this.notes[this.note[edge]!] || null,
      activeHours: this.hours[edge]!,
      activeDays: this.days[edge]!,
      lastActive: Number.isNaN(this.last[edge]!) ? null : this.last[edge]!,
    };
  }

  private noteId(n: string): number {
    let id = this.noteIds.get(n);
    if (id === undefined) {
      id = this.notes.length;
      if (id >= 65535) return 0;
      this.notes.push(n);
      this.noteIds.set(n, id);
    }
    return id;
  }

  private ensure(n: number): void {
    if (n <= this.known.length) return;
    const size = Math.max(n, this.known.length * 2);
    const g = <T extends Uint8Array | Uint16Array | Uint32Array | Float32Array | Float64Array>(a: T, fill = 0): T => {
      const x = new (a.constructor as { new (n: number): T })(size);
      if (fill) x.fill(fill);
      x.set(a);
      return x;
    };
    this.period = g(this.period);
    this.next = g(this.next);
    this.confidence = g(this.confidence, NaN);
    this.note = g(this.note);
    this.hours = g(this.hours);
    this.days = g(this.days);
    this.last = g(this.last, NaN);
    this.known = g(this.known);
  }

  serialize(n: number): Uint8Array {
    this.ensure(n);
    const head = Buffer.from(JSON.stringify({ n, notes: this.notes, v: 2 }));
    const len = Buffer.alloc(4);
    len.writeUInt32LE(head.length);
    const cols = [this.period, this.next, this.confidence, this.note, this.hours, this.days, this.last, this.known].map((a) =>
      Buffer.from(a.buffer, 0, n * a.BYTES_PER_ELEMENT),
    );
    return Buffer.concat([len, head, ...cols]);
  }

  static deserialize(blob: Uint8Array): LabelTable {
    const b = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
    const hl = b.readUInt32LE(0);
    const { n, notes, v } = JSON.parse(b.toString('utf8', 4, 4 + hl)) as { n: number; notes: string[]; v?: number };
    if (v !== 2) throw new Error('labels of an earlier layout: analysed again');
    const t = new LabelTable();
    t.ensure(n);
    for (const note of notes.slice(1)) t.noteId(note);
    let o = 4 + hl;
    for (const a of [t.period, t.next, t.confidence, t.note, t.hours, t.days, t.last, t.known]) {
      const bytes = n * a.BYTES_PER_ELEMENT;
      new Uint8Array(a.buffer).set(b.subarray(o, o + bytes));
      o += bytes;
    }
    return t;
  }
}
