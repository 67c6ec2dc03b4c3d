import { isValidProbeId } from '../topics.js';
import type { ProbeStatus } from './batch.js';

const num = (v: unknown, min = 0) => typeof v === 'number' && Number.isFinite(v) && v >= min;
const numOrNull = (v: unknown) => v === null || num(v);

/** Parses a probe's retained status message; null when it is not one (counted by the caller). */
export function parseStatus(payload: Uint8Array | string, expectedProbe: string): ProbeStatus | null {
  let j: Record<string, unknown>;
  try {
    j = JSON.parse(typeof payload === 'string' ? payload : new TextDecoder().decode(payload)) as Record<string, unknown>;
  } catch {
    return null;
  }
  if (!j || typeof j !== 'object' || Array.isArray(j)) return null;
  if (j.probe !== expectedProbe || !isValidProbeId(expectedProbe) || typeof j.online !== 'boolean' || !num(j.time) || !num(j.startedAt) || !num(j.uptimeSec))
    return null;
  const cap = j.capture as Record<string, unknown> | undefined;
  const flows = j.flows as Record<string, unknown> | undefined;
  const backlog = j.backlog as Record<string, unknown> | undefined;
  const dropped = j.dropped as Record<string, unknown> | undefined;
  if (!cap || !num(cap.packets) || !numOrNull(cap.drops) || !numOrNull(cap.ifDrops) || !num(cap.decodeErrors)) return null;
  if (cap.duplicates !== undefined && !num(cap.duplicates)) return null;
  const names = j.names as Record<string, unknown> | undefined;
  if (names !== undefined && (!names || typeof names !== 'object' || !num(names.learned) || !num(names.errors))) return null;
  if (!flows || !num(flows.active) || !num(flows.emitted)) return null;
  if (!backlog || !num(backlog.batches) || !num(backlog.records) || !numOrNull(backlog.oldest)) return null;
  if (!dropped || !num(dropped.batches) || !num(dropped.records)) return null;
  if (typeof j.version !== 'string' || typeof j.epoch !== 'string' || !num(j.v)) return null;
  return j as unknown as ProbeStatus;
}
