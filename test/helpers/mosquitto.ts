import { execFileSync } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from './paths.js';
import { Proc, canConnect, freePort, waitFor } from './procs.js';

export interface ExampleMosquitto {
  proc: Proc;
  /** The TLS listener for probes (the example's 8883). */
  tlsPort: number;
  /** The plain loopback listener for the console (the example's 1883). */
  plainPort: number;
}

/**
 * A real Mosquitto running deploy/mosquitto's example configuration and ACL, only paths and
 * ports rewritten to `dir`, which must hold the recipe's ca.crt, broker.crt and broker.key.
 * `users` go into a password file made with mosquitto_passwd, as docs/mqtt-security.md says;
 * `clientCertificates` uncomments the example's cafile/require_certificate lines.
 */
export async function startExampleMosquitto(
  dir: string,
  users: Record<string, string>,
  opts: { clientCertificates?: boolean } = {},
): Promise<ExampleMosquitto> {
  chmodSync(dir, 0o755); // Mosquitto started as root reads its files as the mosquitto user
  for (const f of ['ca.crt', 'broker.crt', 'broker.key']) chmodSync(join(dir, f), 0o644); // the recipe's umask 077 keeps them to root
  const passwd = join(dir, 'spanmap.passwd');
  for (const [i, [user, pw]] of Object.entries(users).entries()) {
    execFileSync('mosquitto_passwd', [...(i === 0 ? ['-c'] : []), '-b', passwd, user, pw], { stdio: 'pipe' });
  }
  chmodSync(passwd, 0o644);
  writeFileSync(join(dir, 'spanmap.acl'), readFileSync(join(REPO, 'deploy', 'mosquitto', 'acl')));
  const [tlsPort, plainPort] = [await freePort(), await freePort()];
  let conf = readFileSync(join(REPO, 'deploy', 'mosquitto', 'mosquitto.conf'), 'utf8')
    .replace(/^listener 8883$/m, `listener ${tlsPort} 127.0.0.1`)
    .replace(/^listener 1883 127\.0\.0\.1$/m, `listener ${plainPort} 127.0.0.1`)
    .replaceAll('/etc/mosquitto/certs/', `${dir}/`)
    .replaceAll('/etc/mosquitto/', `${dir}/`)
    .replace(/^persistence true$/m, 'persistence false');
  if (opts.clientCertificates) conf = conf.replace(/^#(cafile .*)$/m, '$1').replace(/^#(require_certificate true)$/m, '$1');
  // Every rewrite must have hit: otherwise the test would run a configuration other than the example.
  for (const want of [
    `listener ${tlsPort} 127.0.0.1`,
    `listener ${plainPort} 127.0.0.1`,
    ...(opts.clientCertificates ? ['\nrequire_certificate true', '\ncafile '] : []),
  ]) {
    if (!conf.includes(want)) throw new Error(`deploy/mosquitto/mosquitto.conf: "${want.trim()}" not found after rewriting`);
  }
  if (conf.includes('/etc/mosquitto')) throw new Error('deploy/mosquitto/mosquitto.conf: a path under /etc/mosquitto was not rewritten');
  writeFileSync(join(dir, 'mosquitto.conf'), conf);
  const proc = new Proc('mosquitto', ['-c', join(dir, 'mosquitto.conf')]);
  await waitFor('mosquitto to listen on both ports', async () => (await canConnect(tlsPort)) && (await canConnect(plainPort)), 10_000).catch((e) => {
    throw new Error(`${(e as Error).message}; mosquitto said: ${proc.err}`);
  });
  return { proc, tlsPort, plainPort };
}
