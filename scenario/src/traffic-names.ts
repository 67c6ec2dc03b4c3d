import { DAY_MS, HOUR_MS, MINUTE_MS, isBusinessHour, isWeekday, utcMidnight, hoursOverlapping } from './calendar.js';
import {
  dnsQuery,
  dnsResponse,
  mdnsAnnouncement,
  netbiosPositiveResponse,
  netbiosQuery,
  netbiosRegistration,
  reverseName,
  srvData,
  T_A,
  T_AAAA,
  T_PTR,
  T_SRV,
  T_TXT,
  type NbName,
  type Rr,
} from './dns-packets.js';
import { L } from './labels.js';
import { GRAFANA_NAME, SAAS_NAME, addNameHosts, lookups, type Lookup, type NameHosts } from './names-site.js';
import { Exchanges, NAMES_LABELS, addTls, addUdp, type Teach } from './names-talk.js';
import { rngFor, us, type PlanContext } from './plan.js';
import type { Rng } from './prng.js';
import { clientHello } from './tls-packets.js';
import { END_MARGIN_MS, perHour, poissonTimes } from './traffic-infra.js';
import { planNameDhcp } from './traffic-names-dhcp.js';
import { siteHosts, type Host } from './topology.js';

/**
 * Traffic that names hosts, in real protocol bytes (the `names` option): DNS answers naming the
 * servers, DHCP naming the workstations (with a lease that moves), NetBIOS registrations and a
 * WINS answer, mDNS announcements, TLS ClientHellos with SNI. Many hosts are never named. Each
 * naming payload carries its NameFacts, from which names-truth.ts derives the ground truth.
 */
export function planNames(ctx: PlanContext): { hosts: NameHosts; leaseMovedAt: number } {
  const { topo } = ctx;
  const clients = siteHosts(topo); // before the names hosts join: the other generators' resolver choice
  const resolverOf = (h: Host) => topo.infra.dns[Math.max(0, clients.indexOf(h)) % topo.infra.dns.length]!;
  const hosts = addNameHosts(topo);
  const catalogue = lookups(topo, hosts.saas);
  planLookups(ctx, catalogue, resolverOf, hosts);
  const leaseMovedAt = planNameDhcp(ctx, hosts.relay, hosts.lease);
  planNetbios(ctx, hosts);
  planMdns(ctx, hosts);
  planTls(ctx, hosts);
  return { hosts, leaseMovedAt };
}

/** First occurrence a few minutes into the window, so that every name is learned early. */
const early = (ctx: PlanContext, rng: Rng) => ctx.startMs + rng.uniform(2, 40) * MINUTE_MS;

function lookupExchange(rng: Rng, l: Lookup): Exchanges {
  const id = rng.int(0, 0xffff);
  const teach: Teach[] = l.teaches.map((t) => ({ ...t, name: t.name.toLowerCase(), source: 'dns' }));
  return new Exchanges().add(0, dnsQuery(id, l.qname, l.qtype), dnsResponse(id, l.qname, l.qtype, l.answers, l.rcode), rng.int(20, 900), { resp: teach });
}

/**
 * Every lookup once early, then Poisson (mean 45 min) from a random user, admin or web server to
 * its usual resolver (the DNS edges the other generators already have); the hosts the names
 * traffic adds look names up every hour (their DNS edges are continuous too).
 */
function planLookups(ctx: PlanContext, catalogue: Lookup[], resolverOf: (h: Host) => Host, hosts: NameHosts): void {
  const { topo } = ctx;
  const askers = [topo.admin, ...topo.users, ...topo.web];
  catalogue.forEach((l, i) => {
    const rng = rngFor(ctx, `names:dns:${i}`);
    const ask = (t: number) => {
      const who = rng.pick(askers);
      addUdp(ctx, rng, who.v4, resolverOf(who).v4, 53, Math.floor(t), lookupExchange(rng, l), L.dns);
    };
    ask(us(early(ctx, rng)));
    poissonTimes(ctx, rng, 45 * MINUTE_MS, ask);
  });
  for (const h of [hosts.lease, hosts.kiosk, hosts.lobby]) {
    const rng = rngFor(ctx, `names:dns:${h.name}`);
    perHour(
      ctx,
      rng,
      () => 0.4,
      (t) => addUdp(ctx, rng, h.v4, topo.infra.dns[0]!.v4, 53, t, lookupExchange(rng, rng.pick(catalogue)), L.dns),
    );
  }
}

