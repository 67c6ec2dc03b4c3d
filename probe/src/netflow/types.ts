import type { EndReason } from '@spanmap/shared';
import type { FieldValues } from './ie.js';

/**
 * Why (part of) a datagram was not turned into flows. Every one is counted, none is fatal.
 * Datagram-level reasons count datagrams, set-level reasons count sets (FlowSets), record-level
 * reasons count records.
 */
export const REJECT_REASONS = [
  /** datagram: shorter than its version's header */
  'tooShort',
  /** datagram: not NetFlow v5, v9 or IPFIX */
  'unknownVersion',
  /** datagram: the version field is little-endian (Juniper vMX exports v9 with every header field byte-swapped) */
  'byteSwapped',
  /** datagram: the header's length or record count disagrees with the datagram */
  'badLength',
  /** set: a set/FlowSet length under 4 or running past the message (the rest of the datagram is dropped) */
  'badSetLength',
  /** set: a set id that is neither template, options template nor data */
  'reservedSetId',
  /** template record: impossible field counts or lengths; it is ignored, earlier definitions stay */
  'malformedTemplate',
  /** template record: a new template in a scope that already holds MAX_TEMPLATES (a flood must not exhaust memory) */
  'tooManyTemplates',
  /** set: data for a template we do not (yet) know, e.g. after a collector restart without --data */
  'noTemplate',
  /** record: a variable-length field running past its set (the rest of the set is dropped) */
  'badRecord',
  /** datagram: node-netflowv9 threw on input our checks let through */
  'decoderException',
  /** record: a data record carrying no IP addresses (layer-2 only, or fields we do not know) */
  'noAddress',
  /** datagram: more exporter scopes (address + domain) than the collector keeps state for */
  'tooManyScopes',
  /** datagram: a bug of ours threw while handling it (counted so it is seen; the listener keeps running) */
  'internalError',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

export type RejectCounts = Record<RejectReason, number>;

/** Templates kept per exporter scope at most (routers use a few dozen). */
export const MAX_TEMPLATES = 4096;

export function emptyRejectCounts(): RejectCounts {
  return Object.fromEntries(REJECT_REASONS.map((r) => [r, 0])) as RejectCounts;
}

/** One field of a template: IE number (v9: field type), enterprise number (0 = IANA) and length (65535 = variable). */
export interface TemplateField {
  id: number;
  pen: number;
  length: number;
}

/**
 * A template as the exporter defined it. `scopeCount` is 0 for data templates; for options
 * templates the first `scopeCount` fields are the scope (in NetFlow v9 their ids are v9 scope
 * types: 1 system, 2 interface, 3 line card, 4 cache, 5 template).
 */
export interface TemplateDef {
  id: number;
  scopeCount: number;
  fields: TemplateField[];
}

/** What a decoder reports about templates in one message, for persistence. */
export interface TemplateChanges {
  added: TemplateDef[];
  withdrawn: number[];
  /** Template records identical to the definition already held (periodic refresh). */
  refreshed: number;
}

/** One direction of a conversation as an exporter reported it, already in our units (see normalize.ts). */
export interface UniFlow {
  /** Exporter address (the datagram's source). */
  exporter: string;
  src: string;
  dst: string;
  proto: number;
  /** 0 for portless protocols; ICMP: 0. */
  sport: number;
  /** ICMP: the request's type*256+code (replies map to their request) so both directions meet. */
  dport: number;
  /** ICMP type*256+code as exported (decides request/reply roles); -1 when not ICMP. */
  icmpTypeCode: number;
  /** Scaled by `sampling`. */
  packets: number;
  bytes: number;
  /** Biflow records only (RFC 5103 reverse IEs or initiator/responder counters); 0 otherwise. */
  rpackets: number;
  rbytes: number;
  /** True when the record carried both directions. */
  biflow: boolean;
  first: number;
  last: number;
  /** Reverse direction times of a biflow when the exporter gave them separately, else NaN. */
  rfirst: number;
  tcpFlags: number;
  rtcpFlags: number;
  vlan: number | null;
  end: EndReason;
  /** The exporter's own word on the initiator: 1 src initiated, 2 dst initiated, 0 it did not say. */
  declared: 0 | 1 | 2;
  ingress: number | null;
  /** 1 when unsampled. */
  sampling: number;
  /** Our clock (ms) when the datagram arrived: the pairing window runs on it. */
  arrival: number;
}

/** Time and sampling context of one export message, for normalize.ts. */
export interface ExportContext {
  exporter: string;
  /** Export time of the message header, ms since the epoch (v5: with nanoseconds). */
  exportMs: number;
  /** NetFlow v5/v9 header sysUptime (ms): first/last switched are relative to it. NaN for IPFIX. */
  uptimeMs: number;
  /** IPFIX: the exporter's systemInitTimeMilliseconds from options data, NaN when not announced. */
  systemInitMs: number;
  /** Sampling rate for a record (1 when unsampled). */
  samplingFor: (v: FieldValues) => number;
  arrival: number;
}
