import { parseCommandLine, numberOption, UsageError } from '@spanmap/shared';
import { PublishSession, tlsFromFlags } from '../publish/session.js';
import { Progress } from '../output/progress.js';

export const SEND_USAGE = `usage: spanmap probe send --publish URL --probe-id ID [--data DIR] [options]

Sends what waits in a probe's store (after a crash, or a run that was interrupted) and exits 0
once the console has acknowledged all of it. Records that were written but never summarized
are summarized first.

options:
  --publish URL       mqtt://HOST:PORT or mqtts://HOST:PORT
  --probe-id ID       the probe whose store this is
  --data DIR          the store (default $XDG_STATE_HOME/spanmap/probe-ID)
  --username U        broker user; password from --password or SPANMAP_MQTT_PASSWORD
  --password P
  --ca FILE           with mqtts://: the CA (PEM) that signed the broker's certificate
  --cert FILE         with mqtts://: this probe's client certificate (PEM), with --key FILE
  --key FILE
  --ack-timeout S     publish again after S seconds without acknowledgement (default 30)`;

export async function sendMain(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandLine(argv, {
    publish: { type: 'string' },
    'probe-id': { type: 'string' },
    data: { type: 'string' },
    username: { type: 'string' },
    password: { type: 'string' },
    'ack-timeout': { type: 'string' },
    ca: { type: 'string' },
    cert: { type: 'string' },
    key: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(SEND_USAGE + '\n');
    return 0;
  }
  if (positionals.length) throw new UsageError(`probe send: unexpected argument "${positionals[0]}" (send reads no capture files)`);
  if (!values.publish || !values['probe-id']) throw new UsageError('probe send needs --publish URL and --probe-id ID');
  const password = values.password ?? process.env.SPANMAP_MQTT_PASSWORD;
  const tls = tlsFromFlags(values.publish, values);
  const s = new PublishSession(
    {
      url: values.publish,
      probeId: values['probe-id'],
      ...(values.data !== undefined ? { dataDir: values.data } : {}),
      ...(tls ? { tls } : {}),
      ...(values.username !== undefined ? { username: values.username } : {}),
      ...(password !== undefined ? { password } : {}),
      ...(values['ack-timeout'] !== undefined
        ? { publisher: { ackTimeoutMs: numberOption(values['ack-timeout'], '--ack-timeout', 30, { min: 0.1 }) * 1000 } }
        : {}),
    },
    () => ({ packets: 0, drops: null, ifDrops: null, decodeErrors: 0, activeFlows: 0, emittedFlows: 0 }),
    (msg) => process.stderr.write(`spanmap: ${msg}\n`),
  );
  const before = s.store.backlog();
  await s.start();
  const progress = new Progress('sending');
  await s.drain((left) => progress.update(before.batches - left, before.batches, `${left} batches left`));
  progress.done();
  process.stderr.write(`spanmap: sent ${before.batches} batches (${before.records} records) from ${s.dataDir}\n`);
  await s.stop();
  return 0;
}
