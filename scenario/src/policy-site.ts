import { parseIP } from '@spanmap/shared';
import { DAY_MS, DEFAULT_START_MS } from './calendar.js';
import { summarize, type Conversation } from './conversation.js';
import { L } from './labels.js';
import { PacketStore } from './packet-store.js';
import type { PlanContext } from './plan.js';
import { PortAllocator } from './ports.js';
import { Rng } from './prng.js';
import { ScenarioOptionError, edgeKey, sortByStart, type Scenario } from './scenario.js';
import { SEGMENTS, buildTopology, siteHosts, type Addr, type Host, type Topology } from './topology.js';
import { planBusiness } from './traffic-business.js';
import { planInfrastructure } from './traffic-infra.js';
import { planJobs } from './traffic-jobs.js';
import { planFtpJobs, planRpc } from './traffic-related.js';
import { planPolicyAnomalies } from './policy-anomalies.js';
import { scenarioTruth, type ScenarioTruth } from './truth.js';
import { writeScenarioPcap, type WriteStats } from './write.js';

export interface PolicySiteOptions {
  /** Window start, ms (default Monday 2024-06-03). */
  start?: number;
  /** Days (default 21: two weeks to draft from, one to monitor). */
  days?: number;
  seed?: number;
  /** Start of the monitored last week (default: 7 days before the end). */
  monitorFrom?: number;
  /** Inject the anomalies after `monitorFrom` (default true). */
  anomalies?: boolean;
}

/** What changes in the monitored week, and what the console must recognise. */
export interface PolicySiteFacts {
  monitorFrom: number;
  managementStation: string;
  domainController: string;
  workstations: string[];
  webServers: string[];
  /** Users whose DHCP lease gave them a new address: the old one stops, the new one starts. */
  moved: Array<{ name: string; from: string; to: string; at: number }>;
  /** A server added to a segment. */
  added: Array<{ name: string; ip: string; segment: string; at: number }>;
  /** Data edges of related connections, by edge key "src|dst|proto|port". */
  related: Record<string, 'msrpc-dynamic' | 'ftp-data'>;
}

/** The site of the default scenario, plus an old Windows server in the legacy segment. */
function addHost(topo: Topology, name: string, segment: string, role: string, ip: string): Host {
  const id = Math.max(...topo.hosts.flatMap((h) => [h.v4.id, h.v6?.id ?? -1])) + 1;
  const h = {
    name,
    segment,
    role,
    v6: null,
    ttl: 128,
    vlan: SEGMENTS.find((s) => s.name === segment)?.vlans[0] ?? null,
    domainMember: true,
  } as unknown as Host;
  const v4 = Number(parseIP(ip)!.value);
  const addr: Addr = { id, ip, family: 4, v4, v6: new Uint8Array(0), host: h };
  Object.assign(h, { v4: addr, mac: v4 });
  topo.hosts.push(h);
  topo.byName.set(`${name}@${ip}`, h);
  return h;
}

/**
 * A multi-week site for policies that must neither break production nor allow too much: the
 * default site's traffic, plus MS-RPC to the domain controller from every domain member (the
 * endpoint mapper, then a fresh dynamic port each time), MS-RPC on the old 1025-5000 range to a
 * legacy Windows server, passive FTP batch jobs with data ports from 40000-60000, SNMP polling of
 * every server by the management station. In the monitored last week two users get new DHCP
 * addresses, a new application server joins the app segment, and (optionally) four anomalies
 * happen. The only edges first seen in that week are the anomalies, new dynamic/data ports, and the
 * new addresses' and the new server's edges.
 */
