/**
 * Well-known services by transport and port: names follow the IANA service registry
 * (lower case), with the common aliases engineers expect ("https", "postgresql", "ms-sql-s").
 * `infra` marks shared infrastructure dependencies that every segment tends to need.
 * The probe uses the table to decide initiators when no SYN was seen; the console to name edges.
 */
export interface ServiceInfo {
  name: string;
  infra: boolean;
}

type Proto = 'tcp' | 'udp' | 'both';

// [ports, proto, name, infra]
const TABLE: Array<[number | number[], Proto, string, boolean?]> = [
  [20, 'tcp', 'ftp-data'],
  [21, 'tcp', 'ftp'],
  [22, 'tcp', 'ssh'],
  [23, 'tcp', 'telnet'],
  [25, 'tcp', 'smtp'],
  [49, 'both', 'tacacs', true],
  [53, 'both', 'dns', true],
  [67, 'udp', 'dhcp', true],
  [68, 'udp', 'dhcp-client', true],
  [69, 'udp', 'tftp'],
  [79, 'tcp', 'finger'],
  [80, 'tcp', 'http'],
  [81, 'tcp', 'http-alt'],
  [88, 'both', 'kerberos', true],
  [102, 'tcp', 'iso-tsap'], // Siemens S7
  [110, 'tcp', 'pop3'],
  [111, 'both', 'sunrpc'],
  [113, 'tcp', 'ident'],
  [119, 'tcp', 'nntp'],
  [123, 'udp', 'ntp', true],
  [135, 'tcp', 'msrpc'],
  [137, 'udp', 'netbios-ns'],
  [138, 'udp', 'netbios-dgm'],
  [139, 'tcp', 'netbios-ssn'],
  [143, 'tcp', 'imap'],
  [161, 'udp', 'snmp', true],
  [162, 'udp', 'snmptrap', true],
  [179, 'tcp', 'bgp'],
  [194, 'tcp', 'irc'],
  [389, 'both', 'ldap', true],
  [427, 'both', 'svrloc'],
  [443, 'tcp', 'https'],
  [443, 'udp', 'quic'],
  [445, 'tcp', 'microsoft-ds'],
  [464, 'both', 'kpasswd', true],
  [465, 'tcp', 'smtps'],
  [500, 'udp', 'isakmp'],
  [502, 'tcp', 'modbus'],
  [512, 'tcp', 'exec'],
  [513, 'tcp', 'login'],
  [514, 'udp', 'syslog', true],
  [514, 'tcp', 'shell'],
  [515, 'tcp', 'printer'],
  [520, 'udp', 'rip'],
  [521, 'udp', 'ripng'],
  [546, 'udp', 'dhcpv6-client', true],
  [547, 'udp', 'dhcpv6', true],
  [548, 'tcp', 'afp'],
  [554, 'tcp', 'rtsp'],
  [587, 'tcp', 'submission'],
  [593, 'tcp', 'http-rpc-epmap'],
  [601, 'tcp', 'syslog-conn', true],
  [623, 'udp', 'ipmi'],
  [631, 'tcp', 'ipp'],
  [636, 'tcp', 'ldaps', true],
  [646, 'both', 'ldp'],
  [749, 'both', 'kerberos-adm', true],
  [853, 'tcp', 'domain-s', true],
  [860, 'tcp', 'iscsi'],
  [873, 'tcp', 'rsync'],
  [902, 'tcp', 'vmware-auth'],
  [989, 'tcp', 'ftps-data'],
  [990, 'tcp', 'ftps'],
  [993, 'tcp', 'imaps'],
  [995, 'tcp', 'pop3s'],
  [1080, 'tcp', 'socks'],
  [1194, 'both', 'openvpn'],
  [1433, 'tcp', 'ms-sql-s'],
  [1434, 'udp', 'ms-sql-m'],
  [1521, 'tcp', 'oracle'],
  [1645, 'udp', 'radius', true],
  [1646, 'udp', 'radius-acct', true],
  [1701, 'udp', 'l2tp'],
  [1723, 'tcp', 'pptp'],
  [1812, 'udp', 'radius', true],
  [1813, 'udp', 'radius-acct', true],
  [1883, 'tcp', 'mqtt'],
  [1900, 'udp', 'ssdp'],
  [2049, 'both', 'nfs'],
  [2055, 'udp', 'netflow'],
  [2123, 'udp', 'gtp-c'],
  [2152, 'udp', 'gtp-u'],
  [2181, 'tcp', 'zookeeper'],
  [2375, 'tcp', 'docker'],
  [2376, 'tcp', 'docker-tls'],
  [2379, 'tcp', 'etcd'],
  [2380, 'tcp', 'etcd-peer'],
  [2404, 'tcp', 'iec-104'],
  [3000, 'tcp', 'http-alt'],
  [3128, 'tcp', 'squid-http'],
  [3260, 'tcp', 'iscsi'],
  [3268, 'tcp', 'msft-gc', true],
  [3269, 'tcp', 'msft-gc-ssl', true],
  [3306, 'tcp', 'mysql'],
  [3389, 'both', 'ms-wbt-server'],
  [3478, 'udp', 'stun'],
  [3544, 'udp', 'teredo'],
  [3702, 'udp', 'ws-discovery'],
  [4500, 'udp', 'ipsec-nat-t'],
  [4505, 'tcp', 'salt'],
  [4506, 'tcp', 'salt'],
  [4739, 'udp', 'ipfix'],
  [4789, 'udp', 'vxlan'],
  [5000, 'tcp', 'upnp'],
  [5044, 'tcp', 'beats'],
  [5060, 'both', 'sip'],
  [5061, 'tcp', 'sips'],
  [5353, 'udp', 'mdns'],
  [5355, 'udp', 'llmnr'],
  [5432, 'tcp', 'postgresql'],
  [5671, 'tcp', 'amqps'],
  [5672, 'tcp', 'amqp'],
  [5900, 'tcp', 'vnc'],
  [5938, 'tcp', 'teamviewer'],
  [5985, 'tcp', 'wsman'],
  [5986, 'tcp', 'wsmans'],
  [6081, 'udp', 'geneve'],
  [6343, 'udp', 'sflow'],
  [6379, 'tcp', 'redis'],
  [6443, 'tcp', 'kubernetes-api'],
  [6514, 'tcp', 'syslog-tls', true],
  [6660, 'tcp', 'irc'],
  [6667, 'tcp', 'irc'],
  [7000, 'tcp', 'cassandra'],
  [7001, 'tcp', 'weblogic'],
  [8000, 'tcp', 'http-alt'],
  [8008, 'tcp', 'http-alt'],
  [8009, 'tcp', 'ajp13'],
  [8080, 'tcp', 'http-alt'],
  [8081, 'tcp', 'http-alt'],
  [8086, 'tcp', 'influxdb'],
  [8088, 'tcp', 'http-alt'],
  [8089, 'tcp', 'splunkd'],
  [8140, 'tcp', 'puppet'],
  [8200, 'tcp', 'vault'],
  [8443, 'tcp', 'https-alt'],
  [8500, 'tcp', 'consul'],
  [8530, 'tcp', 'wsus'],
  [8531, 'tcp', 'wsus-ssl'],
  [8883, 'tcp', 'secure-mqtt'],
  [9000, 'tcp', 'http-alt'],
  [9042, 'tcp', 'cassandra-cql'],
  [9090, 'tcp', 'prometheus'],
  [9092, 'tcp', 'kafka'],
  [9093, 'tcp', 'alertmanager'],
  [9100, 'tcp', 'jetdirect'],
  [9200, 'tcp', 'elasticsearch'],
  [9300, 'tcp', 'elasticsearch-transport'],
  [9418, 'tcp', 'git'],
  [9995, 'udp', 'netflow'],
  [9996, 'udp', 'netflow'],
  [9997, 'tcp', 'splunk-forwarder'],
  [10050, 'tcp', 'zabbix-agent'],
  [10051, 'tcp', 'zabbix-trapper'],
  [11211, 'both', 'memcache'],
  [15672, 'tcp', 'rabbitmq-mgmt'],
  [20000, 'tcp', 'dnp3'],
  [27017, 'tcp', 'mongodb'],
  [44818, 'both', 'ethernet-ip'],
  [47808, 'udp', 'bacnet'],
];