/** Early, then every weekday at `hour` ± 5 min (15 minutes or more after the early one). */
function earlyAndWeekdays(ctx: PlanContext, rng: Rng, hour: number, each: (ms: number) => void): void {
  const first = early(ctx, rng);
  each(first);
  for (let day = utcMidnight(ctx.startMs); day < ctx.endMs; day += DAY_MS) {
    const t = day + hour * HOUR_MS + rng.uniform(-5, 5) * MINUTE_MS;
    if (isWeekday(day) && t > first + 15 * MINUTE_MS && t < ctx.endMs - END_MARGIN_MS) each(t);
  }
}

/**
 * NetBIOS: the kiosks register their names by broadcast when they boot (KIOSK-07 <00> and <20>,
 * and the workgroup as a group name, which names nothing; LOBBY PC holds a space, which no
 * observer may accept); admin-ws registers with the WINS server (dc1) and asks it for FINANCE-DB,
 * whose positive answer names the finance database.
 */
function planNetbios(ctx: PlanContext, h: NameHosts): void {
  const { topo } = ctx;
  const broadcastRegistrations = (host: Host, name: string, refused: string | undefined, hour: number) => {
    const rng = rngFor(ctx, `names:netbios:${host.name}`);
    earlyAndWeekdays(ctx, rng, hour, (t) => {
      const x = new Exchanges();
      const names: NbName[] = [
        { name, suffix: 0x00 },
        { name, suffix: 0x20 },
        { name: 'WORKGROUP', suffix: 0x00, group: true },
      ];
      names.forEach((n, i) => {
        const teach: Teach[] = n.group
          ? []
          : [refused ? { ip: host.v4.ip, name, source: 'netbios', refused } : { ip: host.v4.ip, name: name.toLowerCase(), source: 'netbios' }];
        x.add(i === 0 ? 0 : rng.int(600, 800) * 1000, netbiosRegistration(rng.int(0, 0xffff), n, host.v4.ip, true), null, 0, { req: teach });
      });
      addUdp(ctx, rng, host.v4, h.broadcast.v4, 137, Math.floor(us(t)), x, NAMES_LABELS.netbios, 137);
    });
  };
  broadcastRegistrations(h.kiosk, 'KIOSK-07', undefined, 7);
  broadcastRegistrations(h.lobby, 'LOBBY PC', 'a space in the NetBIOS name', 7);

  const rng = rngFor(ctx, 'names:wins');
  const admin: NbName = { name: 'ADMIN-WS', suffix: 0 };
  const finance: NbName = { name: 'FINANCE-DB', suffix: 0x20 };
  earlyAndWeekdays(ctx, rng, 8, (t) => {
    const id = rng.int(0, 0xfffe);
    const x = new Exchanges()
      .add(0, netbiosRegistration(id, admin, topo.admin.v4.ip, false), netbiosPositiveResponse(id, 5, admin, topo.admin.v4.ip), rng.int(300, 3000), {
        req: [{ ip: topo.admin.v4.ip, name: 'admin-ws', source: 'netbios' }],
        resp: [{ ip: topo.admin.v4.ip, name: 'admin-ws', source: 'netbios' }],
      })
      .add(rng.int(2, 10) * 1_000_000, netbiosQuery(id + 1, finance), netbiosPositiveResponse(id + 1, 0, finance, topo.finance.v4.ip), rng.int(300, 3000), {
        resp: [{ ip: topo.finance.v4.ip, name: 'finance-db', source: 'netbios' }],
      });
    addUdp(ctx, rng, topo.admin.v4, topo.infra.dc.v4, 137, Math.floor(us(t)), x, NAMES_LABELS.netbios, 137);
  });
}

