import type { FlowRecord } from '@spanmap/shared';
import { FIRST_FAMILY, IE, type FieldValues } from './ie.js';
import { decodeIpfix, readIpfixHeader } from './ipfix.js';
import { compileTemplate, type CompiledTemplate } from './ipfix-template.js';
import { decodeV5, readV5Header } from './netflow-v5.js';
import { decodeV9, readV9Header, templatePackets, V9_HEADER, type V9Template } from './netflow-v9.js';
import { NfDecoder, type NfRecord } from './nflib.js';
import { fieldsFromNetflow, nfPlan, toUniFlow, type NfPlan } from './normalize.js';
import { oneWay, toFlowRecord } from './orient.js';
import { ContinuationTracker, DEFAULT_PAIRING, Pairer, type PairingCounters, type PairingOptions } from './pairing.js';
import { SamplerTable } from './sampling.js';
import { IpfixSequence, SEQUENCE_WINDOW, SequenceTracker } from './sequence.js';
import { emptyRejectCounts, type ExportContext, type RejectCounts, type RejectReason, type TemplateChanges, type TemplateDef, type UniFlow } from './types.js';

// The datagram → FlowRecord path without sockets: the listener (listener.ts) and the tests feed
// it datagrams with the exporter's address and the arrival time. Per exporter scope (address +
// observation domain / source id) it keeps templates, sampling rates and sequence numbers.

export interface CollectorOptions extends PairingOptions {
  /** Exporter scopes (address + domain) kept at most: a flood of spoofed sources cannot exhaust memory. */
  maxScopes: number;
}

export const DEFAULT_COLLECTOR: CollectorOptions = { ...DEFAULT_PAIRING, maxScopes: 10_000 };

/** Where templates go to survive a restart (template-store.ts). */
export interface TemplatePersistence {
  save(scope: string, def: TemplateDef): void;
  remove(scope: string, id: number): void;
}

export interface CollectorDeps {
  send(record: FlowRecord): void;
  templates?: TemplatePersistence;
  /** Every decoded one-direction record before pairing (tests compare these with tshark). */
  onUniFlow?: (u: UniFlow) => void;
}

export interface CollectorCounters {
  datagrams: { v5: number; v9: number; ipfix: number; rejected: number };
  /** Data records decoded (options data separately). */
  records: { v5: number; v9: number; ipfix: number; options: number };
  rejected: RejectCounts;
  templates: { added: number; refreshed: number; withdrawn: number; restored: number };
  /** Missing from exporters' sequence numbers: v5 counts flows, v9 export packets, IPFIX data records. */
  lost: { v5Flows: number; v9Packets: number; ipfixRecords: number; late: number; duplicates: number; resets: number };
  /** Records whose counts were scaled by an announced sampling rate. */
  sampledRecords: number;
  flows: PairingCounters & { emitted: number; continuations: number; waiting: number };
  scopes: number;
}

type Session = { version: 5 | 9; t: SequenceTracker } | { version: 10; t: IpfixSequence };

function addLoss(into: CollectorCounters['lost'], e: Session): void {
  const t = e.version === 10 ? e.t.t : e.t;
  if (e.version === 5) into.v5Flows += t.lost;
  else if (e.version === 9) into.v9Packets += t.lost;
  else into.ipfixRecords += t.lost;
  into.late += t.late;
  into.duplicates += t.duplicates;
  into.resets += t.resets;
}

interface Scope {
  key: string;
  version: 5 | 9 | 10;
  sampler: SamplerTable;
  systemInitMs: number;
  ipfix: Map<number, CompiledTemplate>;
  v9: Map<number, V9Template>;
}

export class Collector {
  private readonly scopes = new Map<string, Scope>();
  /** Sequence numbers are per transport session (address and port) and domain: an exporter restarting on a new port starts a new count. */
  private readonly sequences = new Map<string, Session>();
  private readonly lib = new NfDecoder();
  /** node-netflowv9's v5 records always carry the same fields. */
  private v5plan: NfPlan | undefined;
  private readonly pairer: Pairer;
  private readonly cont = new ContinuationTracker();
  private readonly c = {
    datagrams: { v5: 0, v9: 0, ipfix: 0, rejected: 0 },
    records: { v5: 0, v9: 0, ipfix: 0, options: 0 },
    rejected: emptyRejectCounts(),
    templates: { added: 0, refreshed: 0, withdrawn: 0, restored: 0 },
    sampledRecords: 0,
    emitted: 0,
    continuations: 0,
  };
  private now = 0;
  private port = 0;
  /** Sequence counts of sessions no longer tracked. */
  private readonly retired: CollectorCounters['lost'] = { v5Flows: 0, v9Packets: 0, ipfixRecords: 0, late: 0, duplicates: 0, resets: 0 };

