import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { DAY_MS } from './calendar.js';
import type { Close, Conversation, Period } from './conversation.js';
import type { Scenario } from './scenario.js';
import { edgeKey } from './scenario.js';
import type { SegmentDef } from './topology.js';
import { namesTruth, type NamesTruth } from './names-truth.js';

/**
 * Ground truth of a generated capture: exactly what was put on the wire.
 *
 * Times are milliseconds since the epoch, computed as floor(packet timestamp in µs / 1000).
 * Bytes are IP-layer bytes (IPv4 total length; IPv6 payload length + 40), as in flow records.
 */
export interface ScenarioTruth {
  format: 'spanmap-scenario-truth';
  version: 1;
  generator: {
    seed: number;
    start: number;
    end: number;
    days: number;
    scale: number;
    vlans: boolean;
    anomaliesFrom: number | null;
    /** Present (true) only with the names traffic. */
    names?: boolean;
  };
  /** For `PUT /api/v1/segments`. */
  segments: SegmentDef[];
  /** One entry per address (a dual-stack host has two). External addresses have segment "external". */
  hosts: TruthHost[];
  edges: TruthEdge[];
  /** Every conversation, in start order. */
  conversations: TruthConversation[];
  /** With the names traffic: which name each address had when (see names-truth.ts). */
  names?: NamesTruth;
  totals: {
    /** Packets in the capture (both directions). */
    packets: number;
    /** IP-layer bytes in the capture (both directions). */
    bytes: number;
    conversations: number;
    edges: number;
    /** Normal conversations left out because their edge would have been new after anomaliesFrom. */
    droppedNewEdges: number;
  };
}

export interface TruthHost {
  ip: string;
  name: string;
  segment: string;
  role: string;
}

export interface TruthConversation {
  /** Initiator (sent the SYN / the first packet). */
  src: string;
  dst: string;
  proto: number;
  /** 0 for ICMP. */
  sport: number;
  /** ICMP: type*256+code of the request (echo request: 2048). */
  dport: number;
  /** First packet, ms (floor). */
  start: number;
  /** Last packet, ms (floor). */
  end: number;
  /** src→dst */
  packets: number;
  bytes: number;
  /** dst→src */
  rpackets: number;
  rbytes: number;
  /** TCP: 'fin' (FIN both ways + last ACK) or 'rst'; UDP/ICMP: null. */
  close: Close;
  vlan: number | null;
}

/** Aggregate per (src host, dst host, proto, dst port), the console's edge. */
export interface TruthEdge {
  src: string;
  dst: string;
  srcName: string;
  dstName: string;
  proto: number;
  port: number;
  srcSegment: string;
  dstSegment: string;
  /** Conversations. */
  flows: number;
  packets: number;
  bytes: number;
  rpackets: number;
  rbytes: number;
  firstSeen: number;
  lastSeen: number;
  /** Distinct UTC days on which a conversation started. */
  daysSeen: number;
  service: string | null;
  infrastructure: boolean;
  period: Period;
  tag: string;
  anomaly: string | null;
}

export function conversationTruth(c: Conversation): TruthConversation {
  return {
    src: c.client.ip,
    dst: c.server.ip,
    proto: c.proto,
    sport: c.proto === 1 || c.proto === 58 ? 0 : c.sport,
    dport: c.dport,
    start: Math.floor(c.startUs / 1000),
    end: Math.floor(c.endUs / 1000),
    packets: c.packets,
    bytes: c.bytes,
    rpackets: c.rpackets,
    rbytes: c.rbytes,
    close: c.close,
    vlan: c.vlan,
  };
}

