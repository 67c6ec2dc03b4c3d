import { describe, it, expect, afterEach } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pcap } from './helpers/paths.js';
import { freePort, tempDir, spanmapProc, waitFor, killAll } from './helpers/procs.js';
import { exportWithSoftflowd, exportedPackets } from './helpers/exporter.js';
import { ConsoleProc, TOKEN } from './helpers/console.js';

afterEach(() => killAll());

describe('probe run: NetFlow/IPFIX listener → store → MQTT → console', () => {
  it('delivers what an exporter sends, with the probe online in the console', async () => {
    const capture = pcap('mixed', 'elcabezzonn__windows_miscellany.pcap');
    const expectedPackets = await exportedPackets(capture);

    const dir = tempDir('probe-run');
    const broker = await freePort();
    const ipfixPort = await freePort();
    const metricsPort = await freePort();
    const c = await new ConsoleProc(join(dir, 'console'), await freePort(), { broker }).start();
    const cfg = join(dir, 'probe.yaml');
    writeFileSync(
      cfg,
      [
        'probe:',
        '  id: edge-router',
        'netflow:',
        '  listeners:',
        `    - { protocol: ipfix, listen: "127.0.0.1:${ipfixPort}" }`,
        'store:',
        `  dir: ${join(dir, 'store')}`,
        'publish:',
        `  url: mqtt://127.0.0.1:${broker}`,
        '  interval: 1',
        'metrics:',
        `  listen: 127.0.0.1:${metricsPort}`,
        '',
      ].join('\n'),
    );
    const probe = spanmapProc(['probe', 'run', '--config', cfg]);
    await waitFor('the probe publishing', () => probe.err.includes('publishing to'), 20_000);

    // softflowd exports the capture as bidirectional IPFIX.
    await exportWithSoftflowd(capture, ipfixPort);

    const p = await waitFor(
      'all packets at the console',
      async () => {
        const x = (await c.probe('edge-router')) as
          | (Awaited<ReturnType<ConsoleProc['probe']>> & { online: boolean; status: { online: boolean; exporters?: { lostPackets: number } } | null })
          | undefined;
        return x && x.packets >= expectedPackets && x.status ? x : null;
      },
      60_000,
    );
    expect(p.packets).toBe(expectedPackets);
    expect(p.online).toBe(true);
    expect(p.status!.exporters).toEqual({ lostPackets: 0 });

    expect(probe.err).toContain(`metrics on http://127.0.0.1:${metricsPort}/metrics`);

    // Both ends' Prometheus metrics say the same: every packet, nothing lost, nothing waiting.
    const scrape = async (url: string, token?: string) => {
      const r = await fetch(url, token ? { headers: { authorization: `Bearer ${token}` } } : {});
      expect(r.status).toBe(200);
      const m = new Map<string, number>();
      for (const line of (await r.text()).split('\n')) {
        const x = /^(\w+(?:\{[^}]*\})?) (\S+)$/.exec(line);
        if (x) m.set(x[1]!, Number(x[2]));
      }
      return m;
    };
    const pm = await waitFor(
      'the probe outbox to drain',
      async () => {
        const m = await scrape(`http://127.0.0.1:${metricsPort}/metrics`);
        return m.get('spanmap_probe_backlog_batches') === 0 ? m : null;
      },
      30_000,
    );
    expect(pm.get('spanmap_probe_packets_total')).toBe(0); // no live capture here
    expect(pm.get('spanmap_probe_export_datagrams_total{version="ipfix"}')).toBeGreaterThan(0);
    expect(pm.get('spanmap_probe_export_records_total{version="ipfix"}')).toBeGreaterThan(0);
    expect(pm.get('spanmap_probe_export_datagrams_total{version="rejected"}')).toBe(0);
    expect(pm.get('spanmap_probe_export_lost_total{kind="ipfix_records"}')).toBe(0);
    expect(pm.get('spanmap_probe_batches_acked_total')).toBe(pm.get('spanmap_probe_batches_published_total'));
    expect(pm.get('spanmap_probe_store_records_written_total')).toBeGreaterThan(0);
    expect((await fetch(`http://127.0.0.1:${metricsPort}/other`)).status).toBe(404);

    expect((await fetch(`http://127.0.0.1:${c.httpPort}/metrics`)).status).toBe(401);
    const cm = await scrape(`http://127.0.0.1:${c.httpPort}/metrics`, TOKEN);
    expect(cm.get('spanmap_probe_online{probe="edge-router"}')).toBe(1);
    expect(cm.get('spanmap_ingest_batches_total{outcome="applied"}')).toBe(pm.get('spanmap_probe_batches_acked_total'));
    expect(cm.get('spanmap_mqtt_connected')).toBe(1);
    expect(cm.get('spanmap_probe_records_total{probe="edge-router"}')).toBe(pm.get('spanmap_probe_store_records_written_total'));

    probe.child.kill('SIGTERM');
    expect(await probe.exited).toBe(0);
  }, 120_000);
});
