import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseCommandLine, parseHostPort, UsageError, errorLine } from '@spanmap/shared';
import { Console } from './console.js';
import { loadOrCreateToken } from './api/token-file.js';

export const CONSOLE_USAGE = `usage: spanmap console [options]

Starts the console: ingests probe summaries over MQTT (an embedded broker by default),
stores weeks of history, and serves the HTTP API and web UI.

options:
  --data DIR            where the console keeps its store (default $XDG_STATE_HOME/spanmap/console)
  --http HOST:PORT      HTTP API and UI (default 127.0.0.1:8080)
  --broker HOST:PORT    the embedded MQTT broker (default 127.0.0.1:1883)
  --mqtt URL            use an external broker instead (e.g. mqtt://127.0.0.1:1883, Mosquitto)
  --mqtt-username U     credentials for the external broker (password: SPANMAP_MQTT_PASSWORD)
  --client-id ID        MQTT client id of this console (default spanmap-console)
  -h, --help            show this help

The API token comes from SPANMAP_API_TOKEN; without it, one is generated on first start,
kept in DATA/api-token and printed once.`;

export function defaultConsoleDir(): string {
  return join(process.env.XDG_STATE_HOME || join(homedir(), '.local', 'state'), 'spanmap', 'console');
}

export async function consoleMain(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandLine(argv, {
    data: { type: 'string' },
    http: { type: 'string' },
    broker: { type: 'string' },
    mqtt: { type: 'string' },
    'mqtt-username': { type: 'string' },
    'client-id': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(CONSOLE_USAGE + '\n');
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`console: unexpected argument "${positionals[0]}"`);
  if (values.mqtt !== undefined && values.broker !== undefined) throw new UsageError('--broker (embedded) and --mqtt (external) exclude each other');
  const dataDir = values.data ?? defaultConsoleDir();
  const http = parseHostPort(values.http ?? '127.0.0.1:8080', '--http');
  const broker = parseHostPort(values.broker ?? '127.0.0.1:1883', '--broker');
  const log = (line: string) => process.stderr.write(`spanmap console: ${line}\n`);

  const c = new Console({
    dataDir,
    http,
    broker,
    mqttUrl: values.mqtt ?? null,
    ...(values['mqtt-username'] !== undefined ? { mqttUsername: values['mqtt-username'] } : {}),
    ...(process.env.SPANMAP_MQTT_PASSWORD !== undefined ? { mqttPassword: process.env.SPANMAP_MQTT_PASSWORD } : {}),
    tokens: [],
    clientId: values['client-id'] ?? 'spanmap-console',
    shareGroup: 'spanmap-console',
    log,
  });
  const envToken = process.env.SPANMAP_API_TOKEN;
  const file = envToken ? null : loadOrCreateToken(dataDir);
  c.opts.tokens.push({ token: envToken ?? file!.token, role: 'editor', name: envToken ? 'env-token' : 'generated-token' });

  await c.start();
  log(`store ${dataDir}; broker ${c.brokerUrl}; http ${c.http.url}`);
  if (file?.created) log(`generated an API token (kept in ${file.path}); open ${c.http.url}/#token=${file.token}`);
  else log(`open ${c.http.url}/ (token: ${envToken ? 'SPANMAP_API_TOKEN' : file!.path})`);

  await new Promise<void>((resolve) => {
    const stop = (sig: string) => {
      log(`${sig}: shutting down`);
      resolve();
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  try {
    await c.stop();
  } catch (e) {
    log(`shutdown: ${errorLine(e)}`);
    return 1;
  }
  return 0;
}
