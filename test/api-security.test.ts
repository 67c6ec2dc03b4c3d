import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pcap } from './helpers/paths.js';
import { freePort, tempDir, spanmapProc, waitFor, killAll, type Proc } from './helpers/procs.js';
import { Rng } from '@spanmap/scenario';

/*
 * The console API's refusals, proven against a running console (a real process configured from a
 * YAML file): tokens with roles, the audit trail, the body size limit, strict JSON, the UI's
 * security headers, and a seeded fuzz of every endpoint that takes a body or parameters.
 */

const VIEWER = 'viewer-token-0123456789abcdef';
const EDITOR = 'editor-token-0123456789abcdef';
const CAPTURE = pcap('mixed', 'arkime__arkime_synthetic.pcap');
let base: string;
let proc: Proc;

interface Reply {
  status: number;
  type: string;
  body: any;
}

async function call(method: string, path: string, opts: { token?: string | null; body?: string; type?: string } = {}): Promise<Reply> {
  const headers: Record<string, string> = {};
  const token = opts.token === undefined ? EDITOR : opts.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  if (opts.body !== undefined) headers['content-type'] = opts.type ?? 'application/json';
  const r = await fetch(`${base}/api/v1${path}`, { method, headers, ...(opts.body !== undefined ? { body: opts.body } : {}) });
  const text = await r.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // left as text: the assertions below say it should have been JSON
  }
  return { status: r.status, type: r.headers.get('content-type') ?? '', body };
}
const json = (method: string, path: string, body: unknown, token?: string | null) =>
  call(method, path, { body: JSON.stringify(body), ...(token !== undefined ? { token } : {}) });

let policyId: string;
let edge: { src: string; dst: string; proto: number; port: number };

beforeAll(async () => {
  const dir = tempDir('api-security');
  const [http, broker] = [await freePort(), await freePort()];
  const config = join(dir, 'console.yaml');
  writeFileSync(
    config,
    `console:
  data: ${join(dir, 'data')}
  http: 127.0.0.1:${http}
broker:
  listen: 127.0.0.1:${broker}
api:
  bodyLimit: 8KiB
  tokens:
    - { name: vera-viewer, role: viewer, token: ${VIEWER} }
    - { name: eddie-editor, role: editor, token: ${EDITOR} }
`,
  );
  base = `http://127.0.0.1:${http}`;
  proc = spanmapProc(['console', '--config', config]);
  await waitFor('the console to serve /health', async () => (await fetch(`${base}/api/v1/health`)).ok, 20_000, 200);
  const p = spanmapProc([
    'probe',
    'read',
    CAPTURE,
    '--publish',
    `mqtt://127.0.0.1:${broker}`,
    '--probe-id',
    'fuzz-probe',
    '--data',
    tempDir('probe'),
    '--interval',
    '0.5',
  ]);
  expect(await p.exited).toBe(0);
  const edges = await call('GET', '/edges?limit=1', { token: VIEWER });
  expect(edges.status).toBe(200);
  edge = (({ src, dst, proto, port }) => ({ src, dst, proto, port }))(edges.body[0]);
  const created = await json('POST', '/policies', { name: 'fuzz target' });
  expect(created.status).toBe(201);
  policyId = created.body.id;
});
afterAll(() => killAll());

