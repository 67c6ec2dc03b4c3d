import { DAY_MS, HOUR_MS, MINUTE_MS, SECOND_MS, isWeekday, utcMidnight } from './calendar.js';
import { ACK, DISCOVER, OFFER, REQUEST, dhcpPacket, type DhcpClient, type DhcpServer } from './dhcp-packets.js';
import { L } from './labels.js';
import { DOMAIN } from './names-site.js';
import { Exchanges, NAMES_LABELS, addUdp } from './names-talk.js';
import { rngFor, us, type PlanContext } from './plan.js';
import type { Rng } from './prng.js';
import { END_MARGIN_MS } from './traffic-infra.js';
import type { Host } from './topology.js';

/** Renewals at T1: half the 1-hour lease, as the other workstations of the site. */
const T1_MS = 30 * MINUTE_MS;

/** The name the probe learns from a client's REQUEST and the server's ACK (option 15 completes a bare host name). */
export function leaseName(c: DhcpClient): string {
  const n = c.fqdn ?? c.host;
  return (n.includes('.') ? n : `${n}.${DOMAIN}`).toLowerCase();
}

interface Tenant {
  client: DhcpClient;
  ip: string;
}

/** One relayed DORA per tenant, a few seconds apart, all on the relay's one tuple (67 → 67). */
function doras(rng: Rng, server: DhcpServer, tenants: Tenant[]): Exchanges {
  const x = new Exchanges();
  tenants.forEach((t, i) => {
    const xid = rng.seed();
    x.add(
      i === 0 ? 0 : rng.int(1, 15) * SECOND_MS * 1000,
      dhcpPacket(DISCOVER, xid, t.client, server, {}),
      dhcpPacket(OFFER, xid, t.client, server, { yiaddr: t.ip }),
      rng.int(300, 4000),
    );
    x.add(
      rng.int(2000, 20_000),
      dhcpPacket(REQUEST, xid, t.client, server, { requested: t.ip }),
      dhcpPacket(ACK, xid, t.client, server, { yiaddr: t.ip }),
      rng.int(300, 4000),
      {
        resp: [{ ip: t.ip, name: leaseName(t.client), source: 'dhcp' }],
      },
    );
  });
  return x;
}

/**
 * DHCP that names workstations: relayed DORAs (users' gateway ↔ dhcp1) when the site comes up
 * (10 minutes into the window) and every weekday at 07:00 ± 5 min, and the moving lease: the
 * address MOVING_LEASE_IP goes to ws-0142 in the first burst and renews every 30 minutes, until
 * halfway through the window (12:00 UTC of the middle day when the window spans two days or
 * more) a DORA gives it to ws-0177, which renews it from then on. Returns the move's time (ms).
 */
export function planNameDhcp(ctx: PlanContext, relay: Host, lease: Host): number {
  const { topo } = ctx;
  const rng = rngFor(ctx, 'names:dhcp');
  const dhcp1 = topo.infra.dhcp;
  const server: DhcpServer = {
    server: dhcp1.v4.ip,
    relay: relay.v4.ip,
    domain: DOMAIN,
    router: relay.v4.ip,
    dns: topo.infra.dns.map((d) => d.v4.ip),
    leaseSeconds: 3600,
  };
  const users: Tenant[] = topo.users.map((u, i) => ({
    client: { mac: u.mac, host: u.name.toUpperCase(), fqdn: i % 2 === 1 ? `${u.name}.${DOMAIN}` : null },
    ip: u.v4.ip,
  }));
  const first: Tenant = { client: { mac: 0x00a0c142, host: 'WS-0142', fqdn: `ws-0142.${DOMAIN}` }, ip: lease.v4.ip };
  const second: Tenant = { client: { mac: 0x00a0c177, host: 'ws-0177', fqdn: null }, ip: lease.v4.ip };

  const relayed: Array<[number, number]> = []; // [start, end) of relay conversations, µs
  const relayAt = (startMs: number, tenants: Tenant[]): number | null => {
    const x = doras(rng, server, tenants);
    const from = Math.floor(us(startMs));
    const to = from + x.spanUs + 60_000_000;
    if (to > us(ctx.endMs - END_MARGIN_MS) || relayed.some(([a, b]) => from < b + us(15 * MINUTE_MS) && a < to + us(15 * MINUTE_MS))) return null;
    relayed.push([from, to]);
    addUdp(ctx, rng, relay.v4, dhcp1.v4, 67, from, x, NAMES_LABELS.dhcpRelay, 67);
    return from / 1000 + x.spanUs / 1000;
  };

  const firstAck = relayAt(ctx.startMs + 10 * MINUTE_MS, [...users, first]);
  const span = ctx.endMs - ctx.startMs;
  const moveMs = span >= 2 * DAY_MS ? utcMidnight(ctx.startMs + span / 2) + 12 * HOUR_MS : ctx.startMs + span / 2;
  const moveAck = relayAt(moveMs, [second]);
  if (firstAck === null || moveAck === null) throw new Error('the window is too short for the moving DHCP lease');
  for (let day = utcMidnight(ctx.startMs); day < ctx.endMs; day += DAY_MS) {
    if (isWeekday(day)) relayAt(day + 7 * HOUR_MS + rng.uniform(-5, 5) * MINUTE_MS, users);
  }

  // The tenants renew by unicast from the leased address (68 → 67), each REQUEST naming them.
  // ws-0142 renews once more shortly before it leaves, so that the edge keeps a conversation in
  // every hour (its label says "continuous") across the move.
  const srv = { ...server, relay: null };
  const renew = (c: DhcpClient, t: number) => {
    const xid = rng.seed();
    const ack = dhcpPacket(ACK, xid, c, srv, { ciaddr: lease.v4.ip, yiaddr: lease.v4.ip });
    const x = new Exchanges().add(0, dhcpPacket(REQUEST, xid, c, srv, { ciaddr: lease.v4.ip }), ack, rng.int(300, 4000), {
      resp: [{ ip: lease.v4.ip, name: leaseName(c), source: 'dhcp' }],
    });
    addUdp(ctx, rng, lease.v4, dhcp1.v4, 67, Math.floor(us(t)), x, L.dhcp, 68);
  };
  const renewals = (c: DhcpClient, fromMs: number, untilMs: number): number => {
    let last = fromMs;
    for (let t = fromMs + T1_MS; t < untilMs; t += T1_MS + rng.uniform(0, 20) * SECOND_MS) renew(c, (last = t));
    return last;
  };
  const last = renewals(first.client, firstAck, moveAck - MINUTE_MS);
  const final = moveAck - rng.uniform(2, 8) * MINUTE_MS;
  if (final - last >= 11 * MINUTE_MS) renew(first.client, final);
  renewals(second.client, moveAck, ctx.endMs - END_MARGIN_MS - MINUTE_MS);
  return moveAck;
}
