/**
 * MQTT topics and the wire version shared by probe and console (DESIGN "MQTT topics"). Probes send
 * WIRE_VERSION; consoles accept every version in WIRE_VERSIONS_ACCEPTED (upgrade consoles first).
 */
export const WIRE_VERSION = 2;
export const WIRE_VERSIONS_ACCEPTED: readonly number[] = [1, 2];
export const TOPIC_ROOT = 'spanmap/v1';

export const PROBE_ID_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function isValidProbeId(id: string): boolean {
  return PROBE_ID_RE.test(id);
}

export const topics = {
  flows: (probeId: string) => `${TOPIC_ROOT}/${probeId}/flows`,
  status: (probeId: string) => `${TOPIC_ROOT}/${probeId}/status`,
  ack: (probeId: string) => `${TOPIC_ROOT}/${probeId}/ack`,
  allFlows: `${TOPIC_ROOT}/+/flows`,
  allStatus: `${TOPIC_ROOT}/+/status`,
};

/** Extracts the probe id from `spanmap/v1/<id>/<kind>`; null when the topic is not ours. */
export function parseTopic(topic: string): { probeId: string; kind: string } | null {
  const parts = topic.split('/');
  if (parts.length !== 4 || `${parts[0]}/${parts[1]}` !== TOPIC_ROOT) return null;
  return { probeId: parts[2]!, kind: parts[3]! };
}
