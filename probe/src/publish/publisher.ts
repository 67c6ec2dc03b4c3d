import { connect, type MqttClient, type IClientOptions } from 'mqtt';
import { parseAck, topics, type ProbeStatus } from '@spanmap/shared';
import { copyBytes } from '@spanmap/shared/bytes';
import type { ProbeStore } from '../store/probe-store.js';
import { Backoff } from './backoff.js';
import { describeMqttError, describeSilentClose } from './mqtt-errors.js';

export interface PublisherOptions {
  url: string;
  probeId: string;
  username?: string;
  password?: string;
  /** Batches published but not yet acknowledged by the console, at most. */
  inflight: number;
  /** A batch not acknowledged this long after publishing is published again (doubling per attempt). */
  ackTimeoutMs: number;
  statusIntervalMs: number;
  /** TLS options for mqtts:// (CA, client certificate). */
  tls?: Pick<IClientOptions, 'ca' | 'cert' | 'key' | 'rejectUnauthorized'>;
  /** Where the CA came from (the flag or config key, and the file), for error lines. */
  caFrom?: { name: string; file: string };
}

export const DEFAULT_PUBLISHER_OPTIONS = { inflight: 32, ackTimeoutMs: 30_000, statusIntervalMs: 10_000 };

export interface PublisherCounters {
  published: number;
  republished: number;
  acked: number;
  duplicateAcks: number;
  foreignAcks: number;
  badAcks: number;
  connects: number;
  connectionErrors: number;
}

interface Inflight {
  sentAt: number;
  attempts: number;
}

/**
 * Publishes outbox batches on spanmap/v1/<id>/flows with QoS 1 and deletes them from the store
 * only when the console acknowledges them on spanmap/v1/<id>/ack (after its own commit): a broker
 * PUBACK is not enough. Unacknowledged batches are published again after a timeout; reconnects
 * back off with jitter. A retained status message is kept up to date, and a last will marks the
 * probe offline if it disappears.
 */
