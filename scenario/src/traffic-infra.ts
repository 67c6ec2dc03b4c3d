import type { Rng } from './prng.js';
import { HOUR_MS, MINUTE_MS, SECOND_MS, hoursOverlapping, isBusinessHour } from './calendar.js';
import { L } from './labels.js';
import { ICMP, TCP, UDP, conversation, rngFor, us, type PlanContext } from './plan.js';
import * as S from './shapes.js';
import { servers, siteHosts, type Host } from './topology.js';

/** Keep starts this far from the window end so every conversation finishes inside the window. */
export const END_MARGIN_MS = 3 * MINUTE_MS;

/** Conversations per hour for a "continuous" source: at least one, plus Poisson(lambda), at random times. */
export function perHour(ctx: PlanContext, rng: Rng, lambda: (hourStart: number) => number, each: (startUs: number) => void): void {
  for (const h of hoursOverlapping(ctx.startMs, ctx.endMs)) {
    const to = Math.min(h.to, ctx.endMs - END_MARGIN_MS);
    if (to <= h.from) continue;
    const n = 1 + rng.poisson(lambda(h.hourStart));
    const times: number[] = [];
    for (let i = 0; i < n; i++) times.push(Math.floor(us(rng.uniform(h.from, to))));
    times.sort((a, b) => a - b);
    for (const t of times) each(t);
  }
}

/** Strictly periodic starts (period ± jitter) from a random phase, for sub-hour pollers. */
export function periodic(ctx: PlanContext, rng: Rng, periodMs: number, jitterMs: number, each: (startUs: number) => void): void {
  let t = ctx.startMs + rng.uniform(jitterMs, periodMs);
  while (t < ctx.endMs - END_MARGIN_MS) {
    each(Math.floor(us(t + rng.uniform(-jitterMs, jitterMs))));
    t += periodMs;
  }
}

/** Poisson arrivals with a mean gap, any time of day. */
export function poissonTimes(ctx: PlanContext, rng: Rng, meanGapMs: number, each: (startUs: number) => void): void {
  let t = ctx.startMs + rng.exponential(meanGapMs);
  while (t < ctx.endMs - END_MARGIN_MS) {
    each(Math.floor(us(t)));
    t += rng.exponential(meanGapMs);
  }
}

const userish = (h: Host) => h.segment === 'users';
/** Hosts whose tickets carry large PACs and so use Kerberos over TCP; the others use UDP. */
const KERBEROS_OVER_TCP = new Set(['web', 'file-server']);

/**
 * Infrastructure dependencies, active every hour: DNS, NTP, LDAP, Kerberos, syslog, SNMP, DHCP,
 * plus the monitoring pings, the DNS zone transfer and occasional DNS-over-TCP fallbacks.
 */
