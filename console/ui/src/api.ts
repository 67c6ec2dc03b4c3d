/**
 * Typed client for the console's HTTP API (/api/v1). The request and response types are the
 * server's own (console/src/api/types.ts, type-only: nothing of the server reaches the bundle).
 */
import type {
  EdgeKey,
  EdgeRow,
  LongTailRow,
  Review,
  ReviewStatus,
  AuditEntry,
  SegmentDef,
  PolicyRule,
  Endpoint,
  Alert,
  AlertQuery,
  AlertReviewRequest,
  AlertReviewResult,
  SinkHealth,
  SimulateResult,
  ViolationAction,
  ErrorBody,
  ProbeRow,
  ProbeHistoryPoint,
  Matrix,
  Timeline,
  Coverage,
  PolicySummary,
  PolicyDetail,
  PolicyDiff,
  ExportFormat,
  DraftRequest,
  EdgeQuery,
  HostRow,
  HostQuery,
  NamesResult,
  NamesSummary,
  PolicyCheck,
  PolicyStats,
  ViolationRow,
} from '../../src/api/types.js';

export type * from '../../src/api/types.js';
/** The UI calls a policy's detail "Policy". */
export type Policy = PolicyDetail;

export const REVIEW_STATUSES: readonly ReviewStatus[] = ['expected', 'investigate', 'rejected'];

/** An error answered by the API (or the network), with the field it names when there is one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field: string | null = null,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

type Query = Record<string, string | number | boolean | null | undefined>;

export function queryString(q: Query = {}): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== null && v !== '') p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : '';
}

export interface Page<T> {
  rows: T[];
  total: number;
  next: string | null;
}

export interface ApiOptions {
  token: string;
  /** Called on 401: the token is wrong or was revoked. */
  onUnauthorized(message: string): void;
  base?: string;
  fetch?: typeof fetch;
}

/** Field named by an API error: from details.field, else the "field: message" prefix. */
export function errorField(body: unknown, message: string): string | null {
  const d = (body as ErrorBody | undefined)?.error?.details;
  if (d && typeof d.field === 'string') return d.field;
  const m = /^([A-Za-z_][\w.[\]-]*): /.exec(message);
  return m ? m[1]! : null;
}