export class Publisher {
  readonly counters: PublisherCounters = {
    published: 0,
    republished: 0,
    acked: 0,
    duplicateAcks: 0,
    foreignAcks: 0,
    badAcks: 0,
    connects: 0,
    connectionErrors: 0,
  };
  lastError: string | null = null;
  private client: MqttClient | null = null;
  private readonly inflight = new Map<number, Inflight>();
  /** Next sequence number to look at in the outbox. */
  private cursor = 1;
  private timer: NodeJS.Timeout | null = null;
  private statusTimer: NodeJS.Timeout | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private readonly backoff = new Backoff(500, 30_000);
  private stopping = false;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly opts: PublisherOptions,
    private readonly deps: {
      store: ProbeStore;
      status: () => Omit<ProbeStatus, 'online' | 'backlog' | 'dropped' | 'time'>;
      now?: () => number;
      log?: (msg: string) => void;
    },
  ) {}

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }

  get connected(): boolean {
    return this.client?.connected ?? false;
  }

  async start(): Promise<void> {
    const o = this.opts;
    const clientOpts: IClientOptions = {
      clientId: `spanmap-probe-${o.probeId}`,
      clean: false,
      protocolVersion: 4,
      keepalive: 30,
      connectTimeout: 10_000,
      reconnectPeriod: 0, // reconnects are ours: exponential backoff with jitter
      resubscribe: true,
      queueQoSZero: false,
      will: { topic: topics.status(o.probeId), payload: Buffer.from(JSON.stringify({ ...this.statusNow(), online: false })), qos: 1, retain: true },
      ...(o.username !== undefined ? { username: o.username } : {}),
      ...(o.password !== undefined ? { password: o.password } : {}),
      ...(o.tls ?? {}),
    };
    const client = connect(o.url, clientOpts);
    this.client = client;
    // Per connection attempt: did the broker answer, or did it fail with a reason of its own?
    let answered = false;
    let failed = false;
    client.on('reconnect', () => {
      answered = false;
      failed = false;
    });
    client.on('connect', (connack) => {
      answered = true;
      // A broker without our session (restarted, or the console's embedded one) will never
      // acknowledge what the old connection left in flight, and MQTT.js would wait for it
      // forever (end() never finishes). Our own end-to-end acknowledgements resend every
      // unacknowledged batch just below, so those leftovers can go.
      if (!connack.sessionPresent) for (const id of Object.keys(client.outgoing)) client.removeOutgoingMessage(Number(id));
      this.counters.connects++;
      this.backoff.reset();
      this.lastError = null;
      this.inflight.clear(); // resend everything unacknowledged: the console deduplicates
      this.cursor = 1;
      client.subscribe(topics.ack(o.probeId), { qos: 1 }, (err) => {
        if (err) this.fail(`subscribing to ${topics.ack(o.probeId)}: ${err.message}`);
      });
      this.publishStatus();
      this.pump();
    });
    client.on('message', (topic, payload) => {
      if (topic === topics.ack(o.probeId)) void this.onAck(payload);
    });
    client.on('error', (e) => {
      // Stopping: the broker may reset the socket as it closes after our DISCONNECT (seen with TLS
      // as "read ECONNRESET"); nothing is lost then, and nothing to tell the operator.
      if (this.stopping) return;
      failed = true;
      this.fail(describeMqttError(e, o.url, o.caFrom));
    });
    client.on('close', () => {
      if (!answered && !failed && !this.stopping) this.fail(describeSilentClose(o.url));
      this.scheduleReconnect();
    });
    this.timer = setInterval(() => this.resendExpired(), 1000);
    this.timer.unref();
    this.statusTimer = setInterval(() => this.publishStatus(), o.statusIntervalMs);
    this.statusTimer.unref();
  }

  private fail(msg: string): void {
    this.counters.connectionErrors++;
    if (this.lastError !== msg) this.deps.log?.(`mqtt: ${msg}`);
    this.lastError = msg;
  }

  private scheduleReconnect(): void {
    if (this.stopping || this.reconnectTimer || !this.client) return;
    const client = this.client;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (!this.stopping && !client.connected) client.reconnect();
    }, this.backoff.next());
  }

  /** New batches are in the outbox. */
  readonly wake = (): void => this.pump();

  private pump(): void {
    const client = this.client;
    if (!client?.connected) return;
    const room = this.opts.inflight - this.inflight.size;
    if (room <= 0) return;
    for (const item of this.deps.store.pending(this.cursor, room)) {
      this.cursor = item.seq + 1;
      if (this.inflight.has(item.seq)) continue;
      this.inflight.set(item.seq, { sentAt: this.now(), attempts: 1 });
      client.publish(topics.flows(this.opts.probeId), copyBytes(item.payload), { qos: 1 });
      this.counters.published++;
    }
    this.checkIdle();
  }

  private resendExpired(): void {
    const client = this.client;
    if (!client?.connected) return;
    const now = this.now();
    const batches = this.deps.store.pending(0, this.opts.inflight);
    for (const item of batches) {
      const f = this.inflight.get(item.seq);
      if (!f || now - f.sentAt < this.opts.ackTimeoutMs * 2 ** Math.min(f.attempts - 1, 4)) continue;
      f.sentAt = now;
      f.attempts++;
      client.publish(topics.flows(this.opts.probeId), copyBytes(item.payload), { qos: 1 });
      this.counters.republished++;
    }
  }

  private async onAck(payload: Buffer): Promise<void> {
    const ack = parseAck(payload);
    if (!ack) {
      this.counters.badAcks++;
      return;
    }
    if (ack.epoch !== this.deps.store.epoch) {
      this.counters.foreignAcks++; // an ack for a wiped store's epoch: nothing of ours
      return;
    }
    const removed = await this.deps.store.ack(ack.seqs);
    this.counters.acked += removed;
    this.counters.duplicateAcks += ack.seqs.length - removed;
    for (const s of ack.seqs) this.inflight.delete(s);
    this.pump();
  }

  private statusNow(): ProbeStatus {
    const store = this.deps.store;
    return {
      ...this.deps.status(),
      online: true,
      time: this.now(),
      backlog: store.backlog(),
      dropped: { batches: store.counters.droppedBatches, records: store.counters.droppedRecords },
    };
  }

  private publishStatus(): void {
    if (!this.client?.connected) return;
    this.client.publish(topics.status(this.opts.probeId), JSON.stringify(this.statusNow()), { qos: 1, retain: true });
  }

  /** Resolves once the outbox is empty (every batch acknowledged by the console). */
  drained(): Promise<void> {
    return new Promise((resolve) => {
      this.idleWaiters.push(resolve);
      this.checkIdle();
    });
  }

  private checkIdle(): void {
    if (this.idleWaiters.length === 0 || this.deps.store.pending(0, 1).length > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    waiters.forEach((w) => w());
  }

  /** Marks the probe offline (retained) and disconnects. Unacknowledged batches stay in the store. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const t of [this.timer, this.statusTimer]) if (t) clearInterval(t);
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    const client = this.client;
    if (!client) return;
    if (client.connected) {
      await new Promise<void>((resolve) =>
        client.publish(topics.status(this.opts.probeId), JSON.stringify({ ...this.statusNow(), online: false }), { qos: 1, retain: true }, () => resolve()),
      );
    }
    await client.endAsync(!client.connected);
  }
}