export function planInfrastructure(ctx: PlanContext): void {
  const { topo } = ctx;
  const { dns, ntp, dc, syslog, snmp, dhcp, ntpPool, monitor } = topo.infra;
  const clients = siteHosts(topo);

  clients.forEach((h, i) => {
    // DNS: every host but the resolvers themselves; one resolver per host, alternating.
    if (h.role !== 'dns') {
      const resolver = dns[i % dns.length]!;
      const rng = rngFor(ctx, `dns:${h.name}`);
      perHour(
        ctx,
        rng,
        (hs) => (userish(h) && isBusinessHour(hs) ? 2 : 0.4),
        (t) => ctx.add(conversation(h.v4, resolver.v4, UDP, 53, t, S.dnsQuery(rng), L.dns)),
      );
    }
    // NTP: chrony polling every 2048 s from a fresh port; the NTP server follows the pool every 1024 s.
    {
      const rng = rngFor(ctx, `ntp:${h.name}`);
      const server = h === ntp ? ntpPool : ntp;
      const period = h === ntp ? 1024 : 2048;
      const rtt = h === ntp ? rng.int(8000, 25000) : undefined;
      periodic(ctx, rng, period * SECOND_MS, 200, (t) => ctx.add(conversation(h.v4, server.v4, UDP, 123, t, S.ntpPoll(rng, rtt), L.ntp)));
    }
    // LDAP and Kerberos for directory members.
    if (h.domainMember) {
      const rl = rngFor(ctx, `ldap:${h.name}`);
      perHour(
        ctx,
        rl,
        (hs) => (userish(h) && isBusinessHour(hs) ? 0.2 : 0.05),
        (t) => ctx.add(conversation(h.v4, dc.v4, TCP, 389, t, S.ldapSession(rl), L.ldap)),
      );
      const rk = rngFor(ctx, `krb:${h.name}`);
      if (!KERBEROS_OVER_TCP.has(h.role)) {
        perHour(
          ctx,
          rk,
          (hs) => (userish(h) && isBusinessHour(hs) ? 0.5 : 0.2),
          (t) => ctx.add(conversation(h.v4, dc.v4, UDP, 88, t, S.kerberosUdp(rk), L.kerberos)),
        );
      } else {
        perHour(
          ctx,
          rk,
          () => 0.2,
          (t) => ctx.add(conversation(h.v4, dc.v4, TCP, 88, t, S.kerberosTcp(rk), L.kerberos)),
        );
      }
    }
    // DHCP: workstations renew a 1 h lease at T1 = 30 min (unicast, 68 → 67).
    if (userish(h)) {
      const rng = rngFor(ctx, `dhcp:${h.name}`);
      let t = ctx.startMs + rng.uniform(0, 30 * MINUTE_MS);
      while (t < ctx.endMs - END_MARGIN_MS) {
        const shape = S.dhcpRenew(rng);
        ctx.add(conversation(h.v4, dhcp.v4, UDP, 67, Math.floor(us(t)), shape, L.dhcp, 68));
        t += 30 * MINUTE_MS + (shape.rttUs + shape.ex[3]!) / 1000; // T1 counts from the ACK
      }
    }
  });

  // syslog from every server (but the collector) in bursts from fresh ports.
  for (const h of servers(topo)) {
    if (h === syslog) continue;
    const rng = rngFor(ctx, `syslog:${h.name}`);
    perHour(
      ctx,
      rng,
      () => 0.5,
      (t) => ctx.add(conversation(h.v4, syslog.v4, UDP, 514, t, S.syslogBurst(rng), L.syslog)),
    );
  }
  // SNMP: the manager polls every server every 5 minutes.
  for (const h of servers(topo)) {
    if (h === snmp) continue;
    const rng = rngFor(ctx, `snmp:${h.name}`);
    periodic(ctx, rng, 5 * MINUTE_MS, 1000, (t) => ctx.add(conversation(snmp.v4, h.v4, UDP, 161, t, S.snmpPoll(rng), L.snmp)));
  }
  // Monitoring pings to the application tiers every 30 minutes (echo request: type 8 → port 2048).
  for (const h of [...topo.web, ...topo.app, ...topo.db]) {
    const rng = rngFor(ctx, `ping:${h.name}`);
    periodic(ctx, rng, 30 * MINUTE_MS, 2000, (t) => ctx.add(conversation(monitor.v4, h.v4, ICMP, 8 * 256, t, S.ping(rng), L.ping)));
  }
  // Zone transfer: the secondary pulls from the primary every hour at :17 (± 30 s).
  {
    const [primary, secondary] = dns as [Host, Host];
    const rng = rngFor(ctx, 'axfr');
    for (const h of hoursOverlapping(ctx.startMs, ctx.endMs)) {
      const t = h.hourStart + 17 * MINUTE_MS + rng.uniform(-30, 30) * SECOND_MS;
      if (t >= ctx.startMs && t < ctx.endMs - END_MARGIN_MS) {
        ctx.add(conversation(secondary.v4, primary.v4, TCP, 53, Math.floor(us(t)), S.dnsTcp(rng, true), L.dnsZoneTransfer));
      }
    }
  }
  // A few hosts retry truncated answers over TCP now and then (mean gap 8 h).
  for (const h of [topo.web[0]!, topo.infra.files, topo.admin]) {
    const rng = rngFor(ctx, `dnstcp:${h.name}`);
    const resolver = dns[clients.indexOf(h) % dns.length]!;
    poissonTimes(ctx, rng, 8 * HOUR_MS, (t) => ctx.add(conversation(h.v4, resolver.v4, TCP, 53, t, S.dnsTcp(rng, false), L.dnsTcpFallback)));
  }
}
