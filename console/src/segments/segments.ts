import { canonicalIP, isLocalAddress, parseCidr, PrefixTable, SpanmapError, type ParsedIP } from '@spanmap/shared';

/** A segment: any mix of CIDRs (IPv4/IPv6), VLAN ids and named hosts. */
export interface SegmentDef {
  name: string;
  cidrs: string[];
  vlans: number[];
  hosts: string[];
}

export const UNASSIGNED = 'unassigned';
export const EXTERNAL = 'external';
const RESERVED = new Set([UNASSIGNED, EXTERNAL, 'any']);
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9 ._:-]{0,63}$/;
const FIELDS = new Set(['name', 'cidrs', 'vlans', 'hosts', 'description']);
export const MAX_SEGMENTS = 5000;

function bad(field: string, message: string): never {
  throw new SpanmapError('bad_request', `${field}: ${message}`, { field });
}

/**
 * Validates a segment set (the body of PUT /segments). Errors name the field. Ambiguity is refused:
 * the same CIDR, VLAN or host in two segments. Nested CIDRs are fine: the longest prefix decides.
 */
export function validateSegments(body: unknown): SegmentDef[] {
  if (!Array.isArray(body)) bad('body', 'expected an array of segments like [{"name":"web","cidrs":["10.10.0.0/24"],"vlans":[]}]');
  if (body.length > MAX_SEGMENTS) bad('body', `at most ${MAX_SEGMENTS} segments`);
  const names = new Map<string, number>();
  const cidrOwner = new Map<string, string>();
  const vlanOwner = new Map<number, string>();
  const hostOwner = new Map<string, string>();
  return body.map((raw, i) => {
    const at = `segments[${i}]`;
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) bad(at, 'expected an object with name, cidrs, vlans, hosts');
    const s = raw as Record<string, unknown>;
    for (const k of Object.keys(s)) if (!FIELDS.has(k)) bad(`${at}.${k}`, 'unknown field (expected name, cidrs, vlans, hosts)');
    if (typeof s.name !== 'string' || !NAME_RE.test(s.name)) bad(`${at}.name`, 'expected 1-64 characters: letters, digits, space, . _ : -');
    const name = s.name;
    if (RESERVED.has(name.toLowerCase())) bad(`${at}.name`, `"${name}" is reserved`);
    if (names.has(name)) bad(`${at}.name`, `"${name}" is already segments[${names.get(name)}]`);
    names.set(name, i);
    const list = (k: string): unknown[] => {
      if (s[k] === undefined) return [];
      if (!Array.isArray(s[k])) bad(`${at}.${k}`, 'expected an array');
      return s[k] as unknown[];
    };
    const cidrs = list('cidrs').map((c, j) => {
      const parsed = parseCidr(c, `${at}.cidrs[${j}]`);
      const other = cidrOwner.get(parsed.text);
      if (other !== undefined) bad(`${at}.cidrs[${j}]`, `${parsed.text} is also in segment "${other}" (ambiguous)`);
      cidrOwner.set(parsed.text, name);
      return parsed.text;
    });
    const vlans = list('vlans').map((v, j) => {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 4095)
        bad(`${at}.vlans[${j}]`, `expected a VLAN id from 0 to 4095, got ${JSON.stringify(v)}`);
      const other = vlanOwner.get(v);
      if (other !== undefined) bad(`${at}.vlans[${j}]`, `VLAN ${v} is also in segment "${other}" (ambiguous)`);
      vlanOwner.set(v, name);
      return v;
    });
    const hosts = list('hosts').map((h, j) => {
      const ip = typeof h === 'string' ? canonicalIP(h) : null;
      if (!ip) bad(`${at}.hosts[${j}]`, `expected an IP address, got ${JSON.stringify(h)}`);
      const other = hostOwner.get(ip);
      if (other !== undefined) bad(`${at}.hosts[${j}]`, `${ip} is also in segment "${other}" (ambiguous)`);
      hostOwner.set(ip, name);
      return ip;
    });
    if (cidrs.length + vlans.length + hosts.length === 0) bad(at, `segment "${name}" has no cidrs, vlans or hosts`);
    return { name, cidrs, vlans, hosts };
  });
}

/**
 * Which segment an address belongs to: a named host first, then the longest CIDR prefix, then —
 * for site-local addresses only — the VLANs the host was seen on (when they all point to one
 * segment: a public address seen on a site VLAN is the far end of a routed flow, not a member);
 * otherwise "unassigned" for site-local addresses (RFC 1918, ULA, link-local, multicast...) and
 * "external" for the rest.
 */
export class SegmentResolver {
  /** Segment names in definition order, then unassigned and external. */
  readonly names: string[];
  private readonly hostTable = new Map<string, number>();
  private readonly prefixes = new PrefixTable<number>();
  private readonly vlanTable = new Map<number, number>();
  readonly unassigned: number;
  readonly external: number;

  constructor(readonly defs: SegmentDef[]) {
    this.names = [...defs.map((d) => d.name), UNASSIGNED, EXTERNAL];
    this.unassigned = defs.length;
    this.external = defs.length + 1;
    defs.forEach((d, i) => {
      for (const h of d.hosts) this.hostTable.set(h, i);
      for (const c of d.cidrs) this.prefixes.set(parseCidr(c), i);
      for (const v of d.vlans) this.vlanTable.set(v, i);
    });
  }

  /** Index into `names`. */
  resolve(text: string, ip: ParsedIP, vlans: readonly number[] = []): number {
    const h = this.hostTable.get(text);
    if (h !== undefined) return h;
    const p = this.prefixes.lookup(ip);
    if (p !== undefined) return p;
    const local = isLocalAddress(ip);
    if (local && vlans.length > 0 && this.vlanTable.size > 0) {
      let seg = -1;
      for (const v of vlans) {
        const s = this.vlanTable.get(v);
        if (s === undefined) continue;
        if (seg >= 0 && s !== seg) {
          seg = -2; // seen on VLANs of different segments: no VLAN verdict
          break;
        }
        seg = s;
      }
      if (seg >= 0) return seg;
    }
    return local ? this.unassigned : this.external;
  }
}
