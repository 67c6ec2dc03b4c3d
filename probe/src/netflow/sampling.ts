import { IE, type FieldValues } from './ie.js';

/**
 * Sampling rates an exporter announced, for one exporter scope (address + domain / source id).
 * Rates come from options data (NetFlow v9 and IPFIX), keyed by what the options record was
 * scoped to, or from the data record itself. A data record's rate is, in order: its own
 * sampling fields, its sampler/selector id's rate, its ingress interface's rate, the rate last
 * announced without a sampler or interface, else 1 (unsampled).
 */
export class SamplerTable {
  private readonly byId = new Map<number, number>();
  private readonly byInterface = new Map<number, number>();
  private fallback = 1;
  private explicit = 1;
  /** Options records that announced a rate. */
  announcements = 0;

  /** Learns from one options data record; ignores records without sampling fields. */
  learn(v: FieldValues): void {
    const rate = rateIn(v);
    if (rate === undefined) return;
    this.announcements++;
    const id = num(v[IE.samplerId]) ?? num(v[IE.selectorId]);
    const iface = num(v[IE.ingressInterface]);
    if (id !== undefined) this.byId.set(id, rate);
    else if (iface !== undefined) this.byInterface.set(iface, rate);
    else {
      this.explicit = rate;
      this.fallback = rate;
      return;
    }
    // A single-sampler exporter (the common case) announces its sampler but does not tag data
    // records with it: while every announced rate agrees, that rate is the default for untagged
    // records. When they disagree nothing says which applies: the system-wide rate or 1.
    const rates = new Set([...this.byId.values(), ...this.byInterface.values()]);
    this.fallback = rates.size === 1 ? rate : this.explicit;
  }

  rateFor(v: FieldValues): number {
    const own = rateIn(v);
    if (own !== undefined) return own;
    const id = num(v[IE.samplerId]) ?? num(v[IE.selectorId]);
    if (id !== undefined) {
      const r = this.byId.get(id);
      if (r !== undefined) return r;
    }
    const iface = num(v[IE.ingressInterface]);
    if (iface !== undefined) {
      const r = this.byInterface.get(iface);
      if (r !== undefined) return r;
    }
    return this.fallback;
  }

  /** Rate set from the NetFlow v5 header (which has no options). */
  setDefault(rate: number): void {
    this.explicit = rate;
    this.fallback = rate;
  }
}

/**
 * The rate (1 in N packets) stated by a record's sampling fields, undefined when it states none.
 * samplingInterval / samplerRandomInterval give N directly; samplingPacketInterval and
 * samplingSize / samplingPopulation select `size` out of `population`; samplingPacketInterval and
 * samplingPacketSpace select `interval` packets out of every `interval + space`; samplingProbability is 1/N.
 */
export function rateIn(v: FieldValues): number | undefined {
  const interval = num(v[IE.samplingInterval]) ?? num(v[IE.samplerRandomInterval]);
  if (interval !== undefined) return interval >= 1 ? interval : 1;
  // Before the packet interval: Cisco IOS XR announces random 1-out-of-256 as samplingSize 1,
  // samplingPopulation 256 and (meaningless there) samplingPacketInterval 1.
  const size = num(v[IE.samplingSize]);
  const population = num(v[IE.samplingPopulation]);
  if (size !== undefined && population !== undefined && size > 0 && population >= size) return population / size;
  const pi = num(v[IE.samplingPacketInterval]);
  if (pi !== undefined && pi > 0) return (pi + (num(v[IE.samplingPacketSpace]) ?? 0)) / pi;
  const p = num(v[IE.samplingProbability]);
  if (p !== undefined && p > 0 && p <= 1) return 1 / p;
  return undefined;
}

function num(x: unknown): number | undefined {
  return typeof x === 'number' && Number.isFinite(x) ? x : undefined;
}
