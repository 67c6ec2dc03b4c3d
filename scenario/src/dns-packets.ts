/**
 * Real DNS-format payloads for the names scenario: DNS queries and responses (RFC 1035, with
 * name compression), mDNS announcements (RFC 6762) and NetBIOS name service messages
 * (RFC 1002, first-level encoded names). Pure byte builders; the generator decides what to say.
 */

export const T_A = 1;
export const T_CNAME = 5;
export const T_PTR = 12;
export const T_TXT = 16;
export const T_AAAA = 28;
export const T_SRV = 33;
const T_NB = 0x20;

/** One resource record: address text for A/AAAA, a name for CNAME/PTR, raw bytes otherwise. */
export interface Rr {
  name: string;
  type: number;
  data: string | number[];
  ttl?: number;
  /** mDNS cache-flush bit on the class. */
  flush?: boolean;
}

/** Writes a message, compressing every name against the suffixes written before it. */
class Writer {
  readonly b: number[] = [];
  private readonly at = new Map<string, number>();

  u16(v: number): void {
    this.b.push((v >>> 8) & 255, v & 255);
  }
  u32(v: number): void {
    this.u16(v >>> 16);
    this.u16(v & 0xffff);
  }
  name(name: string): void {
    const labels = name.split('.').filter(Boolean);
    for (let i = 0; i < labels.length; i++) {
      const suffix = labels.slice(i).join('.').toLowerCase();
      const seen = this.at.get(suffix);
      if (seen !== undefined) {
        this.u16(0xc000 | seen);
        return;
      }
      if (this.b.length < 0x3fff) this.at.set(suffix, this.b.length);
      const bytes = Buffer.from(labels[i]!, 'latin1');
      this.b.push(bytes.length, ...bytes);
    }
    this.b.push(0);
  }
  rr(r: Rr): void {
    this.name(r.name);
    this.u16(r.type);
    this.u16(r.flush ? 0x8001 : 1);
    this.u32(r.ttl ?? 300);
    const lenAt = this.b.length;
    this.u16(0);
    if (r.type === T_A) this.b.push(...ipv4Bytes(r.data as string));
    else if (r.type === T_AAAA) this.b.push(...ipv6Bytes(r.data as string));
    else if (r.type === T_CNAME || r.type === T_PTR) this.name(r.data as string);
    else this.b.push(...(r.data as number[]));
    const len = this.b.length - lenAt - 2;
    this.b[lenAt] = len >>> 8;
    this.b[lenAt + 1] = len & 255;
  }
}

export function ipv4Bytes(ip: string): number[] {
  return ip.split('.').map(Number);
}

export function ipv6Bytes(ip: string): number[] {
  const [head, tail] = ip.split('::') as [string, string | undefined];
  const words = (s: string | undefined) => (s ? s.split(':').map((w) => parseInt(w, 16)) : []);
  const h = words(head);
  const t = words(tail);
  const all = [...h, ...new Array(8 - h.length - t.length).fill(0), ...t];
  return all.flatMap((w) => [w >>> 8, w & 255]);
}

/** The reverse-lookup name of an address (in-addr.arpa / ip6.arpa). */
export function reverseName(ip: string): string {
  if (!ip.includes(':')) return `${ip.split('.').reverse().join('.')}.in-addr.arpa`;
  const hex = ipv6Bytes(ip)
    .map((x) => x.toString(16).padStart(2, '0'))
    .join('');
  return `${[...hex].reverse().join('.')}.ip6.arpa`;
}

interface Header {
  id: number;
  flags: number;
  qd?: number;
  an?: number;
  ns?: number;
  ar?: number;
}

function header(w: Writer, h: Header): void {
  w.u16(h.id);
  w.u16(h.flags);
  for (const n of [h.qd ?? 0, h.an ?? 0, h.ns ?? 0, h.ar ?? 0]) w.u16(n);
}

/** A recursive query (RD set). */
export function dnsQuery(id: number, qname: string, qtype: number): Uint8Array {
  const w = new Writer();
  header(w, { id, flags: 0x0100, qd: 1 });
  w.name(qname);
  w.u16(qtype);
  w.u16(1);
  return Uint8Array.from(w.b);
}

