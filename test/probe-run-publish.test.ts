import { describe, it, expect, afterAll } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { pcap } from './helpers/paths.js';
import { readFlows } from './helpers/flows.js';
import { freePort, tempDir, spanmapProc, waitFor, killAll } from './helpers/procs.js';
import { ConsoleProc } from './helpers/console.js';

afterAll(() => killAll());

describe('probe run: NetFlow/IPFIX listener → store → MQTT → console', () => {
  it('delivers what an exporter sends, with the probe online in the console', async () => {
    const capture = pcap('mixed', 'elcabezzonn__windows_miscellany.pcap');
    const { records } = await readFlows(capture, { decap: 'outer' });
    const expectedPackets = records.reduce((s, r) => s + r.packets + r.rpackets, 0);

    const dir = tempDir('probe-run');
    const broker = await freePort();
    const ipfixPort = await freePort();
    const c = await new ConsoleProc(join(dir, 'console'), await freePort(), { broker }).start();
    const cfg = join(dir, 'probe.yaml');
    writeFileSync(cfg, [
      'probe:', '  id: edge-router',
      'netflow:', '  listeners:', `    - { protocol: ipfix, listen: "127.0.0.1:${ipfixPort}" }`,
      'store:', `  dir: ${join(dir, 'store')}`,
      'publish:', `  url: mqtt://127.0.0.1:${broker}`, '  interval: 1',
      '',
    ].join('\n'));
    const probe = spanmapProc(['probe', 'run', '--config', cfg]);
    await waitFor('the probe publishing', () => probe.err.includes('publishing to'), 20_000);

    // softflowd exports the capture as bidirectional IPFIX (short control-socket path: see bench/probe-read.mjs).
    await new Promise((resolve) => spawn('softflowd', ['-r', capture, '-v', '10', '-b', '-6', '-d', '-n', `127.0.0.1:${ipfixPort}`, '-p', '/tmp/spr.pid', '-c', '/tmp/spr.ctl'], { stdio: 'ignore' }).on('exit', resolve));

    const p = await waitFor('all packets at the console', async () => {
      const x = (await c.probe('edge-router')) as (Awaited<ReturnType<ConsoleProc['probe']>> & { online: boolean; status: { online: boolean; exporters?: { lostPackets: number } } | null }) | undefined;
      return x && x.packets >= expectedPackets && x.status ? x : null;
    }, 60_000);
    expect(p.packets).toBe(expectedPackets);
    expect(p.online).toBe(true);
    expect(p.status!.exporters).toEqual({ lostPackets: 0 });

    probe.child.kill('SIGTERM');
    expect(await probe.exited).toBe(0);
  }, 120_000);
});
