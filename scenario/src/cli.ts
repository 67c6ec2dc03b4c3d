import { parseArgs } from 'node:util';
import { BenchOptionError, writeBenchCapture } from './bench-capture.js';
import { DAY_MS, DEFAULT_START_MS } from './calendar.js';
import { ScenarioOptionError, type ScenarioOptions } from './scenario.js';
import { writeScenario } from './write.js';

export const SCENARIO_USAGE = `usage:
  spanmap scenario --out FILE.pcap [--truth FILE.json] [--days N] [--start ISO-DATE] [--seed N]
                   [--scale X] [--vlans] [--anomalies-from ISO-DATE|+DAYS] [--names]
  spanmap scenario --bench --out FILE.pcap [--packets N] [--flows N] [--concurrent] [--seed N]

Writes a deterministic capture of a small enterprise site (infrastructure, web/app/db tiers,
users, periodic jobs) and, with --truth, the exact ground truth as JSON.
  --days N              window length in days (default 28)
  --start ISO-DATE      window start, UTC (default 2024-06-03, a Monday; 28 days include 2024-06-30)
  --seed N              PRNG seed (default 1); the same options give byte-identical output
  --scale X             more users, servers and traffic (default 1)
  --vlans               tag frames with the VLAN of the client's segment
  --anomalies-from T    inject policy violations after T (ISO date, or +DAYS after the start)
  --names               add traffic that names hosts (DNS, DHCP, NetBIOS, mDNS, TLS SNI) and,
                        in the truth, which name each address had when
  --bench               a synthetic benchmark capture instead: exactly --packets packets
                        (default 2000000) over exactly --flows flows (default 100000)
  --concurrent          bench: every flow a SYN + SYN-ACK or UDP request + reply, all open at
                        once (default 1000000 flows, packets = 2 x flows)
`;

class UsageError extends Error {}

function integer(name: string, v: string | undefined, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) throw new UsageError(`--${name} must be an integer in ${min}..${max}, got "${v}"`);
  return Number(v);
}

function decimal(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+(\.\d+)?$/.test(v)) throw new UsageError(`--${name} must be a positive number, got "${v}"`);
  return Number(v);
}

function isoDate(name: string, v: string): number {
  if (!/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(v))
    throw new UsageError(`--${name} must be an ISO date like 2024-06-03 or 2024-06-03T08:00:00Z, got "${v}"`);
  // A date or date-time without a zone is UTC.
  const text = /[T ]/.test(v) && !/(Z|[+-]\d{2}:?\d{2})$/.test(v) ? `${v.replace(' ', 'T')}Z` : v;
  const ms = Date.parse(text);
  const [y, m, d] = v.slice(0, 10).split('-').map(Number) as [number, number, number];
  const day = new Date(Date.UTC(y, m - 1, d));
  if (!Number.isFinite(ms) || day.getUTCMonth() !== m - 1 || day.getUTCDate() !== d) throw new UsageError(`--${name}: "${v}" is not a valid date`);
  return ms;
}

function human(n: number): string {
  return n.toLocaleString('en-US');
}

function mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

/** `spanmap scenario …`: returns the exit code (0 ok, 1 failure, 2 bad usage). */
export async function scenarioMain(argv: string[]): Promise<number> {
  const args = argv[0] === 'scenario' ? argv.slice(1) : argv;
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        out: { type: 'string', short: 'o' },
        truth: { type: 'string' },
        days: { type: 'string' },
        start: { type: 'string' },
        seed: { type: 'string' },
        scale: { type: 'string' },
        vlans: { type: 'boolean' },
        'anomalies-from': { type: 'string' },
        names: { type: 'boolean' },
        bench: { type: 'boolean' },
        packets: { type: 'string' },
        flows: { type: 'string' },
        concurrent: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (err) {
    process.stderr.write(`spanmap scenario: ${(err as Error).message.split('\n')[0]}\n(see spanmap scenario --help)\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(SCENARIO_USAGE);
    return 0;
  }
  const began = performance.now();
  try {
    const out = values.out as string | undefined;
    if (!out) throw new UsageError('--out FILE.pcap is required');
    const seed = integer('seed', values.seed as string | undefined, 0, 0xffffffff);
    if (values.bench) {
      for (const k of ['truth', 'days', 'start', 'scale', 'vlans', 'anomalies-from', 'names']) {
        if (values[k] !== undefined) throw new UsageError(`--${k} does not apply to --bench`);
      }
      const packets = integer('packets', values.packets as string | undefined, 1, 1_000_000_000);
      const flows = integer('flows', values.flows as string | undefined, 1, 16_000_000);
      const stats = writeBenchCapture(out, { packets, flows, seed, concurrent: Boolean(values.concurrent) });
      const secs = ((performance.now() - began) / 1000).toFixed(1);
      process.stderr.write(
        `wrote ${out}: ${human(stats.packets)} packets, ${human(stats.flows)} flows (${human(stats.tcpFlows)} TCP, ${human(stats.udpFlows)} UDP, ${human(stats.ipv6Flows)} IPv6), ${mb(stats.fileBytes)} in ${secs} s\n`,
      );
      return 0;
    }
    for (const k of ['packets', 'flows', 'concurrent']) {
      if (values[k] !== undefined) throw new UsageError(`--${k} only applies with --bench`);
    }
    const start = values.start !== undefined ? isoDate('start', values.start as string) : DEFAULT_START_MS;
    const days = decimal('days', values.days as string | undefined);
    const scale = decimal('scale', values.scale as string | undefined);
    let anomaliesFrom: number | null = null;
    const af = values['anomalies-from'] as string | undefined;
    if (af !== undefined) {
      if (af.startsWith('+')) {
        const d = decimal('anomalies-from', af.slice(1));
        anomaliesFrom = start + Math.round(d! * DAY_MS);
      } else {
        anomaliesFrom = isoDate('anomalies-from', af);
      }
    }
    const options: ScenarioOptions = { start, days, seed, scale, vlans: Boolean(values.vlans), anomaliesFrom, ...(values.names && { names: true }) };
    const truthPath = values.truth as string | undefined;
    const truth = writeScenario(out, { ...options, truthPath });
    const g = truth.generator;
    const secs = ((performance.now() - began) / 1000).toFixed(1);
    const anomalies = truth.edges.filter((e) => e.anomaly !== null).length;
    process.stderr.write(
      `wrote ${out}: ${human(truth.totals.packets)} packets, ${human(truth.totals.conversations)} conversations, ` +
        `${human(truth.totals.edges)} edges${anomalies ? ` (${anomalies} anomalous)` : ''}, ` +
        `${truth.names ? `${truth.names.addresses.filter((a) => a.names.length > 0).length} named addresses, ` : ''}` +
        `${new Date(g.start).toISOString()} .. ${new Date(g.end).toISOString()} (${g.days} day${g.days === 1 ? '' : 's'}), ${mb(truth.stats.fileBytes)} in ${secs} s` +
        `${truthPath ? `; truth in ${truthPath}` : ''}\n`,
    );
    return 0;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (err instanceof UsageError || err instanceof ScenarioOptionError || err instanceof BenchOptionError) {
      process.stderr.write(`spanmap scenario: ${e.message}\n`);
      return 2;
    }
    if (e.code && e.path) {
      process.stderr.write(`spanmap scenario: cannot write ${e.path}: ${e.code}\n`);
      return 1;
    }
    process.stderr.write(`spanmap scenario: ${e.message ?? String(err)}\n`);
    return 1;
  }
}