export function createApi(opts: ApiOptions) {
  const base = opts.base ?? '/api/v1';
  const doFetch = opts.fetch ?? ((...a: Parameters<typeof fetch>) => fetch(...a));

  /** `text` with `type`: a body sent as is (a hosts file or CSV import); `body`: sent as JSON. */
  async function raw(
    path: string,
    init: { method?: string; body?: unknown; text?: { type: string; body: string }; signal?: AbortSignal } = {},
  ): Promise<Response> {
    let res: Response;
    try {
      res = await doFetch(base + path, {
        method: init.method ?? 'GET',
        headers: {
          authorization: `Bearer ${opts.token}`,
          accept: 'application/json',
          ...(init.body !== undefined ? { 'content-type': 'application/json' } : init.text ? { 'content-type': init.text.type } : {}),
        },
        body: init.body === undefined ? init.text?.body : JSON.stringify(init.body),
        signal: init.signal,
      });
    } catch (e) {
      if ((e as Error).name === 'AbortError') throw e;
      throw new ApiError(0, 'network', `cannot reach the console (${(e as Error).message})`);
    }
    if (res.ok) return res;
    let body: unknown = null;
    let message = `${res.status} ${res.statusText}`;
    let code = `http_${res.status}`;
    try {
      body = await res.json();
      const err = (body as ErrorBody).error;
      if (err?.message) message = err.message;
      if (err?.code) code = err.code;
    } catch {
      // not JSON: keep the status line
    }
    if (res.status === 401) opts.onUnauthorized(message);
    throw new ApiError(res.status, code, message, errorField(body, message));
  }

  async function json<T>(path: string, init: Parameters<typeof raw>[1] = {}): Promise<T> {
    const res = await raw(path, init);
    return (await res.json()) as T;
  }

  async function page<T>(path: string, signal?: AbortSignal): Promise<Page<T>> {
    const res = await raw(path, { signal });
    const rows = (await res.json()) as T[];
    const total = Number(res.headers.get('x-total-count') ?? rows.length);
    return { rows, total: Number.isFinite(total) ? total : rows.length, next: res.headers.get('x-next-cursor') };
  }

  return {
    health: () => json<{ status: string }>('/health'),
    probes: (signal?: AbortSignal) => json<ProbeRow[]>('/probes', { signal }),
    probeHistory: (id: string, from: number, to: number, signal?: AbortSignal) =>
      json<ProbeHistoryPoint[]>(`/probes/${encodeURIComponent(id)}/history${queryString({ from, to })}`, { signal }),
    stats: (signal?: AbortSignal) => json<Record<string, unknown>>('/stats', { signal }),
    segments: (signal?: AbortSignal) => json<SegmentDef[]>('/segments', { signal }),
    putSegments: (defs: unknown[]) => json<SegmentDef[]>('/segments', { method: 'PUT', body: defs }),
    edges: (q: EdgeQuery, signal?: AbortSignal) => page<EdgeRow>(`/edges${queryString(q as Query)}`, signal),
    timeline: (k: EdgeKey, from: number, to: number, signal?: AbortSignal) =>
      json<Timeline>(`/edges/timeline${queryString({ src: k.src, dst: k.dst, proto: k.proto, port: k.port, from, to })}`, { signal }),
    matrix: (q: Query, signal?: AbortSignal) => json<Matrix>(`/matrix${queryString(q)}`, { signal }),
    review: (edges: EdgeKey[], status: ReviewStatus, note: string) =>
      json<{ reviewed: number; review: Review }>('/edges/review', { method: 'POST', body: { edges: edges.map(keyOf), status, note } }),
    audit: (q: { from?: number; to?: number; limit?: number }, signal?: AbortSignal) => json<AuditEntry[]>(`/audit${queryString(q)}`, { signal }),
    longtail: (q: Omit<EdgeQuery, 'sort' | 'order'>, signal?: AbortSignal) => page<LongTailRow>(`/longtail${queryString(q as Query)}`, signal),
    coverage: (from: number, to: number, signal?: AbortSignal) => json<Coverage>(`/coverage${queryString({ from, to })}`, { signal }),
    policies: (signal?: AbortSignal) => json<PolicySummary[]>('/policies', { signal }),
    policy: (id: string, version?: number, signal?: AbortSignal) => json<Policy>(`/policies/${encodeURIComponent(id)}${queryString({ version })}`, { signal }),
    draftPolicy: (body: DraftRequest) => json<Omit<Policy, 'versions'>>('/policies', { method: 'POST', body }),
    policyDiff: (id: string, from: number, to: number, signal?: AbortSignal) =>
      json<PolicyDiff>(`/policies/${encodeURIComponent(id)}/diff${queryString({ from, to })}`, { signal }),
    rollback: (id: string, version: number, reason: string) =>
      json<{ id: string; version: number }>(`/policies/${encodeURIComponent(id)}/rollback`, { method: 'POST', body: { version, reason } }),
    addRule: (
      id: string,
      rule: { src: Endpoint; dst: Endpoint; proto: number | null; ports: unknown[]; comment: string; layer: PolicyRule['layer'] },
      reason: string,
    ) => json<{ id: string; version: number }>(`/policies/${encodeURIComponent(id)}/rules`, { method: 'POST', body: { rule, reason } }),
    removeRule: (id: string, rule: string, reason: string) =>
      json<{ id: string; version: number }>(`/policies/${encodeURIComponent(id)}/rules/${encodeURIComponent(rule)}${queryString({ reason })}`, {
        method: 'DELETE',
      }),
    simulate: (id: string, q: { from: number; to: number; version?: number }, signal?: AbortSignal) =>
      json<SimulateResult>(`/policies/${encodeURIComponent(id)}/simulate${queryString(q)}`, { signal }),
    setMode: (id: string, mode: 'monitor' | 'off') => json<PolicySummary>(`/policies/${encodeURIComponent(id)}/mode`, { method: 'POST', body: { mode } }),
    violations: (id: string, signal?: AbortSignal) => json<ViolationRow[]>(`/policies/${encodeURIComponent(id)}/violations`, { signal }),
    /** `widen: "segment"` allows the segment pair instead of the narrowest rule (an explicit choice). */
    reviewViolations: (id: string, edges: EdgeKey[], action: ViolationAction, note: string, widen?: 'segment') =>
      json<{ id: string; version: number }>(`/policies/${encodeURIComponent(id)}/violations/review`, {
        method: 'POST',
        body: { edges: edges.map(keyOf), action, note, ...(widen ? { widen } : {}) },
      }),
    checkPolicy: (id: string, q: EdgeKey & { version?: number }, signal?: AbortSignal) =>
      json<PolicyCheck>(`/policies/${encodeURIComponent(id)}/check${queryString(q as unknown as Query)}`, { signal }),
    policyStats: (id: string, q: { from: number; to: number; version?: number; idleDays?: number }, signal?: AbortSignal) =>
      json<PolicyStats>(`/policies/${encodeURIComponent(id)}/stats${queryString(q)}`, { signal }),
    alerts: (status?: Alert['status'], signal?: AbortSignal) => json<Alert[]>(`/alerts${queryString({ status })}`, { signal }),
    hosts: (q: HostQuery, signal?: AbortSignal) => page<HostRow>(`/hosts${queryString(q as Query)}`, signal),
    names: (signal?: AbortSignal) => json<NamesSummary>('/names', { signal }),
    /** Sets operator names (null removes one: the learned name shows again). */
    putNames: (entries: Array<{ ip: string; name: string | null }>) => json<NamesResult>('/names', { method: 'PUT', body: entries }),
    /** Imports a hosts file or a CSV (ip,name) as operator names. */
    importNames: (text: string, format: 'hosts' | 'csv') =>
      json<NamesResult>('/names', { method: 'PUT', text: { type: format === 'csv' ? 'text/csv' : 'text/plain', body: text } }),
    alertPage: (q: AlertQuery, signal?: AbortSignal) => page<Alert>(`/alerts${queryString(q as Query)}`, signal),
    alert: (id: string, signal?: AbortSignal) => json<Alert>(`/alerts/${encodeURIComponent(id)}`, { signal }),
    reviewAlerts: (body: AlertReviewRequest) => json<AlertReviewResult>('/alerts/review', { method: 'POST', body }),
    alertSinks: (signal?: AbortSignal) => json<SinkHealth[]>('/alerts/sinks', { signal }),
    /** A policy export as a file; `progress` reports bytes received (and the total when known). */
    exportPolicy: async (id: string, format: ExportFormat, progress?: (got: number, total: number | null) => void, signal?: AbortSignal) => {
      const res = await raw(`/policies/${encodeURIComponent(id)}/export${queryString({ format })}`, { signal });
      const total = Number(res.headers.get('content-length')) || null;
      const name = fileNameOf(res.headers.get('content-disposition')) ?? `policy-${id}.${EXPORT_EXT[format]}`;
      const type = res.headers.get('content-type') ?? 'application/octet-stream';
      if (!res.body) return { blob: await res.blob(), name };
      const reader = res.body.getReader();
      const chunks: Uint8Array[] = [];
      let got = 0;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks.push(value);
        got += value.byteLength;
        progress?.(got, total);
      }
      return { blob: new Blob(chunks as BlobPart[], { type }), name };
    },
  };
}

export type Api = ReturnType<typeof createApi>;

const EXPORT_EXT: Record<ExportFormat, string> = { nftables: 'nft', iptables: 'rules', ip6tables: 'rules6', csv: 'csv', json: 'json' };

export function fileNameOf(disposition: string | null): string | null {
  if (!disposition) return null;
  const star = /filename\*=UTF-8''([^;]+)/i.exec(disposition);
  if (star) return decodeURIComponent(star[1]!);
  const m = /filename="?([^";]+)"?/i.exec(disposition);
  return m ? m[1]! : null;
}

export function keyOf(e: EdgeKey): EdgeKey {
  return { src: e.src, dst: e.dst, proto: e.proto, port: e.port };
}

/** A stable string for an edge (maps, selections, URLs). */
export function edgeId(e: EdgeKey): string {
  return `${e.src}|${e.dst}|${e.proto}|${e.port}`;
}

export function parseEdgeId(s: string | null): EdgeKey | null {
  if (!s) return null;
  const [src, dst, proto, port] = s.split('|');
  const p = Number(proto);
  const q = Number(port);
  if (!src || !dst || !Number.isInteger(p) || !Number.isInteger(q)) return null;
  return { src, dst, proto: p, port: q };
}
