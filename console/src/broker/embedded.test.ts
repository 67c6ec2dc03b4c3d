import { describe, it, expect, beforeAll, afterEach } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type MqttClient, type IClientOptions } from 'mqtt';
import { EmbeddedBroker, type EmbeddedBrokerOptions } from './embedded.js';

// The embedded broker in-process with real MQTT.js clients over real sockets: authentication,
// the per-probe ACL, the console's private socket, counters, and TLS with client certificates.

const users = [
  { username: 'probe-a', password: 'secret-a' },
  { username: 'probe-b', password: 'secret-b' },
];
const probeA: IClientOptions = { clientId: 'spanmap-probe-probe-a', username: 'probe-a', password: 'secret-a' };

const brokers: EmbeddedBroker[] = [];
const clients: MqttClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
  await Promise.all(brokers.splice(0).map((b) => b.stop()));
});

async function startBroker(extra: Partial<EmbeddedBrokerOptions> = {}): Promise<{ broker: EmbeddedBroker; lines: string[] }> {
  const lines: string[] = [];
  const broker = new EmbeddedBroker({ host: '127.0.0.1', port: 0, log: (l) => lines.push(l), ...extra });
  brokers.push(broker);
  await broker.start();
  return { broker, lines };
}

/** Connects once (no reconnects); resolves with the client, or rejects with the CONNACK/TLS error. */
function client(url: string, opts: IClientOptions = {}): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const c = connect(url, { reconnectPeriod: 0, connectTimeout: 5000, ...opts });
    clients.push(c);
    c.once('connect', () => resolve(c));
    c.once('error', reject);
    c.once('close', () => reject(new Error('closed before CONNACK')));
  });
}

async function refusal(url: string, opts: IClientOptions): Promise<{ code: unknown; message: string }> {
  try {
    await client(url, opts);
  } catch (e) {
    return { code: (e as { code?: unknown }).code, message: (e as Error).message };
  }
  throw new Error('connected, expected a refusal');
}

/** The SUBACK's return codes (MQTT.js rejects a SUBACK holding a failure, 0x80, but keeps the packet). */
async function suback(c: MqttClient, topics: string | string[], qos: 0 | 1 = 1): Promise<number[]> {
  try {
    return (await c.subscribeAsync(topics, { qos })).map((g) => g.qos);
  } catch (e) {
    return (e as { packet: { granted: number[] } }).packet.granted;
  }
}

function consoleClient(broker: EmbeddedBroker): Promise<MqttClient> {
  const i = broker.internalClient;
  return client(i.url, { clientId: 'spanmap-console', username: i.username, password: i.password });
}

describe('embedded broker without users', () => {
  it('is open, as before, and the console still has its private socket', async () => {
    const { broker } = await startBroker();
    expect(broker.secured).toBe(false);
    const anyone = await client(broker.url, { clientId: 'whatever' });
    await anyone.subscribeAsync('#');
    const cons = await consoleClient(broker);
    expect(await suback(cons, 'spanmap/v1/+/flows')).toEqual([1]);
  });
});