  constructor(
    private readonly opts: CollectorOptions,
    private readonly deps: CollectorDeps,
  ) {
    this.pairer = new Pairer(opts, (a, b) => this.emit(a, b));
  }

  get counters(): CollectorCounters {
    const lost = { ...this.retired };
    for (const e of this.sequences.values()) addLoss(lost, e);
    const c = this.c;
    return {
      datagrams: { ...c.datagrams },
      records: { ...c.records },
      rejected: { ...c.rejected },
      templates: { ...c.templates },
      lost,
      sampledRecords: c.sampledRecords,
      flows: { ...this.pairer.counters, emitted: c.emitted, continuations: c.continuations, waiting: this.pairer.pending },
      scopes: this.scopes.size,
    };
  }

  /** One datagram from `exporter` (its source address) that arrived at `now` (ms). Never throws on bad input. */
  handle(msg: Buffer, exporter: string, now: number, port = 0): void {
    try {
      this.port = port;
      this.dispatch(msg, exporter, now);
    } catch {
      this.rejectDatagram('internalError');
    }
  }

  private dispatch(msg: Buffer, exporter: string, now: number): void {
    this.now = now;
    if (msg.length < 2) return this.rejectDatagram('tooShort');
    const version = (msg[0]! << 8) | msg[1]!;
    if (version === 9) this.v9(msg, exporter, now);
    else if (version === 10) this.ipfix(msg, exporter, now);
    else if (version === 5) this.v5(msg, exporter, now);
    else if (msg[1] === 0 && (msg[0] === 5 || msg[0] === 9 || msg[0] === 10)) this.rejectDatagram('byteSwapped');
    else this.rejectDatagram('unknownVersion');
  }

  /** Emits records whose reverse direction did not come within the pairing window. */
  expire(now: number): void {
    this.now = now;
    this.pairer.expire(now);
    this.cont.expire(now);
  }

  /** Emits everything still waiting for a partner (shutdown). */
  flush(): void {
    this.pairer.flush();
  }

  /** Installs templates saved before a restart (`scope` as given to TemplatePersistence). */
  restore(scopeKey: string, defs: TemplateDef[]): void {
    const [v, exporter, domain] = scopeKey.split('|');
    if ((v !== '9' && v !== '10') || exporter === undefined || domain === undefined) return;
    const s = this.scope(Number(v) as 9 | 10, exporter, Number(domain));
    if (!s) return;
    if (s.version === 10) {
      for (const d of defs) s.ipfix.set(d.id, compileTemplate(d));
      this.c.templates.restored += defs.length;
    } else {
      // node-netflowv9 takes options templates only from a packet (its `templates` option wants
      // compiled functions for those): we give it one, through the same checks as live traffic.
      for (const p of templatePackets(defs)) this.c.templates.restored += decodeV9(p, s.v9, this.lib, s.key).added.length;
    }
  }

  private v5(msg: Buffer, exporter: string, now: number): void {
    const h = readV5Header(msg);
    if (typeof h === 'string') return this.rejectDatagram(h);
    const s = this.scope(5, exporter, (h.engineType << 8) | h.engineId);
    if (!s) return this.rejectDatagram('tooManyScopes');
    const flows = decodeV5(msg, h, this.lib);
    if (!flows) return this.rejectDatagram('decoderException');
    this.c.datagrams.v5++;
    this.sequence(5, s.key, h.sequence, h.count, h.count);
    s.sampler.setDefault(h.sampling);
    const ctx = this.context(s, exporter, h.exportMs, h.uptimeMs, now);
    for (const f of flows) this.data(fieldsFromNetflow(f, (this.v5plan ??= nfPlan(f))), ctx, 'v5');
  }

  private v9(msg: Buffer, exporter: string, now: number): void {
    const h = readV9Header(msg);
    if (typeof h === 'string') return this.rejectDatagram(h);
    const s = this.scope(9, exporter, h.sourceId);
    if (!s) return this.rejectDatagram('tooManyScopes');
    this.c.datagrams.v9++;
    this.sequence(9, s.key, h.sequence, 1, 1);
    if (msg.length === V9_HEADER) return;
    const r = decodeV9(msg, s.v9, this.lib, s.key);
    this.templatesChanged(s, r);
    this.count(r.errors);
    const ctx = this.context(s, exporter, h.unixSecs * 1000, h.uptimeMs, now);
    this.options(
      s,
      r.options.map((o: NfRecord) => fieldsFromNetflow(o)),
    );
    for (const f of r.data) {
      const t = s.v9.get(f.fsId ?? -1);
      if (t) t.plan ??= nfPlan(f);
      const v = fieldsFromNetflow(f, t?.plan);
      if (t?.family) v[FIRST_FAMILY] = t.family;
      this.data(v, ctx, 'v9');
    }
  }

