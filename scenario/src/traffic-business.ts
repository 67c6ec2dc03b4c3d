import { DAY_MS, HOUR_MS, hourOfDay, hoursOverlapping, isBusinessHour, isWeekday, utcMidnight, daysOverlapping } from './calendar.js';
import { L } from './labels.js';
import { TCP, conversation, rngFor, us, type PlanContext } from './plan.js';
import * as S from './shapes.js';
import { END_MARGIN_MS, perHour } from './traffic-infra.js';

/** Diurnal rate for traffic between the tiers: busy in business hours, quieter by day at weekends, low at night. */
function diurnal(hourStart: number, busy: number): number {
  if (isBusinessHour(hourStart)) return busy;
  const h = hourOfDay(hourStart);
  if (h >= 7 && h < 20) return busy * (isWeekday(hourStart) ? 0.5 : 0.3);
  return busy * 0.1;
}

/**
 * The application: users browse the web tier in business hours (over IPv4, and over IPv6 from
 * dual-stack users), the web tier calls the app tier and the app tier the database around the
 * clock, with a few pooled database connections lasting hours.
 */
export function planBusiness(ctx: PlanContext): void {
  const { topo, density } = ctx;
  const people = [topo.admin, ...topo.users];

  people.forEach((u, i) => {
    const web = topo.web[i % topo.web.length]!;
    const rng = rngFor(ctx, `browse:${u.name}`);
    const v6 = u.v6 && web.v6 ? { client: u.v6, server: web.v6 } : null;
    for (const h of hoursOverlapping(ctx.startMs, ctx.endMs)) {
      if (!isBusinessHour(h.hourStart)) continue;
      const to = Math.min(h.to, ctx.endMs - END_MARGIN_MS);
      if (to <= h.from) continue;
      const sessions = (client: typeof u.v4, server: typeof web.v4, n: number) => {
        const times = Array.from({ length: n }, () => Math.floor(us(rng.uniform(h.from, to)))).sort((a, b) => a - b);
        for (const t of times) ctx.add(conversation(client, server, TCP, 443, t, S.httpsSession(rng, rng.int(1, 3), 5000), L.userWeb));
      };
      sessions(u.v4, web.v4, 1 + rng.poisson(0.5 * density));
      if (v6) sessions(v6.client, v6.server, 1 + rng.poisson(0.4 * density));
    }
  });

  for (const w of topo.web) {
    for (const a of topo.app) {
      const rng = rngFor(ctx, `api:${w.name}:${a.name}`);
      perHour(
        ctx,
        rng,
        (hs) => diurnal(hs, 1.5 * density),
        (t) => ctx.add(conversation(w.v4, a.v4, TCP, 8080, t, S.httpApi(rng), L.webApp)),
      );
    }
  }

  topo.app.forEach((a, ai) => {
    topo.db.forEach((d) => {
      const rng = rngFor(ctx, `sql:${a.name}:${d.name}`);
      perHour(
        ctx,
        rng,
        (hs) => diurnal(hs, 1.2 * density),
        (t) => ctx.add(conversation(a.v4, d.v4, TCP, 5432, t, S.pgShort(rng), L.appDb)),
      );
      // Pooled connection: every third day (staggered per app server) one lasting 2-5 hours.
      const pool = rngFor(ctx, `pool:${a.name}:${d.name}`);
      for (const day of daysOverlapping(ctx.startMs, ctx.endMs)) {
        const durationMs = pool.uniform(2, 5) * HOUR_MS;
        const start = day + pool.uniform(0, DAY_MS);
        if ((utcMidnight(day) / DAY_MS + ai) % 3 !== 0) continue;
        if (start < ctx.startMs || start + durationMs + 60_000 > ctx.endMs - END_MARGIN_MS) continue;
        ctx.add(conversation(a.v4, d.v4, TCP, 5432, Math.floor(us(start)), S.pgPool(pool, us(durationMs)), L.appDb));
      }
    });
  });
}