const tcp = new Map<number, ServiceInfo>();
const udp = new Map<number, ServiceInfo>();
for (const [ports, proto, name, infra] of TABLE) {
  const info: ServiceInfo = { name, infra: infra === true };
  for (const port of Array.isArray(ports) ? ports : [ports]) {
    if (proto !== 'udp' && !tcp.has(port)) tcp.set(port, info);
    if (proto !== 'tcp' && !udp.has(port)) udp.set(port, info);
  }
}

/** The service at (protocol number, responder port), or null. SCTP and DCCP share TCP's table. */
export function serviceFor(proto: number, port: number): ServiceInfo | null {
  if (proto === 6 || proto === 132 || proto === 33) return tcp.get(port) ?? null;
  if (proto === 17 || proto === 136) return udp.get(port) ?? null;
  return null;
}

/** Ports at or above this are in the ephemeral ranges of common systems (Linux 32768-60999, Windows and BSD 49152-65535). */
export const EPHEMERAL_FLOOR = 32768;

/**
 * How strongly a port looks like a service endpoint, for deciding which side initiated a flow
 * without a SYN: 3 a known service, 2 another privileged port, 1 an unknown port below the
 * ephemeral ranges, 0 an ephemeral-looking port. Ties are left to the first packet's direction.
 */
export function servicePortRank(proto: number, port: number): number {
  if (serviceFor(proto, port)) return 3;
  if (port > 0 && port < 1024) return 2;
  if (port >= 1024 && port < EPHEMERAL_FLOOR) return 1;
  return 0;
}

/** Every known (proto, port) → service, for callers that precompute lookup tables. */
export function allServices(): Array<{ proto: number; port: number; info: ServiceInfo }> {
  const out: Array<{ proto: number; port: number; info: ServiceInfo }> = [];
  for (const [port, info] of tcp) out.push({ proto: 6, port, info });
  for (const [port, info] of udp) out.push({ proto: 17, port, info });
  return out;
}
