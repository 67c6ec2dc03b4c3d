import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IClientOptions } from 'mqtt';
import { topics } from '@spanmap/shared';
import { validateConfig } from '@spanmap/probe/config';
import { pcap } from './helpers/paths.js';
import { readFlows } from './helpers/flows.js';
import { freePort, tempDir, spanmapProc, waitFor, killAll, type Proc } from './helpers/procs.js';
import { ConsoleProc, TOKEN } from './helpers/console.js';
import { runCertificateRecipe } from './helpers/pki.js';
import { mqttClient, refusedWith, suback, batch } from './helpers/mqtt-clients.js';

/*
 * MQTT refusals proven against a running console (real processes, the embedded broker, real
 * sockets): per-probe credentials, the per-probe ACL, the client-id rule, and TLS with client
 * certificates made by the recipe in docs/mqtt-security.md (its shell blocks are run as written).
 */

const CAPTURE = pcap('mixed', 'arkime__arkime_synthetic.pcap');
const USERS = { 'probe-a': 'secret-a-123', 'probe-b': 'secret-b-456', 'probe-c': 'secret-c-789' } as const;
const USERS_ENV = Object.entries(USERS)
  .map(([u, p]) => `${u}:${p}`)
  .join(',');
let expected: { flows: number; packets: number; bytes: number };
let pki: string;

beforeAll(async () => {
  pki = tempDir('mqtt-pki');
  runCertificateRecipe(pki, { BROKER_NAME: 'localhost', BROKER_IP: '127.0.0.1', PROBE_ID: 'probe-c' });
  const { records } = await readFlows(CAPTURE);
  expected = {
    flows: records.filter((r) => !r.cont).length,
    packets: records.reduce((s, r) => s + r.packets + r.rpackets, 0),
    bytes: records.reduce((s, r) => s + r.bytes + r.rbytes, 0),
  };
});
afterAll(() => killAll());

/** `spanmap console` with extra flags (TLS) and environment (users). */
class SecuredConsole extends ConsoleProc {
  constructor(
    dataDir: string,
    httpPort: number,
    readonly brokerPort: number,
    env: NodeJS.ProcessEnv,
    extra: string[] = [],
  ) {
    super(dataDir, httpPort, { broker: brokerPort }, env, extra);
  }

  override async start(): Promise<this> {
    this.proc = spanmapProc(
      ['console', '--data', this.dataDir, '--http', `127.0.0.1:${this.httpPort}`, '--broker', `127.0.0.1:${this.brokerPort}`, ...this.extra],
      { SPANMAP_API_TOKEN: TOKEN, ...this.env },
    );
    await waitFor('the console to serve /health', async () => (await fetch(`http://127.0.0.1:${this.httpPort}/api/v1/health`)).ok, 20_000, 200);
    await waitFor('the console subscribed', async () => (await this.stats()).mqtt.connected, 10_000);
    return this;
  }

  stats() {
    return this.api<{ ingest: { batchesApplied: number; rejected: Record<string, number> }; statusRejected: number; mqtt: { connected: boolean } }>('/stats');
  }

  async probeIds(): Promise<string[]> {
    return (await this.api<Array<{ id: string }>>('/probes')).map((p) => p.id).sort();
  }
}

const asProbe = (id: keyof typeof USERS): IClientOptions => ({ clientId: `spanmap-probe-${id}`, username: id, password: USERS[id] });

/** A probe process publishing the capture; `extra` holds credentials and TLS flags. */
function probeRead(url: string, probeId: string, extra: string[]): Proc {
  return spanmapProc([
    'probe',
    'read',
    CAPTURE,
    '--publish',
    url,
    '--probe-id',
    probeId,
    '--data',
    tempDir('probe'),
    '--interval',
    '0.5',
    '--ack-timeout',
    '3',
    ...extra,
  ]);
}

