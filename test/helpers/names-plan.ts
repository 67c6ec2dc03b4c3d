import { randomBytes } from 'node:crypto';
import { connect } from 'mqtt';
import { encodeBatch, parseAck, type LearnedSource, type NameObservation } from '@spanmap/shared';
import { Rng, type ScenarioTruth } from '@spanmap/scenario';

const H = 3_600_000;
const D = 24 * H;

/** What the wire would teach about one address: its names in time order (each from its first observation). */
export interface PlannedAddress {
  ip: string;
  host: string;
  names: Array<{ name: string; from: number }>;
}

/**
 * Names for a generated site, as a probe's passive decoders would learn them (issue 15's checked
 * traffic): servers named by DNS answers (web1 also by TLS SNI, which must not win over DNS),
 * finance-db by NetBIOS, every other user workstation by DHCP — user001's lease moving from
 * ws-0142 to ws-0177 at noon of the middle day — and the rest never named (the other users, the
 * users' IPv6 addresses, ntp1, syslog1, snmp1, dhcp1, backup1, patch1, monitor1, the mainframe,
 * external hosts). Observations repeat every 6 hours (DNS) or 8 hours (DHCP renewals), starting
 * 2 hours into the capture, so the first hours' traffic happens before any name is known.
 */
export function planNames(t: ScenarioTruth): { observations: NameObservation[]; addresses: PlannedAddress[] } {
  const { start, end, days } = t.generator;
  const move = start + Math.floor(days / 2) * D + 12 * H;
  const obs: NameObservation[] = [];
  const addresses: PlannedAddress[] = [];
  const every = (ip: string, name: string, source: LearnedSource, first: number, step: number, until = end) => {
    for (let time = first; time < until; time += step) obs.push({ ip, name, source, time });
  };
  const DNS_NAMED = new Set(['dns1', 'dns2', 'dc1', 'files1', 'web1', 'web2', 'app1', 'app2', 'db1', 'admin-ws']);
  for (const h of t.hosts) {
    const a: PlannedAddress = { ip: h.ip, host: h.name, names: [] };
    addresses.push(a);
    const v4 = !h.ip.includes(':');
    if (DNS_NAMED.has(h.name)) {
      const name = `${h.name}.corp.example`;
      a.names.push({ name, from: start + 2 * H });
      every(h.ip, name, 'dns', start + 2 * H, 6 * H);
      if (h.name === 'web1' && v4) every(h.ip, 'portal.corp.example', 'tls', start + 3 * H, 6 * H);
    } else if (h.name === 'finance-db') {
      a.names.push({ name: 'finance-db', from: start + 2 * H + 60_000 });
      every(h.ip, 'finance-db', 'netbios', start + 2 * H + 60_000, 6 * H);
    } else if (h.name === 'user001' && v4) {
      a.names.push({ name: 'ws-0142.corp.example', from: start + 2 * H + 120_000 }, { name: 'ws-0177.corp.example', from: move });
      every(h.ip, 'ws-0142.corp.example', 'dhcp', start + 2 * H + 120_000, 30 * 60_000, move);
      every(h.ip, 'ws-0177.corp.example', 'dhcp', move, 30 * 60_000);
    } else if (h.role === 'user' && v4 && Number(h.name.slice(4)) % 2 === 1) {
      const name = `${h.name}.corp.example`;
      a.names.push({ name, from: start + 2 * H + 180_000 });
      every(h.ip, name, 'dhcp', start + 2 * H + 180_000, 8 * H);
    }
  }
  return { observations: obs.sort((x, y) => x.time - y.time), addresses };
}

/** The name the plan gives `ip` at `time` (ms; Infinity: now), or null: never named, or not yet. */
export function plannedName(addresses: PlannedAddress[], ip: string, time: number): string | null {
  const a = addresses.find((x) => x.ip === ip);
  let name: string | null = null;
  for (const n of a?.names ?? []) if (n.from <= time) name = n.name;
  return name;
}

/**
 * Publishes the observations as version-2 summary batches (names only) under `probe`, in a
 * seeded shuffled order (batches of several probes arrive out of time order), over MQTT QoS 1,
 * and resolves once the console has acknowledged every sequence number.
 */
export async function publishNames(url: string, probe: string, observations: NameObservation[], seed = 15, perBatch = 200): Promise<number> {
  const epoch = randomBytes(16).toString('hex');
  const batches: Uint8Array[] = [];
  for (let i = 0; i < observations.length; i += perBatch) {
    const names = observations.slice(i, i + perBatch);
    const from = Math.min(...names.map((n) => n.time));
    const to = Math.max(...names.map((n) => n.time));
    batches.push(encodeBatch({ v: 2, probe, epoch, seq: batches.length + 1, from, to, records: [], names, entries: [] }));
  }
  const rng = new Rng(seed);
  const order = batches.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const client = connect(url, { clientId: `spanmap-probe-${probe}`, reconnectPeriod: 0, connectTimeout: 5000 });
  try {
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
    });
    const acked = new Set<number>();
    const all = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`console acknowledged ${acked.size} of ${batches.length} name batches`)), 60_000);
      client.on('message', (_topic, payload) => {
        const ack = parseAck(payload);
        if (ack?.epoch !== epoch) return;
        for (const s of ack.seqs) acked.add(s);
        if (acked.size === batches.length) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    await client.subscribeAsync(`spanmap/v1/${probe}/ack`, { qos: 1 });
    for (const i of order) await client.publishAsync(`spanmap/v1/${probe}/flows`, Buffer.from(batches[i]!), { qos: 1 });
    await all;
    return batches.length;
  } finally {
    await client.endAsync(true);
  }
}
