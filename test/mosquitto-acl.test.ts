import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IClientOptions } from 'mqtt';
import { topics } from '@spanmap/shared';
import { REPO, pcap } from './helpers/paths.js';
import { readFlows } from './helpers/flows.js';
import { freePort, tempDir, spanmapProc, waitFor, killAll, canConnect, Proc } from './helpers/procs.js';
import { ConsoleProc } from './helpers/console.js';
import { runCertificateRecipe } from './helpers/pki.js';
import { mqttClient, refusedWith, suback, batch } from './helpers/mqtt-clients.js';

/*
 * The example Mosquitto configuration and ACL in deploy/mosquitto/, run by a real Mosquitto: only
 * the paths and ports are rewritten (loopback, temporary files). The password file is made with
 * mosquitto_passwd as docs/mqtt-security.md says; the broker certificate with its recipe.
 */

const CAPTURE = pcap('mixed', 'arkime__arkime_synthetic.pcap');
const PASSWORDS = { 'spanmap-console': 'console-pw-0000', 'probe-a': 'probe-a-pw-1111', 'probe-b': 'probe-b-pw-2222' } as const;
type User = keyof typeof PASSWORDS;

let dir: string;
let tlsPort: number;
let plainPort: number;
let mosquitto: Proc;
let consoleProc: ConsoleProc;
const plain = () => `mqtt://127.0.0.1:${plainPort}`;
const as = (u: User): IClientOptions => ({ clientId: `whatever-${u}`, username: u, password: PASSWORDS[u] });

beforeAll(async () => {
  dir = tempDir('mosquitto-acl');
  chmodSync(dir, 0o755); // Mosquitto started as root reads its files as the mosquitto user
  runCertificateRecipe(dir, { BROKER_NAME: 'localhost', BROKER_IP: '127.0.0.1', PROBE_ID: 'probe-a' });
  for (const f of ['ca.crt', 'broker.crt', 'broker.key']) chmodSync(join(dir, f), 0o644); // the recipe's umask 077 keeps them to root
  const passwd = join(dir, 'spanmap.passwd');
  for (const [i, [user, pw]] of Object.entries(PASSWORDS).entries()) {
    execFileSync('mosquitto_passwd', [...(i === 0 ? ['-c'] : []), '-b', passwd, user, pw], { stdio: 'pipe' });
  }
  chmodSync(passwd, 0o644);
  expect(readFileSync(passwd, 'utf8')).not.toContain(PASSWORDS['probe-a']); // hashes, never the passwords
  writeFileSync(join(dir, 'spanmap.acl'), readFileSync(join(REPO, 'deploy', 'mosquitto', 'acl')));

  [tlsPort, plainPort] = [await freePort(), await freePort()];
  const conf = readFileSync(join(REPO, 'deploy', 'mosquitto', 'mosquitto.conf'), 'utf8')
    .replace(/^listener 8883$/m, `listener ${tlsPort} 127.0.0.1`)
    .replace(/^listener 1883 127\.0\.0\.1$/m, `listener ${plainPort} 127.0.0.1`)
    .replaceAll('/etc/mosquitto/certs/', `${dir}/`)
    .replaceAll('/etc/mosquitto/', `${dir}/`)
    .replace(/^persistence true$/m, 'persistence false')
    .replace(/^log_type error$/m, 'log_type error\nlog_type warning\nlog_type notice\nlog_type information');
  // Every rewrite must have hit: otherwise the test would run a configuration other than the example.
  expect(conf).toContain(`listener ${tlsPort} 127.0.0.1`);
  expect(conf).toContain(`listener ${plainPort} 127.0.0.1`);
  expect(conf).not.toContain('/etc/mosquitto');
  writeFileSync(join(dir, 'mosquitto.conf'), conf);
  mosquitto = new Proc('mosquitto', ['-c', join(dir, 'mosquitto.conf')]);
  await waitFor('mosquitto to listen on both ports', async () => (await canConnect(tlsPort)) && (await canConnect(plainPort)), 10_000).catch((e) => {
    throw new Error(`${(e as Error).message}; mosquitto said: ${mosquitto.err}`);
  });

  consoleProc = await new ConsoleProc(tempDir('console'), await freePort(), { url: plain() }, { SPANMAP_MQTT_PASSWORD: PASSWORDS['spanmap-console'] }, [
    '--mqtt-username',
    'spanmap-console',
  ]).start();
  await waitFor('the console subscribed', async () => (await consoleProc.api<{ mqtt: { connected: boolean } }>('/stats')).mqtt.connected, 10_000);
});
afterAll(() => killAll());

