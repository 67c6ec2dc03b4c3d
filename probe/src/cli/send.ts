import { parseCommandLine, UsageError } from '@spanmap/shared';
import { publishOptions } from '../publish/options.js';

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
  const session = publishOptions({ flags: { ...values, publish: values.publish, 'probe-id': values['probe-id'] }, env: process.env });
  const { backlogSend } = await import('../publish/oneshot.js');
  return backlogSend(session).run();
}
