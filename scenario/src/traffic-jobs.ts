import { DAY_MS, HOUR_MS, MINUTE_MS, daysOverlapping, hoursOverlapping, isLastDayOfMonth, isWeekday, weekday } from './calendar.js';
import { L } from './labels.js';
import { TCP, conversation, rngFor, us, type PlanContext } from './plan.js';
import * as S from './shapes.js';
import { END_MARGIN_MS, poissonTimes } from './traffic-infra.js';

/** Scheduled jobs: the time of day and the allowed jitter of each. */
export const JOBS = {
  backup: { hour: 2, minute: 0, jitterMin: 7 },
  ftp: { hour: 6, minute: 30, jitterMin: 5 },
  patch: { weekday: 0, hour: 3, minute: 0, jitterMin: 10 },
  monthly: { hour: 23, minute: 0, jitterMin: 3 },
  health: { minute: 5, jitterMin: 1 },
  /** The passive-mode data port of the mainframe's FTP server. */
  ftpDataPort: 30021,
} as const;

/** Mean gap between a file-server user's SMB sessions. */
export const FILES_MEAN_GAP_MS = 4 * HOUR_MS;

/**
 * Jobs with a known period (backup, weekday FTP, weekly patching, month-end report, hourly
 * health checks), the one-off admin SSH session, and aperiodic file-server use.
 */
export function planJobs(ctx: PlanContext): void {
  const { topo } = ctx;
  const inWindow = (ms: number, spanMs = 0) => ms >= ctx.startMs && ms + spanMs < ctx.endMs - END_MARGIN_MS;
  const at = (day: number, hour: number, minute: number, jitterMin: number, rng: ReturnType<typeof rngFor>) =>
    day + hour * HOUR_MS + minute * MINUTE_MS + rng.uniform(-jitterMin, jitterMin) * MINUTE_MS;

  // Nightly backup: db1 pushes to the backup server at 02:00 ± 7 min, every day.
  {
    const rng = rngFor(ctx, 'job:backup');
    const db = topo.db[0]!;
    for (const day of daysOverlapping(ctx.startMs, ctx.endMs)) {
      const t = at(day, JOBS.backup.hour, JOBS.backup.minute, JOBS.backup.jitterMin, rng);
      const bytes = rng.int(400_000, 1_000_000);
      if (inWindow(t, 10 * MINUTE_MS)) ctx.add(conversation(db.v4, topo.infra.backup.v4, TCP, 873, Math.floor(us(t)), S.rsyncPush(rng, bytes), L.backup));
    }
  }
  // Weekday FTP pull from the mainframe at 06:30 ± 5 min: control connection plus a passive data connection.
  {
    const rng = rngFor(ctx, 'job:ftp');
    const app = topo.app[0]!;
    for (const day of daysOverlapping(ctx.startMs, ctx.endMs)) {
      const t = at(day, JOBS.ftp.hour, JOBS.ftp.minute, JOBS.ftp.jitterMin, rng);
      const dataUs = rng.int(1_000_000, 3_000_000);
      const control = S.ftpControl(rng, dataUs);
      const data = S.ftpData(rng, rng.int(100_000, 800_000));
      if (!isWeekday(day) || !inWindow(t, 10 * MINUTE_MS)) continue;
      ctx.add(conversation(app.v4, topo.mainframe.v4, TCP, 21, Math.floor(us(t)), control, L.ftp));
      // The data connection opens after the PASV reply (~ 100 ms in) and is done within the transfer gap.
      ctx.add(conversation(app.v4, topo.mainframe.v4, TCP, JOBS.ftpDataPort, Math.floor(us(t + 150 + (20 * control.rttUs) / 1000)), data, L.ftpData));
    }
  }
  // Weekly patching: every web server downloads updates on Sunday at 03:00 ± 10 min.
  topo.web.forEach((w) => {
    const rng = rngFor(ctx, `job:patch:${w.name}`);
    for (const day of daysOverlapping(ctx.startMs, ctx.endMs)) {
      if (weekday(day) !== JOBS.patch.weekday) continue;
      const t = at(day, JOBS.patch.hour, JOBS.patch.minute, JOBS.patch.jitterMin, rng);
      const shape = S.patchDownload(rng, rng.int(2, 5));
      if (inWindow(t, 10 * MINUTE_MS)) ctx.add(conversation(w.v4, topo.infra.patch.v4, TCP, 8530, Math.floor(us(t)), shape, L.patch));
    }
  });
  // Month-end report: app1 queries the finance database on the last day of the month at 23:00 ± 3 min.
  {
    const rng = rngFor(ctx, 'job:monthly');
    for (const day of daysOverlapping(ctx.startMs, ctx.endMs)) {
      if (!isLastDayOfMonth(day)) continue;
      const t = at(day, JOBS.monthly.hour, JOBS.monthly.minute, JOBS.monthly.jitterMin, rng);
      const shape = S.mssqlReport(rng);
      if (inWindow(t, 10 * MINUTE_MS)) ctx.add(conversation(topo.app[0]!.v4, topo.finance.v4, TCP, 1433, Math.floor(us(t)), shape, L.monthly));
    }
  }
  // Hourly health check: the monitoring host opens one HTTPS connection to each web server at :05 ± 1 min.
  topo.web.forEach((w) => {
    const rng = rngFor(ctx, `job:health:${w.name}`);
    for (const h of hoursOverlapping(ctx.startMs, ctx.endMs)) {
      const t = at(h.hourStart, 0, JOBS.health.minute, JOBS.health.jitterMin, rng);
      const shape = S.httpsSession(rng, 1, 300);
      if (inWindow(t, MINUTE_MS)) ctx.add(conversation(topo.infra.monitor.v4, w.v4, TCP, 443, Math.floor(us(t)), shape, L.healthCheck));
    }
  });
  // Once: the admin opens SSH to the database during business hours in the first week.
  {
    const rng = rngFor(ctx, 'job:admin-ssh');
    const firstWeek = daysOverlapping(ctx.startMs, Math.min(ctx.endMs, ctx.startMs + 7 * DAY_MS));
    const workdays = firstWeek.filter(isWeekday);
    const day = rng.pick(workdays.length > 0 ? workdays : firstWeek);
    let t = day + rng.uniform(9, 17) * HOUR_MS;
    if (!inWindow(t, 30 * MINUTE_MS)) t = ctx.startMs + rng.uniform(0, Math.max(0, ctx.endMs - ctx.startMs - 2 * HOUR_MS));
    const shape = S.sshSession(rng, rng.int(40, 120));
    if (inWindow(t, 30 * MINUTE_MS)) ctx.add(conversation(topo.admin.v4, topo.db[0]!.v4, TCP, 22, Math.floor(us(t)), shape, L.adminSsh));
  }
  // Aperiodic: every other user (and the admin) opens the file server at random times, any hour.
  [topo.admin, ...topo.users.filter((_, i) => i % 2 === 1)].forEach((u) => {
    const rng = rngFor(ctx, `files:${u.name}`);
    poissonTimes(ctx, rng, FILES_MEAN_GAP_MS, (t) => ctx.add(conversation(u.v4, topo.infra.files.v4, TCP, 445, t, S.smbSession(rng, rng.int(1, 4)), L.files)));
  });
}
