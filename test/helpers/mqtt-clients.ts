import { afterAll } from 'vitest';
import { connect, type MqttClient, type IClientOptions } from 'mqtt';
import { encodeBatch } from '@spanmap/shared';

/** Raw MQTT clients for refusal tests; every one is closed after the file's tests. */
const clients: MqttClient[] = [];
afterAll(() => Promise.all(clients.map((c) => c.endAsync(true))));

/** One connection attempt (no reconnects): the client, or the CONNACK/TLS error. */
export function mqttClient(url: string, opts: IClientOptions): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const c = connect(url, { reconnectPeriod: 0, connectTimeout: 5000, protocolVersion: 4, ...opts });
    clients.push(c);
    c.once('connect', () => resolve(c));
    c.once('error', reject);
    c.once('close', () => reject(new Error('closed before CONNACK')));
  });
}

export async function refusedWith(url: string, opts: IClientOptions): Promise<unknown> {
  return mqttClient(url, opts).then(
    () => 'connected',
    (e: { code?: unknown }) => e.code,
  );
}

export async function suback(c: MqttClient, filter: string): Promise<number[]> {
  try {
    return (await c.subscribeAsync(filter, { qos: 1 })).map((g) => g.qos);
  } catch (e) {
    return (e as { packet: { granted: number[] } }).packet.granted; // MQTT.js rejects a SUBACK holding 0x80
  }
}

/** A well-formed one-entry flow batch naming `probe`: what the console would ingest. */
export function batch(probe: string, seq: number): Buffer {
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
  return Buffer.from(encodeBatch({ v: 1, probe, epoch: 'cd'.repeat(16), seq, from: entry.first, to: entry.last, records: [], names: [], entries: [entry] }));
}
