import { describe, it, expect, beforeAll, afterEach } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'mqtt';
import { writeScenario, type ScenarioTruth } from '@spanmap/scenario';
import { encodeBatch, topics } from '@spanmap/shared';
import { freePort, tempDir, spanmapProc, startMosquitto, waitFor, killAll } from './helpers/procs.js';
import { ConsoleProc } from './helpers/console.js';

/*
 * Durable transport with real parts: a real Mosquitto broker (persistence off) or the console's
 * embedded broker, a real console process and a real probe process, killed with -9 at the worst
 * moments. The console's totals must equal the capture's packets and bytes exactly: nothing lost,
 * nothing counted twice.
 */
let pcap: string;
let truth: ScenarioTruth;
let expected: { flows: number; packets: number; bytes: number };

beforeAll(() => {
  const dir = tempDir('transport');
  pcap = join(dir, 'site.pcap');
  truth = writeScenario(pcap, { days: 2, seed: 11 });
  expected = {
    flows: truth.conversations.length,
    packets: truth.conversations.reduce((s, c) => s + c.packets + c.rpackets, 0),
    bytes: truth.conversations.reduce((s, c) => s + c.bytes + c.rbytes, 0),
  };
}, 120_000);

afterEach(() => killAll());

/** User + system CPU time of a process, in clock ticks (/proc/PID/stat fields 14 and 15). */
function cpuTicks(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8')
    .replace(/^.*\) /, '')
    .split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/** Small batches and one in flight: the ingest takes long enough to be interrupted. */
const slowPublish = ['--batch-entries', '40', '--inflight', '1', '--ack-timeout', '2', '--interval', '0.5'];

describe('probe → broker → console: nothing lost, nothing twice', () => {
  it('with Mosquitto: broker killed before the probe starts, console killed mid-ingest', async () => {
    const mport = await freePort();
    const mosquitto = await startMosquitto(mport);
    const url = `mqtt://127.0.0.1:${mport}`;
    const c = await new ConsoleProc(tempDir('console'), await freePort(), { url }).start();
    // Mosquitto supports shared subscriptions, so several consoles could split the load.
    await waitFor('a shared subscription', async () => (await c.api<{ mqtt: { sharedSubscription: boolean } }>('/stats')).mqtt.sharedSubscription);
    await mosquitto.kill9();

    const probe = spanmapProc(['probe', 'read', pcap, '--publish', url, '--probe-id', 'site-a', '--data', tempDir('probe'), ...slowPublish]);
    await new Promise((r) => setTimeout(r, 1500));
    expect(probe.alive).toBe(true); // still trying, not failing
    await startMosquitto(mport); // the new broker is killed with the other processes at cleanup

    await waitFor('some batches ingested', async () => ((await c.probe('site-a'))?.batches ?? 0) >= 5, 60_000);
    await c.proc.kill9();
    const before = await waitFor('probe still running', () => probe.alive);
    expect(before).toBe(true);
    await c.start(); // same data dir

    expect(await probe.exited).toBe(0);
    const totals = await waitFor(
      'all ingested',
      async () => {
        const p = await c.probe('site-a');
        return p && p.packets === expected.packets ? p : null;
      },
      30_000,
    );
    expect({ flows: totals.flows, packets: totals.packets, bytes: totals.bytes }).toEqual(expected);
  }, 180_000);

  it('with the embedded broker: probe first, console started late, then killed mid-ingest', async () => {
    const bport = await freePort();
    const url = `mqtt://127.0.0.1:${bport}`;
    const probe = spanmapProc(['probe', 'read', pcap, '--publish', url, '--probe-id', 'site-b', '--data', tempDir('probe'), ...slowPublish]);
    await new Promise((r) => setTimeout(r, 1500));
    expect(probe.alive).toBe(true);
    const c = await new ConsoleProc(tempDir('console'), await freePort(), { broker: bport }).start();
    await waitFor('some batches ingested', async () => ((await c.probe('site-b'))?.batches ?? 0) >= 5, 60_000);
    await c.proc.kill9(); // the broker dies with it
    await c.start();
    expect(await probe.exited).toBe(0);
    const p = (await c.probe('site-b'))!;
    expect({ flows: p.flows, packets: p.packets, bytes: p.bytes }).toEqual(expected);
  }, 180_000);

  it('a probe killed with -9 while waiting for acknowledgements sends its backlog after restart', async () => {
    const bport = await freePort();
    const url = `mqtt://127.0.0.1:${bport}`;
    const data = tempDir('probe');
    // No console yet: everything is read, summarized and waits in the outbox.
    const probe = spanmapProc(['probe', 'read', pcap, '--publish', url, '--probe-id', 'site-c', '--data', data, '--interval', '0.5']);
    // Reading is done when the probe goes idle (only retrying the broker): its CPU time stops growing.
    await waitFor(
      'the probe to finish reading',
      async () => {
        const before = cpuTicks(probe.child.pid!);
        await new Promise((r) => setTimeout(r, 1000));
        return cpuTicks(probe.child.pid!) - before <= 2;
      },
      60_000,
      0,
    );
    expect(probe.alive).toBe(true);
    await probe.kill9();
    const c = await new ConsoleProc(tempDir('console'), await freePort(), { broker: bport }).start();
    const send = spanmapProc(['probe', 'send', '--publish', url, '--probe-id', 'site-c', '--data', data, '--ack-timeout', '2']);
    expect(await send.exited).toBe(0);
    expect(send.err).toMatch(/sent \d+ batches/);
    const p = (await c.probe('site-c'))!;
    expect({ flows: p.flows, packets: p.packets, bytes: p.bytes }).toEqual(expected);
  }, 120_000);
});

