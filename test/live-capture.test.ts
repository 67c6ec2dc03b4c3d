import { ProbeStore, DEFAULT_STORE_OPTIONS } from '@spanmap/probe/store/probe-store';
import { describe, it, expect, beforeAll, afterAll, afterEach } from 'vitest';
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync, chmodSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FlowRecord } from '@spanmap/shared';
import { readFlows } from './helpers/flows.js';
import { aggregate, type Conversations } from './helpers/oracle.js';
import { pcap, pcapsIn, CLI } from './helpers/paths.js';
import { hasStackTrace, spanmap } from './helpers/cli.js';
import { Proc, killAll, track } from './helpers/procs.js';
import { sharedInstall, AS_NOBODY } from './helpers/installed.js';

// Live capture for real: a network namespace of our own with veth pairs; `spanmap probe run`
// captures on vbN while tcpreplay sends real captures into vaN unchanged. The flows must be
// those `spanmap probe read` gives for the same files (per conversation: packets and bytes;
// timestamps aside, since tcpreplay sends at top speed).
//
// IPv6 is disabled in the namespace before the veths exist: otherwise the kernel itself sends
// router solicitations and MLD reports when a link comes up, and the probe (rightly) counts them.

function skipReason(): string | null {
  if (process.getuid?.() !== 0) return 'not root: a network namespace needs root (CI runs as root)';
  const name = `spanmap-check-${randomBytes(3).toString('hex')}`;
  const r = spawnSync('ip', ['netns', 'add', name], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return `no network namespace support (ip netns add: ${(r.error?.message ?? r.stderr).trim()})`;
  spawnSync('ip', ['netns', 'del', name]);
  return null;
}
const SKIP = skipReason();
if (SKIP) console.warn(`live capture tests skipped: ${SKIP}`);
const NS = `spanmap-${randomBytes(4).toString('hex')}`;
const tmp = mkdtempSync(join(tmpdir(), 'spanmap-live-'));
chmodSync(tmp, 0o755); // the unprivileged runs read their config here

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: 'pipe' });

function config(name: string, text: string): string {
  const f = join(tmp, name);
  writeFileSync(f, text, { mode: 0o644 });
  return f;
}

