import type { EdgeLabel } from './conversation.js';

/**
 * The label every edge of a traffic source carries. `period` is what the console should say;
 * `tag` says which generator produced the edge.
 *
 * Rules:
 * - "continuous": the edge has at least one conversation starting in every hour of its active
 *   time (every hour of the window; for "business-hours" edges every weekday hour 08-18 UTC),
 *   at random or sub-hourly periodic times (DNS, NTP, LDAP, Kerberos, syslog, SNMP every 5 min,
 *   DHCP every 30 min, ping every 30 min, app tiers).
 * - "hourly": exactly one conversation per hour at a fixed minute (± 1 min).
 * - "daily" / "weekly" / "monthly": one conversation per day (every day, or Monday-Friday),
 *   per week, per month at a fixed time (± a few minutes).
 * - null: a single event ("once") or a Poisson process with a mean gap of hours ("aperiodic").
 */
function label(service: string | null, infrastructure: boolean, period: EdgeLabel['period'], tag: string, anomaly: string | null = null): EdgeLabel {
  return Object.freeze({ service, infrastructure, period, tag, anomaly });
}

export const L = {
  dns: label('dns', true, 'continuous', 'continuous'),
  dnsTcpFallback: label('dns', true, null, 'aperiodic'),
  dnsZoneTransfer: label('dns', true, 'hourly', 'hourly'),
  ntp: label('ntp', true, 'continuous', 'continuous'),
  ldap: label('ldap', true, 'continuous', 'continuous'),
  kerberos: label('kerberos', true, 'continuous', 'continuous'),
  syslog: label('syslog', true, 'continuous', 'continuous'),
  snmp: label('snmp', true, 'continuous', 'continuous'),
  dhcp: label('dhcp', true, 'continuous', 'continuous'),
  ping: label('icmp-echo', false, 'continuous', 'continuous'),
  userWeb: label('https', false, 'continuous', 'business-hours'),
  webApp: label('http-alt', false, 'continuous', 'continuous'),
  appDb: label('postgresql', false, 'continuous', 'continuous'),
  backup: label('rsync', false, 'daily', 'daily-backup'),
  ftp: label('ftp', false, 'daily', 'weekday'),
  ftpData: label(null, false, 'daily', 'weekday'),
  patch: label('wsus', false, 'weekly', 'weekly'),
  monthly: label('ms-sql-s', false, 'monthly', 'monthly-last-day'),
  healthCheck: label('https', false, 'hourly', 'hourly'),
  adminSsh: label('ssh', false, null, 'once'),
  files: label('microsoft-ds', false, null, 'aperiodic'),
  anomalyWebDb: label('postgresql', false, null, 'anomaly', 'web-to-db'),
  anomalySsh: label('ssh', false, null, 'anomaly', 'ssh-user-to-app'),
  anomalyExternal: label('https', false, null, 'anomaly', 'external'),
  anomalySmb: label('microsoft-ds', false, null, 'anomaly', 'smb-user-to-dc'),
} as const;