  private ipfix(msg: Buffer, exporter: string, now: number): void {
    const h = readIpfixHeader(msg);
    if (typeof h === 'string') return this.rejectDatagram(h);
    const s = this.scope(10, exporter, h.domain);
    if (!s) return this.rejectDatagram('tooManyScopes');
    this.c.datagrams.ipfix++;
    const r = decodeIpfix(msg, h, s.ipfix);
    this.templatesChanged(s, r);
    this.count(r.errors);
    this.sequence(10, s.key, h.sequence, r.complete ? r.dataRecords : undefined, r.complete ? r.dataRecords - r.options.length : undefined);
    // Options first: an exporter may put its system init time or sampling rate after the data it applies to.
    this.options(s, r.options);
    const ctx = this.context(s, exporter, h.exportTime * 1000, NaN, now);
    for (const v of r.data) this.data(v, ctx, 'ipfix');
  }

  private options(s: Scope, list: FieldValues[]): void {
    for (const v of list) {
      this.c.records.options++;
      s.sampler.learn(v);
      const init = v[IE.systemInitTimeMilliseconds];
      if (typeof init === 'number') s.systemInitMs = init;
    }
  }

  private data(v: FieldValues, ctx: ExportContext, version: 'v5' | 'v9' | 'ipfix'): void {
    this.c.records[version]++;
    const u = toUniFlow(v, ctx);
    if (!u) {
      this.c.rejected.noAddress++;
      return;
    }
    if (u.sampling > 1) this.c.sampledRecords++;
    this.deps.onUniFlow?.(u);
    this.pairer.add(oneWay(u, v));
  }

  private emit(a: UniFlow, b: UniFlow | null): void {
    const r = toFlowRecord(a, b);
    this.cont.mark(r, a.exporter, this.now);
    if (r.cont) this.c.continuations++;
    this.c.emitted++;
    this.deps.send(r);
  }

  private context(s: Scope, exporter: string, exportMs: number, uptimeMs: number, now: number): ExportContext {
    return { exporter, exportMs, uptimeMs, systemInitMs: s.systemInitMs, samplingFor: (v) => s.sampler.rateFor(v), arrival: now };
  }

  private scope(version: 5 | 9 | 10, exporter: string, domain: number): Scope | null {
    const key = `${version}|${exporter}|${domain}`;
    let s = this.scopes.get(key);
    if (!s) {
      if (this.scopes.size >= this.opts.maxScopes) return null;
      s = { key, version, sampler: new SamplerTable(), systemInitMs: NaN, ipfix: new Map(), v9: new Map() };
      this.scopes.set(key, s);
    }
    return s;
  }

  /** `units`: what the protocol's sequence numbers count in this message (IPFIX: data records with options data; `data` without). */
  private sequence(version: 5 | 9 | 10, scopeKey: string, seq: number, units: number | undefined, data: number | undefined): void {
    const key = `${scopeKey}|${this.port}`;
    let e = this.sequences.get(key);
    if (!e) {
      // Bounded like scopes; an exporter that restarts on a new port every time must not fill it:
      // the oldest session goes, its counts kept.
      if (this.sequences.size >= this.opts.maxScopes) {
        const [oldest, old] = this.sequences.entries().next().value!;
        addLoss(this.retired, old);
        this.sequences.delete(oldest);
      }
      e =
        version === 10
          ? { version, t: new IpfixSequence(SEQUENCE_WINDOW.ipfix) }
          : { version, t: new SequenceTracker(version === 5 ? SEQUENCE_WINDOW.v5 : SEQUENCE_WINDOW.v9) };
      this.sequences.set(key, e);
    }
    if (e.version === 10) e.t.add(seq, units, data);
    else e.t.add(seq, units);
  }

  private templatesChanged(s: Scope, r: TemplateChanges): void {
    this.c.templates.added += r.added.length;
    this.c.templates.refreshed += r.refreshed;
    this.c.templates.withdrawn += r.withdrawn.length;
    const store = this.deps.templates;
    if (!store) return;
    for (const d of r.added) store.save(s.key, d);
    for (const id of r.withdrawn) store.remove(s.key, id);
  }

  private count(errors: Partial<Record<RejectReason, number>>): void {
    for (const k in errors) this.c.rejected[k as RejectReason] += errors[k as RejectReason]!;
  }

  private rejectDatagram(reason: RejectReason): void {
    this.c.datagrams.rejected++;
    this.c.rejected[reason]++;
  }
}
