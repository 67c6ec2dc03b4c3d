import type { AlertMessage } from './message.js';
import { describe } from './message.js';

/**
 * RFC 5424 syslog messages for alerts, and RFC 6587 octet-counted framing for TCP and TLS
 * (RFC 5425). Pure: the same alert gives the same bytes. Hand-written (a few lines) because the
 * syslog libraries on npm target RFC 3164 or lack structured data escaping.
 *
 *   <164>1 2024-06-24T10:00:00.000Z console-1 spanmap 4242 alert [spanmap@32473 id="7" src="10.0.0.5" …] new connection …
 */
export const SD_ID = 'spanmap@32473';

export const FACILITIES: Readonly<Record<string, number>> = {
  kern: 0,
  user: 1,
  mail: 2,
  daemon: 3,
  auth: 4,
  syslog: 5,
  lpr: 6,
  news: 7,
  uucp: 8,
  cron: 9,
  authpriv: 10,
  ftp: 11,
  ntp: 12,
  security: 13,
  console: 14,
  'solaris-cron': 15,
  local0: 16,
  local1: 17,
  local2: 18,
  local3: 19,
  local4: 20,
  local5: 21,
  local6: 22,
  local7: 23,
};

/** Severity of an alert: warning. */
export const SEVERITY_WARNING = 4;

/** Largest UDP message sent (RFC 5426 receivers handle 2048 octets); MSG is shortened to fit. */
export const UDP_MAX = 2048;

export interface SyslogHeader {
  facility: number;
  appName: string;
  hostname: string;
  procId: string;
}

/** A header field: printable US-ASCII without spaces, at most `max` characters; "-" when empty. */
export function headerField(s: string, max: number): string {
  const t = s.replace(/[^\x21-\x7e]/g, '-').slice(0, max);
  return t === '' ? '-' : t;
}

/** A PARAM-VALUE: `"`, `\` and `]` escaped with a backslash (RFC 5424 section 6.3.3). */
export function sdValue(v: string): string {
  return v.replace(/[\\"\]]/g, (c) => `\\${c}`);
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The structured data element of an alert. */
export function structuredData(m: AlertMessage): string {
  const p: Array<[string, string | number | null | undefined]> = [
    ['id', m.id],
    ['kind', m.kind],
    ['src', m.src],
    ['dst', m.dst],
    ['proto', m.proto],
    ['port', m.port],
    ['policy', m.policy],
    ['policyName', m.policyName],
    ['flows', m.flows],
    ['firstSeen', iso(m.firstSeen)],
    ['lastSeen', iso(m.lastSeen)],
    ['srcSegment', m.srcSegment],
    ['dstSegment', m.dstSegment],
    ['srcName', m.srcName],
    ['dstName', m.dstName],
    ['reason', m.reason],
    ['previous', m.previous],
    ['edges', m.kind === 'storm' ? m.edges : null],
    ['dsts', m.dsts],
    ['ports', m.ports],
    ['url', m.url],
  ];
  // Values are short (policy names: 100 characters, host names: 253); capped so the element always fits a datagram.
  const params = p.filter(([, v]) => v !== null && v !== undefined).map(([k, v]) => `${k}="${sdValue(String(v).slice(0, 256))}"`);
  return `[${SD_ID} ${params.join(' ')}]`;
}

/** One RFC 5424 message (no framing, no trailing newline). TIMESTAMP is when the alert was raised. */
export function syslogMessage(m: AlertMessage, h: SyslogHeader, maxBytes = Infinity): string {
  const pri = h.facility * 8 + SEVERITY_WARNING;
  const head = `<${pri}>1 ${iso(m.raisedAt)} ${headerField(h.hostname, 255)} ${headerField(h.appName, 48)} ${headerField(h.procId, 128)} ${m.kind} ${structuredData(m)}`;
  let msg = describe(m);
  const room = maxBytes - Buffer.byteLength(head) - 1;
  if (Buffer.byteLength(msg) > room) msg = truncateUtf8(msg, Math.max(0, room - 3)) + '...';
  return `${head} ${msg}`;
}

function truncateUtf8(s: string, bytes: number): string {
  const b = Buffer.from(s);
  if (b.length <= bytes) return s;
  let end = bytes;
  while (end > 0 && (b[end]! & 0xc0) === 0x80) end--; // not inside a character
  return b.subarray(0, end).toString('utf8');
}

/** RFC 6587 octet counting: "LENGTH SP MESSAGE". */
export function octetFrame(message: string): Buffer {
  const body = Buffer.from(message, 'utf8');
  return Buffer.concat([Buffer.from(`${body.length} `), body]);
}