/** The recursive resolver's answer (QR, RD, RA; `rcode` 3 = NXDOMAIN with no answers). */
export function dnsResponse(id: number, qname: string, qtype: number, answers: Rr[], rcode = 0): Uint8Array {
  const w = new Writer();
  header(w, { id, flags: 0x8180 | rcode, qd: 1, an: answers.length });
  w.name(qname);
  w.u16(qtype);
  w.u16(1);
  for (const r of answers) w.rr(r);
  return Uint8Array.from(w.b);
}

/** An unsolicited mDNS response (announcement): answers, and records in the additional section. */
export function mdnsAnnouncement(answers: Rr[], additional: Rr[] = []): Uint8Array {
  const w = new Writer();
  header(w, { id: 0, flags: 0x8400, an: answers.length, ar: additional.length });
  for (const r of [...answers, ...additional]) w.rr(r);
  return Uint8Array.from(w.b);
}

/** SRV rdata (priority 0, weight 0) with an uncompressed target. */
export function srvData(port: number, target: string): number[] {
  const w = new Writer();
  w.u16(0);
  w.u16(0);
  w.u16(port);
  for (const l of target.split('.').filter(Boolean)) w.b.push(l.length, ...Buffer.from(l, 'latin1'));
  w.b.push(0);
  return w.b;
}

/** A NetBIOS name in first-level encoding: 15 characters padded with spaces, then the suffix. */
export function netbiosLabel(name: string, suffix: number): string {
  const raw = [...Buffer.from(name.toUpperCase().padEnd(15, ' ').slice(0, 15), 'latin1'), suffix];
  return String.fromCharCode(...raw.flatMap((c) => [65 + (c >>> 4), 65 + (c & 15)]));
}

export interface NbName {
  name: string;
  suffix: number;
  group?: boolean;
}

/** NB_FLAGS: group bit, owner node type (0 B-node, 1 P-node, 2 M-node, 3 H-node). */
const nbFlags = (n: NbName, ont: number) => (n.group ? 0x8000 : 0) | (ont << 13);

/**
 * A name registration request: broadcast by a B-node (`broadcast`, flags RD|B) or sent to the
 * WINS server (RD): the question, and the NB record in the additional section.
 */
export function netbiosRegistration(id: number, n: NbName, ip: string, broadcast: boolean): Uint8Array {
  const w = new Writer();
  header(w, { id, flags: (5 << 11) | 0x0100 | (broadcast ? 0x0010 : 0), qd: 1, ar: 1 });
  w.name(netbiosLabel(n.name, n.suffix));
  w.u16(T_NB);
  w.u16(1);
  w.u16(0xc00c);
  w.u16(T_NB);
  w.u16(1);
  w.u32(300_000);
  w.u16(6);
  w.u16(nbFlags(n, broadcast ? 0 : 3));
  w.b.push(...ipv4Bytes(ip));
  return Uint8Array.from(w.b);
}

/** The WINS server's positive answer to a registration (opcode 5) or a query (opcode 0). */
export function netbiosPositiveResponse(id: number, opcode: 0 | 5, n: NbName, ip: string): Uint8Array {
  const w = new Writer();
  header(w, { id, flags: 0x8000 | (opcode << 11) | 0x0400 | 0x0100 | 0x0080, an: 1 });
  w.name(netbiosLabel(n.name, n.suffix));
  w.u16(T_NB);
  w.u16(1);
  w.u32(300_000);
  w.u16(6);
  w.u16(nbFlags(n, 3));
  w.b.push(...ipv4Bytes(ip));
  return Uint8Array.from(w.b);
}

/** A name query to the WINS server (RD). */
export function netbiosQuery(id: number, n: NbName): Uint8Array {
  const w = new Writer();
  header(w, { id, flags: 0x0100, qd: 1 });
  w.name(netbiosLabel(n.name, n.suffix));
  w.u16(T_NB);
  w.u16(1);
  return Uint8Array.from(w.b);
}
