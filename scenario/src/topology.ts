import { parseIP } from '@spanmap/shared';
import { ipv6Bytes } from './packets.js';

/** A segment in the console's format (`PUT /api/v1/segments`). */
export interface SegmentDef {
  name: string;
  cidrs: string[];
  vlans: number[];
}

/** One address of a host, with what the packet builder needs. */
export interface Addr {
  /** Small integer unique per address in the topology (for compact keys). */
  id: number;
  ip: string;
  family: 4 | 6;
  /** IPv4 as an unsigned integer (family 4), else 0. */
  v4: number;
  /** IPv6 bytes (family 6), else empty. */
  v6: Uint8Array;
  host: Host;
}

export interface Host {
  name: string;
  /** Segment name, or "external" for internet addresses. */
  segment: string;
  role: string;
  v4: Addr;
  /** IPv6 address for dual-stack hosts. */
  v6: Addr | null;
  /** Low 32 bits of the MAC (02:00:xx:xx:xx:xx): derived from the IPv4 address (the gateway's for external hosts). */
  mac: number;
  /** IP TTL / hop limit the host sends with. */
  ttl: number;
  /** VLAN of the host's segment (null for external). */
  vlan: number | null;
  /** Joined to the directory: talks LDAP/Kerberos to the domain controller. */
  domainMember: boolean;
}

export const SEGMENTS: readonly SegmentDef[] = [
  { name: 'infra', cidrs: ['10.10.0.0/24'], vlans: [100] },
  { name: 'web', cidrs: ['10.10.1.0/24', 'fd00:10:1::/64'], vlans: [110] },
  { name: 'app', cidrs: ['10.10.2.0/24'], vlans: [120] },
  { name: 'db', cidrs: ['10.10.3.0/24'], vlans: [130] },
  { name: 'users', cidrs: ['10.20.0.0/16', 'fd00:20::/64'], vlans: [200] },
  { name: 'legacy', cidrs: ['10.30.0.0/24'], vlans: [300] },
  // The file server is a business service, not shared infrastructure: its own segment, so that
  // users' SMB to it and SMB to a domain controller stay apart at segment granularity.
  { name: 'files', cidrs: ['10.10.4.0/24'], vlans: [140] },
];

/** The site's router: frames to and from external addresses carry its MAC. */
export const GATEWAY_IP = '10.10.0.1';
/** The public NTP pool server the site's NTP server follows (TEST-NET-3). */
export const NTP_POOL_IP = '203.0.113.123';
/** The external address of the "external" anomaly (TEST-NET-2). */
export const ANOMALY_EXTERNAL_IP = '198.51.100.7';

export interface Topology {
  segments: SegmentDef[];
  hosts: Host[];
  /** Lookup by name. */
  byName: Map<string, Host>;
  infra: {
    dns: Host[];
    ntp: Host;
    dc: Host;
    syslog: Host;
    snmp: Host;
    dhcp: Host;
    backup: Host;
    patch: Host;
    monitor: Host;
    files: Host;
    ntpPool: Host;
  };
  web: Host[];
  app: Host[];
  db: Host[];
  finance: Host;
  mainframe: Host;
  users: Host[];
  admin: Host;
  external: Host;
}

function v4Of(ip: string): number {
  const p = parseIP(ip);
  if (!p || p.family !== 4) throw new Error(`bad IPv4 ${ip}`);
  return Number(p.value);
}

let nextAddrId = 0;

function makeAddr(ip: string, host: Host): Addr {
  const p = parseIP(ip);
  if (!p) throw new Error(`bad IP ${ip}`);
  const id = nextAddrId++;
  return p.family === 4 ? { id, ip, family: 4, v4: Number(p.value), v6: new Uint8Array(0), host } : { id, ip, family: 6, v4: 0, v6: ipv6Bytes(p.value), host };
}

function vlanOf(segment: string): number | null {
  return SEGMENTS.find((s) => s.name === segment)?.vlans[0] ?? null;
}

export function host(name: string, segment: string, role: string, ip4: string, ip6: string | null, opts: { ttl?: number; domain?: boolean } = {}): Host {
  const h = { name, segment, role, mac: 0, ttl: opts.ttl ?? 64, vlan: vlanOf(segment), domainMember: opts.domain ?? false } as Host;
  h.v4 = makeAddr(ip4, h);
  h.v6 = ip6 ? makeAddr(ip6, h) : null;
  h.mac = segment === 'external' ? v4Of(GATEWAY_IP) : h.v4.v4;
  return h;
}