describe('embedded broker with users', () => {
  it('refuses anonymous clients, wrong passwords, unknown users and foreign client ids, and counts them', async () => {
    const { broker, lines } = await startBroker({ users });
    expect(broker.secured).toBe(true);
    expect(await refusal(broker.url, { clientId: 'spanmap-probe-probe-a' })).toMatchObject({ code: 5, message: /Not authorized/ });
    expect(await refusal(broker.url, { ...probeA, password: 'secret-b' })).toMatchObject({ code: 4 });
    expect(await refusal(broker.url, { ...probeA, username: 'probe-z' })).toMatchObject({ code: 4 });
    expect(await refusal(broker.url, { ...probeA, clientId: 'spanmap-probe-probe-b' })).toMatchObject({ code: 2 });
    // The console's credential is worth nothing on the public listener.
    const i = broker.internalClient;
    expect(await refusal(broker.url, { clientId: 'spanmap-console', username: i.username, password: i.password })).toMatchObject({ code: 4 });
    // ... and probe credentials nothing on the private socket.
    expect(await refusal(i.url, probeA)).toMatchObject({ code: 4 });
    expect(broker.counters).toMatchObject({
      authFailures: 6,
      authFailuresByReason: { anonymous: 1, 'bad-password': 1, 'unknown-user': 2, 'client-id': 1, 'console-credential': 1, certificate: 0 },
    });
    expect(lines.join('\n')).toContain('wrong password for probe "probe-a"');
    expect(lines.join('\n')).toContain('connected with client id "spanmap-probe-probe-b"; it must use "spanmap-probe-probe-a"');
    expect(lines.join('\n')).not.toContain('secret');
    expect(lines.join('\n')).not.toContain(i.password);
    await client(broker.url, probeA); // and the right credentials still work
  });

  it('holds a probe to its own topics, and carries flows to the console and acks back', async () => {
    const { broker, lines } = await startBroker({ users });
    const cons = await consoleClient(broker);
    const got: string[] = [];
    cons.on('message', (t, p) => got.push(`${t} ${p.toString()}`));
    await cons.subscribeAsync(['spanmap/v1/+/flows', 'spanmap/v1/+/status'], { qos: 1 });

    const a = await client(broker.url, probeA);
    expect(await suback(a, ['spanmap/v1/probe-a/ack', 'spanmap/v1/probe-b/ack', 'spanmap/v1/+/flows', '#'])).toEqual([1, 128, 128, 128]);
    const acks: string[] = [];
    a.on('message', (t, p) => acks.push(`${t} ${p.toString()}`));
    await a.publishAsync('spanmap/v1/probe-a/flows', 'batch-1', { qos: 1 });
    await a.publishAsync('spanmap/v1/probe-a/status', 'up', { qos: 1, retain: true });
    await cons.publishAsync('spanmap/v1/probe-a/ack', 'ack-1', { qos: 1 });
    await cons.publishAsync('spanmap/v1/probe-b/ack', 'ack-for-b', { qos: 1 });
    await new Promise((r) => setTimeout(r, 200));
    expect(got).toEqual(['spanmap/v1/probe-a/flows batch-1', 'spanmap/v1/probe-a/status up']);
    expect(acks).toEqual(['spanmap/v1/probe-a/ack ack-1']);

    // Publishing under another probe's id: dropped, and the client is disconnected.
    const closed = new Promise((r) => a.once('close', r));
    a.publish('spanmap/v1/probe-b/flows', 'forged', { qos: 1 });
    await closed;
    await new Promise((r) => setTimeout(r, 200));
    expect(got).not.toContain('spanmap/v1/probe-b/flows forged');
    expect(broker.counters).toMatchObject({ publishDenied: 1, subscribeDenied: 3, authFailures: 0 });
    expect(lines.join('\n')).toContain('probe "probe-a" (127.0.0.1:');
    expect(lines.join('\n')).toContain('may not publish to "spanmap/v1/probe-b/flows": dropped, client disconnected');
    expect(lines.join('\n')).toContain('may not subscribe to "spanmap/v1/probe-b/ack": refused');
  });

  it("drops a last will aimed at another probe's status", async () => {
    const { broker } = await startBroker({ users });
    const cons = await consoleClient(broker);
    const got: string[] = [];
    cons.on('message', (t) => got.push(t));
    await cons.subscribeAsync('spanmap/v1/+/status', { qos: 1 });
    const a = await client(broker.url, { ...probeA, will: { topic: 'spanmap/v1/probe-b/status', payload: Buffer.from('offline'), qos: 1, retain: true } });
    a.stream.destroy(); // an unclean disconnect fires the will
    await new Promise((r) => setTimeout(r, 300));
    expect(got).toEqual([]);
    expect(broker.counters.publishDenied).toBe(1);
  });

  it('refuses the console anything beyond its rights', async () => {
    const { broker } = await startBroker({ users });
    const cons = await consoleClient(broker);
    expect(await suback(cons, '#')).toEqual([128]);
    const closed = new Promise((r) => cons.once('close', r));
    cons.publish('spanmap/v1/probe-a/flows', 'forged', { qos: 1 });
    await closed;
    expect(broker.counters).toMatchObject({ subscribeDenied: 1, publishDenied: 1 });
  });

  it('rate-limits its refusal log', async () => {
    const { broker, lines } = await startBroker({ users });
    for (let i = 0; i < 8; i++) await refusal(broker.url, { clientId: 'x' });
    expect(broker.counters.authFailures).toBe(8);
    expect(lines.filter((l) => l.includes('no username'))).toHaveLength(5);
  });
});