describe('API tokens and roles (a running console configured from YAML)', () => {
  it('refuses requests without a token or with an unknown one', async () => {
    for (const token of [null, 'not-a-token-of-ours-0000', `${EDITOR}x`]) {
      const r = await call('GET', '/edges', { token });
      expect(r.status).toBe(401);
      expect(r.body.error.message).toEqual(expect.any(String));
    }
  });

  it('lets a viewer read but not change, and an editor change with the change audited under its name', async () => {
    expect((await call('GET', '/matrix', { token: VIEWER })).status).toBe(200);
    for (const [method, path, body] of [
      ['PUT', '/segments', [{ name: 'web', cidrs: ['10.0.0.0/8'] }]],
      ['POST', '/edges/review', { edges: [edge], status: 'expected' }],
      ['POST', '/policies', { name: 'nope' }],
      ['POST', `/policies/${policyId}/mode`, { mode: 'monitor' }],
    ] as const) {
      const r = await json(method, path, body, VIEWER);
      expect(r.status, `${method} ${path}`).toBe(403);
      expect(r.body.error.message).toMatch(/viewer/);
    }
    const note = `reviewed by the api-security test ${Date.now()}`;
    const ok = await json('POST', '/edges/review', { edges: [edge], status: 'expected', note });
    expect(ok.status).toBe(200);
    const audit = await call('GET', '/audit', { token: VIEWER });
    const entry = (audit.body as Array<Record<string, unknown>>).find((a) => JSON.stringify(a).includes(note));
    expect(entry).toMatchObject({ by: 'eddie-editor', action: expect.any(String), at: expect.any(Number) }); // who, what, when; the note (why) found it
    expect(JSON.stringify(audit.body)).not.toContain('vera-viewer'); // the refused changes left nothing
  });

  it('refuses bodies over api.bodyLimit, non-JSON content types, malformed JSON and unknown fields', async () => {
    const big = await call('PUT', '/segments', { body: JSON.stringify([{ name: 'x'.repeat(9000), cidrs: [] }]) });
    expect(big.status).toBe(413);
    expect(big.body.error.message).toMatch(/api\.bodyLimit/);
    expect((await call('PUT', '/segments', { body: '[]', type: 'text/plain' })).status).toBe(400);
    const broken = await call('POST', '/policies', { body: '{"name": "x",' });
    expect([broken.status, broken.body.error.message]).toEqual([400, 'body: not valid JSON']);
    const extra = await json('POST', '/policies', { name: 'x', admin: true });
    expect(extra.status).toBe(400);
    expect(extra.body.error.message).toMatch(/^admin: unknown field/);
  });

  it('serves the UI with security headers, and API answers that are not cached or sniffed', async () => {
    const ui = await fetch(`${base}/`);
    expect(ui.status).toBe(200);
    expect(ui.headers.get('content-security-policy')).toMatch(/default-src 'self'.*frame-ancestors 'none'/);
    expect(ui.headers.get('x-frame-options')).toBe('DENY');
    expect(ui.headers.get('x-content-type-options')).toBe('nosniff');
    expect(ui.headers.get('referrer-policy')).toBe('no-referrer');
    const api = await fetch(`${base}/api/v1/edges`, { headers: { authorization: `Bearer ${VIEWER}` } });
    expect(api.headers.get('x-content-type-options')).toBe('nosniff');
    expect(api.headers.get('cache-control')).toMatch(/no-store/);
  });
});

// ---- fuzz ----

const NASTY_STRINGS = [
  '',
  ' ',
  '\u0000',
  '../../etc/passwd',
  '%00',
  '10.0.0.0/33',
  '::ffff:10.0.0.1',
  '999.1.1.1',
  '0x7f000001',
  '-1',
  '1e309',
  'NaN',
  '__proto__',
  'constructor',
  '<script>alert(1)</script>',
  "' OR 1=1 --",
  '\ud800',
  '🙂'.repeat(50),
  'a'.repeat(5000),
];
const NASTY_NUMBERS = [0, -1, 1.5, 65536, 2 ** 31, 2 ** 53 + 1, -0, 1e308, Number.MAX_SAFE_INTEGER];

function anyValue(r: () => number, depth = 0): unknown {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  switch (Math.floor(r() * (depth > 3 ? 5 : 7))) {
    case 0:
      return null;
    case 1:
      return r() < 0.5;
    case 2:
      return pick(NASTY_NUMBERS);
    case 3:
      return pick(NASTY_STRINGS);
    case 4:
      return Math.floor(r() * 1000);
    case 5:
      return Array.from({ length: Math.floor(r() * 4) }, () => anyValue(r, depth + 1));
    default:
      return Object.fromEntries(
        Array.from({ length: Math.floor(r() * 4) }, () => [
          pick(['src', 'dst', 'proto', 'port', 'name', 'cidrs', 'vlans', 'edges', 'status', 'mode', 'rule', 'ports', 'reason', 'version', '__proto__', 'x']),
          anyValue(r, depth + 1),
        ]),
      );
  }
}

/** A valid body with one field replaced, removed or added, or a whole random value, or raw garbage. */
function mutate(valid: unknown, r: () => number): string {
  const roll = r();
  if (roll < 0.15) return JSON.stringify(anyValue(r));
  if (roll < 0.25) return Buffer.from(Array.from({ length: Math.floor(r() * 64) }, () => Math.floor(r() * 256))).toString('latin1');
  if (roll < 0.3) return JSON.stringify(valid).slice(0, Math.floor(r() * JSON.stringify(valid).length)); // truncated
  if (roll < 0.35) return '['.repeat(5000) + ']'.repeat(5000); // deep nesting
  const copy = structuredClone(valid) as Record<string, unknown> | unknown[];
  // Walk to a random container inside and change one of its slots.
  let node: any = copy;
  while (r() < 0.5) {
    const kids = Object.values(node).filter((v) => v && typeof v === 'object');
    if (kids.length === 0) break;
    node = kids[Math.floor(r() * kids.length)];
  }
  const keys = Object.keys(node);
  const k = keys.length > 0 && r() < 0.8 ? keys[Math.floor(r() * keys.length)]! : r() < 0.5 ? 'unexpected' : '0';
  if (r() < 0.2) delete node[k];
  else node[k] = anyValue(r);
  return JSON.stringify(copy);
}