/** The truth of a planned scenario (the writer checks that it matches what it wrote). */
export function scenarioTruth(s: Scenario): ScenarioTruth {
  const edges = new Map<number, TruthEdge & { days: Set<number>; labelRef: object }>();
  let packets = 0,
    bytes = 0;
  const conversations: TruthConversation[] = [];
  for (const c of s.conversations) {
    const t = conversationTruth(c);
    conversations.push(t);
    packets += c.packets + c.rpackets;
    bytes += c.bytes + c.rbytes;
    const key = edgeKey(c);
    let e = edges.get(key);
    if (!e) {
      const l = c.label;
      e = {
        src: c.client.ip,
        dst: c.server.ip,
        srcName: c.client.host.name,
        dstName: c.server.host.name,
        proto: c.proto,
        port: c.dport,
        srcSegment: c.client.host.segment,
        dstSegment: c.server.host.segment,
        flows: 0,
        packets: 0,
        bytes: 0,
        rpackets: 0,
        rbytes: 0,
        firstSeen: t.start,
        lastSeen: t.end,
        daysSeen: 0,
        service: l.service,
        infrastructure: l.infrastructure,
        period: l.period,
        tag: l.tag,
        anomaly: l.anomaly,
        days: new Set(),
        labelRef: l,
      };
      edges.set(key, e);
    } else if (e.labelRef !== c.label) {
      throw new Error(`edge ${e.src} → ${e.dst} ${e.proto}/${e.port} produced by two traffic sources (${e.tag} and ${c.label.tag})`);
    }
    e.flows++;
    e.packets += t.packets;
    e.bytes += t.bytes;
    e.rpackets += t.rpackets;
    e.rbytes += t.rbytes;
    e.firstSeen = Math.min(e.firstSeen, t.start);
    e.lastSeen = Math.max(e.lastSeen, t.end);
    e.days.add(Math.floor(t.start / DAY_MS));
  }
  const edgeList: TruthEdge[] = [...edges.values()].map(({ days, labelRef: _l, ...e }) => ({ ...e, daysSeen: days.size }));
  const o = s.options;
  const hosts: TruthHost[] = [];
  for (const h of s.hosts) {
    hosts.push({ ip: h.v4.ip, name: h.name, segment: h.segment, role: h.role });
    if (h.v6) hosts.push({ ip: h.v6.ip, name: h.name, segment: h.segment, role: h.role });
  }
  return {
    format: 'spanmap-scenario-truth',
    version: 1,
    generator: {
      seed: o.seed,
      start: o.start,
      end: o.end,
      days: o.days,
      scale: o.scale,
      vlans: o.vlans,
      anomaliesFrom: o.anomaliesFrom,
      ...(o.names && { names: true }),
    },
    segments: s.segments.map((g) => ({ name: g.name, cidrs: [...g.cidrs], vlans: [...g.vlans] })),
    hosts,
    edges: edgeList,
    ...(o.names && { names: namesTruth(s) }),
    conversations,
    totals: { packets, bytes, conversations: conversations.length, edges: edgeList.length, droppedNewEdges: s.droppedNewEdges },
  };
}

/**
 * The truth as JSON. Conversations are written compactly as rows under `conversationColumns`
 * (field order of TruthConversation) to keep 28-day files small; `parseTruth` restores objects.
 * Rows are streamed through a buffer: building one giant string is several times slower.
 */
export function writeTruth(path: string, t: ScenarioTruth): void {
  const { conversations, ...rest } = t;
  const head = JSON.stringify({ ...rest, conversationColumns: CONVERSATION_COLUMNS }).slice(0, -1) + ',"conversations":[';
  const buf = Buffer.allocUnsafe(1 << 22);
  const fd = openSync(path, 'w');
  try {
    let pos = 0;
    const put = (s: string) => {
      if (pos + s.length * 3 > buf.length) {
        writeAll(fd, buf, pos);
        pos = 0;
      }
      pos += buf.write(s, pos);
    };
    put(head);
    for (let i = 0; i < conversations.length; i++) put((i > 0 ? ',\n' : '\n') + conversationRow(conversations[i]!));
    put('\n]}\n');
    writeAll(fd, buf, pos);
  } finally {
    closeSync(fd);
  }
}

function writeAll(fd: number, buf: Buffer, len: number): void {
  let off = 0;
  while (off < len) off += writeSync(fd, buf, off, len - off);
}

/** One conversation as a JSON array in CONVERSATION_COLUMNS order (addresses are plain IP text: nothing to escape). */
function conversationRow(c: TruthConversation): string {
  return `["${c.src}","${c.dst}",${c.proto},${c.sport},${c.dport},${c.start},${c.end},${c.packets},${c.bytes},${c.rpackets},${c.rbytes},${c.close === null ? 'null' : `"${c.close}"`},${c.vlan}]`;
}

/** The truth as a JSON string (same format as `writeTruth`). */
export function truthToJson(t: ScenarioTruth): string {
  const { conversations, ...rest } = t;
  const rows = conversations.map(conversationRow).join(',\n');
  return JSON.stringify({ ...rest, conversationColumns: CONVERSATION_COLUMNS }).slice(0, -1) + `,"conversations":[\n${rows}\n]}\n`;
}

export const CONVERSATION_COLUMNS = [
  'src',
  'dst',
  'proto',
  'sport',
  'dport',
  'start',
  'end',
  'packets',
  'bytes',
  'rpackets',
  'rbytes',
  'close',
  'vlan',
] as const satisfies ReadonlyArray<keyof TruthConversation>;

export function parseTruth(json: string): ScenarioTruth {
  const raw = JSON.parse(json) as Omit<ScenarioTruth, 'conversations'> & { conversationColumns: string[]; conversations: unknown[][] };
  if (raw.format !== 'spanmap-scenario-truth') throw new Error('not a spanmap scenario truth file');
  const cols = raw.conversationColumns;
  const conversations = raw.conversations.map((row) => Object.fromEntries(cols.map((k, i) => [k, row[i]])) as unknown as TruthConversation);
  const { conversationColumns: _c, ...rest } = raw;
  return { ...rest, conversations };
}

export function readTruth(path: string): ScenarioTruth {
  return parseTruth(readFileSync(path, 'utf8'));
}
