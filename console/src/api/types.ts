/**
 * The API's request and response shapes (DESIGN "Console HTTP API"), in one module: the routes
 * answer with these types and the web UI's client (console/ui/src/api.ts) reads them, type-only,
 * so the two cannot drift apart unnoticed.
 */
import type { ProbeStatus } from '@spanmap/shared';
import type { EdgeKey } from '../catalog/catalog.js';
import type { EdgeRow, MatrixCell, SortKey, EdgeFilter, Period, LongTailRow } from '../matrix/query.js';
import type { SegmentCoverage, Gap as CoverageGap } from '../analysis/coverage.js';
import type { Review, ReviewStatus, AuditEntry } from '../review/reviews.js';
import type { SegmentDef } from '../segments/segments.js';
import type { StatusPoint } from '../store/probes.js';
import type { Policy as StoredPolicy, PolicyVersion, Selector as Endpoint } from '../policy/model.js';
import type { Violation as StoredViolation, SimulateResult as StoredSimulateResult, ViolationAction } from '../policy/policies.js';
import type { Named, NamedRule } from '../names/label.js';
import type { HostRow } from '../names/hosts.js';
import type { NamesResult, NamesSummary } from './routes/names.js';
import type { Alert } from '../alerts/alerts.js';
import type { AlertAction, AlertStatus, AlertReview } from '../alerts/model.js';
import type { SinkHealth } from '../sinks/types.js';
import type { PolicyStats, RuleStats, Surface } from '../policy/stats.js';
import type { Proposal } from '../policy/narrowest.js';
import type { ErrorBody } from './errors.js';

export type {
  EdgeKey,
  EdgeRow,
  MatrixCell,
  SortKey,
  EdgeFilter,
  Period,
  LongTailRow,
  SegmentCoverage,
  CoverageGap,
  Review,
  ReviewStatus,
  AuditEntry,
  SegmentDef,
  ProbeStatus,
  Endpoint,
  PolicyVersion,
  Alert,
  AlertAction,
  AlertStatus,
  AlertReview,
  SinkHealth,
  ViolationAction,
  ErrorBody,
  Named,
  HostRow,
  NamesResult,
  NamesSummary,
  PolicyStats,
  RuleStats,
  Surface,
  Proposal,
};

/** A rule as the API shows it: with the names of its host selectors and justifying edges (names/label.ts). */
export type PolicyRule = NamedRule;
/** Would-be-blocked edges carry the names their addresses had when last seen (alerts carry theirs: alerts/). */
export type Violation = Named<StoredViolation>;
export type SimulateResult = Omit<StoredSimulateResult, 'blocked'> & { blocked: Array<Named<StoredSimulateResult['blocked'][number]>> };

/** GET /probes: what each probe delivered, and where its view overlaps other probes'. */
export interface ProbeRow {
  id: string;
  flows: number;
  packets: number;
  bytes: number;
  lastSeen: number;
  firstSeen: number;
  records: number;
  batches: number;
  duplicateBatches: number;
  /** Names learned from the wire this probe delivered. */
  names: number;
  /** Records this probe delivered that another probe also saw: per probe, and the largest share. */
  overlap: { probes: Array<{ probe: string; records: number; share: number }>; share: number };
  lastFlow: number | null;
  online: boolean;
  status: ProbeStatus | null;
}

/** GET /probes/:id/history */
export type ProbeHistoryPoint = StatusPoint & { time: number };

/** GET /matrix */
export interface Matrix {
  segments: string[];
  cells: MatrixCell[];
}

/** GET /edges/timeline */
export interface Timeline {
  edge: EdgeKey;
  from: number;
  to: number;
  t: number[];
  flows: number[];
  packets: number[];
  bytes: number[];
}

/** GET /coverage */
export interface Coverage {
  from: number;
  to: number;
  segments: SegmentCoverage[];
}

/** A policy as the list shows it (rules counted). */
export type PolicySummary = Pick<StoredPolicy, 'id' | 'name' | 'mode' | 'monitorSince' | 'granularity' | 'include' | 'window' | 'createdAt' | 'createdBy'> & {
  version: number;
  updatedAt: number;
  rules: number;
  /** The current version's allowed surface among known hosts, beside the edges of the policy's window. */
  surface: Surface;
};

/** GET /policies/:id: one version with its rules, and the version history (rules counted). */
export type PolicyDetail = Omit<PolicySummary, 'rules'> & {
  defaultAction: StoredPolicy['defaultAction'];
  rules: PolicyRule[];
  versions: Array<Omit<PolicyVersion, 'rules'> & { rules: number; surface: Surface }>;
};

/** GET /policies/:id/check: would this connection be allowed, and by which rule. */
export interface PolicyCheck {
  allowed: boolean;
  rule: PolicyRule | null;
  version: number;
  srcSegment: string;
  dstSegment: string;
}

/** GET /policies/:id/violations: a would-be-blocked edge, its related-connection label, and the narrowest rule allowing it would add. */
export type ViolationRow = Violation & { related: string | null; proposal: Proposal };

export type PolicyMode = StoredPolicy['mode'];

/** GET /policies/:id/diff */
export interface PolicyDiff {
  from: number;
  to: number;
  added: PolicyRule[];
  removed: PolicyRule[];
}

export type BlockedEdge = SimulateResult['blocked'][number];

export type ExportFormat = 'nftables' | 'iptables' | 'ip6tables' | 'csv' | 'json';

/** POST /policies */
export interface DraftRequest {
  name: string;
  from: number;
  to: number;
  include: 'observed' | 'expected';
  granularity: 'segment' | 'host';
  infrastructureLayer?: boolean;
}

/** GET /hosts query parameters. */
export type HostQuery = {
  ip?: string;
  q?: string;
  at?: number;
  named?: boolean;
  sort?: 'ip' | 'name';
  limit?: number;
  cursor?: string;
  /** A row number to start at, instead of a cursor (jumping to any page). */
  offset?: number;
};

/** GET /edges and /longtail query parameters. */
export type EdgeQuery = {
  from?: number;
  to?: number;
  segment?: string;
  srcSegment?: string;
  dstSegment?: string;
  /** An address, or a name prefix (either side had a name starting with it). */
  host?: string;
  proto?: number;
  port?: number;
  minFlows?: number;
  service?: string;
  review?: ReviewStatus | 'none';
  infrastructure?: boolean;
  sort?: SortKey;
  order?: 'asc' | 'desc';
  limit?: number;
  cursor?: string;
  /** A row number to start at, instead of a cursor (jumping to any page). */
  offset?: number;
};

/** GET /alerts query parameters (the body is a plain array; X-Total-Count and X-Next-Cursor page it). */
export type AlertQuery = {
  status?: AlertStatus | 'open';
  kind?: Alert['kind'];
  policy?: string;
  segment?: string;
  host?: string;
  since?: number;
  until?: number;
  /** Comma-separated alert ids. */
  id?: string;
  order?: 'asc' | 'desc';
  limit?: number;
  cursor?: string;
  /** A row number to start at, instead of a cursor (jumping to any page). */
  offset?: number;
};

/** POST /alerts/review */
export interface AlertReviewRequest {
  ids: string[];
  action: AlertAction;
  note?: string;
  /** investigate: who looks into it (default: whoever triages). */
  owner?: string;
  /** dismiss: days of expected noise (default 7). */
  days?: number;
}

export interface AlertReviewResult {
  reviewed: number;
  alerts: Alert[];
  /** Policies "allow" changed, with their new version. */
  policies: Array<{ id: string; version: number }>;
}
