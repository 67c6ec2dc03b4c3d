/** Formatting shared by every view: counts, bytes, protocols, ports and UTC times. Pure. */

const PROTO_NAMES: Record<number, string> = { 1: 'icmp', 6: 'tcp', 17: 'udp', 47: 'gre', 50: 'esp', 51: 'ah', 58: 'icmpv6', 89: 'ospf', 132: 'sctp' };

export function protoName(proto: number): string {
  return PROTO_NAMES[proto] ?? `proto ${proto}`;
}

/** "tcp/443", "udp/53", "icmp 8/0" (ICMP carries type*256+code in the port), "gre". */
export function portLabel(proto: number, port: number): string {
  if (proto === 1 || proto === 58) return `${protoName(proto)} ${port >> 8}/${port & 255}`;
  if (proto === 6 || proto === 17 || proto === 132) return `${protoName(proto)}/${port}`;
  return port ? `${protoName(proto)}/${port}` : protoName(proto);
}

/** 1234567 → "1,234,567". */
export function fmtInt(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '–';
  return Math.round(n).toLocaleString('en-US');
}

/** 1234567 → "1.2M"; short enough for a heatmap cell. */
export function fmtCompact(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '–';
  const a = Math.abs(n);
  const units: Array<[number, string]> = [
    [1e12, 'T'],
    [1e9, 'G'],
    [1e6, 'M'],
    [1e3, 'k'],
  ];
  for (const [v, u] of units) if (a >= v) return `${trim(n / v)}${u}`;
  return trim(n);
}

function trim(v: number): string {
  const a = Math.abs(v);
  const s = a >= 100 || Number.isInteger(v) ? v.toFixed(0) : a >= 10 ? v.toFixed(1) : v.toFixed(2);
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}

/** Decimal (SI) bytes, as network tools count them: 1500 → "1.5 kB". */
export function fmtBytes(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '–';
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let v = n;
  let i = 0;
  while (Math.abs(v) >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${i === 0 ? v.toFixed(0) : trim(v)} ${units[i]}`;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** "2024-06-03 14:05 UTC" (everything in the console is UTC: ranges are UTC days). */
export function fmtTime(ms: number | null | undefined, withSeconds = false): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–';
  const d = new Date(ms);
  const s = `${fmtDate(ms)} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}${withSeconds ? `:${pad(d.getUTCSeconds())}` : ''}`;
  return `${s} UTC`;
}

/** "2024-06-03" (UTC). */
export function fmtDate(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

/** A duration in ms as "45 s", "12 min", "3 h", "5 d". */
export function fmtDuration(ms: number): string {
  const a = Math.abs(ms);
  if (a < 1000) return `${Math.round(a)} ms`;
  if (a < 120_000) return `${Math.round(a / 1000)} s`;
  if (a < 2 * 3_600_000) return `${Math.round(a / 60_000)} min`;
  if (a < 2 * 86_400_000) return `${Math.round(a / 3_600_000)} h`;
  return `${Math.round(a / 86_400_000)} d`;
}

/** "3 h ago", "in 2 d" relative to `now`. */
export function fmtAgo(ms: number | null | undefined, now: number): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–';
  const d = now - ms;
  if (Math.abs(d) < 1000) return 'now';
  return d >= 0 ? `${fmtDuration(d)} ago` : `in ${fmtDuration(d)}`;
}

/** Elapsed seconds for progress indicators: "0.4 s", "12 s", "2 min 05 s". */
export function fmtElapsed(ms: number): string {
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 60_000) return `${Math.floor(ms / 1000)} s`;
  return `${Math.floor(ms / 60_000)} min ${pad(Math.floor((ms % 60_000) / 1000))} s`;
}

export function fmtPercent(x: number | null | undefined, digits = 0): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '–';
  return `${(x * 100).toFixed(digits)}%`;
}

export const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;
