import { connect, type MqttClient, type IClientOptions } from 'mqtt';
import { parseTopic, topics, type AckMessage } from '@spanmap/shared';

export interface SubscriberOptions {
  /** Read at start: the embedded broker only knows its port once it listens. */
  url: () => string;
  clientId: string;
  username?: string;
  password?: string;
  /** Read at start, overriding username/password: the embedded broker's private credential. */
  credential?: () => { username: string; password: string } | null;
  /**
   * An ingest group (issue 19): subscribe to the flows through the MQTT 5 shared subscription
   * $share/<group>/spanmap/v1/+/flows, so the consoles of the group split the batches. Only with
   * a store the consoles share (main.ts refuses it otherwise).
   */
  shareGroup: string | null;
  tls?: Pick<IClientOptions, 'ca' | 'cert' | 'key' | 'rejectUnauthorized'>;
}

export interface SubscriberHandlers {
  /** Resolves when the payload is committed (or refused). */
  flows(probe: string, payload: Buffer): Promise<void>;
  status(probe: string, payload: Buffer): void;
  log(msg: string): void;
}

/**
 * The console's MQTT side: QoS 1 subscriptions to every probe's flows and status, and
 * acknowledgements back to spanmap/v1/<probe>/ack. What waits in memory is bounded by the probes
 * themselves: each keeps at most `inflight` batches unacknowledged.
 *
 * Alone, the console keeps a persistent MQTT 3.1.1 session (clean start off). In an ingest group
 * it speaks MQTT 5 with a clean start and no session expiry: a member that dies leaves the group
 * at once, so the broker stops handing it batches (a session kept for it would hold them until it
 * came back). What a dead member had in flight is not redelivered by every broker (Mosquitto
 * drops it, eclipse-mosquitto#2662); the probes resend what no console acknowledged.
 */
export class Subscriber {
  private client: MqttClient | null = null;
  connects = 0;
  lastError: string | null = null;
  sharedSubscription = false;

  constructor(
    private readonly opts: SubscriberOptions,
    private readonly h: SubscriberHandlers,
  ) {}

  get connected(): boolean {
    return this.client?.connected ?? false;
  }

  async start(): Promise<void> {
    const o = this.opts;
    const cred = o.credential?.() ?? null;
    const group = o.shareGroup !== null;
    const client = connect(o.url(), {
      clientId: o.clientId,
      clean: group,
      protocolVersion: group ? 5 : 4,
      keepalive: 30,
      reconnectPeriod: 2000,
      connectTimeout: 10_000,
      resubscribe: true,
      ...(o.username !== undefined ? { username: o.username } : {}),
      ...(o.password !== undefined ? { password: o.password } : {}),
      ...(cred ?? {}),
      ...(o.tls ?? {}),
    });
    this.client = client;
    client.on('message', (topic, message) => {
      const t = parseTopic(topic);
      if (t?.kind === 'flows') void this.h.flows(t.probeId, message);
      else if (t?.kind === 'status') this.h.status(t.probeId, message);
    });
    client.on('connect', () => {
      this.connects++;
      this.lastError = null;
      void this.subscribe(client);
    });
    client.on('error', (e) => {
      if (this.lastError !== e.message) this.h.log(`mqtt: ${e.message}`);
      this.lastError = e.message;
    });
  }

  private async subscribe(client: MqttClient): Promise<void> {
    const flowsTopic = topics.allFlows;
    if (this.opts.shareGroup) {
      try {
        const granted = await client.subscribeAsync(`$share/${this.opts.shareGroup}/${flowsTopic}`, { qos: 1 });
        if (granted.every((g) => g.qos < 128)) {
          this.sharedSubscription = true;
          await client.subscribeAsync(topics.allStatus, { qos: 1 });
          return;
        }
      } catch {
        // fall through to a plain subscription
      }
      // Still correct with a shared store (every console logs and applies every batch once), only not split.
      this.h.log(`mqtt: the broker refused the shared subscription of ingest group "${this.opts.shareGroup}"; subscribing directly (no split)`);
    }
    try {
      await client.subscribeAsync([flowsTopic, topics.allStatus], { qos: 1 });
    } catch (e) {
      this.h.log(`mqtt: cannot subscribe: ${(e as Error).message}`);
    }
  }

  /** Tells a probe these batches are committed (QoS 1; lost acks make the probe resend, which is harmless). */
  ack(probe: string, epoch: string, seqs: number[]): void {
    const msg: AckMessage = { epoch, seqs };
    this.client?.publish(topics.ack(probe), JSON.stringify(msg), { qos: 1 });
  }

  async stop(): Promise<void> {
    await this.client?.endAsync();
  }
}
