import { describe, it, expect, beforeAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildScenario, scenarioTruth, writeScenarioPcap, nameFactTimes, nameAt, type ScenarioTruth, type NamesTruth } from '@spanmap/scenario';
import { CaptureFileReader } from '@spanmap/probe/capture/file-reader';
import { observeCapture, type CaptureNames } from '@spanmap/probe/names/test-util/capture';
import { tsharkNames } from '@spanmap/probe/names/test-util/tshark';

/*
 * The names traffic of the scenario against two readers of the wire: tshark (the independent
 * oracle: its fields under the probe's naming rules) and the probe's own name observer. Both must
 * find exactly the names the truth says each packet carries, at the same times, and the name
 * timeline an observer builds must be the truth's: one name per address per time range, the
 * moving lease's two names, and no name at all for the hosts never named.
 */

const dir = mkdtempSync(join(tmpdir(), 'spanmap-names-'));
const pcap = join(dir, 'names.pcap');
let truth: ScenarioTruth;
let names: NamesTruth;
/** "ms source ip name" of every (packet, name) the truth says the capture teaches. */
let expected: string[];
let frameTime: number[];
let observed: CaptureNames;

const sorted = (xs: Iterable<string>) => [...xs].sort();

beforeAll(() => {
  const s = buildScenario({ days: 2, seed: 7, names: true });
  writeScenarioPcap(pcap, s);
  truth = scenarioTruth(s);
  names = truth.names!;
  const seen = new Set<string>(); // a packet may teach a name twice (an A and a PTR record): once per packet
  for (const { time, fact, packet } of nameFactTimes(s)) if (!fact.refused) seen.add(`${packet} ${time} ${fact.source} ${fact.ip} ${fact.name}`);
  expected = sorted([...seen].map((k) => k.slice(k.indexOf(' ') + 1)));
  frameTime = [0];
  const reader = new CaptureFileReader(pcap);
  while (reader.step(() => void frameTime.push(Math.floor(reader.clock[0]!))));
  observed = observeCapture(pcap);
}, 300_000);

