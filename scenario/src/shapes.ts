import type { Rng } from './prng.js';
import type { Shape } from './conversation.js';

/**
 * Packet-level shapes of the application protocols in the scenario. Sizes are payload bytes
 * (zeros on the wire); times are microseconds. Each returns a fresh Shape for one conversation.
 *
 * Silences inside a conversation stay short of flow-table idle timeouts: at most 45 s, except
 * the pooled database connection (45-75 s between queries, never more than 120 s).
 */

/** Think time with an exponential distribution, capped at 20 s. */
function think(rng: Rng, meanUs: number): number {
  return Math.min(20_000_000, Math.round(rng.exponential(meanUs)));
}

/** LAN round trip: mostly a few hundred µs, sometimes a few ms. */
export function lanRtt(rng: Rng): number {
  return rng.size(450, 120, 4000, 0.7);
}

function tcp(rng: Rng, ex: number[], rstChance = 0.03, rttUs = lanRtt(rng)): Shape {
  return { kind: 'tcp', rttUs, ex, close: rng.chance(rstChance) ? 'rst' : 'fin', seed: rng.seed() };
}

function udp(rng: Rng, ex: number[], rttUs = lanRtt(rng)): Shape {
  return { kind: 'udp', rttUs, ex, close: 'fin', seed: rng.seed() };
}

/** One DNS lookup (sometimes A + AAAA from the same socket). */
export function dnsQuery(rng: Rng): Shape {
  const q = rng.int(28, 60);
  const ex = [0, q, q + rng.int(16, 180), rng.int(20, 900)];
  if (rng.chance(0.15)) ex.push(rng.int(50, 400), q, q + rng.int(28, 200), rng.int(20, 900));
  return udp(rng, ex);
}

/** DNS over TCP: a truncated answer retried over TCP, or an incremental zone transfer. */
export function dnsTcp(rng: Rng, zoneTransfer: boolean): Shape {
  const ex = zoneTransfer
    ? [200, rng.int(40, 60), rng.size(6000, 300, 60000), rng.int(100, 3000)]
    : [200, rng.int(30, 60), rng.size(1800, 600, 9000), rng.int(50, 2000)];
  return tcp(rng, ex, 0);
}

/** chrony-style NTP poll: one 48-byte request, one 48-byte reply. */
export function ntpPoll(rng: Rng, rttUs?: number): Shape {
  return udp(rng, [0, 48, 48, rng.int(10, 80)], rttUs);
}

/** LDAP: bind, a search (sometimes two), then the client just closes (no unbind). */
export function ldapSession(rng: Rng): Shape {
  const ex = [300, rng.int(60, 120), 22, rng.int(100, 900)];
  const searches = rng.chance(0.2) ? 2 : 1;
  for (let i = 0; i < searches; i++) ex.push(rng.int(200, 2000), rng.int(90, 300), rng.size(900, 60, 6000), rng.int(200, 3000));
  return tcp(rng, ex, 0.02);
}

/** Kerberos AS/TGS exchange over UDP. */
export function kerberosUdp(rng: Rng): Shape {
  return udp(rng, [0, rng.int(180, 330), rng.int(600, 1400), rng.int(300, 2500)]);
}

/** Kerberos over TCP (large tickets with a PAC). */
export function kerberosTcp(rng: Rng): Shape {
  return tcp(rng, [300, rng.int(1300, 1900), rng.int(1500, 4200), rng.int(300, 2500)], 0);
}

/** A burst of syslog messages (one-way, no response). */
export function syslogBurst(rng: Rng): Shape {
  const n = rng.int(1, 4);
  const ex: number[] = [];
  for (let i = 0; i < n; i++) ex.push(i === 0 ? 0 : rng.int(200, 400_000), rng.size(140, 60, 900), 0, 0);
  return udp(rng, ex);
}

/** SNMP poll: one or two GET rounds from the manager's socket. */
export function snmpPoll(rng: Rng): Shape {
  const rounds = rng.chance(0.05) ? 2 : 1;
  const ex: number[] = [];
  for (let i = 0; i < rounds; i++) ex.push(i === 0 ? 0 : rng.int(500, 5000), rng.int(60, 140), rng.int(90, 480), rng.int(200, 3000));
  return udp(rng, ex);
}

/** DHCP renewal: unicast REQUEST from port 68, ACK from port 67. */
export function dhcpRenew(rng: Rng): Shape {
  return udp(rng, [0, 300, 300, rng.int(300, 4000)]);
}

/** Echo request / reply. */
export function ping(rng: Rng): Shape {
  return { kind: 'icmp', rttUs: lanRtt(rng), ex: [0, 56, 56, 0], close: 'fin', seed: rng.seed() };
}

