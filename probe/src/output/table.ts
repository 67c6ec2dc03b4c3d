import { protoName, type FlowRecord } from '@spanmap/shared';

/** Renders flow records as an aligned, human-readable table (sorted by start time). */
export function formatTable(records: FlowRecord[]): string {
  const rows = [...records].sort((a, b) => a.first - b.first || a.src.localeCompare(b.src));
  const header = ['start (UTC)', 'proto', 'initiator', 'responder', 'vlan', 'pkts →', 'bytes →', 'pkts ←', 'bytes ←', 'dur s', 'end', 'by'];
  const body = rows.map((r) => [
    new Date(r.first).toISOString().replace('T', ' ').slice(0, 23),
    protoName(r.proto),
    endpoint(r.src, r.sport, r.proto),
    endpoint(r.dst, r.dport, r.proto),
    r.vlan === null ? '' : String(r.vlan),
    String(r.packets),
    human(r.bytes),
    String(r.rpackets),
    human(r.rbytes),
    ((r.last - r.first) / 1000).toFixed(1),
    r.end + (r.cont ? '+' : ''),
    r.initiator,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const numeric = new Set([4, 5, 6, 7, 8, 9]);
  const fmt = (row: string[]) =>
    row
      .map((c, i) => (numeric.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [fmt(header), widths.map((w) => '─'.repeat(w)).join('  '), ...body.map(fmt)].join('\n') + '\n';
}

function endpoint(ip: string, port: number, proto: number): string {
  const host = ip.includes(':') ? `[${ip}]` : ip;
  if (proto === 1 || proto === 58) return port ? `${host} type ${port >> 8}/${port & 255}` : host;
  return port || proto === 6 || proto === 17 ? `${host}:${port}` : host;
}

function human(n: number): string {
  if (n < 10_000) return String(n);
  if (n < 10_000_000) return `${(n / 1000).toFixed(1)}k`;
  if (n < 10_000_000_000) return `${(n / 1e6).toFixed(1)}M`;
  return `${(n / 1e9).toFixed(1)}G`;
}