describe('probe status', () => {
  it('is retained, and the last will marks a probe killed with -9 offline', async () => {
    const bport = await freePort();
    const c = await new ConsoleProc(tempDir('console'), await freePort(), { broker: bport }).start();
    const probe = spanmapProc([
      'probe',
      'read',
      pcap,
      '--publish',
      `mqtt://127.0.0.1:${bport}`,
      '--probe-id',
      'site-d',
      '--data',
      tempDir('probe'),
      ...slowPublish,
    ]);
    type P = { online: boolean; status: { online: boolean; capture: { packets: number }; backlog: { batches: number } } | null };
    const seen = await waitFor('an online status', async () => {
      const p = (await c.probe('site-d')) as unknown as P | undefined;
      return p?.online ? p : null;
    });
    expect(seen.status!.online).toBe(true);
    await probe.kill9();
    const gone = await waitFor(
      'the last will',
      async () => {
        const p = (await c.probe('site-d')) as unknown as P | undefined;
        return p && p.status && !p.status.online ? p : null;
      },
      20_000,
    );
    expect(gone.online).toBe(false);
  }, 60_000);
});

describe('console ingest refuses garbage', () => {
  it('counts garbage, truncated, oversized, mismatched and unknown-version payloads, and keeps ingesting', async () => {
    const bport = await freePort();
    const c = await new ConsoleProc(tempDir('console'), await freePort(), { broker: bport }).start();
    const client = connect(`mqtt://127.0.0.1:${bport}`, { clientId: 'garbage-sender' });
    await new Promise((r) => client.once('connect', r));
    const epoch = 'ab'.repeat(16);
    const entry = {
      src: '10.0.0.1',
      dst: '10.0.0.2',
      proto: 6,
      port: 443,
      vlan: null,
      iface: null,
      flows: 1,
      records: 1,
      packets: 3,
      bytes: 180,
      rpackets: 2,
      rbytes: 120,
      first: 1_717_000_000_000,
      last: 1_717_000_001_000,
      tcpFlags: 2,
      rtcpFlags: 18,
      init: { syn: 1, port: 0, first: 0 },
    };
    const good = encodeBatch({ v: 1, probe: 'p-good', epoch, seq: 1, from: entry.first, to: entry.last, records: [], names: [], entries: [entry] });
    const wrongVersion = Uint8Array.from(good);
    wrongVersion[2] = 9;
    const sends: Array<[string, Uint8Array | string]> = [
      [topics.flows('p-bad'), 'hello, not a batch'],
      [topics.flows('p-bad'), good.subarray(0, good.length - 3)],
      [topics.flows('p-bad'), new Uint8Array(5 << 20)],
      [topics.flows('p-other'), good], // the payload says p-good
      [topics.flows('p-good'), wrongVersion],
      [topics.status('p-bad'), '{"not":"a status"}'],
      [topics.flows('p-good'), good],
    ];
    for (const [t, payload] of sends) await client.publishAsync(t, Buffer.from(payload), { qos: 1 });
    const stats = await waitFor('the good batch', async () => {
      const s = await c.api<{ ingest: { batchesApplied: number; rejected: Record<string, number> }; statusRejected: number }>('/stats');
      return s.ingest.batchesApplied === 1 ? s : null;
    });
    // The truncated batch is deflated, so the cut shows up as a compression error.
    expect(stats.ingest.rejected).toEqual({ 'bad-magic': 1, 'bad-compression': 1, 'too-large': 1, 'probe-mismatch': 1, 'unknown-version': 1 });
    expect(stats.statusRejected).toBe(1);
    expect((await c.probe('p-good'))!.packets).toBe(5);
    await client.endAsync();
  }, 60_000);
});