describe('the names scenario, read back from the wire', () => {
  it('tshark decodes exactly the names of the truth, packet by packet', () => {
    const oracle = tsharkNames(pcap);
    const found: string[] = [];
    for (const [frame, triples] of oracle) for (const t of triples) found.push(`${frameTime[frame]} ${t}`);
    expect(expected.length).toBeGreaterThan(800);
    expect(sorted(found)).toEqual(expected);
  }, 300_000);

  it('the probe observer learns the same names at the same times, and refuses the invalid one', () => {
    const found = new Set<string>();
    for (const [frame, triples] of observed.byFrame) for (const t of triples) found.add(`${frame} ${frameTime[frame]} ${t}`);
    expect(sorted([...found].map((k) => k.slice(k.indexOf(' ') + 1)))).toEqual(expected);
    const c = observed.counters;
    // The rest of the scenario keeps zero-filled payloads: its DHCP renewals (BOOTP op 0) and the
    // segments of its DNS-over-TCP answers are counted as malformed, nothing else is.
    const zeroDhcp = truth.conversations
      .filter((x) => x.dport === 67 && x.sport === 68 && x.src !== '10.20.3.50')
      .reduce((a, x) => a + x.packets + x.rpackets, 0);
    expect(c.errors['bad-header']).toBe(zeroDhcp);
    expect(Object.entries(c.errors).filter(([k, n]) => n > 0 && !['bad-header', 'truncated', 'bad-name'].includes(k))).toEqual([]);
    expect(c.outcomes.malformed).toBe(c.errors['bad-header'] + c.errors.truncated);
    expect(c.errors['bad-name']).toBe(names.refused.reduce((a, r) => a + r.packets, 0));
    expect(names.refused.map((r) => [r.ip, r.name])).toEqual([['10.20.3.61', 'LOBBY PC']]);
  });

  it('the refused name is really on the wire (tshark reads it)', () => {
    const out = execFileSync('tshark', ['-r', pcap, '-Y', 'nbns.name contains "LOBBY PC"', '-T', 'fields', '-e', 'frame.number'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    expect(out.toString().trim().split('\n')).toHaveLength(names.refused[0]!.packets);
  });

  it('the timeline of the latest name learned per address is the truth, range by range', () => {
    const timeline = new Map<string, Array<{ name: string; from: number }>>();
    for (const o of [...observed.observations].sort((a, b) => a.time - b.time)) {
      let list = timeline.get(o.ip);
      if (!list) timeline.set(o.ip, (list = []));
      if (list.at(-1)?.name !== o.name) list.push({ name: o.name, from: o.time });
    }
    for (const a of names.addresses) {
      const got = timeline.get(a.ip) ?? [];
      expect(got, a.ip).toEqual(a.names.map((n) => ({ name: n.name, from: n.from })));
      a.names.forEach((n, i) => expect(n.to, a.ip).toBe(a.names[i + 1]?.from ?? null));
    }
  });

  it('servers named by DNS, workstations by DHCP, a lease that moves, hosts never named', () => {
    const byHost = new Map(names.addresses.map((a) => [a.ip, a]));
    const one = (ip: string) => byHost.get(ip)!.names.map((n) => `${n.name} ${n.sources.join('+')}`);
    expect(one('10.10.0.30')).toEqual(['dc1.corp.example dns']);
    expect(one('fd00:10:1::11')).toEqual(['web1.corp.example dns']);
    expect(one('fd00:10:1::12')).toEqual(['web2.corp.example dns']); // by ip6.arpa PTR
    expect(one('10.10.2.22')).toEqual(['portal.corp.example dns']); // through two CNAMEs
    expect(one('10.10.0.10')).toEqual(['dns1.corp.example dns']); // by in-addr.arpa PTR
    expect(one('10.20.1.11')).toEqual(['user001.corp.example dhcp']);
    expect(one('10.20.1.12')).toEqual(['user002.corp.example dhcp']); // Client FQDN
    expect(one('10.10.3.40')).toEqual(['finance-db netbios']);
    expect(one('10.20.3.60')).toEqual(['kiosk-07 netbios']);
    expect(one('fd00:20::3:80')).toEqual(['mac-studio.local mdns']);
    expect(one('192.0.2.10')).toEqual(['login.saas.example dns+tls']);
    expect(one('10.10.0.90')).toEqual(['grafana.corp.example tls']);
    const lease = byHost.get('10.20.3.50')!.names;
    expect(lease.map((n) => n.name)).toEqual(['ws-0142.corp.example', 'ws-0177.corp.example']);
    expect(lease[0]!.to).toBe(lease[1]!.from);
    expect(nameAt(names, '10.20.3.50', lease[1]!.from - 1)).toBe('ws-0142.corp.example');
    expect(nameAt(names, '10.20.3.50', lease[1]!.from)).toBe('ws-0177.corp.example');
    expect(nameAt(names, '10.20.3.50', lease[0]!.from - 1)).toBeNull();
    const never = names.addresses.filter((a) => a.names.length === 0).map((a) => a.host);
    for (const h of ['ntp1', 'syslog1', 'snmp1', 'dhcp1', 'backup1', 'patch1', 'mainframe', 'lobby-pc', 'gw-users', 'ntp-pool']) expect(never).toContain(h);
    // every address of the truth's hosts is in the names truth, and nothing else
    expect(sorted(names.addresses.map((a) => a.ip))).toEqual(sorted(truth.hosts.map((h) => h.ip)));
  });

  it('flows stay exact with real payloads: the writer checked every conversation, tshark sees valid checksums', () => {
    const bad = execFileSync(
      'tshark',
      [
        '-r',
        pcap,
        '-o',
        'udp.check_checksum:TRUE',
        '-o',
        'tcp.check_checksum:TRUE',
        '-Y',
        'udp.checksum.status == 0 || tcp.checksum.status == 0',
        '-T',
        'fields',
        '-e',
        'frame.number',
      ],
      {
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    );
    expect(bad.toString().trim()).toBe('');
    expect(truth.totals.packets).toBe(frameTime.length - 1);
  }, 120_000);
});

process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