/** TLS session with `requests` HTTP requests; responses around `respMedian` bytes. */
export function httpsSession(rng: Rng, requests: number, respMedian: number, thinkMeanUs = 2_000_000): Shape {
  const ex = [300, 517, rng.int(2800, 4600), rng.int(300, 3000), 200, rng.int(80, 130), rng.int(50, 300), rng.int(100, 1000)];
  for (let i = 0; i < requests; i++) {
    ex.push(i === 0 ? rng.int(200, 2000) : think(rng, thinkMeanUs), rng.int(300, 900), rng.size(respMedian, 120, 200_000), rng.int(500, 40_000));
  }
  return tcp(rng, ex);
}

/** Plain HTTP API calls between tiers. */
export function httpApi(rng: Rng): Shape {
  const n = rng.int(1, 3);
  const ex: number[] = [];
  for (let i = 0; i < n; i++) ex.push(rng.int(100, 30_000), rng.int(200, 1500), rng.size(1500, 100, 40_000), rng.int(500, 60_000));
  return tcp(rng, ex);
}

/** A short PostgreSQL session: startup, auth, a few queries, terminate. */
export function pgShort(rng: Rng): Shape {
  const ex = [200, 90, 400, rng.int(200, 2000), 100, 120, 300, rng.int(500, 3000)];
  const n = rng.int(1, 4);
  for (let i = 0; i < n; i++) ex.push(rng.int(100, 20_000), rng.int(60, 600), rng.size(800, 30, 30_000), rng.int(300, 30_000));
  ex.push(100, 5, 0, 0);
  return tcp(rng, ex, 0.02);
}

/** A pooled PostgreSQL connection: a query every 45-75 s (never silent > 120 s) for `durationUs`. */
export function pgPool(rng: Rng, durationUs: number): Shape {
  const ex = [200, 90, 400, rng.int(200, 2000), 100, 120, 300, rng.int(500, 3000)];
  let t = 0;
  for (;;) {
    const gap = rng.int(45_000_000, 75_000_000);
    if (t + gap > durationUs) break;
    t += gap;
    ex.push(gap, rng.int(40, 400), rng.size(300, 20, 8000), rng.int(200, 20_000));
  }
  ex.push(1000, 5, 0, 0);
  return tcp(rng, ex, 0);
}

/** Nightly rsync push: a small file list exchange, then `bytes` uploaded. */
export function rsyncPush(rng: Rng, bytes: number): Shape {
  return tcp(rng, [300, 60, 60, 500, 1000, 4000, 12000, 200_000, 2000, bytes, 200, 5_000_000], 0);
}

/** FTP control connection of a scripted transfer (login, PASV, RETR, QUIT), spanning `dataUs`. */
export function ftpControl(rng: Rng, dataUs: number): Shape {
  const ex = [0, 0, 60, 2000]; // server banner
  ex.push(50_000, 16, 34, 2000, 10_000, 16, 30, 5000, 10_000, 6, 48, 1000, 5000, 22, 60, 3000);
  ex.push(dataUs, 0, 24, 1000, 200_000, 6, 14, 1000);
  return tcp(rng, ex, 0);
}

/** FTP passive data connection: the file comes from the mainframe. */
export function ftpData(rng: Rng, bytes: number): Shape {
  return tcp(rng, [1000, 0, bytes, 1000], 0);
}

/** Patch download: a few requests for update files. */
export function patchDownload(rng: Rng, files: number): Shape {
  const ex: number[] = [];
  for (let i = 0; i < files; i++) ex.push(rng.int(1000, 500_000), rng.int(400, 900), rng.size(150_000, 20_000, 600_000), rng.int(1000, 20_000));
  return tcp(rng, ex, 0);
}

/** Month-end report: login, a long query, a big result set. */
export function mssqlReport(rng: Rng): Shape {
  return tcp(rng, [500, 300, 400, 3000, 2000, 1200, 300, 5000, 5000, 2500, rng.size(250_000, 80_000, 700_000), rng.int(10_000_000, 45_000_000)], 0);
}

/** Interactive SSH session of a few minutes. */
export function sshSession(rng: Rng, keystrokes: number): Shape {
  const ex = [0, 0, 40, 5000, 1000, 1500, 1100, 2000, 2000, 200, 900, 2000, 200_000, 180, 80, 2000];
  for (let i = 0; i < keystrokes; i++) ex.push(think(rng, 1_500_000), 36, rng.chance(0.2) ? rng.int(100, 3000) : 36, rng.int(100, 2000));
  return tcp(rng, ex, 0.1);
}

/** SMB2 session: negotiate, session setup, tree connect, some reads. */
export function smbSession(rng: Rng, reads: number): Shape {
  const ex = [300, 200, 250, 500, 1000, 400, 300, 2000, 1000, 90, 16, 500, 2000, 100, 20, 500, 500, 200, 160, 500];
  for (let i = 0; i < reads; i++) ex.push(rng.int(2000, 2_000_000), rng.int(100, 200), rng.size(6000, 200, 65_536), rng.int(300, 5000));
  return tcp(rng, ex, 0.05);
}