/** Sends files at top speed into `dev`; returns tcpreplay's own count of packets sent. */
function replay(dev: string, files: string[], rate = ['--topspeed']): number {
  const r = spawnSync('ip', ['netns', 'exec', NS, 'tcpreplay', '-i', dev, ...rate, ...files], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tcpreplay failed: ${r.stderr}`);
  const failed = Number(/Failed packets:\s+(\d+)/.exec(r.stdout)?.[1]);
  if (failed !== 0) throw new Error(`tcpreplay could not send ${failed} packets: ${r.stdout}`);
  return Number(/Actual: (\d+) packets/.exec(r.stdout)![1]);
}

/** The same, in the background (to reload while packets flow). */
function replayInBackground(dev: string, files: string[], rate: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const c = spawn('ip', ['netns', 'exec', NS, 'tcpreplay', '-i', dev, ...rate, ...files]);
    track(c);
    let out = '';
    c.stdout.setEncoding('utf8').on('data', (d) => (out += d));
    c.on('close', (code) =>
      code === 0 && /Failed packets:\s+0\b/.test(out) ? resolve(Number(/Actual: (\d+) packets/.exec(out)![1])) : reject(new Error(`tcpreplay: ${out}`)),
    );
  });
}

interface Result {
  code: number | null;
  records: FlowRecord[];
  stats: any;
  stderr: string;
}

/**
 * `spanmap probe run` in the namespace. Runs as another user (`prefix`: setpriv) use the installed
 * copy, which that user can read wherever the checkout is, from '/'.
 */
class Probe {
  private readonly proc: Proc;

  constructor(configFile: string, opts: { env?: NodeJS.ProcessEnv; prefix?: string[] } = {}) {
    const cli = opts.prefix ? sharedInstall().cli : CLI;
    this.proc = new Proc('ip', ['netns', 'exec', NS, ...(opts.prefix ?? []), process.execPath, cli, 'probe', 'run', '--config', configFile, '--stats'], {
      ...(opts.env ? { env: opts.env } : {}),
      ...(opts.prefix ? { cwd: '/' } : {}),
    });
  }

  get child() {
    return this.proc.child;
  }
  get stderr(): string {
    return this.proc.err;
  }

  /** Waits for a line on stderr (e.g. "capturing on"); fails if the probe exits first. */
  async waitFor(re: RegExp, timeoutMs = 15_000): Promise<void> {
    const t0 = Date.now();
    while (!re.test(this.proc.err)) {
      if (!this.proc.alive || Date.now() - t0 > timeoutMs) throw new Error(`probe never printed ${re}; stderr: ${this.proc.err}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** SIGTERM: the probe flushes every flow and exits. */
  async stop(): Promise<Result> {
    await this.proc.stop();
    return this.result();
  }

  async result(): Promise<Result> {
    const code = await this.proc.exited;
    const statsLine = this.proc.err
      .trim()
      .split('\n')
      .reverse()
      .find((l) => l.startsWith('{'));
    const out = this.proc.out.trim();
    const records = out === '' ? [] : out.split('\n').map((l) => JSON.parse(l) as FlowRecord);
    return { code, records, stats: statsLine ? JSON.parse(statsLine) : null, stderr: this.proc.err };
  }
}

/** Conversations whose packets or bytes differ, as readable lines (empty when equal). */
function differences(expected: Conversations, got: Conversations): string[] {
  const out: string[] = [];
  for (const k of new Set([...expected.keys(), ...got.keys()])) {
    const a = expected.get(k);
    const b = got.get(k);
    if (!a || !b || a[0] !== b[0] || a[1] !== b[1]) out.push(`${k} file=${JSON.stringify(a ?? null)} live=${JSON.stringify(b ?? null)}`);
  }
  return out;
}

/** tcpreplay sends at top speed, squeezing packets into less time: copies are compared without deduplication (test/dedup.test.ts covers it). */
async function fileFlows(files: string[]): Promise<FlowRecord[]> {
  return (await readFlows(files, { dedupWindowMs: 0 })).records;
}

const SYNTHETIC = pcap('mixed', 'arkime__arkime_synthetic.pcap');
const SSH = pcap('mixed', 'zeek__sshguess.pcap');
const KINIT = pcap('mixed', 'zeek__kinit.pcap');
const SNMP = pcap('mixed', 'zeek__snmpwalk-short.pcap');

describe.skipIf(SKIP !== null)(`live capture in a network namespace${SKIP ? ` (skipped: ${SKIP})` : ''}`, () => {
  beforeAll(() => {
    ip('netns', 'add', NS);
    process.once('exit', () => spawnSync('ip', ['netns', 'del', NS])); // even if the run is interrupted
    ip('netns', 'exec', NS, 'sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1');
    for (const i of [1, 2]) {
      ip('-n', NS, 'link', 'add', `va${i}`, 'type', 'veth', 'peer', 'name', `vb${i}`);
      // Large MTU: several captures hold offloaded (TSO/GRO) frames of up to 63 KB, sent unchanged.
      for (const dev of [`va${i}`, `vb${i}`]) ip('-n', NS, 'link', 'set', dev, 'mtu', '65535', 'up');
    }
    sharedInstall(); // for the runs as nobody
  }, 300_000);

  // A failed expectation must not leave a probe (or tcpreplay) running: the namespace goes next.
  afterEach(() => killAll());
  afterAll(async () => {
    await killAll();
    spawnSync('ip', ['netns', 'del', NS]);
    rmSync(tmp, { recursive: true, force: true });
  });

  it('gives the same conversations, packets and bytes as probe read, on two interfaces, and flushes on SIGTERM', async () => {
    const real = pcapsIn('mixed').filter((f) => f !== SYNTHETIC);
    // The default snap length (256) is enough for every real capture. Arkime's synthetic capture
    // has tunnels whose inner header starts past byte 256: it goes to an interface with a full snap length.
    const cfg = config(
      'two.yaml',
      'probe:\n  id: live-test\ncapture:\n  interfaces:\n    - name: vb1\n    - name: vb2\n      snaplen: 65535\nflows:\n  dedupWindow: 0\n',
    );
    const probe = new Probe(cfg);
    await probe.waitFor(/capturing on vb1, vb2 \(native backend\)/);
    const sent1 = replay('va1', real);
    const sent2 = replay('va2', [SYNTHETIC]);
    const r = await probe.stop();

    expect(r.code).toBe(0);
    expect(hasStackTrace(r.stderr)).toBe(false);
    const [s1, s2] = r.stats.interfaces;
    expect(s1).toEqual({ name: 'vb1', backend: 'native', up: false, captured: sent1, received: sent1, kernelDrops: 0, ifaceDrops: 0, unread: 0 });
    expect(s2).toEqual({ name: 'vb2', backend: 'native', up: false, captured: sent2, received: sent2, kernelDrops: 0, ifaceDrops: 0, unread: 0 });
    expect(r.stats.kernelDrops).toBe(0);

    const expected = await fileFlows([...real, SYNTHETIC]);
    expect(differences(aggregate(expected), aggregate(r.records))).toEqual([]);
    expect(r.stats.packets).toBe(expected.reduce((a, f) => a + f.packets + f.rpackets, 0));

    // `iface` names the mirror port: conversations only in the synthetic capture came in on vb2.
    const realKeys = aggregate(await fileFlows(real));
    const byKey = aggregate(r.records.filter((f) => f.iface === 'vb2'));
    const onlySynthetic = [...aggregate(await fileFlows([SYNTHETIC])).keys()].filter((k) => !realKeys.has(k));
    expect(onlySynthetic.length).toBeGreaterThan(100);
    for (const k of onlySynthetic) expect(byKey.has(k), k).toBe(true);
    expect(new Set(r.records.map((f) => f.iface))).toEqual(new Set(['vb1', 'vb2']));
    // SIGTERM: open flows end "eof" (input ended); finished ones keep "fin"/"rst"; none forced.
    const ends = new Set(r.records.map((f) => f.end));
    expect(ends.has('eof') && ends.has('fin') && ends.has('rst')).toBe(true);
    expect(ends.has('forced')).toBe(false);
  });

  it('never counts its own traffic: the MQTT broker connection is filtered out in the kernel', async () => {
    // Pretend the sshguess server (192.168.56.103:22) is our broker: that conversation is "own traffic".
    const storeDir = join(tmp, 'own-store');
    const cfg = config('own.yaml', `probe:\n  id: own\ncapture:\n  interfaces: [vb1]\nstore:\n  dir: ${storeDir}\npublish:\n  url: mqtt://192.168.56.103:22\n`);
    const probe = new Probe(cfg);
    await probe.waitFor(/capturing on vb1/);
    const sent = replay('va1', [SSH, KINIT]);
    const r = await probe.stop();
    expect(r.code).toBe(0);
    // Publishing: the records went to the probe's store (write-ahead), not to stdout.
    const store = ProbeStore.open({ dir: storeDir, ...DEFAULT_STORE_OPTIONS });
    const records = [...store.storedRecords()].map((x) => x.record);
    await store.close();
    expect(records.length).toBeGreaterThan(0);
    expect(records.filter((f) => f.src === '192.168.56.103' || f.dst === '192.168.56.103')).toEqual([]);
    expect(differences(aggregate(await fileFlows([KINIT])), aggregate(records))).toEqual([]);
    const kinitPackets = sent - 431; // sshguess has 431 frames, none of which reached the probe
    expect(r.stats.interfaces[0]).toMatchObject({ captured: kinitPackets, received: kinitPackets, kernelDrops: 0 });
  });

  it('SIGHUP reloads the config while packets flow: re-opens changed captures, opens new ones, keeps flows, loses and doubles nothing', async () => {
    const part1 = join(tmp, 'ssh-1.pcap');
    const part2 = join(tmp, 'ssh-2.pcap');
    execFileSync('editcap', ['-r', SSH, part1, '1-200']); // cuts a connection in two
    execFileSync('editcap', ['-r', SSH, part2, '201-431']);
    const cfg = config('reload.yaml', 'capture:\n  interfaces:\n    - name: vb1\n');
    const probe = new Probe(cfg);
    await probe.waitFor(/capturing on vb1/);
    replay('va1', [part1]);
    // A broken file is refused and the running configuration stays.
    config('reload.yaml', 'capture:\n  interfaces:\n    - name: vb1\n      snaplen: huge\n');
    probe.child.kill('SIGHUP');
    await probe.waitFor(/reload failed, still running the previous configuration: .*reload\.yaml: capture\.interfaces\[0\]\.snaplen: expected a whole number/);
    config('reload.yaml', 'capture:\n  interfaces:\n    - name: vb1\n      snaplen: 512\n    - name: vb2\n');
    // 231 packets over ~0.6 s; the reload (new vb1 capture open, old one draining) happens among them.
    const sending = replayInBackground('va1', [part2], ['--pps', '400']);
    await new Promise((r) => setTimeout(r, 150));
    probe.child.kill('SIGHUP');
    await probe.waitFor(/configuration reloaded/);
    await sending;
    replay('va2', [SNMP]);
    const r = await probe.stop();
    expect(r.code).toBe(0);

    // Record for record what probe read gives: a reload that flushed or duplicated would show here.
    const strip = ({ first: _first, last: _last, iface: _iface, ...rest }: FlowRecord) => rest;
    const sort = (xs: object[]) => xs.map((x) => JSON.stringify(x)).sort();
    const ssh = r.records.filter((f) => f.dport === 22);
    expect(sort(ssh.map(strip))).toEqual(sort((await fileFlows([SSH])).map(strip)));
    expect(ssh.every((f) => f.iface === 'vb1')).toBe(true);
    const snmp = r.records.filter((f) => f.dport === 161);
    expect(differences(aggregate(await fileFlows([SNMP])), aggregate(snmp))).toEqual([]);
    expect(snmp.every((f) => f.iface === 'vb2')).toBe(true);
    // Every packet both captures saw is accounted for: delivered once as a duplicate, or left
    // unread in the old capture's ring when it closed (the new one had it).
    const [v1, v2] = r.stats.interfaces;
    expect(v1).toMatchObject({ name: 'vb1', captured: 431 + r.stats.reloadDuplicates, kernelDrops: 0 });
    expect(v1.received).toBe(v1.captured + v1.unread);
    expect(v2).toMatchObject({ name: 'vb2', captured: 400, received: 400, kernelDrops: 0, unread: 0 });
    // Both vb1 captures saw the packets of the hand-over; each was counted once.
    expect(r.stats.reloadDuplicates).toBeGreaterThan(0);
    expect(r.stats.reloadLost).toBe(0);
  });

  it('keeps hundreds of flows whole through ten reloads with two capture workers: none split, nothing lost or doubled', async () => {
    // Each reload re-opens vb1 (the snap length changes) in new fanout groups while 600 flows are
    // in flight. Before the hand-over waited for the switch moment, about one run in five here
    // lost a packet or split flows (with a packet counted twice).
    const file = join(tmp, 'reload-flows.pcap');
    await spanmap(['scenario', '--bench', '--packets', '30000', '--flows', '600', '--out', file]);
    const yaml = (snaplen: number) => `capture:\n  workers: 2\n  interfaces:\n    - name: vb1\n      snaplen: ${snaplen}\nflows:\n  dedupWindow: 0\n`;
    const cfg = config('reloads.yaml', yaml(256));
    const probe = new Probe(cfg);
    await probe.waitFor(/capturing on vb1/);
    const sending = replayInBackground('va1', [file], ['--pps', '6000']); // 5 s
    for (let i = 1; i <= 10; i++) {
      await new Promise((r) => setTimeout(r, 350));
      config('reloads.yaml', yaml(i % 2 === 1 ? 300 : 256));
      probe.child.kill('SIGHUP');
    }
    await sending;
    const r = await probe.stop();
    expect(r.code).toBe(0);
    expect(r.stderr.match(/configuration reloaded/g)?.length ?? 0).toBeGreaterThanOrEqual(5); // SIGHUPs during a reload may merge
    const strip = ({ first: _first, last: _last, iface: _iface, ...rest }: FlowRecord) => rest;
    const sort = (xs: object[]) => xs.map((x) => JSON.stringify(x)).sort();
    expect(sort(r.records.map(strip))).toEqual(sort((await fileFlows([file])).map(strip)));
    expect(r.stats.reloadLost).toBe(0);
    expect(r.stats.workers.count).toBe(2);
  });

  it('learns names from packets longer than the 256-byte snap length: a full-length capture of the name-carrying packets', async () => {
    const files = ['malcolm__DNS.pcap', 'malcolm__SSL.pcap', 'malcolm__DHCP.pcap'].map((f) => pcap('mixed', f));
    const cfg = config('names.yaml', 'probe:\n  id: names\ncapture:\n  interfaces: [vb1]\n'); // snaplen 256 (default)
    const probe = new Probe(cfg);
    await probe.waitFor(/capturing on vb1/);
    replay('va1', files);
    const r = await probe.stop();
    expect(r.code).toBe(0);
    // What the observer makes of the whole packets (the files, every copy kept, as the names capture keeps them) ...
    const sum = (o: Record<string, number>) => Object.values(o).reduce((a, b) => a + b, 0);
    const whole = JSON.parse((await spanmap(['probe', 'read', '--stats', '--dedup-window', '0', ...files])).stderr.trim().split('\n').at(-1)!).names;
    // The names capture takes TLS ClientHellos only; the observer is offered every handshake record.
    expect({ ...r.stats.names.parsed, tls: 0 }).toEqual({ ...whole.parsed, tls: 0 });
    expect(r.stats.names.parsed.tls).toBeGreaterThan(100);
    expect(r.stats.names.parsed.tls).toBeLessThan(whole.parsed.tls);
    expect(sum(r.stats.names.errors)).toBe(whole.errors);
    // ... and what 256 bytes of each would have given: payloads cut short, names lost.
    const cut = join(tmp, 'names-256.pcap');
    execFileSync('mergecap', ['-a', '-s', '256', '-F', 'pcap', '-w', cut, ...files]);
    const short = JSON.parse((await spanmap(['probe', 'read', '--stats', '--dedup-window', '0', cut])).stderr.trim().split('\n').at(-1)!).names;
    expect(short.errors).toBeGreaterThan(whole.errors + 100);
    expect(sum(r.stats.names.names)).toBeGreaterThan(0);
  });

  it('splits the interfaces between two capture workers (kernel fanout): both directions and both copies of a packet meet in one worker', async () => {
    // Capturing on both ends of a veth: every frame tcpreplay sends into va1 is seen twice, as it
    // leaves va1 and as it enters vb1, microseconds apart: copies on two interfaces.
    const cfg = config('workers.yaml', 'probe:\n  id: workers\ncapture:\n  workers: 2\n  interfaces: [va1, vb1]\nflows:\n  dedupWindow: 0.5\n');
    const probe = new Probe(cfg);
    await probe.waitFor(/capturing on va1, vb1/);
    const files = [KINIT, SSH, SNMP, ...['malcolm__KRB5.pcap', 'malcolm__Syslog.pcap', 'malcolm__DHCP.pcap'].map((f) => pcap('mixed', f))];
    // At 1,000 packets/s with a 0.5 ms window: faster, identical packets of these captures (DHCP
    // relays, repeated syslog lines, seconds apart when captured) would come closer than the window.
    const sent = replay('va1', files, ['--pps', '1000']);
    const r = await probe.stop();
    expect(r.code).toBe(0);
    expect(r.stats.workers.count).toBe(2);
    expect(r.stats.workers.packets.every((n: number) => n > 100)).toBe(true); // many address pairs: both workers count some
    expect(r.stats.captured).toBe(2 * sent);
    const decodeErrors = Object.values<number>(r.stats.decodeErrors).reduce((a, b) => a + b, 0);
    expect(r.stats.packets + r.stats.duplicates + decodeErrors + r.stats.fragments.absorbed).toBe(r.stats.captured);
    // Every conversation as in the files; a copy the kernel stamped more than the window after
    // its original (seen a few times in thousands on this loaded 2-core VM) counts twice.
    const file = aggregate(await fileFlows(files));
    const live = aggregate(r.records);
    expect([...live.keys()].sort()).toEqual([...file.keys()].sort());
    let extra = 0;
    for (const [k, [p]] of file) {
      expect(live.get(k)![0], k).toBeGreaterThanOrEqual(p);
      extra += live.get(k)![0] - p;
    }
    expect(extra).toBeLessThanOrEqual(r.stats.packets / 200);
    expect(r.stats.duplicates).toBe(r.stats.packets - 2 * extra);
  });

  it('counts kernel drops honestly: sent = captured + dropped', async () => {
    // The smallest ring (1 MiB) and a probe stopped while ~20,000 packets arrive: the kernel must drop.
    const cfg = config('drops.yaml', 'capture:\n  interfaces:\n    - name: vb1\n      bufferSize: 1MiB\n');
    const probe = new Probe(cfg);
    await probe.waitFor(/capturing on vb1/);
    probe.child.kill('SIGSTOP');
    let sent: number;
    try {
      sent = replay(
        'va1',
        ['elcabezzonn__wmi-service-remote.pcap', 'elcabezzonn__aug19.pcap', 'malcolm__SSL.pcap'].map((f) => pcap('mixed', f)),
      );
    } finally {
      probe.child.kill('SIGCONT');
    }
    const r = await probe.stop();
    expect(r.code).toBe(0);
    const s = r.stats.interfaces[0];
    expect(s.kernelDrops).toBeGreaterThan(1000);
    expect(s.received).toBe(sent);
    expect(s.captured + s.kernelDrops).toBe(sent);
    expect(s.unread).toBe(0);
    const decodeErrors = Object.values<number>(r.stats.decodeErrors).reduce((a, b) => a + b, 0);
    expect(r.stats.packets + decodeErrors + r.stats.fragments.absorbed + r.stats.duplicates).toBe(s.captured);
  });

  it('refuses to run without privileges, with one line naming the capability', async () => {
    const cfg = config('priv.yaml', 'capture:\n  interfaces: [vb1]\n');
    const probe = new Probe(cfg, { prefix: [...AS_NOBODY, '--inh-caps=-all'] });
    const r = await probe.result();
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^spanmap: capture on vb1: permission denied \(.*Operation not permitted\): the probe needs CAP_NET_RAW/);
    expect(hasStackTrace(r.stderr)).toBe(false);
  });

  it('runs unprivileged holding only CAP_NET_RAW, in promiscuous mode', async () => {
    const cfg = config('priv.yaml', 'capture:\n  interfaces:\n    - name: vb1\n      promisc: true\n');
    const caps = [...AS_NOBODY, '--inh-caps=-all,+net_raw', '--ambient-caps=-all,+net_raw'];
    const probe = new Probe(cfg, { prefix: caps });
    await probe.waitFor(/capturing on vb1/);
    const status = readFileSync(`/proc/${probe.child.pid}/status`, 'utf8');
    expect(status).toMatch(/^Uid:\s+65534\s/m);
    expect(BigInt('0x' + /^CapEff:\s+(\w+)/m.exec(status)![1])).toBe(1n << 13n); // CAP_NET_RAW and nothing else
    // libpcap on Linux enables promiscuous mode through a packet-socket membership: CAP_NET_RAW suffices.
    expect(ip('-n', NS, '-d', 'link', 'show', 'vb1').toString()).toMatch(/promiscuity [1-9]/);
    replay('va1', [SNMP]);
    const r = await probe.stop();
    expect(r.code).toBe(0);
    expect(differences(aggregate(await fileFlows([SNMP])), aggregate(r.records))).toEqual([]);
  });

  it('falls back to the cap backend with a clear warning when the native module is missing (drops unknown)', async () => {
    const cfg = config('cap.yaml', 'capture:\n  interfaces: [vb1]\n');
    const probe = new Probe(cfg, { env: { SPANMAP_PCAP_ADDON: join(tmp, 'not-built.node') } });
    await probe.waitFor(/capturing on vb1 \(cap backend\)/);
    expect(probe.stderr).toMatch(
      /native capture module unavailable: .*not-built\.node is not built .*falling back to the cap backend: packets are timestamped on arrival and kernel drops are NOT reported/,
    );
    // Not at top speed: cap fixes the kernel snap length at 65535, so its ring holds only a few
    // hundred frames and a burst would overflow it, which cap could not even report.
    const sent = replay('va1', [KINIT, SSH], ['--pps', '5000']);
    const r = await probe.stop();
    expect(r.code).toBe(0);
    expect(differences(aggregate(await fileFlows([KINIT, SSH])), aggregate(r.records))).toEqual([]);
    expect(r.stats.interfaces[0]).toEqual({
      name: 'vb1',
      backend: 'cap',
      up: false,
      captured: sent,
      received: null,
      kernelDrops: null,
      ifaceDrops: null,
      unread: null,
    });
    expect(r.stats.kernelDrops).toBeNull();
    // Arrival stamps from the monotonic clock mapped to wall time: within this test's run.
    expect(r.records.every((f) => Math.abs(f.first - Date.now()) < 60_000)).toBe(true);
  });
});
