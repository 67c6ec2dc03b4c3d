import type { Hono } from 'hono';
import type { AppEnv } from '../env.js';
import { bad, fields, intParam, ipParam, jsonBody, queryParams, rangeParams, timeParam } from '../params.js';
import { requireEditor } from '../auth.js';
import { edgeKeyFrom } from './edges.js';
import type { Policies } from '../../policy/policies.js';
import type { EdgeModel } from '../../matrix/model.js';
import type { Alerts } from '../../alerts/alerts.js';
import { parsePorts, parseSelector } from '../../policy/model.js';
import { toNftables } from '../../policy/export/nftables.js';
import { toIptables } from '../../policy/export/iptables.js';
import { toCsv, toJson } from '../../policy/export/flat.js';
import { namedList, namedRule, type NameLookup } from '../../names/label.js';

const FORMATS = ['nftables', 'iptables', 'ip6tables', 'csv', 'json'] as const;

export function policyRoutes(api: Hono<AppEnv>, deps: { policies: Policies; alerts: Alerts; model: EdgeModel; names?: NameLookup; now(): number }): void {
  const pol = () => deps.policies;
  // Rules, queues and alerts carry the names of their addresses (names/label.ts says which time).
  const rulesOf = (p: { window: { to: number } }, rules: Parameters<typeof namedRule>[1][]) => rules.map((r) => namedRule(deps.names, r, p.window.to));
  const who = (c: { get(k: 'principal'): { name: string } }) => c.get('principal').name;
  const summary = (p: ReturnType<typeof pol>['list'] extends () => Array<infer P> ? P : never) => ({
    id: p.id,
    name: p.name,
    version: p.versions.length,
    mode: p.mode,
    monitorSince: p.monitorSince,
    granularity: p.granularity,
    include: p.include,
    window: p.window,
    createdAt: p.createdAt,
    createdBy: p.createdBy,
    updatedAt: p.versions.at(-1)!.at,
    rules: p.versions.at(-1)!.rules.length,
    surface: pol()
      .surfaces(p, [p.versions.at(-1)!])
      .get(p.versions.length)!,
  });

  api.post('/policies', requireEditor(), async (c) => {
    const b = fields(await jsonBody(c), 'body', ['name', 'from', 'to', 'include', 'granularity', 'infrastructureLayer']);
    if (typeof b.name !== 'string' || b.name.trim() === '' || b.name.length > 100) bad('name', 'expected a name of 1-100 characters');
    const num = (k: string) =>
      typeof b[k] === 'number'
        ? String(b[k])
        : typeof b[k] === 'string'
          ? (b[k] as string)
          : b[k] === undefined
            ? undefined
            : bad(k, 'expected ms since the epoch or an ISO date');
    const q: Record<string, string> = {};
    for (const k of ['from', 'to']) {
      const v = num(k);
      if (v !== undefined) q[k] = v;
    }
    const range = rangeParams(q, deps.now());
    const include = (b.include ?? 'observed') as string;
    if (include !== 'observed' && include !== 'expected') bad('include', 'expected "observed" or "expected"');
    const granularity = (b.granularity ?? 'segment') as string;
    if (granularity !== 'segment' && granularity !== 'host') bad('granularity', 'expected "segment" or "host"');
    if (b.infrastructureLayer !== undefined && typeof b.infrastructureLayer !== 'boolean') bad('infrastructureLayer', 'expected true or false');
    const p = await pol().create(
      b.name as string,
      { range, include, granularity, infrastructureLayer: b.infrastructureLayer === true } as never,
      who(c),
      deps.now(),
    );
    return c.json({ ...p, version: p.versions.length, rules: rulesOf(p, p.versions.at(-1)!.rules) }, 201);
  });

  api.get('/policies', (c) => {
    queryParams(c, []);
    return c.json(pol().list().map(summary));
  });

  api.get('/policies/:id', (c) => {
    const q = queryParams(c, ['version']);
    const p = pol().get(c.req.param('id'));
    const v = pol().version(p, intParam(q, 'version', 1, 1_000_000));
    const surfaces = pol().surfaces(p);
    return c.json({
      ...summary(p),
      version: v.version,
      defaultAction: p.defaultAction,
      rules: rulesOf(p, v.rules),
      versions: p.versions.map((x) => ({ version: x.version, at: x.at, by: x.by, reason: x.reason, rules: x.rules.length, surface: surfaces.get(x.version)! })),
    });
  });

  api.get('/policies/:id/diff', (c) => {
    const q = queryParams(c, ['from', 'to']);
    const p = pol().get(c.req.param('id'));
    const to = intParam(q, 'to', 1, 1_000_000) ?? p.versions.length;
    const from = intParam(q, 'from', 1, 1_000_000) ?? Math.max(1, to - 1);
    const d = pol().diff(p.id, from, to);
    return c.json({ ...d, added: rulesOf(p, d.added), removed: rulesOf(p, d.removed) });
  });

  api.post('/policies/:id/rollback', requireEditor(), async (c) => {
    const b = fields(await jsonBody(c), 'body', ['version', 'reason']);
    if (typeof b.version !== 'number' || !Number.isInteger(b.version)) bad('version', 'expected a version number');
    if (b.reason !== undefined && typeof b.reason !== 'string') bad('reason', 'expected a string');
    const p = await pol().rollback(c.req.param('id'), b.version as number, (b.reason as string | undefined) ?? '', who(c), deps.now());
    return c.json({ id: p.id, version: p.versions.length });
  });

  api.post('/policies/:id/rules', requireEditor(), async (c) => {
    const b = fields(await jsonBody(c), 'body', ['rule', 'reason']);
    const r = fields(b.rule, 'rule', ['src', 'dst', 'proto', 'ports', 'comment', 'layer']);
    const names = deps.model.resolver.names;
    const proto =
      r.proto === undefined || r.proto === null
        ? null
        : typeof r.proto === 'number' && Number.isInteger(r.proto) && r.proto >= 0 && r.proto <= 255
          ? r.proto
          : bad('rule.proto', 'expected a protocol number (0-255) or null for any');
    if (r.layer !== undefined && r.layer !== 'infrastructure' && r.layer !== 'application') bad('rule.layer', 'expected "infrastructure" or "application"');
    if (r.comment !== undefined && typeof r.comment !== 'string') bad('rule.comment', 'expected a string');
    if (typeof b.reason !== 'string' || b.reason.trim() === '') bad('reason', 'every change needs a reason');
    const p = await pol().addRule(
      c.req.param('id'),
      {
        src: parseSelector(r.src, 'rule.src', names),
        dst: parseSelector(r.dst, 'rule.dst', names),
        proto,
        ports: parsePorts(r.ports, 'rule.ports'),
        comment: (r.comment as string | undefined) ?? '',
        layer: (r.layer as 'infrastructure' | 'application' | undefined) ?? 'application',
      },
      b.reason as string,
      who(c),
      deps.now(),
    );
    return c.json({ id: p.id, version: p.versions.length, rules: rulesOf(p, p.versions.at(-1)!.rules) }, 201);
  });

  api.delete('/policies/:id/rules/:rule', requireEditor(), async (c) => {
    const q = queryParams(c, ['reason']);
    if (!q.reason) bad('reason', 'every change needs a reason');
    const p = await pol().removeRule(c.req.param('id'), c.req.param('rule'), q.reason!, who(c), deps.now());
    return c.json({ id: p.id, version: p.versions.length });
  });

  api.get('/policies/:id/simulate', (c) => {
    const q = queryParams(c, ['from', 'to', 'version']);
    const p = pol().get(c.req.param('id'));
    const range = rangeParams({ from: q.from ?? String(timeParam(q, 'from') ?? p.window.from), to: q.to ?? String(deps.now() + 3_600_000) }, deps.now());
    const sim = pol().simulate(p.id, range, intParam(q, 'version', 1, 1_000_000));
    return c.json({ ...sim, blocked: namedList(deps.names, sim.blocked) });
  });

  api.get('/policies/:id/check', (c) => {
    const q = queryParams(c, ['src', 'dst', 'proto', 'port', 'version']);
    for (const k of ['src', 'dst', 'proto', 'port']) if (q[k] === undefined) bad(k, 'required (src=IP&dst=IP&proto=N&port=N)');
    const k = { src: ipParam(q, 'src')!, dst: ipParam(q, 'dst')!, proto: intParam(q, 'proto', 0, 255)!, port: intParam(q, 'port', 0, 65535)! };
    const r = pol().check(c.req.param('id'), k, intParam(q, 'version', 1, 1_000_000));
    return c.json({
      allowed: r.rule !== null,
      rule: r.rule,
      version: r.version,
      srcSegment: deps.model.segmentOf(k.src),
      dstSegment: deps.model.segmentOf(k.dst),
    });
  });

  api.get('/policies/:id/stats', (c) => {
    const q = queryParams(c, ['from', 'to', 'version', 'idleDays']);
    const p = pol().get(c.req.param('id'));
    const range = rangeParams({ from: q.from ?? String(p.window.from), to: q.to ?? String(deps.now() + 3_600_000) }, deps.now());
    return c.json(pol().stats(p.id, range, intParam(q, 'idleDays', 1, 3650) ?? 30, intParam(q, 'version', 1, 1_000_000)));
  });

  api.post('/policies/:id/mode', requireEditor(), async (c) => {
    const b = fields(await jsonBody(c), 'body', ['mode']);
    if (b.mode !== 'monitor' && b.mode !== 'off') bad('mode', 'expected "monitor" or "off" (enforcement happens at your firewall, from an export)');
    const p = await pol().setMode(c.req.param('id'), b.mode as 'monitor' | 'off', who(c), deps.now());
    return c.json(summary(p));
  });

  api.get('/policies/:id/violations', (c) => {
    queryParams(c, []);
    return c.json(namedList(deps.names, pol().violations(c.req.param('id'))));
  });

  api.post('/policies/:id/violations/review', requireEditor(), async (c) => {
    const b = fields(await jsonBody(c), 'body', ['edges', 'action', 'note', 'widen']);
    if (!Array.isArray(b.edges) || b.edges.length === 0 || b.edges.length > 1000) bad('edges', 'expected 1-1000 edges {src, dst, proto, port}');
    const edges = (b.edges as unknown[]).map((e, i) => edgeKeyFrom(e, `edges[${i}]`));
    if (b.action !== 'allow' && b.action !== 'reject' && b.action !== 'investigate') bad('action', 'expected allow, reject or investigate');
    if (b.note !== undefined && typeof b.note !== 'string') bad('note', 'expected a string');
    if (b.widen !== undefined && b.widen !== null && b.widen !== 'segment')
      bad('widen', 'expected "segment" (allow the segment pair instead of the narrowest rule) or null');
    if (b.widen === 'segment' && b.action !== 'allow') bad('widen', 'only with action "allow"');
    const p = await pol().reviewViolations(
      c.req.param('id'),
      edges,
      b.action as 'allow' | 'reject' | 'investigate',
      (b.note as string | undefined) ?? '',
      who(c),
      deps.now(),
      (b.widen as 'segment' | null | undefined) ?? null,
    );
    return c.json({ id: p.id, version: p.versions.length });
  });

  api.get('/policies/:id/export', (c) => {
    const q = queryParams(c, ['format', 'version']);
    const format = (q.format ?? 'json') as (typeof FORMATS)[number];
    if (!FORMATS.includes(format)) bad('format', `expected one of ${FORMATS.join(', ')}`);
    const p = pol().get(c.req.param('id'));
    const v = pol().version(p, intParam(q, 'version', 1, 1_000_000));
    const now = deps.now();
    const body =
      format === 'nftables'
        ? toNftables(p, v, deps.model, now, deps.names)
        : format === 'iptables'
          ? toIptables(p, v, deps.model, now, 'v4', deps.names)
          : format === 'ip6tables'
            ? toIptables(p, v, deps.model, now, 'v6', deps.names)
            : format === 'csv'
              ? toCsv(p, v, deps.names)
              : toJson(p, v, deps.model, deps.names);
    const ext = { nftables: 'nft', iptables: 'rules', ip6tables: 'rules6', csv: 'csv', json: 'json' }[format];
    const type = format === 'json' ? 'application/json' : format === 'csv' ? 'text/csv' : 'text/plain';
    return c.body(body, 200, {
      'content-type': `${type}; charset=utf-8`,
      'content-disposition': `attachment; filename="spanmap-${p.id}-v${v.version}.${ext}"`,
    });
  });
}
