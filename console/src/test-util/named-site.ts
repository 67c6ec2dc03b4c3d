import type { FlowRecord, NameObservation, SummaryBatch } from '@spanmap/shared';
import type { SegmentDef } from '../segments/segments.js';

export const H = 3_600_000;
export const T0 = Date.UTC(2024, 5, 3); // a Monday
/** The lease of 10.20.3.50 moves from ws-0142 to ws-0177 here, first seen 5 minutes later. */
export const MOVE = T0 + 36 * H;
export const MOVED = MOVE + 5 * 60_000;

export const SEGMENTS: SegmentDef[] = [
  { name: 'infra', cidrs: ['10.10.0.0/24'], vlans: [], hosts: [] },
  { name: 'web', cidrs: ['10.10.1.0/24'], vlans: [], hosts: [] },
  { name: 'users', cidrs: ['10.20.0.0/16'], vlans: [], hosts: [] },
];

export const DC = '10.10.0.10';
export const WEB = '10.10.1.10';
export const LEASE = '10.20.3.50';
export const UNNAMED = '10.20.3.99';
export const EXTERNAL = '203.0.113.7';

/**
 * Three days of a small site as a probe would send it, one v2 batch per hour: a workstation on a
 * moving DHCP lease (ws-0142, then ws-0177 from MOVE) reaching a web server (named by DNS, and by
 * TLS SNI as portal.corp.example) and the domain controller (named by DNS); a workstation and an
 * external address never named. Each hour's flows start 1 minute in; the names 5-15 minutes in,
 * so the first hour's flows happen before any name is known.
 */
export function namedSite(hours = 72, probe = 'p1'): SummaryBatch[] {
  const out: SummaryBatch[] = [];
  for (let h = 0; h < hours; h++) {
    const t = T0 + h * H;
    const records = [
      flow(LEASE, WEB, 6, 443, t + 60_000),
      flow(LEASE, DC, 17, 53, t + 61_000),
      flow(UNNAMED, WEB, 6, 443, t + 62_000),
      flow(WEB, EXTERNAL, 6, 443, t + 63_000),
    ];
    const names: NameObservation[] = [];
    for (const m of [5, 35])
      names.push({ ip: LEASE, name: t + m * 60_000 < MOVE ? 'ws-0142.corp.example' : 'ws-0177.corp.example', source: 'dhcp', time: t + m * 60_000 });
    names.push({ ip: DC, name: 'dc1.corp.example', source: 'dns', time: t + 10 * 60_000 });
    names.push({ ip: WEB, name: 'web1.corp.example', source: 'dns', time: t + 10 * 60_000 });
    names.push({ ip: WEB, name: 'portal.corp.example', source: 'tls', time: t + 15 * 60_000 });
    out.push({ v: 2, probe, epoch: 'ab'.repeat(16), seq: h + 1, from: t, to: t + H - 1, records, names, entries: [] });
  }
  return out;
}

/** The name the site's truth gives an address at a time. */
export function truthName(ip: string, time: number): string | null {
  if (ip === LEASE) return time < T0 + 5 * 60_000 ? null : time < MOVED ? 'ws-0142.corp.example' : 'ws-0177.corp.example';
  if (ip === DC) return time < T0 + 10 * 60_000 ? null : 'dc1.corp.example';
  // DNS is preferred over TLS SNI while both hold.
  if (ip === WEB) return time < T0 + 10 * 60_000 ? null : 'web1.corp.example';
  return null;
}

export function flow(src: string, dst: string, proto: number, port: number, first: number, sport = 40_000 + (first % 20_000)): FlowRecord {
  return {
    src,
    dst,
    proto,
    sport,
    dport: port,
    packets: 10,
    bytes: 1000,
    rpackets: 8,
    rbytes: 4000,
    first,
    last: first + 500,
    tcpFlags: proto === 6 ? 27 : 0,
    rtcpFlags: proto === 6 ? 27 : 0,
    vlan: null,
    end: proto === 6 ? 'fin' : 'idle',
    initiator: proto === 6 ? 'syn' : 'port',
  };
}
