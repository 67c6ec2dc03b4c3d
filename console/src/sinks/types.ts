/**
 * Alert sinks as the dispatcher runs them (console.yaml `alerts.sinks`, validated and converted by
 * config.ts in this folder). Times here are milliseconds.
 */
export interface SinkCommon {
  /** Unique; names the sink's outbox, its metrics and its health on the Alerts page. */
  name: string;
  /** Messages (syslog lines, webhook POSTs) per minute; 0 = no limit. Delayed, never dropped. */
  maxPerMinute: number;
  /** Backoff after a failure: initialMs, doubling up to maxMs. */
  retry: { initialMs: number; maxMs: number };
  /** Connecting or answering longer than this is a failure. */
  timeoutMs: number;
}

export interface SyslogSink extends SinkCommon {
  type: 'syslog';
  transport: 'udp' | 'tcp' | 'tls';
  host: string;
  port: number;
  /** Facility number (local4 = 20). */
  facility: number;
  appName: string;
  /** HOSTNAME field; the machine's name by default. */
  hostname: string;
  /** TLS: PEM contents (CA to trust instead of the system's, client certificate and key). */
  tls: { ca: string | null; cert: string | null; key: string | null } | null;
}

export interface WebhookSink extends SinkCommon {
  type: 'webhook';
  url: string;
  /** HMAC-SHA256 key for X-Spanmap-Signature. */
  secret: string;
  /** 0: one POST per alert; otherwise the alerts queued within this long go in one POST. */
  batchMs: number;
  maxBatch: number;
  /** PEM of a CA to trust for https (instead of the system's). */
  ca: string | null;
}

export type SinkConfig = SyslogSink | WebhookSink;

/** A sink's state, for the Alerts page, GET /alerts/sinks and /metrics. */
export interface SinkHealth {
  name: string;
  type: SinkConfig['type'];
  /** Where it delivers, without credentials (udp://host:port, https://host/path). */
  target: string;
  /** ok: delivering (or nothing to do); failing: the last attempt failed, retrying with backoff. */
  state: 'ok' | 'failing';
  /** Alerts waiting in its outbox. */
  queued: number;
  /** Alerts delivered since the console started. */
  delivered: number;
  /** Failed attempts since start, by reason (refused, timeout, http_5xx, http_4xx, tls, closed, error). */
  failures: Record<string, number>;
  lastError: string | null;
  lastErrorAt: number | null;
  lastDeliveredAt: number | null;
  /** When the next attempt is due while failing (ms), else null. */
  nextAttemptAt: number | null;
  /** Consecutive failed attempts. */
  attempt: number;
  /** Time from raising to delivery of the last alert delivered (ms). */
  lastLatencyMs: number | null;
  /** Outbox entries whose alert no longer exists (dropped, counted). */
  dropped: number;
}