/** mDNS: the printer and the Mac announce themselves early (twice, a second apart), then answer now and then (Poisson, mean 3 h). */
function planMdns(ctx: PlanContext, h: NameHosts): void {
  const announce = (host: Host, records: Rr[], teach: Teach[]) => {
    const rng = rngFor(ctx, `names:mdns:${host.name}`);
    const packet = mdnsAnnouncement(records);
    let last = -Infinity;
    const send = (t: number, times: number) => {
      if (t < last + 15 * MINUTE_MS) return; // the 5353 → 5353 tuple stays quiet in between
      last = t;
      const x = new Exchanges();
      for (let i = 0; i < times; i++) x.add(i === 0 ? 0 : 1_000_000, packet, null, 0, { req: teach });
      addUdp(ctx, rng, host.v4, h.mdnsGroup.v4, 5353, Math.floor(us(t)), x, NAMES_LABELS.mdns, 5353);
    };
    send(early(ctx, rng), 2);
    poissonTimes(ctx, rng, 3 * HOUR_MS, (t) => send(t / 1000, 1));
  };
  const p = h.printer;
  const pname = 'printer-3f.local';
  announce(
    p,
    [
      { name: '_ipp._tcp.local', type: T_PTR, data: 'printer-3f._ipp._tcp.local', ttl: 4500 },
      { name: 'printer-3f._ipp._tcp.local', type: T_SRV, data: srvData(631, pname), ttl: 120, flush: true },
      { name: 'printer-3f._ipp._tcp.local', type: T_TXT, data: [9, ...Buffer.from('txtvers=1')], ttl: 4500, flush: true },
      { name: pname, type: T_A, data: p.v4.ip, ttl: 120, flush: true },
      { name: reverseName(p.v4.ip), type: T_PTR, data: pname, ttl: 120, flush: true },
    ],
    [{ ip: p.v4.ip, name: pname, source: 'mdns' }],
  );
  const m = h.mac;
  const mname = 'mac-studio.local';
  announce(
    m,
    [
      { name: mname, type: T_A, data: m.v4.ip, ttl: 120, flush: true },
      { name: mname, type: T_AAAA, data: m.v6!.ip, ttl: 120, flush: true },
      { name: reverseName(m.v4.ip), type: T_PTR, data: mname, ttl: 120, flush: true },
      { name: reverseName(m.v6!.ip), type: T_PTR, data: mname, ttl: 120, flush: true },
    ],
    [
      { ip: m.v4.ip, name: mname, source: 'mdns' },
      { ip: m.v6!.ip, name: mname, source: 'mdns' },
    ],
  );
}

/**
 * TLS: the users, the moving lease's tenants and the Mac log in to the SaaS in business hours
 * (about one session in three hours each); the admin opens the Grafana dashboard on monitor1's
 * port 3000 now and then (early, then Poisson, mean 6 h): its name comes only from SNI.
 */
function planTls(ctx: PlanContext, h: NameHosts): void {
  const { topo } = ctx;
  for (const u of [topo.admin, ...topo.users, h.lease, h.mac]) {
    const rng = rngFor(ctx, `names:saas:${u.name}`);
    for (const hour of hoursOverlapping(ctx.startMs, ctx.endMs)) {
      const to = Math.min(hour.to, ctx.endMs - END_MARGIN_MS);
      if (!isBusinessHour(hour.hourStart) || to <= hour.from || !rng.chance(0.35)) continue;
      const t = Math.floor(us(rng.uniform(hour.from, to)));
      addTls(ctx, rng, u.v4, h.saas.v4, 443, t, clientHello(rng, SAAS_NAME), SAAS_NAME, NAMES_LABELS.saas);
    }
  }
  const rng = rngFor(ctx, 'names:grafana');
  const open = (t: number) =>
    addTls(ctx, rng, topo.admin.v4, topo.infra.monitor.v4, 3000, Math.floor(t), clientHello(rng, GRAFANA_NAME), GRAFANA_NAME, NAMES_LABELS.grafana);
  open(us(early(ctx, rng)));
  poissonTimes(ctx, rng, 6 * HOUR_MS, open);
}
