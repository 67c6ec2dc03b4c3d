import type { Component } from '@spanmap/shared';
import type { Alerts } from '../alerts/alerts.js';
import { toMessage } from './message.js';
import { SinkWorker } from './worker.js';
import { SyslogTransport } from './syslog-transport.js';
import { WebhookTransport } from './webhook-transport.js';
import { realClock, type Clock } from './clock.js';
import type { SinkConfig, SinkHealth } from './types.js';

/** Where a sink delivers, for people: no credentials, no query string (it may hold a token). */
export function sinkTarget(s: SinkConfig): string {
  if (s.type === 'syslog') return `${s.transport}://${s.host.includes(':') ? `[${s.host}]` : s.host}:${s.port}`;
  const u = new URL(s.url);
  return `${u.protocol}//${u.host}${u.pathname}`;
}

/**
 * Delivers alerts to the configured sinks: one worker per sink over its outbox in the store
 * (filled in the ingest transaction that raised each alert). A Component: inert until start(),
 * started after the console's data and stopped before it; stop() interrupts deliveries in flight
 * (they stay queued) and closes the connections.
 */
export class AlertDispatcher implements Component {
  private readonly workers: SinkWorker[];
  private ac: AbortController | null = null;
  private loops: Array<Promise<void>> = [];

  constructor(
    sinks: readonly SinkConfig[],
    private readonly deps: { alerts: Alerts; consoleUrl: string; clock?: Clock; log(line: string): void },
  ) {
    const clock = deps.clock ?? realClock;
    this.workers = sinks.map(
      (s) =>
        new SinkWorker(s, sinkTarget(s), {
          outbox: deps.alerts.db,
          message: (n) => {
            const a = deps.alerts.get(String(n));
            return a ? toMessage(a, deps.consoleUrl) : null;
          },
          transport: s.type === 'syslog' ? new SyslogTransport(s) : new WebhookTransport(s),
          clock,
          log: deps.log,
        }),
    );
  }

  async start(): Promise<void> {
    this.ac = new AbortController();
    const signal = this.ac.signal;
    this.loops = this.workers.map((w) => w.run(signal));
  }

  async stop(): Promise<void> {
    this.ac?.abort();
    this.ac = null;
    await Promise.all(this.loops);
    this.loops = [];
  }

  /** Alerts were (maybe) queued: idle workers look at their outbox. */
  wake(): void {
    for (const w of this.workers) w.wake();
  }

  health(): SinkHealth[] {
    // The queue as the store has it now (a worker waiting out a backoff has not looked for a while).
    return this.workers.map((w) => ({ ...w.health, queued: this.deps.alerts.db.depth(w.health.name), failures: { ...w.health.failures } }));
  }
}