export function buildPolicySite(o: PolicySiteOptions = {}): { scenario: Scenario; facts: PolicySiteFacts } {
  const start = o.start ?? DEFAULT_START_MS;
  const days = o.days ?? 21;
  const seed = o.seed ?? 1;
  if (!Number.isInteger(days) || days < 8 || days > 90) throw new ScenarioOptionError(`days must be a whole number from 8 to 90, got ${days}`);
  const end = start + days * DAY_MS;
  const monitorFrom = o.monitorFrom ?? end - 7 * DAY_MS;
  if (!(monitorFrom >= start + DAY_MS && monitorFrom <= end - 4 * DAY_MS))
    throw new ScenarioOptionError('monitorFrom must leave a day before it and four after it');

  const topo = buildTopology(1);
  const erp = addHost(topo, 'erp-legacy', 'legacy', 'legacy-windows', '10.30.0.8');
  const app3 = addHost(topo, 'app3', 'app', 'app', '10.10.2.23');
  topo.app.push(app3);
  const added = [{ name: app3.name, ip: app3.v4.ip, segment: app3.segment, at: monitorFrom + DAY_MS }];
  const moved = [
    { user: topo.users[1]!, to: '10.20.1.112', at: monitorFrom + 2 * DAY_MS },
    { user: topo.users[4]!, to: '10.20.1.115', at: monitorFrom + 3 * DAY_MS },
  ].map((m) => {
    const clone = addHost(topo, m.user.name, 'users', m.user.role, m.to);
    topo.users.push(clone);
    return { ...m, clone };
  });
  // Addresses that exist only part of the time: [from, to) in µs.
  const active = new Map<number, [number, number]>([[app3.v4.id, [added[0]!.at * 1000, Infinity]]]);
  for (const m of moved) {
    active.set(m.user.v4.id, [-Infinity, m.at * 1000]);
    active.set(m.clone.v4.id, [m.at * 1000, Infinity]);
  }
  const isNew = (a: Addr) => a.id === app3.v4.id || moved.some((m) => m.clone.v4.id === a.id);
  const alive = (a: Addr, t: number) => {
    const w = active.get(a.id);
    return !w || (t >= w[0] && t < w[1]);
  };

  const planned: Conversation[] = [];
  const ctx: PlanContext = {
    topo,
    seed,
    startMs: start,
    endMs: end,
    density: 1,
    anomaliesFrom: o.anomalies === false ? null : monitorFrom,
    add: (c) => planned.push(c),
  };
  planInfrastructure(ctx);
  planBusiness(ctx);
  planJobs(ctx);
  planRpc(
    ctx,
    topo.infra.dc,
    siteHosts(topo).filter((h) => h.domainMember),
    { server: erp, clients: topo.app.slice(0, 2) },
  );
  planFtpJobs(ctx, topo.app[1]!, topo.mainframe);
  if (o.anomalies !== false) planPolicyAnomalies(ctx, monitorFrom);

  const packets = new PacketStore(1 << 20);
  let kept: Conversation[] = [];
  for (const c of planned) {
    summarize(c, packets);
    if (c.startUs >= start * 1000 && c.endUs < end * 1000 && alive(c.client, c.startUs) && alive(c.server, c.startUs)) kept.push(c);
  }
  // In the monitored week, an ordinary edge never seen before is left out (a Poisson source's first
  // run), unless it is what this site is about: a new dynamic or data port, a new address or server.
  const fromUs = monitorFrom * 1000;
  const seen = new Set<number>();
  for (const c of kept) if (c.startUs < fromUs) seen.add(edgeKey(c));
  const expectedNew = (c: Conversation) =>
    c.label.anomaly !== null || c.label.tag === 'msrpc-dynamic' || c.label.tag === 'ftp-data' || isNew(c.client) || isNew(c.server);
  const before = kept.length;
  kept = kept.filter((c) => c.startUs < fromUs || seen.has(edgeKey(c)) || expectedNew(c));
  const droppedNewEdges = before - kept.length;

  kept = sortByStart(kept);
  const ports = new PortAllocator(Rng.derive(seed, 'ports'));
  for (const c of kept) ports.assign(c);
  const related: PolicySiteFacts['related'] = {};
  for (const c of kept) {
    const kind = c.label.tag === 'msrpc-dynamic' ? 'msrpc-dynamic' : c.label.tag === 'ftp-data' || c.label === L.ftpData ? 'ftp-data' : null;
    if (kind) related[`${c.client.ip}|${c.server.ip}|${c.proto}|${c.dport}`] = kind;
  }
  const scenario: Scenario = {
    options: { start, end, days, seed, scale: 1, vlans: false, anomaliesFrom: ctx.anomaliesFrom, names: false },
    segments: topo.segments,
    hosts: topo.hosts,
    topology: topo,
    conversations: kept,
    droppedNewEdges,
    packets,
  };
  const facts: PolicySiteFacts = {
    monitorFrom,
    managementStation: topo.infra.snmp.v4.ip,
    domainController: topo.infra.dc.v4.ip,
    workstations: topo.users.slice(0, 8).map((u) => u.v4.ip),
    webServers: topo.web.map((w) => w.v4.ip),
    moved: moved.map((m) => ({ name: m.user.name, from: m.user.v4.ip, to: m.to, at: m.at })),
    added,
    related,
  };
  return { scenario, facts };
}

export type PolicySiteTruth = ScenarioTruth & { policySite: PolicySiteFacts };

/** Plans the policy site, writes its capture, and returns the ground truth with the site's facts. */
export function writePolicySite(pcapPath: string, o: PolicySiteOptions = {}): PolicySiteTruth & { stats: WriteStats } {
  const { scenario, facts } = buildPolicySite(o);
  const stats = writeScenarioPcap(pcapPath, scenario);
  const truth = scenarioTruth(scenario);
  if (stats.packets !== truth.totals.packets) throw new Error(`wrote ${stats.packets} packets, truth says ${truth.totals.packets}`);
  return { ...truth, policySite: facts, stats };
}
