import { describe, it, expect, beforeAll, afterAll, afterEach } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pcap } from './helpers/paths.js';
import { freePort, tempDir, spanmapProc, waitFor, killAll, type Proc } from './helpers/procs.js';
import { ConsoleProc } from './helpers/console.js';
import { runCertificateRecipe } from './helpers/pki.js';
import { startExampleMosquitto } from './helpers/mosquitto.js';
import { exportWithSoftflowd, exportedPackets } from './helpers/exporter.js';
import { hasStackTrace } from './helpers/cli.js';

/*
 * Issue 13: `spanmap probe run` — the production path — publishes over mqtts with a private CA
 * and a client certificate whose CN is its probe id, all given in its configuration (publish.ca,
 * publish.cert, publish.key): to the console's embedded broker, and to a real Mosquitto running
 * the example configuration with client certificates required. Real processes throughout: a
 * softflowd exporter feeds the probe's IPFIX listener, and the console must count every packet.
 */

const CAPTURE = pcap('mixed', 'elcabezzonn__windows_miscellany.pcap');
const ID = 'edge-tls';
const PASSWORD = 'edge-tls-secret-0123';
const CONSOLE_PASSWORD = 'console-secret-4567';
let pki: string;
let otherCa: string;
let expectedPackets: number;

beforeAll(async () => {
  pki = tempDir('tls-pki');
  runCertificateRecipe(pki, { BROKER_NAME: 'localhost', BROKER_IP: '127.0.0.1', PROBE_ID: ID });
  // Another CA altogether: what a probe given the wrong ca.crt trusts.
  otherCa = tempDir('tls-other-ca');
  runCertificateRecipe(otherCa, { BROKER_NAME: 'localhost', BROKER_IP: '127.0.0.1', PROBE_ID: ID });
  expectedPackets = await exportedPackets(CAPTURE);
}, 120_000);
afterEach(() => killAll());
afterAll(() => killAll());