/** Waits for `re` on the probe's stderr, then stops it; returns its stderr. */
async function errorLineOf(p: Proc, re: RegExp): Promise<string> {
  await waitFor(`${re} on the probe's stderr`, () => re.test(p.err), 20_000);
  expect(p.alive).toBe(true); // still retrying, as a probe should
  await p.stop();
  return p.err;
}

const noStackTrace = (s: string) => expect(s).not.toMatch(/^\s+at /m);

describe('embedded broker with per-probe credentials (SPANMAP_MQTT_USERS)', () => {
  let c: SecuredConsole;
  let url: string;
  beforeAll(async () => {
    const port = await freePort();
    url = `mqtt://127.0.0.1:${port}`;
    c = await new SecuredConsole(tempDir('console'), await freePort(), port, { SPANMAP_MQTT_USERS: USERS_ENV }).start();
  });

  it('refuses anonymous clients, wrong passwords and foreign client ids, each in one clear line', async () => {
    expect(await refusedWith(url, { clientId: 'spanmap-probe-probe-a' })).toBe(5); // not authorized
    expect(await refusedWith(url, { ...asProbe('probe-a'), password: 'wrong' })).toBe(4); // bad user name or password
    expect(await refusedWith(url, { ...asProbe('probe-a'), username: 'probe-z' })).toBe(4);
    expect(await refusedWith(url, { ...asProbe('probe-a'), clientId: 'spanmap-probe-probe-b' })).toBe(2); // identifier rejected

    const [anonymous, wrong, foreign] = await Promise.all([
      errorLineOf(probeRead(url, 'probe-a', []), /mqtt: not authorized/),
      errorLineOf(probeRead(url, 'probe-a', ['--username', 'probe-a', '--password', 'wrong-password']), /mqtt: not authorized/),
      errorLineOf(probeRead(url, 'probe-b', ['--username', 'probe-a', '--password', USERS['probe-a']]), /mqtt: the broker refused the client id/),
    ]);
    expect(anonymous).toContain("spanmap: mqtt: not authorized (check the probe's username/password");
    expect(wrong).toContain("spanmap: mqtt: not authorized: wrong username or password (check the probe's username/password)\n");
    expect(foreign).toContain(
      'spanmap: mqtt: the broker refused the client id (a probe connects as spanmap-probe-<probe id>: its --probe-id must be its username)\n',
    );
    for (const s of [anonymous, wrong, foreign]) noStackTrace(s);

    const log = c.proc.err;
    expect(log).toMatch(/broker: refused a connection from 127\.0\.0\.1:\d+: no username/);
    expect(log).toContain('broker: refused a connection from');
    expect(log).toContain('wrong password for probe "probe-a"');
    expect(log).toContain('unknown user "probe-z"');
    expect(log).toContain('probe "probe-a" connected with client id "spanmap-probe-probe-b"; it must use "spanmap-probe-probe-a"');
    for (const secret of [...Object.values(USERS), 'wrong-password']) expect(log).not.toContain(secret);
    expect(await c.probeIds()).toEqual([]);
    // Counted too, for Prometheus.
    const metrics = await (await fetch(`http://127.0.0.1:${c.httpPort}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).text();
    for (const reason of ['anonymous', 'bad-password', 'unknown-user', 'client-id'])
      expect(metrics).toMatch(new RegExp(`^spanmap_broker_refused_total\\{reason="${reason}"\\} [1-9]`, 'm'));
    expect(metrics).toMatch(/^spanmap_broker_refused_total\{reason="publish"\} 0$/m);
  });

  it("refuses a probe publishing under another probe's id: nothing is ingested for that id", async () => {
    const a = await mqttClient(url, asProbe('probe-a'));
    const closed = new Promise((r) => a.once('close', r));
    // A well-formed batch that names probe-b, on probe-b's topic: the console would ingest it.
    a.publish(topics.flows('probe-b'), batch('probe-b', 1), { qos: 1 });
    a.publish(topics.status('probe-b'), JSON.stringify({ online: true }), { qos: 1, retain: true });
    await closed; // the broker disconnects the forger
    // The same probe's own batch afterwards is ingested: had the forged one got through, it would be too.
    const again = await mqttClient(url, asProbe('probe-a'));
    await again.publishAsync(topics.flows('probe-a'), batch('probe-a', 1), { qos: 1 });
    const stats = await waitFor('probe-a ingested', async () => {
      const s = await c.stats();
      return s.ingest.batchesApplied >= 1 ? s : null;
    });
    expect(stats.ingest.batchesApplied).toBe(1);
    expect(stats.ingest.rejected).toEqual({});
    expect(stats.statusRejected).toBe(0);
    expect(await c.probeIds()).toEqual(['probe-a']);
    expect(c.proc.err).toMatch(/broker: probe "probe-a" \(127\.0\.0\.1:\d+\) may not publish to "spanmap\/v1\/probe-b\/flows": dropped, client disconnected/);
    await again.endAsync();
  });

  it("refuses a probe subscribing to another probe's acks (failed SUBACK)", async () => {
    const a = await mqttClient(url, asProbe('probe-a'));
    expect(await suback(a, topics.ack('probe-b'))).toEqual([128]);
    expect(await suback(a, 'spanmap/v1/+/ack')).toEqual([128]);
    expect(await suback(a, '#')).toEqual([128]);
    expect(await suback(a, topics.ack('probe-a'))).toEqual([1]);
    expect(a.connected).toBe(true);
    expect(c.proc.err).toContain('may not subscribe to "spanmap/v1/probe-b/ack": refused');
    await a.endAsync();
  });

  it('ingests a legitimate probe end to end with exact totals', async () => {
    const p = probeRead(url, 'probe-c', ['--username', 'probe-c', '--password', USERS['probe-c']]);
    expect(await p.exited).toBe(0);
    const got = (await c.probe('probe-c'))!;
    expect({ flows: got.flows, packets: got.packets, bytes: got.bytes }).toEqual(expected);
    expect(await c.probeIds()).toEqual(['probe-a', 'probe-c']); // still nothing for probe-b
  });
});

describe('embedded broker with TLS and client certificates', () => {
  let c: SecuredConsole;
  let port: number;
  const f = (name: string) => join(pki, name);
  beforeAll(async () => {
    port = await freePort();
    c = await new SecuredConsole(tempDir('console'), await freePort(), port, { SPANMAP_MQTT_USERS: USERS_ENV }, [
      '--broker-tls-cert',
      f('broker.crt'),
      '--broker-tls-key',
      f('broker.key'),
      '--broker-tls-ca',
      f('ca.crt'),
    ]).start();
    expect(c.proc.err).toContain(`broker mqtts://127.0.0.1:${port}`);
  });
  const creds = ['--username', 'probe-c', '--password', USERS['probe-c']];
  const clientCert = ['--cert', join('PKI', 'probe-c.crt'), '--key', join('PKI', 'probe-c.key')];
  const withPki = (args: string[]) => args.map((a) => a.replace(/^PKI/, pki));

  it('delivers over mqtts:// with --ca and the client certificate, with exact totals', async () => {
    const p = probeRead(`mqtts://localhost:${port}`, 'probe-c', [...creds, '--ca', f('ca.crt'), ...withPki(clientCert)]);
    expect(await p.exited).toBe(0);
    const got = (await c.probe('probe-c'))!;
    expect({ flows: got.flows, packets: got.packets, bytes: got.bytes }).toEqual(expected);
  });

  it('refuses a probe that does not trust the CA, and a plain mqtt:// connection, each in one line', async () => {
    const [untrusting, plain] = await Promise.all([
      errorLineOf(probeRead(`mqtts://localhost:${port}`, 'probe-a', ['--username', 'probe-a', '--password', USERS['probe-a']]), /mqtt: TLS:/),
      errorLineOf(probeRead(`mqtt://127.0.0.1:${port}`, 'probe-b', ['--username', 'probe-b', '--password', USERS['probe-b']]), /mqtt: the broker closed/),
    ]);
    // (The broker sends its CA along when it also verifies clients with it, hence "self-signed ... in chain".)
    expect(untrusting).toMatch(
      /^spanmap: mqtt: TLS: (unable to verify the first certificate|self-signed certificate in certificate chain): the broker's certificate is not signed by a CA this probe trusts \(give it with --ca or publish\.ca\)$/m,
    );
    expect(plain).toContain('spanmap: mqtt: the broker closed the connection without answering (is it a TLS port? then use an mqtts:// URL)\n');
    for (const s of [untrusting, plain]) noStackTrace(s);
    await waitFor(
      'the refusals in the console log',
      () => /does not speak TLS/.test(c.proc.err) && /TLS handshake with 127\.0\.0\.1:\d+ failed: the client hung up/.test(c.proc.err),
    );
    expect(c.proc.err).toMatch(
      /broker: TLS handshake with 127\.0\.0\.1:\d+ failed: the client does not speak TLS \(a plain mqtt:\/\/ client on the mqtts port\?\)/,
    );
    expect(await c.probeIds()).toEqual(['probe-c']);
    expect(c.proc.alive).toBe(true);
  });

  it("refuses a client certificate that is not the probe's own", async () => {
    // probe-c's certificate with probe-a's credentials.
    const p = probeRead(`mqtts://localhost:${port}`, 'probe-a', [
      '--username',
      'probe-a',
      '--password',
      USERS['probe-a'],
      '--ca',
      f('ca.crt'),
      ...withPki(clientCert),
    ]);
    const err = await errorLineOf(p, /mqtt: not authorized/);
    noStackTrace(err);
    expect(c.proc.err).toContain('probe "probe-a" presented the certificate of "probe-c"; its CN must be its username');
    expect(await c.probeIds()).toEqual(['probe-c']);
  });
});

describe('TLS settings are checked before anything connects', () => {
  const run = async (args: string[], env: NodeJS.ProcessEnv = {}) => {
    const p = spanmapProc(args, env);
    const code = await p.exited;
    return { code, err: p.err };
  };

  it('probe flags', async () => {
    const ca = join(pki, 'ca.crt');
    const read = ['probe', 'read', CAPTURE, '--probe-id', 'probe-a', '--data', tempDir('probe')];
    const results = await Promise.all([
      run([...read, '--publish', 'mqtt://127.0.0.1:1', '--ca', ca]),
      run([...read, '--publish', 'mqtts://127.0.0.1:1', '--ca', '/nonexistent/ca.crt']),
      run([...read, '--publish', 'mqtts://127.0.0.1:1', '--ca', join(pki, 'broker.csr')]),
      run([...read, '--publish', 'mqtts://127.0.0.1:1', '--cert', join(pki, 'probe-c.crt')]),
      run([...read, '--publish', 'mqtts://127.0.0.1:1', '--cert', join(pki, 'probe-c.crt'), '--key', join(pki, 'broker.key')]),
      run(['probe', 'send', '--publish', 'mqtt://127.0.0.1:1', '--probe-id', 'probe-a', '--data', tempDir('probe'), '--key', ca, '--cert', ca]),
    ]);
    expect(results.map((r) => [r.code, r.err.split('\n')[0]])).toEqual([
      [2, 'spanmap: --ca, --cert and --key are for TLS: use an mqtts:// URL (got "mqtt://")'],
      [1, 'spanmap: --ca: /nonexistent/ca.crt: no such file or directory'],
      [1, `spanmap: --ca: ${join(pki, 'broker.csr')} is not a PEM certificate`],
      [2, 'spanmap: --cert and --key go together (a client certificate and its private key)'],
      [1, `spanmap: --key: ${join(pki, 'broker.key')} is not the key of the certificate ${join(pki, 'probe-c.crt')}`],
      [2, 'spanmap: --ca, --cert and --key are for TLS: use an mqtts:// URL (got "mqtt://")'],
    ]);
  });

  it('console flags and SPANMAP_MQTT_USERS', async () => {
    const base = ['console', '--data', tempDir('console'), '--http', `127.0.0.1:${await freePort()}`, '--broker', `127.0.0.1:${await freePort()}`];
    const results = await Promise.all([
      run([...base, '--broker-tls-cert', join(pki, 'broker.crt')]),
      run([...base, '--broker-tls-cert', join(pki, 'missing.crt'), '--broker-tls-key', join(pki, 'broker.key')]),
      run([...base, '--broker-tls-cert', join(pki, 'broker.crt'), '--broker-tls-key', join(pki, 'probe-c.key')]),
      run(['console', '--mqtt', 'mqtt://127.0.0.1:1', '--broker-tls-ca', join(pki, 'ca.crt')]),
      run(base, { SPANMAP_MQTT_USERS: 'probe-a:ok,probe b:hunter2' }),
    ]);
    expect(results.map((r) => [r.code, r.err.split('\n')[0]])).toEqual([
      [2, 'spanmap: --broker-tls-cert and --broker-tls-key go together'],
      [1, `spanmap: broker TLS: cannot read the certificate ${join(pki, 'missing.crt')}: no such file or directory`],
      [1, `spanmap: broker TLS: the key ${join(pki, 'probe-c.key')} does not belong to the certificate ${join(pki, 'broker.crt')}`],
      [2, 'spanmap: --broker-tls-* configure the embedded broker; they do not go with --mqtt (an external broker)'],
      [
        1,
        'spanmap: SPANMAP_MQTT_USERS: entry 2: username "probe b" is not a probe id (letters, digits, ".", "_", "-"; at most 64): each username is the probe id it may publish as',
      ],
    ]);
    for (const r of results) expect(r.err).not.toContain('hunter2');
  });

  it('publish.ca, publish.cert and publish.key in the probe config', () => {
    const dir = tempDir('probe-config');
    writeFileSync(join(dir, 'ca.crt'), readFileSync(join(pki, 'ca.crt')));
    const cfg = (publish: Record<string, unknown>) => ({ capture: { interfaces: ['eth1'] }, publish: { url: 'mqtts://broker:8883', ...publish } });
    const ok = validateConfig(cfg({ ca: 'ca.crt', cert: join(pki, 'probe-c.crt'), key: join(pki, 'probe-c.key') }), { baseDir: dir, env: {} });
    expect(ok.publish).toMatchObject({ ca: join(dir, 'ca.crt'), cert: join(pki, 'probe-c.crt'), key: join(pki, 'probe-c.key') });
    const problems = (publish: Record<string, unknown>) => {
      try {
        validateConfig(cfg(publish), { baseDir: dir, env: {} });
        return [];
      } catch (e) {
        return (e as { problems: string[] }).problems;
      }
    };
    expect(problems({ ca: 'nope.crt' })).toEqual([`publish.ca: ${join(dir, 'nope.crt')}: no such file`]);
    expect(problems({ ca: '.' })).toEqual([`publish.ca: ${dir} is not a file`]);
    expect(problems({ cert: join(pki, 'probe-c.crt') })).toEqual([
      'publish.key: publish.cert and publish.key go together (a client certificate and its private key)',
    ]);
    expect(problems({ url: 'mqtt://broker:1883', ca: 'ca.crt' })).toEqual(['publish.ca: only used with TLS: make publish.url an mqtts:// (or wss://) URL']);
    expect(problems({ ca: 42 })).toEqual(['publish.ca: expected the path of a PEM file, got 42']);
  });
});
