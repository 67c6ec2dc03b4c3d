/** IP address helpers shared by probe and console. No I/O. */

export function formatIPv4(a: number): string {
  return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
}

/** RFC 5952 text form of an IPv6 address given as four big-endian 32-bit words. */
export function formatIPv6(w0: number, w1: number, w2: number, w3: number): string {
  const h = [w0 >>> 16, w0 & 0xffff, w1 >>> 16, w1 & 0xffff, w2 >>> 16, w2 & 0xffff, w3 >>> 16, w3 & 0xffff];
  // IPv4-mapped addresses keep the dotted quad (RFC 5952 section 5).
  if (w0 === 0 && w1 === 0 && w2 >>> 0 === 0xffff) return `::ffff:${formatIPv4(w3 >>> 0)}`;
  let bestStart = -1;
  let bestLen = 1; // a single zero group is not compressed
  for (let i = 0; i < 8;) {
    if (h[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && h[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (from: number, to: number) =>
    h
      .slice(from, to)
      .map((x) => x.toString(16))
      .join(':');
  if (bestStart < 0) return hex(0, 8);
  return `${hex(0, bestStart)}::${hex(bestStart + bestLen, 8)}`;
}

export interface ParsedIP {
  family: 4 | 6;
  /** The address as an unsigned integer (32 or 128 bits). */
  value: bigint;
}

const V4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

export function parseIPv4(s: string): number | null {
  const m = V4.exec(s);
  if (!m) return null;
  let v = 0;
  for (let i = 1; i <= 4; i++) {
    const part = m[i]!;
    if (part.length > 1 && part[0] === '0') return null; // no octal-looking parts
    const n = Number(part);
    if (n > 255) return null;
    v = v * 256 + n;
  }
  return v;
}

export function parseIPv6(s: string): bigint | null {
  if (s.length < 2 || s.length > 45) return null;
  let tail4: number | null = null;
  let text = s;
  const lastColon = s.lastIndexOf(':');
  if (s.indexOf('.', lastColon) > 0) {
    tail4 = parseIPv4(s.slice(lastColon + 1));
    if (tail4 === null) return null;
    text = s.slice(0, lastColon + 1) + '0:0';
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const parse = (part: string): number[] | null => {
    if (part === '') return [];
    const groups = part.split(':');
    const out: number[] = [];
    for (const g of groups) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const head = parse(halves[0]!);
  const tail = halves.length === 2 ? parse(halves[1]!) : [];
  if (!head || !tail) return null;
  let groups: number[];
  if (halves.length === 2) {
    const missing = 8 - head.length - tail.length;
    if (missing < 1) return null;
    groups = [...head, ...new Array<number>(missing).fill(0), ...tail];
  } else {
    if (head.length !== 8) return null;
    groups = head;
  }
  let v = 0n;
  for (const g of groups) v = (v << 16n) | BigInt(g);
  if (tail4 !== null) v = (v & ~0xffffffffn) | BigInt(tail4);
  return v;
}

export function parseIP(s: string): ParsedIP | null {
  if (typeof s !== 'string') return null;
  if (s.includes(':')) {
    const v = parseIPv6(s);
    return v === null ? null : { family: 6, value: v };
  }
  const v = parseIPv4(s);
  return v === null ? null : { family: 4, value: BigInt(v) };
}

/** Canonical text form (so "10.0.0.01"-style variants and IPv6 spellings compare equal). */
export function canonicalIP(s: string): string | null {
  const p = parseIP(s);
  if (!p) return null;
  if (p.family === 4) return formatIPv4(Number(p.value));
  const v = p.value;
  return formatIPv6(Number((v >> 96n) & 0xffffffffn), Number((v >> 64n) & 0xffffffffn), Number((v >> 32n) & 0xffffffffn), Number(v & 0xffffffffn));
}

const LOCAL_V4: Array<[number, number]> = [
  [0x0a000000, 8], // 10/8
  [0xac100000, 12], // 172.16/12
  [0xc0a80000, 16], // 192.168/16
  [0x64400000, 10], // 100.64/10 carrier-grade NAT
  [0xa9fe0000, 16], // 169.254/16 link-local
  [0x7f000000, 8], // loopback
  [0x00000000, 8], // "this network"
  [0xe0000000, 4], // multicast: never leaves the site as an edge of its own
  [0xffffffff, 32], // limited broadcast
];

/**
 * Addresses that belong to the site rather than the internet: RFC 1918, CGNAT, link-local,
 * loopback, multicast, broadcast, IPv6 ULA/link-local/multicast/loopback/unspecified.
 * The console files these under "unassigned" when no segment claims them, everything else under "external".
 */
export function isLocalAddress(ip: ParsedIP): boolean {
  if (ip.family === 4) {
    const a = Number(ip.value);
    for (const [net, len] of LOCAL_V4) {
      const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
      if ((a & mask) >>> 0 === net) return true;
    }
    return false;
  }
  const v = ip.value;
  const top16 = Number(v >> 112n);
  if ((top16 & 0xfe00) === 0xfc00) return true; // fc00::/7 ULA
  if ((top16 & 0xffc0) === 0xfe80) return true; // fe80::/10 link-local
  if ((top16 & 0xff00) === 0xff00) return true; // multicast
  if (v === 0n || v === 1n) return true; // unspecified, loopback
  if (v >> 32n === 0xffffn) return isLocalAddress({ family: 4, value: v & 0xffffffffn }); // v4-mapped
  return false;
}