describe('embedded broker with TLS', () => {
  let pki: string;
  beforeAll(() => {
    pki = mkdtempSync(join(tmpdir(), 'spanmap-broker-pki-'));
    const ossl = (...args: string[]) => execFileSync('openssl', args, { cwd: pki, stdio: 'pipe' });
    const key = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
    ossl(
      'req',
      '-x509',
      '-new',
      ...key,
      '-days',
      '2',
      '-subj',
      '/CN=test CA',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign',
      '-keyout',
      'ca.key',
      '-out',
      'ca.crt',
    );
    const sign = (name: string, cn: string, ext: string) => {
      writeFileSync(join(pki, `${name}.ext`), ext);
      ossl('req', '-new', ...key, '-subj', `/CN=${cn}`, '-keyout', `${name}.key`, '-out', `${name}.csr`);
      ossl(
        'x509',
        '-req',
        '-in',
        `${name}.csr`,
        '-CA',
        'ca.crt',
        '-CAkey',
        'ca.key',
        '-CAcreateserial',
        '-days',
        '2',
        '-extfile',
        `${name}.ext`,
        '-out',
        `${name}.crt`,
      );
    };
    sign('broker', 'localhost', 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
    sign('probe-a', 'probe-a', 'extendedKeyUsage=clientAuth\n');
    sign('probe-b', 'probe-b', 'extendedKeyUsage=clientAuth\n');
  });
  const f = (name: string) => join(pki, name);
  const pem = (name: string) => readFileSync(f(name));

  it('serves mqtts to clients that trust its CA, and counts failed handshakes', async () => {
    const { broker, lines } = await startBroker({ users, tls: { certFile: f('broker.crt'), keyFile: f('broker.key') } });
    expect(broker.url).toMatch(/^mqtts:\/\/127\.0\.0\.1:\d+$/);
    await client(broker.url, { ...probeA, ca: pem('ca.crt') });
    await client(broker.url.replace('127.0.0.1', 'localhost'), {
      ...probeA,
      clientId: 'spanmap-probe-probe-b',
      username: 'probe-b',
      password: 'secret-b',
      ca: pem('ca.crt'),
    });
    expect((await refusal(broker.url, probeA)).message).toMatch(/unable to verify the first certificate/);
    await refusal(broker.url.replace('mqtts', 'mqtt'), probeA);
    const cons = await consoleClient(broker); // the private socket is not TLS
    await cons.subscribeAsync('spanmap/v1/+/flows');
    await new Promise((r) => setTimeout(r, 100));
    expect(broker.counters.tlsFailures).toBe(2);
    expect(lines.join('\n')).toContain('the client does not speak TLS (a plain mqtt:// client on the mqtts port?)');
  });

  it('with a client CA, requires a client certificate whose CN is the username', async () => {
    const { broker } = await startBroker({ users, tls: { certFile: f('broker.crt'), keyFile: f('broker.key'), caFile: f('ca.crt') } });
    const tls = (who: string) => ({ ca: pem('ca.crt'), cert: pem(`${who}.crt`), key: pem(`${who}.key`) });
    await client(broker.url, { ...probeA, ...tls('probe-a') });
    expect(await refusal(broker.url, { ...probeA, ...tls('probe-b') })).toMatchObject({ code: 5 });
    await refusal(broker.url, { ...probeA, ca: pem('ca.crt') }); // no certificate at all
    await new Promise((r) => setTimeout(r, 100));
    expect(broker.counters.authFailuresByReason.certificate).toBe(1);
    expect(broker.counters.tlsFailures).toBeGreaterThanOrEqual(1);
  });

  it('refuses to start with a key that does not match, in one line naming the files', async () => {
    const b = new EmbeddedBroker({ host: '127.0.0.1', port: 0, tls: { certFile: f('broker.crt'), keyFile: f('probe-a.key') } });
    await expect(b.start()).rejects.toThrow(`broker TLS: the key ${f('probe-a.key')} does not belong to the certificate ${f('broker.crt')}`);
    const c = new EmbeddedBroker({ host: '127.0.0.1', port: 0, tls: { certFile: f('nope.crt'), keyFile: f('broker.key') } });
    await expect(c.start()).rejects.toThrow(`broker TLS: cannot read the certificate ${f('nope.crt')}: no such file or directory`);
  });
});