describe('the example Mosquitto configuration and ACL (deploy/mosquitto)', () => {
  it('refuses anonymous clients and wrong passwords', async () => {
    expect(await refusedWith(plain(), { clientId: 'anon' })).toBe(5);
    expect(await refusedWith(plain(), { ...as('probe-a'), password: 'wrong' })).toBe(5);
    expect(await refusedWith(plain(), { ...as('probe-a'), username: 'probe-z' })).toBe(5);
  });

  it("drops a probe's PUBLISH under another probe's id: nothing is ingested for that id", async () => {
    const a = await mqttClient(plain(), as('probe-a'));
    await a.publishAsync(topics.flows('probe-b'), batch('probe-b', 1), { qos: 1 });
    await a.publishAsync(topics.ack('probe-b'), JSON.stringify({ v: 1, epoch: 'cd'.repeat(16), seqs: [1] }), { qos: 1 });
    // Its own batch, sent after the forged one on the same connection, arrives: so would the forged one have.
    await a.publishAsync(topics.flows('probe-a'), batch('probe-a', 1), { qos: 1 });
    await waitFor('probe-a ingested', async () => (await consoleProc.probe('probe-a'))?.batches === 1);
    const ids = (await consoleProc.api<Array<{ id: string }>>('/probes')).map((p) => p.id);
    expect(ids).toEqual(['probe-a']);
    await a.endAsync();
  });

  it("refuses a probe reading another probe's acknowledgements", async () => {
    const a = await mqttClient(plain(), as('probe-a'));
    const b = await mqttClient(plain(), as('probe-b'));
    const granted = await suback(a, topics.ack('probe-b'));
    expect(await suback(b, topics.ack('probe-b'))).toEqual([1]);
    expect(await suback(a, 'spanmap/v1/+/ack')).toBeDefined();
    const seenByA: string[] = [];
    const seenByB: string[] = [];
    a.on('message', (t) => seenByA.push(t));
    b.on('message', (t) => seenByB.push(t));
    const cons = await mqttClient(plain(), as('spanmap-console'));
    await cons.publishAsync(topics.ack('probe-b'), JSON.stringify({ v: 1, epoch: 'ef'.repeat(16), seqs: [7] }), { qos: 1 });
    await waitFor('probe-b to get its ack', () => seenByB.length === 1);
    await new Promise((r) => setTimeout(r, 500));
    // Mosquitto 2.0 grants the subscription (or refuses it with 0x80): either way nothing crosses the ACL.
    expect([[0x80], [1]]).toContainEqual(granted);
    expect(seenByA).toEqual([]);
    await Promise.all([a.endAsync(), b.endAsync(), cons.endAsync()]);
  });

  it('carries a probe over TLS with its credentials to the console with exact totals', async () => {
    const { records } = await readFlows(CAPTURE);
    const p = spanmapProc(
      [
        'probe',
        'read',
        CAPTURE,
        '--publish',
        `mqtts://localhost:${tlsPort}`,
        '--probe-id',
        'probe-b',
        '--username',
        'probe-b',
        '--ca',
        join(dir, 'ca.crt'),
        '--data',
        tempDir('probe'),
        '--interval',
        '0.5',
        '--ack-timeout',
        '3',
      ],
      { SPANMAP_MQTT_PASSWORD: PASSWORDS['probe-b'] },
    );
    expect(await p.exited).toBe(0);
    const got = (await consoleProc.probe('probe-b'))!;
    expect({ flows: got.flows, packets: got.packets, bytes: got.bytes }).toEqual({
      flows: records.filter((r) => !r.cont).length,
      packets: records.reduce((s, r) => s + r.packets + r.rpackets, 0),
      bytes: records.reduce((s, r) => s + r.bytes + r.rbytes, 0),
    });
  });

  it('refuses plain MQTT on the TLS listener', async () => {
    expect(await refusedWith(`mqtt://127.0.0.1:${tlsPort}`, as('probe-a'))).not.toBe('connected');
    expect(mosquitto.alive).toBe(true);
  });
});
