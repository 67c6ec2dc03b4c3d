import { isValidProbeId, TOPIC_ROOT, topics } from '@spanmap/shared';

/**
 * Who a connected client is, decided once at CONNECT:
 * - probe: authenticated with its own credentials (username = probe id);
 * - console: the console's own subscriber, on the broker's private socket;
 * - open: no credentials are configured, so anyone may do anything (a lab or a demo).
 */
export type Identity = { kind: 'probe'; id: string } | { kind: 'console' } | { kind: 'open' };

/** The only MQTT client id a probe may use: one probe cannot take over another's session. */
export function probeClientId(probeId: string): string {
  return `spanmap-probe-${probeId}`;
}

/** Probe id in `spanmap/v1/<id>/<kind>`, or null when the topic is not that shape. */
function topicProbe(topic: string, kind: string): string | null {
  const prefix = `${TOPIC_ROOT}/`;
  const suffix = `/${kind}`;
  if (!topic.startsWith(prefix) || !topic.endsWith(suffix)) return null;
  const id = topic.slice(prefix.length, topic.length - suffix.length);
  return isValidProbeId(id) ? id : null;
}

/**
 * A probe publishes its own flows (never retained) and its own status (retained, and as its last
 * will); the console publishes acknowledgements to any probe (never retained). Nothing else.
 */
export function mayPublish(who: Identity, topic: string, retain: boolean): boolean {
  if (topic.startsWith('$')) return false; // $SYS and friends belong to the broker
  switch (who.kind) {
    case 'open':
      return true;
    case 'probe':
      return (topic === topics.flows(who.id) && !retain) || topic === topics.status(who.id);
    case 'console':
      return topicProbe(topic, 'ack') !== null && !retain;
  }
}

const CONSOLE_FILTERS = new Set([topics.allFlows, topics.allStatus]);

/**
 * A probe subscribes to its own ack topic only (no wildcards); the console to every probe's flows
 * and status (optionally as a shared subscription, $share/<group>/...).
 */
export function maySubscribe(who: Identity, filter: string): boolean {
  switch (who.kind) {
    case 'open':
      return true;
    case 'probe':
      return filter === topics.ack(who.id);
    case 'console': {
      const shared = /^\$share\/([^/+#]+)\/(.*)$/.exec(filter);
      return CONSOLE_FILTERS.has(shared ? shared[2]! : filter);
    }
  }
}