/** A probe configuration: an IPFIX listener, a store, and the publish section given. */
async function probeConfig(publish: Record<string, string | number>): Promise<{ file: string; ipfixPort: number }> {
  const dir = tempDir('probe-tls');
  const ipfixPort = await freePort();
  const file = join(dir, 'probe.yaml');
  const lines = Object.entries({ username: ID, password: PASSWORD, interval: 1, ...publish }).map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`);
  writeFileSync(
    file,
    [
      `probe:\n  id: ${ID}`,
      `netflow:\n  listeners:\n    - { protocol: ipfix, listen: "127.0.0.1:${ipfixPort}" }`,
      `store:\n  dir: ${join(dir, 'store')}`,
      `publish:\n${lines.join('\n')}`,
      '',
    ].join('\n'),
  );
  return { file, ipfixPort };
}

const f = (name: string) => join(pki, name);
const clientTls = () => ({ ca: f('ca.crt'), cert: f(`${ID}.crt`), key: f(`${ID}.key`) });

/** Runs `probe run`, feeds it the capture over IPFIX, waits until the console has every packet, stops it (exit 0). */
async function deliverThrough(url: string, c: ConsoleProc): Promise<Proc> {
  const { file, ipfixPort } = await probeConfig({ url, ...clientTls() });
  const probe = spanmapProc(['probe', 'run', '--config', file]);
  await waitFor('the probe publishing', () => probe.err.includes('publishing to') || !probe.alive, 20_000);
  expect(probe.alive, probe.err).toBe(true);
  await exportWithSoftflowd(CAPTURE, ipfixPort);
  const got = await waitFor(
    'every packet at the console',
    async () => {
      const p = await c.probe(ID);
      return p && p.packets >= expectedPackets ? p : null;
    },
    60_000,
  ).catch((e) => {
    throw new Error(`${(e as Error).message}; probe said: ${probe.err}`);
  });
  expect(got.packets).toBe(expectedPackets);
  expect(await probe.stop()).toBe(0);
  expect(probe.err).not.toMatch(/mqtt:/); // no connection trouble on the way
  expect(hasStackTrace(probe.err)).toBe(false);
  return probe;
}

describe('probe run over mqtts, with publish.ca, publish.cert and publish.key', () => {
  it("delivers to the console's embedded broker, which requires the probe's client certificate", async () => {
    const port = await freePort();
    const c = await new ConsoleProc(tempDir('console'), await freePort(), { broker: port }, { SPANMAP_MQTT_USERS: `${ID}:${PASSWORD}` }, [
      '--broker-tls-cert',
      f('broker.crt'),
      '--broker-tls-key',
      f('broker.key'),
      '--broker-tls-ca',
      f('ca.crt'),
    ]).start();
    await deliverThrough(`mqtts://localhost:${port}`, c);
    expect(c.proc.err).not.toMatch(/broker: refused|TLS handshake/);
  }, 120_000);

  it('delivers to Mosquitto (the example configuration, client certificates required), the console subscribed there', async () => {
    const m = await startExampleMosquitto(pki, { 'spanmap-console': CONSOLE_PASSWORD, [ID]: PASSWORD }, { clientCertificates: true });
    const c = await new ConsoleProc(
      tempDir('console'),
      await freePort(),
      { url: `mqtt://127.0.0.1:${m.plainPort}` },
      { SPANMAP_MQTT_PASSWORD: CONSOLE_PASSWORD },
      ['--mqtt-username', 'spanmap-console'],
    ).start();
    await deliverThrough(`mqtts://localhost:${m.tlsPort}`, c);
    // Mosquitto saw a TLS client with its certificate: a connection without one is refused there.
    expect(m.proc.err).toMatch(new RegExp(`New client connected from 127\\.0\\.0\\.1:\\d+ as ${ID}`));
  }, 120_000);

  it('a wrong CA: one line naming publish.ca, while it keeps retrying', async () => {
    const port = await freePort();
    await new ConsoleProc(tempDir('console'), await freePort(), { broker: port }, {}, [
      '--broker-tls-cert',
      f('broker.crt'),
      '--broker-tls-key',
      f('broker.key'),
    ]).start();
    const { file } = await probeConfig({ url: `mqtts://localhost:${port}`, ca: join(otherCa, 'ca.crt') });
    const probe = spanmapProc(['probe', 'run', '--config', file]);
    await waitFor('the TLS refusal', () => /mqtt: TLS/.test(probe.err) || !probe.alive, 20_000);
    await new Promise((r) => setTimeout(r, 1500)); // a retry or two: the line is not repeated
    expect(probe.alive).toBe(true);
    expect(await probe.stop()).toBe(0);
    const tls = probe.err.split('\n').filter((l) => l.includes('TLS'));
    expect(tls).toEqual([
      expect.stringMatching(
        new RegExp(
          `^spanmap: mqtt: TLS: (self-signed certificate in certificate chain|unable to verify the first certificate|unable to get local issuer certificate): the broker's certificate is not signed by the CA in publish\\.ca \\(${join(otherCa, 'ca.crt')}\\)$`,
        ),
      ),
    ]);
  }, 60_000);

  it('a missing key file, or a key that is not the certificate’s: one line naming publish.key, exit 1', async () => {
    const missing = await probeConfig({ url: 'mqtts://localhost:1', ...clientTls(), key: join(pki, 'nope.key') });
    const wrong = await probeConfig({ url: 'mqtts://localhost:1', ...clientTls(), key: f('broker.key') });
    const results = await Promise.all(
      [missing, wrong].map(async (x) => {
        const p = spanmapProc(['probe', 'run', '--config', x.file]);
        return { code: await p.exited, err: p.err, file: x.file };
      }),
    );
    expect(results.map((r) => [r.code, r.err])).toEqual([
      [1, `spanmap: ${results[0]!.file}: publish.key: ${join(pki, 'nope.key')}: no such file\n`],
      [1, `spanmap: publish.key: ${f('broker.key')} is not the key of the certificate ${f(`${ID}.crt`)}\n`],
    ]);
  }, 60_000);
});
