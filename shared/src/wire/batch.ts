import type { FlowRecord, InitiatorHow } from '../flow-record.js';
import type { NameObservation } from '../names.js';

/**
 * Wire version 1 only (still accepted from probes that have not been upgraded, and from outboxes
 * written by them): an aggregate of the flow records of one edge (initiator host, responder host,
 * protocol, responder port) on one VLAN and interface whose flow began in the same hour. An
 * aggregate cannot be matched against another probe's view of the same conversation, so version 2
 * carries the flow records themselves.
 */
export interface SummaryEntry {
  src: string;
  dst: string;
  proto: number;
  /** Responder port (ICMP: type*256+code). */
  port: number;
  vlan: number | null;
  iface: string | null;
  /** Flow records that began a flow (continuations excluded). */
  flows: number;
  /** All flow records, continuations included. */
  records: number;
  packets: number;
  bytes: number;
  rpackets: number;
  rbytes: number;
  /** Earliest start and latest end among the records, ms. */
  first: number;
  last: number;
  tcpFlags: number;
  rtcpFlags: number;
  /** How the initiator of these records was decided: counts of "syn", "port", "first". */
  init: Record<InitiatorHow, number>;
}

/**
 * What a probe publishes on spanmap/v1/<probeId>/flows. Version 2 carries the flow records (the
 * console merges one conversation seen by several probes or on several VLANs, which needs each
 * record's ports and times) and the host names the probe learned; version 1 carried `entries`.
 */
export interface SummaryBatch {
  v: number;
  probe: string;
  /** Random id of the probe's store (32 hex chars): a wiped store starts a new sequence. */
  epoch: string;
  /** Monotonically increasing per epoch, from 1. */
  seq: number;
  /** Bounds of the flow times in this batch, ms. */
  from: number;
  to: number;
  /** Flow records (version 2). `iface` null or absent when unknown. */
  records: FlowRecord[];
  /** Names learned from the wire since the previous batch (version 2). */
  names: NameObservation[];
  /** Version 1 aggregates (empty in version 2). */
  entries: SummaryEntry[];
}

/** The console's acknowledgement on spanmap/v1/<probeId>/ack: these sequence numbers are committed. */
export interface AckMessage {
  epoch: string;
  seqs: number[];
}

/** Retained on spanmap/v1/<probeId>/status. */
export interface ProbeStatus {
  v: number;
  probe: string;
  version: string;
  online: boolean;
  epoch: string;
  startedAt: number;
  time: number;
  uptimeSec: number;
  /** `duplicates`: frames dropped as exact duplicates of a packet seen within the dedup window (absent from older probes). */
  capture: { packets: number; drops: number | null; ifDrops: number | null; decodeErrors: number; duplicates?: number };
  /** Names learned and payloads the name decoders skipped (absent from older probes). */
  names?: { learned: number; errors: number };
  flows: { active: number; emitted: number };
  backlog: { batches: number; records: number; oldest: number | null };
  /** Unsent data dropped because the disk budget was exceeded. */
  dropped: { batches: number; records: number };
  exporters?: { lostPackets: number };
}
