import { describe, it, expect, afterEach } from 'vitest';
import { createServer, type Server } from 'node:net';
import { createSocket } from 'node:dgram';
import { join } from 'node:path';
import { validateConfig } from '@spanmap/probe/config';
import { createProbe } from '@spanmap/probe/app';
import { freePort, tempDir, waitFor } from './helpers/procs.js';

/*
 * createProbe, in-process with real sockets: what it builds from a configuration, in which order,
 * and that a start that fails half way stops what had started (sockets, timers, the MQTT client).
 */

const busy: Server[] = [];
afterEach(async () => {
  await Promise.all(busy.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function occupiedTcpPort(): Promise<number> {
  const s = createServer();
  busy.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  return (s.address() as { port: number }).port;
}

function udpPortIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    s.once('error', () => resolve(false));
    s.bind(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** Handles and timers the process holds (what a component forgot to close shows here). */
const resources = () => process.getActiveResourcesInfo();
const count = (r: string[]) => r.reduce((m, k) => m.set(k, (m.get(k) ?? 0) + 1), new Map<string, number>());

async function config(metricsPort: number) {
  const nf = await freePort();
  return {
    nf,
    config: validateConfig({
      probe: { id: 'app-test' },
      netflow: { listeners: [{ protocol: 'netflow', listen: `127.0.0.1:${nf}` }] },
      store: { dir: join(tempDir('probe-app'), 'store') },
      publish: { url: 'mqtt://127.0.0.1:1', interval: 1 },
      metrics: { listen: `127.0.0.1:${metricsPort}` },
    }),
  };
}

describe('createProbe', () => {
  it('builds the components the configuration asks for, in start order', async () => {
    const { config: c } = await config(await freePort());
    const probe = await createProbe(c, { log: () => {}, now: Date.now });
    expect(probe.components.map((x) => x.name)).toEqual(['store', 'publisher', 'outbox', 'retention', 'flow table', 'capture', 'netflow', 'metrics']);
    const plain = await createProbe(validateConfig({ capture: { interfaces: ['lo'] } }), { log: () => {}, now: Date.now });
    expect(plain.components.map((x) => x.name)).toEqual(['stdout', 'flow table', 'capture']);
  });

  it('a failed start stops what had started: the NetFlow port is free again, no socket or timer is left', async () => {
    const metricsPort = await occupiedTcpPort();
    const { config: c, nf } = await config(metricsPort);
    const before = resources();
    const log: string[] = [];
    const probe = await createProbe(c, { log: (l) => log.push(l), now: Date.now });
    await expect(probe.start()).rejects.toThrow(`metrics.listen 127.0.0.1:${metricsPort}: address already in use`);
    expect(await udpPortIsFree(nf)).toBe(true);
    // Closing is asynchronous (a socket still connecting ends on its own turn): wait until no kind
    // of handle or timer is more numerous than before (the test runner's own come and go).
    const excess = () => {
      const now = count(resources());
      const was = count(before);
      return [...now].filter(([k, n]) => n > (was.get(k) ?? 0)).map(([k, n]) => `${k} ${n} (before: ${was.get(k) ?? 0})`);
    };
    await waitFor('the handles to close', () => excess().length === 0, 5000, 50).catch(() => {});
    expect(excess()).toEqual([]);
    expect(log.filter((l) => l.startsWith('stopping'))).toEqual([]); // every stop succeeded
    await probe.stop(); // harmless after a failed start
  });
});
