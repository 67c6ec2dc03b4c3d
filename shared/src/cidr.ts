import { parseIP, type ParsedIP, formatIPv4, canonicalIP } from './ip.js';
import { SpanmapError } from './errors.js';

export interface Cidr {
  family: 4 | 6;
  network: bigint;
  prefix: number;
  /** Canonical text, e.g. "10.0.0.0/8". */
  text: string;
}

/**
 * Parses "10.0.0.0/8", "2001:db8::/32" or a bare address (a /32 or /128).
 * Host bits set after the prefix are an error: "10.0.0.1/24" is almost always a typo.
 * `field` names the input in error messages.
 */
export function parseCidr(s: unknown, field = 'cidr'): Cidr {
  if (typeof s !== 'string') throw new SpanmapError('bad_request', `${field}: expected a CIDR string, got ${typeof s}`);
  const slash = s.indexOf('/');
  const addrText = slash < 0 ? s : s.slice(0, slash);
  const ip = parseIP(addrText);
  if (!ip) throw new SpanmapError('bad_request', `${field}: "${s}" is not a valid IPv4 or IPv6 CIDR`);
  const max = ip.family === 4 ? 32 : 128;
  let prefix = max;
  if (slash >= 0) {
    const p = s.slice(slash + 1);
    if (!/^\d{1,3}$/.test(p) || Number(p) > max) throw new SpanmapError('bad_request', `${field}: "${s}" has an invalid prefix length (0-${max})`);
    prefix = Number(p);
  }
  const hostMask = (1n << BigInt(max - prefix)) - 1n;
  if ((ip.value & hostMask) !== 0n) {
    const net = ip.value & ~hostMask;
    const netText = ip.family === 4 ? formatIPv4(Number(net)) : canonicalIP(bigToV6(net))!;
    throw new SpanmapError('bad_request', `${field}: "${s}" has host bits set (did you mean ${netText}/${prefix}?)`);
  }
  const text = `${ip.family === 4 ? formatIPv4(Number(ip.value)) : canonicalIP(addrText)!}/${prefix}`;
  return { family: ip.family, network: ip.value, prefix, text };
}

function bigToV6(v: bigint): string {
  const parts: string[] = [];
  for (let i = 7; i >= 0; i--) parts.push(Number((v >> BigInt(i * 16)) & 0xffffn).toString(16));
  return parts.join(':');
}

export function cidrContains(c: Cidr, ip: ParsedIP): boolean {
  if (c.family !== ip.family) return false;
  const max = c.family === 4 ? 32 : 128;
  const shift = BigInt(max - c.prefix);
  return ip.value >> shift === c.network >> shift;
}

/** True when one CIDR contains the other (or they are equal). */
export function cidrOverlaps(a: Cidr, b: Cidr): boolean {
  if (a.family !== b.family) return false;
  const max = a.family === 4 ? 32 : 128;
  const shift = BigInt(max - Math.min(a.prefix, b.prefix));
  return a.network >> shift === b.network >> shift;
}

/**
 * Longest-prefix-match table. Lookups walk prefix lengths present in the table from
 * longest to shortest with one Map probe each, so cost is bounded by distinct lengths.
 */
export class PrefixTable<T> {
  private readonly byLen: [Map<number, Map<bigint, T>>, Map<number, Map<bigint, T>>] = [new Map(), new Map()];
  private lens: [number[], number[]] = [[], []];

  set(c: Cidr, value: T): void {
    const fam = c.family === 4 ? 0 : 1;
    let m = this.byLen[fam].get(c.prefix);
    if (!m) {
      m = new Map();
      this.byLen[fam].set(c.prefix, m);
      this.lens[fam] = [...this.byLen[fam].keys()].sort((x, y) => y - x);
    }
    m.set(c.network, value);
  }

  get(c: Cidr): T | undefined {
    return this.byLen[c.family === 4 ? 0 : 1].get(c.prefix)?.get(c.network);
  }

  lookup(ip: ParsedIP): T | undefined {
    const fam = ip.family === 4 ? 0 : 1;
    const max = ip.family === 4 ? 32 : 128;
    for (const len of this.lens[fam]) {
      const shift = BigInt(max - len);
      const hit = this.byLen[fam].get(len)!.get((ip.value >> shift) << shift);
      if (hit !== undefined) return hit;
    }
    return undefined;
  }
}
