import type { InitiatorHow } from '../flow-record.js';

/**
 * One aggregate in a summary batch: the flow records of one edge (initiator host, responder
 * host, protocol, responder port) on one VLAN and interface whose flow began in the same hour.
 * Grouping by the hour of flow start keeps the console's hourly buckets exact.
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

/** What a probe publishes on spanmap/v1/<probeId>/flows. */
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
  capture: { packets: number; drops: number | null; ifDrops: number | null; decodeErrors: number };
  flows: { active: number; emitted: number };
  backlog: { batches: number; records: number; oldest: number | null };
  /** Unsent data dropped because the disk budget was exceeded. */
  dropped: { batches: number; records: number };
  exporters?: { lostPackets: number };
}