/** Number of users (besides the admin workstation) and tier sizes for a scale factor. */
export function tierSizes(scale: number): { users: number; web: number; app: number; db: number } {
  return {
    users: Math.max(2, Math.round(8 * scale)),
    web: scale >= 1.5 ? 3 : 2,
    app: scale >= 1.5 ? 3 : 2,
    db: scale >= 2 ? 2 : 1,
  };
}

/** The site: fixed infrastructure plus tiers and users sized by `scale`. */
export function buildTopology(scale: number): Topology {
  nextAddrId = 0;
  const n = tierSizes(scale);
  const dns = [host('dns1', 'infra', 'dns', '10.10.0.10', null), host('dns2', 'infra', 'dns', '10.10.0.11', null)];
  const ntp = host('ntp1', 'infra', 'ntp', '10.10.0.20', null);
  const dc = host('dc1', 'infra', 'domain-controller', '10.10.0.30', null, { ttl: 128 });
  const syslog = host('syslog1', 'infra', 'syslog', '10.10.0.40', null);
  const snmp = host('snmp1', 'infra', 'snmp-manager', '10.10.0.50', null);
  const dhcp = host('dhcp1', 'infra', 'dhcp', '10.10.0.60', null);
  const backup = host('backup1', 'infra', 'backup', '10.10.0.70', null);
  const patch = host('patch1', 'infra', 'patch', '10.10.0.80', null, { ttl: 128, domain: true });
  const monitor = host('monitor1', 'infra', 'monitoring', '10.10.0.90', null);
  const files = host('files1', 'files', 'file-server', '10.10.4.100', null, { ttl: 128, domain: true });
  const ntpPool = host('ntp-pool', 'external', 'ntp-pool', NTP_POOL_IP, null);
  const web = Array.from({ length: n.web }, (_, i) => host(`web${i + 1}`, 'web', 'web', `10.10.1.${11 + i}`, `fd00:10:1::${11 + i}`, { domain: true }));
  const app = Array.from({ length: n.app }, (_, i) => host(`app${i + 1}`, 'app', 'app', `10.10.2.${21 + i}`, null, { domain: true }));
  const db = Array.from({ length: n.db }, (_, i) => host(`db${i + 1}`, 'db', 'database', `10.10.3.${31 + i}`, null));
  const finance = host('finance-db', 'db', 'finance-reporting', '10.10.3.40', null, { ttl: 128, domain: true });
  const mainframe = host('mainframe', 'legacy', 'mainframe', '10.30.0.5', null);
  const admin = host('admin-ws', 'users', 'admin-workstation', '10.20.0.10', null, { ttl: 128, domain: true });
  const users = Array.from({ length: n.users }, (_, i) => {
    const third = 1 + Math.floor(i / 200);
    const fourth = 11 + (i % 200);
    const v6 = i % 3 === 0 ? `fd00:20::${(0x100 + i).toString(16)}` : null; // every third user is dual-stack
    return host(`user${String(i + 1).padStart(3, '0')}`, 'users', 'user', `10.20.${third}.${fourth}`, v6, { ttl: 128, domain: true });
  });
  const external = host('external-198.51.100.7', 'external', 'external', ANOMALY_EXTERNAL_IP, null);
  const hosts = [
    ...dns,
    ntp,
    dc,
    syslog,
    snmp,
    dhcp,
    backup,
    patch,
    monitor,
    files,
    ...web,
    ...app,
    ...db,
    finance,
    mainframe,
    admin,
    ...users,
    ntpPool,
    external,
  ];
  if (nextAddrId > 4096) throw new Error('too many addresses for compact edge keys (scale too large)');
  return {
    segments: SEGMENTS.map((s) => ({ name: s.name, cidrs: [...s.cidrs], vlans: [...s.vlans] })),
    hosts,
    byName: new Map(hosts.map((h) => [h.name, h])),
    infra: { dns, ntp, dc, syslog, snmp, dhcp, backup, patch, monitor, files, ntpPool },
    web,
    app,
    db,
    finance,
    mainframe,
    users,
    admin,
    external,
  };
}

/** Hosts on the site (everything but external addresses). */
export function siteHosts(t: Topology): Host[] {
  return t.hosts.filter((h) => h.segment !== 'external');
}

/** Site hosts that are servers (not user workstations). */
export function servers(t: Topology): Host[] {
  return siteHosts(t).filter((h) => h.segment !== 'users');
}