describe('fuzz: garbage on every API entry point is refused with a 4xx JSON error, never a 5xx', () => {
  const SEED = Number(process.env.SPANMAP_FUZZ_SEED ?? 20261124);
  const PER_ENDPOINT = 120;

  it(`bodies and query strings (seed ${SEED})`, async () => {
    const g = new Rng(SEED);
    const r = () => g.next();
    // [method, path, a valid body, what that valid body gets]
    const endpoints: Array<[string, () => string, unknown, number?]> = [
      [
        'PUT',
        () => '/segments',
        [
          { name: 'web', cidrs: ['10.10.0.0/24'], vlans: [10] },
          { name: 'db', cidrs: ['10.20.0.0/24'] },
        ],
      ],
      ['POST', () => '/edges/review', { edges: [edge], status: 'expected', note: 'n' }],
      ['POST', () => '/policies', { name: 'p', include: 'expected', granularity: 'segment', infrastructureLayer: true }],
      [
        'POST',
        () => `/policies/${policyId}/rules`,
        { rule: { src: { segment: 'web' }, dst: { cidr: '10.20.0.0/24' }, proto: 6, ports: [443, [8000, 8080]], comment: '' }, reason: 'r' },
      ],
      ['POST', () => `/policies/${policyId}/rollback`, { version: 1, reason: 'r' }],
      ['POST', () => `/policies/${policyId}/mode`, { mode: 'monitor' }],
      ['POST', () => `/policies/${policyId}/violations/review`, { edges: [edge], action: 'investigate', note: '' }, 404], // valid, but this edge is no violation
      [
        'PUT',
        () => '/names',
        [
          { ip: '10.10.0.5', name: 'dc01.corp.example' },
          { ip: 'fd00::5', name: null },
        ],
      ],
    ];
    const statuses = new Map<number, number>();
    const failures: string[] = [];
    const check = (what: string, res: Reply) => {
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      if (res.status >= 500) failures.push(`${what} -> ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
      else if (res.status >= 400 && typeof res.body?.error?.message !== 'string')
        failures.push(`${what} -> ${res.status} without a JSON error: ${String(res.body).slice(0, 200)}`);
      else if (!res.type.includes('application/json')) failures.push(`${what} -> ${res.status} ${res.type}`);
    };
    for (const [method, path, valid, answer] of endpoints) {
      const status = (await json(method, path(), valid)).status;
      if (answer) expect(status, `${method} ${path()} with its valid body`).toBe(answer);
      else expect(status, `${method} ${path()} with its valid body`).toBeLessThan(300);
      for (let i = 0; i < PER_ENDPOINT; i++) {
        const body = mutate(valid, r);
        check(`${method} ${path()} ${body.slice(0, 120)}`, await call(method, path(), { body }));
      }
    }
    // Query strings and path parameters of the read endpoints.
    const gets = [
      '/edges',
      '/matrix',
      '/timeline',
      '/longtail',
      '/coverage',
      '/audit',
      `/policies/${policyId}`,
      `/policies/${policyId}/simulate`,
      `/policies/${policyId}/diff`,
      `/policies/${policyId}/export`,
      '/alerts',
      '/hosts',
    ];
    const params = [
      'from',
      'to',
      'limit',
      'cursor',
      'offset',
      'sort',
      'order',
      'segment',
      'src',
      'dst',
      'proto',
      'port',
      'version',
      'format',
      'status',
      'bucket',
      'x',
      'host',
      'ip',
      'q',
      'at',
      'named',
    ];
    for (let i = 0; i < PER_ENDPOINT * 2; i++) {
      const path = gets[Math.floor(r() * gets.length)]!.replace(policyId, r() < 0.1 ? encodeURIComponent(String(anyValue(r))) || 'x' : policyId);
      const q = new URLSearchParams();
      for (let j = Math.floor(r() * 3); j >= 0; j--) q.append(params[Math.floor(r() * params.length)]!, String(anyValue(r)));
      check(`GET ${path}?${q}`, await call('GET', `${path}?${q}`, { token: VIEWER }));
    }
    expect(failures, `seed ${SEED}`).toEqual([]);
    // Mostly refusals, as garbage should be; some mutations happen to be valid.
    const refused = [...statuses].filter(([s]) => s >= 400).reduce((n, [, c]) => n + c, 0);
    expect(refused).toBeGreaterThan(endpoints.length * PER_ENDPOINT * 0.6);
    expect(proc.alive).toBe(true);
    expect((await call('GET', '/health', { token: null })).status).toBe(200);

    // Every refusal is counted in /metrics, by route and status.
    const metrics = await (await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${VIEWER}` } })).text();
    const counted = [...metrics.matchAll(/^spanmap_http_request_duration_seconds_count\{[^}]*status="(4\d\d)"[^}]*\} (\d+)$/gm)].reduce(
      (n, m) => n + Number(m[2]),
      0,
    );
    expect(counted).toBeGreaterThanOrEqual(refused);
  }, 180_000);
});
