import type { NameObservation } from '@spanmap/shared';
import type { PacketInfo } from '../decode/packet-info.js';

/**
 * The seam between the packet path and passive naming. The capture/replay loop calls
 * `wants(p, frame)` for every decoded packet (a cheap check on protocol and ports, and for TCP on
 * the first payload byte: a TLS handshake starts with 0x16), and `observe(frame, p)` only for those
 * it wants; observations go to the sink the observer was created with. Malformed payloads are
 * counted by reason, never thrown.
 */
export interface NameObserver {
  wants(p: PacketInfo, frame?: Uint8Array): boolean;
  observe(frame: Uint8Array, p: PacketInfo): void;
  readonly counters: NameCounters;
}

export interface NameCounters {
  /** Packets handed to observe(), by protocol: dns, mdns, dhcp, netbios, tls. */
  parsed: Record<string, number>;
  /** Names emitted, by source. */
  names: Record<string, number>;
  /** Payloads skipped, by reason (truncated, compression-loop, bad-length, bad-name, ...). */
  errors: Record<string, number>;
}

export type NameSink = (o: NameObservation) => void;
