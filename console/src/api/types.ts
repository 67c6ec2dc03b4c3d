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
import type { Policy as StoredPolicy, PolicyVersion, Rule as PolicyRule, Selector as Endpoint } from '../policy/model.js';
import type { Violation, SimulateResult, ViolationAction } from '../policy/policies.js';
import type { Alert } from '../alerts/alerts.js';
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
  PolicyRule,
  Endpoint,
  PolicyVersion,
  Violation,
  Alert,
  SimulateResult,
  ViolationAction,
  ErrorBody,
};

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
};

/** GET /policies/:id: one version with its rules, and the version history (rules counted). */
export type PolicyDetail = Omit<PolicySummary, 'rules'> & {
  defaultAction: StoredPolicy['defaultAction'];
  rules: PolicyRule[];
  versions: Array<Omit<PolicyVersion, 'rules'> & { rules: number }>;
};

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

/** GET /edges and /longtail query parameters. */
export type EdgeQuery = {
  from?: number;
  to?: number;
  segment?: string;
  srcSegment?: string;
  dstSegment?: string;
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
};
