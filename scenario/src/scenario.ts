import { DAY_MS, DEFAULT_START_MS, HOUR_MS } from './calendar.js';
import { summarize, type Conversation } from './conversation.js';
import { PacketStore } from './packet-store.js';
import { PortAllocator } from './ports.js';
import type { PlanContext } from './plan.js';
import { Rng } from './prng.js';
import { buildTopology, type Host, type SegmentDef, type Topology } from './topology.js';
import { planAnomalies, ANOMALY_END_MARGIN_MS } from './traffic-anomalies.js';
import { planBusiness } from './traffic-business.js';
import { planInfrastructure } from './traffic-infra.js';
import { planJobs } from './traffic-jobs.js';
import { planNames } from './traffic-names.js';

export interface ScenarioOptions {
  /** Window start, ms since the epoch (UTC). Default: Monday 2024-06-03 00:00 UTC. */
  start?: number;
  /** Window length in days (default 28). */
  days?: number;
  /** PRNG seed (default 1). The same options give byte-identical captures. */
  seed?: number;
  /** Multiplier on user counts, tier sizes and business traffic (default 1). */
  scale?: number;
  /** Tag every frame with the VLAN of the client's segment. */
  vlans?: boolean;
  /** Inject anomalies strictly after this time (ms); see `planAnomalies`. */
  anomaliesFrom?: number | null;
  /** Add traffic that names hosts (DNS, DHCP, NetBIOS, mDNS, TLS SNI in real bytes) and its truth; see `planNames`. */
  names?: boolean;
}

export interface ResolvedScenarioOptions {
  start: number;
  /** Window end (exclusive), ms. */
  end: number;
  days: number;
  seed: number;
  scale: number;
  vlans: boolean;
  anomaliesFrom: number | null;
  names: boolean;
}

export interface Scenario {
  options: ResolvedScenarioOptions;
  segments: SegmentDef[];
  hosts: Host[];
  topology: Topology;
  /** In start order (ties: planning order), ports assigned, packet totals filled in. */
  conversations: Conversation[];
  /** Normal conversations left out because their edge first appeared after `anomaliesFrom`. */
  droppedNewEdges: number;
  /** The packets of every planned conversation (see Conversation.firstPacket). */
  packets: PacketStore;
  /** With the `names` option: when the moving DHCP lease changed hands (ms). */
  leaseMovedAt?: number;
}

/** Bad scenario options (a clear message, no stack trace needed). */
export class ScenarioOptionError extends Error {
  override name = 'ScenarioOptionError';
}

export function resolveOptions(o: ScenarioOptions = {}): ResolvedScenarioOptions {
  const start = o.start ?? DEFAULT_START_MS;
  const days = o.days ?? 28;
  const seed = o.seed ?? 1;
  const scale = o.scale ?? 1;
  if (!Number.isFinite(start) || start < 0) throw new ScenarioOptionError(`start must be a time after 1970, got ${start}`);
  if (!Number.isFinite(days) || days <= 0 || days > 366) throw new ScenarioOptionError(`days must be in (0, 366], got ${days}`);
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new ScenarioOptionError(`seed must be an integer in 0..4294967295, got ${seed}`);
  if (!Number.isFinite(scale) || scale < 0.1 || scale > 50) throw new ScenarioOptionError(`scale must be in [0.1, 50], got ${scale}`);
  const end = start + Math.round(days * DAY_MS);
  const anomaliesFrom = o.anomaliesFrom ?? null;
  if (anomaliesFrom !== null) {
    if (!Number.isFinite(anomaliesFrom) || anomaliesFrom < start || anomaliesFrom > end - ANOMALY_END_MARGIN_MS - HOUR_MS) {
      throw new ScenarioOptionError(
        `anomaliesFrom must lie in the window and at least 2 hours before its end (${new Date(start).toISOString()} .. ${new Date(end).toISOString()})`,
      );
    }
  }
  if (end - start < 2 * HOUR_MS) throw new ScenarioOptionError('the window must be at least 2 hours long');
  return { start, end, days, seed, scale, vlans: o.vlans ?? false, anomaliesFrom, names: o.names ?? false };
}

/** Numeric key of the conversation's edge (client address, server address, proto, server port). */
export function edgeKey(c: Conversation): number {
  return ((c.client.id * 4096 + c.server.id) * 65536 + c.dport) * 256 + c.proto;
}

/**
 * Stable sort by start time. Keys pack (start - first start, index) into 64 bits so the native
 * typed-array sort does the work; falls back to a comparator sort if they do not fit.
 */
export function sortByStart(convs: Conversation[]): Conversation[] {
  const n = convs.length;
  if (n === 0) return convs;
  let min = Infinity,
    max = -Infinity;
  for (const c of convs) {
    min = Math.min(min, c.startUs);
    max = Math.max(max, c.startUs);
  }
  const idxBits = Math.max(1, Math.ceil(Math.log2(n + 1)));
  if (Math.log2(max - min + 1) + idxBits > 63) return [...convs].sort((a, b) => a.startUs - b.startUs);
  const keys = new BigUint64Array(n);
  const shift = BigInt(idxBits);
  for (let i = 0; i < n; i++) keys[i] = (BigInt(convs[i]!.startUs - min) << shift) | BigInt(i);
  keys.sort();
  const mask = (1n << shift) - 1n;
  const out: Conversation[] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = convs[Number(keys[i]! & mask)]!;
  return out;
}

/** Plans every conversation of the scenario (no I/O). */
export function buildScenario(options: ScenarioOptions = {}): Scenario {
  const opts = resolveOptions(options);
  const topology = buildTopology(opts.scale);
  const planned: Conversation[] = [];
  const ctx: PlanContext = {
    topo: topology,
    seed: opts.seed,
    startMs: opts.start,
    endMs: opts.end,
    density: opts.scale,
    anomaliesFrom: opts.anomaliesFrom,
    add: (c) => planned.push(c),
  };
  planInfrastructure(ctx);
  planBusiness(ctx);
  planJobs(ctx);
  planAnomalies(ctx);
  const names = opts.names ? planNames(ctx) : null;

  const startUs = opts.start * 1000;
  const endUs = opts.end * 1000;
  let kept: Conversation[] = [];
  const packets = new PacketStore(1 << 20);
  for (const c of planned) {
    summarize(c, packets);
    if (c.startUs >= startUs && c.endUs < endUs) kept.push(c);
  }

  // After anomaliesFrom the only new edges are the anomalies.
  let droppedNewEdges = 0;
  if (opts.anomaliesFrom !== null) {
    const fromUs = opts.anomaliesFrom * 1000;
    const seen = new Set<number>();
    for (const c of kept) if (c.label.anomaly === null && c.startUs < fromUs) seen.add(edgeKey(c));
    const before = kept.length;
    kept = kept.filter((c) => c.label.anomaly !== null || c.startUs < fromUs || seen.has(edgeKey(c)));
    droppedNewEdges = before - kept.length;
  }

  kept = sortByStart(kept);
  const ports = new PortAllocator(Rng.derive(opts.seed, 'ports'));
  for (const c of kept) {
    ports.assign(c);
    c.vlan = opts.vlans ? c.client.host.vlan : null;
  }
  return {
    options: opts,
    segments: topology.segments,
    hosts: topology.hosts,
    topology,
    conversations: kept,
    droppedNewEdges,
    packets,
    ...(names && { leaseMovedAt: names.leaseMovedAt }),
  };
}
