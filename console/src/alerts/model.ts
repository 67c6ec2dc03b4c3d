import type { EdgeKey } from '../catalog/catalog.js';

/**
 * What an alert is, as stored and as the API answers it. An alert is one new edge outside a
 * monitored policy, or a storm: many new edges from one source (a scan) grouped into one alert
 * that counts them. Ids are decimal strings of a sequence number kept in the store: stable across
 * restarts, increasing in the order alerts were raised (the order sinks receive them).
 */
export type AlertStatus = 'new' | 'investigate' | 'dismissed' | 'allowed' | 'rejected' | 'reviewed';
export const ALERT_STATUSES: readonly AlertStatus[] = ['new', 'investigate', 'dismissed', 'allowed', 'rejected', 'reviewed'];

/** Triage actions (POST /alerts/review). */
export type AlertAction = 'allow' | 'investigate' | 'dismiss' | 'reject';
export const ALERT_ACTIONS: readonly AlertAction[] = ['allow', 'investigate', 'dismiss', 'reject'];

export const STATUS_OF: Record<AlertAction, AlertStatus> = { allow: 'allowed', investigate: 'investigate', dismiss: 'dismissed', reject: 'rejected' };

/** Why an alert was raised: a new edge, a storm of them, or an edge raised again. */
export type AlertReason = 'new-edge' | 'storm' | 'dismissal-expired' | 'segment-changed' | 'no-longer-allowed';

export interface AlertReview {
  action: AlertAction | 'reviewed';
  note: string;
  by: string;
  at: number;
  /** investigate: who looks into it. */
  owner?: string;
  /** dismiss: until when it is expected noise (ms). */
  until?: number;
  /** allow: the policy version that allows it. */
  version?: number;
}

export interface Alert {
  id: string;
  kind: 'edge' | 'storm';
  /** The edge; a storm has its source only (dst, proto and port null). */
  src: string;
  dst: string | null;
  proto: number | null;
  port: number | null;
  srcSegment: string;
  dstSegment: string | null;
  policy: string;
  policyName: string;
  /** Flows on the edge (a storm: on all its edges) since the alert was raised. */
  flows: number;
  firstSeen: number;
  lastSeen: number;
  raisedAt: number;
  /** 1, or the number of new edges a storm groups. */
  edges: number;
  /** A storm: its first edges (at most STORM_SAMPLE), and how many distinct destinations and ports. */
  sample?: EdgeKey[];
  dsts?: number;
  ports?: number;
  status: AlertStatus;
  review: AlertReview | null;
  reason: AlertReason;
  /** Raised again: the alert this one follows. */
  previous: string | null;
  /** Host names when known (filled when read, from the names seam). */
  srcName?: string | null;
  dstName?: string | null;
}

export const STORM_SAMPLE = 20;

export interface StormOptions {
  /** This many new edges from one source within `windowMs` (traffic time) make a storm. */
  threshold: number;
  windowMs: number;
}

export const DEFAULT_STORM: StormOptions = { threshold: 20, windowMs: 10 * 60_000 };

/** The alert an edge belongs to, and the segments it had when that alert was raised. */
export interface EdgeAlertRef {
  n: number;
  srcSegment: string;
  dstSegment: string;
}

/** Per source: new edges raised within the storm window (traffic time), and the open storm. */
export interface SourceState {
  lastAt: number;
  count: number;
  storm: number | null;
}

/** One delivery to do: an alert for one sink, queued in the ingest transaction that raised it. */
export interface OutboxEntry {
  alert: number;
  at: number;
}

/** Host names for addresses at a time (the names stage fills it in when present). */
export interface NameLookup {
  nameAt(ip: string, time: number): string | null;
}

export function alertKey(a: Pick<Alert, 'id'>): number {
  return Number(a.id);
}

export function isOpen(a: Pick<Alert, 'status'>): boolean {
  return a.status === 'new' || a.status === 'investigate';
}
