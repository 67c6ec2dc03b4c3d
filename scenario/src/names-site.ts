import { T_A, T_AAAA, T_CNAME, T_PTR, reverseName, type Rr } from './dns-packets.js';
import { host, type Host, type Topology } from './topology.js';

/** The site's DNS domain (DHCP option 15, the zone the resolvers answer for). */
export const DOMAIN = 'corp.example';
/** The SaaS the users log in to: named by DNS answers and by TLS SNI. */
export const SAAS_IP = '192.0.2.10';
export const SAAS_NAME = 'login.saas.example';
/** The monitoring server's dashboard: named only by TLS SNI (no DNS lookup of it in the traffic). */
export const GRAFANA_NAME = `grafana.${DOMAIN}`;
/** The address whose DHCP lease moves from one workstation to another halfway through the window. */
export const MOVING_LEASE_IP = '10.20.3.50';

/**
 * The hosts the names traffic adds to the site (only with the `names` option). Added after the
 * other traffic is planned, so they get only the traffic planned for them here.
 */
export interface NameHosts {
  /** The users' gateway: the DHCP relay agent (giaddr) between the users and dhcp1. Never named. */
  relay: Host;
  /** An address handed by DHCP first to ws-0142, then (halfway) to ws-0177. */
  lease: Host;
  /** A kiosk that registers its NetBIOS name by broadcast: "KIOSK-07". */
  kiosk: Host;
  /** A kiosk whose NetBIOS name "LOBBY PC" holds a space: carried on the wire, never a valid name. */
  lobby: Host;
  /** A printer announcing itself over mDNS: printer-3f.local. */
  printer: Host;
  /** A dual-stack workstation announcing both addresses over mDNS (IPv4 only on the wire). */
  mac: Host;
  saas: Host;
  /** 224.0.0.251 and the users' broadcast address: destinations, never named. */
  mdnsGroup: Host;
  broadcast: Host;
}

export function addNameHosts(topo: Topology): NameHosts {
  const h: NameHosts = {
    relay: host('gw-users', 'users', 'router', '10.20.0.1', null),
    lease: host(`lease-${MOVING_LEASE_IP}`, 'users', 'dhcp-workstation', MOVING_LEASE_IP, null, { ttl: 128 }),
    kiosk: host('kiosk-07', 'users', 'kiosk', '10.20.3.60', null, { ttl: 128 }),
    lobby: host('lobby-pc', 'users', 'kiosk', '10.20.3.61', null, { ttl: 128 }),
    printer: host('printer-3f', 'users', 'printer', '10.20.3.70', null),
    mac: host('mac-studio', 'users', 'workstation', '10.20.3.80', 'fd00:20::3:80'),
    saas: host('saas', 'external', 'saas', SAAS_IP, null),
    mdnsGroup: host('mdns-group', 'unassigned', 'multicast', '224.0.0.251', null),
    broadcast: host('bcast-users', 'users', 'broadcast', '10.20.255.255', null),
  };
  for (const x of Object.values(h)) {
    topo.hosts.push(x);
    topo.byName.set(x.name, x);
  }
  return h;
}

/** A DNS lookup the resolvers answer: the question, the answer records, and the (address, name) pairs it teaches. */
export interface Lookup {
  qname: string;
  qtype: number;
  answers: Rr[];
  rcode: number;
  teaches: Array<{ ip: string; name: string }>;
}

function a(name: string, ip: string): Lookup {
  const type = ip.includes(':') ? T_AAAA : T_A;
  return { qname: name, qtype: type, answers: [{ name, type, data: ip }], rcode: 0, teaches: [{ ip, name }] };
}

function ptr(ip: string, name: string): Lookup {
  const q = reverseName(ip);
  return { qname: q, qtype: T_PTR, answers: [{ name: q, type: T_PTR, data: name }], rcode: 0, teaches: [{ ip, name }] };
}

/**
 * What the site's clients look up: servers by A/AAAA, the portal through a two-step CNAME chain
 * (app2 is known only as "portal"), the resolvers and web2's IPv6 address by PTR, the SaaS, and a
 * WPAD probe that gets NXDOMAIN. Servers not in this list are never named by DNS.
 */
export function lookups(topo: Topology, saas: Host): Lookup[] {
  const d = (n: string) => `${n}.${DOMAIN}`;
  const [web1, web2] = topo.web as [Host, Host];
  const [app1, app2] = topo.app as [Host, Host];
  const [dns1, dns2] = topo.infra.dns as [Host, Host];
  const portal: Lookup = {
    qname: d('portal'),
    qtype: T_A,
    answers: [
      { name: d('portal'), type: T_CNAME, data: d('lb-portal') },
      { name: d('lb-portal'), type: T_CNAME, data: d('app2') },
      { name: d('app2'), type: T_A, data: app2.v4.ip },
    ],
    rcode: 0,
    teaches: [{ ip: app2.v4.ip, name: d('portal') }],
  };
  return [
    a(d('dc1'), topo.infra.dc.v4.ip),
    a(d('files1'), topo.infra.files.v4.ip),
    a(d('web1'), web1.v4.ip),
    a(d('web1'), web1.v6!.ip),
    a(d('web2'), web2.v4.ip),
    ptr(web2.v6!.ip, d('web2')),
    a(d('app1'), app1.v4.ip),
    portal,
    a(d('db1'), topo.db[0]!.v4.ip),
    ptr(dns1.v4.ip, d('dns1')),
    ptr(dns2.v4.ip, d('dns2')),
    a(SAAS_NAME, saas.v4.ip),
    { qname: d('wpad'), qtype: T_A, answers: [], rcode: 3, teaches: [] },
  ];
}
