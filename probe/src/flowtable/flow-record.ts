// Subpath imports: the flow table also runs in a worker thread, which should start without the whole shared package.
import { INITIATOR_HOWS, type EndReason, type FlowRecord } from '@spanmap/shared/flow-record';
import { formatIPv4, formatIPv6 } from '@spanmap/shared/ip';
import type { FlowStore } from './flow-store.js';
import { rankTable, STRONG_RANK } from './initiator.js';
import type { ServiceHistory } from './service-history.js';
import { W_A, W_B, W_PORTS, W_META, W_PK_A, W_PK_B, W_BY_A, W_BY_B, W_MISC, D_FIRST, D_LAST, WORDS, DOUBLES, V6_WORDS, META_V6 } from './layout.js';
import { HINT_A, HINT_B, HINT_SYN, FIRST_B, CONT } from './layout.js';

/** orientation() result: side b initiated (else side a). */
export const INIT_B = 1;
/** orientation() result: how, as an index into INITIATOR_HOWS ("syn", "port", "first"), shifted by 1. */
export const HOW_SHIFT = 1;

/**
 * Who initiated flow f, from the strongest evidence there is:
 *  1. the handshake: the side that sent the SYN (or received the SYN+ACK) — "syn"; or the side
 *     that sent an ICMP request (or received the reply) — "port";
 *  2. a decisive port (initiator.ts, rank STRONG_RANK or more: a known service, a privileged
 *     port, an unknown port from 5001 to 32767) against a lower-ranked one: its side responded — "port";
 *  3. the endpoints' history (service-history.ts): when exactly one side's (address, protocol,
 *     port) answered other flows before, that side responded — "port";
 *  4. the weaker ports: a known service inside the ephemeral ranges (44818, 47808) over an
 *     unknown port, and an unknown port from 1024 to 5000 over one from 32768 — "port";
 *  5. the first packet's sender — "first".
 * Returns INIT_B | how << HOW_SHIFT.
 */
export function orientation(store: FlowStore, f: number, history: ServiceHistory | null): number {
  const u = store.u32;
  const o = f * WORDS;
  const s = u[o + W_MISC]! & 255;
  if (s & (HINT_A | HINT_B)) return (s & HINT_B ? INIT_B : 0) | ((s & HINT_SYN ? 0 : 1) << HOW_SHIFT);
  const proto = u[o + W_META]! & 0xff;
  const ranks = proto === 1 || proto === 58 ? null : rankTable(proto);
  if (ranks !== null) {
    const ports = u[o + W_PORTS]!;
    const ra = ranks[ports >>> 16]!;
    const rb = ranks[ports & 0xffff]!;
    if (ra !== rb && (ra >= STRONG_RANK || rb >= STRONG_RANK)) return (ra > rb ? INIT_B : 0) | (1 << HOW_SHIFT);
    if (history !== null) {
      const sa = history.isService(store, f, false);
      if (sa !== history.isService(store, f, true)) return (sa ? INIT_B : 0) | (1 << HOW_SHIFT);
    }
    if (ra !== rb) return (ra > rb ? INIT_B : 0) | (1 << HOW_SHIFT);
  }
  return (s & FIRST_B ? INIT_B : 0) | (2 << HOW_SHIFT);
}

/** Teaches `history` flow f's responder (an orientation() result), for flows with ports. */
export function learnResponder(store: FlowStore, f: number, or: number, history: ServiceHistory): void {
  const proto = store.u32[f * WORDS + W_META]! & 0xff;
  if (rankTable(proto) === null) return;
  history.learn(store, f, (or & INIT_B) === 0, or >>> HOW_SHIFT === 0 ? 2 : 1);
}

/** Side a's (false) or b's (true) address of flow f as text. */
export function addressOf(store: FlowStore, f: number, sideB: boolean): string {
  const u = store.u32;
  const o = f * WORDS;
  if (u[o + W_META]! & META_V6) {
    const w = store.v6;
    const x = u[o + W_A]! * V6_WORDS + (sideB ? 4 : 0);
    return formatIPv6(w[x]!, w[x + 1]!, w[x + 2]!, w[x + 3]!);
  }
  return formatIPv4(u[o + (sideB ? W_B : W_A)]!);
}

/** The record for flow f's current segment, oriented initiator → responder by `or` (an orientation() result). */
export function flowRecord(store: FlowStore, f: number, reason: EndReason, ifaceNames: ReadonlyArray<string | null>, or: number): FlowRecord {
  const u = store.u32;
  const d = store.f64;
  const o = f * WORDS;
  const dd = f * DOUBLES;
  const meta = u[o + W_META]!;
  const proto = meta & 0xff;
  const vlan = ((meta >>> 8) & 0x1fff) - 1;
  const ports = u[o + W_PORTS]!;
  const icmp = proto === 1 || proto === 58;
  const aPort = icmp ? 0 : ports >>> 16;
  const bPort = icmp ? ports : ports & 0xffff;
  const misc = u[o + W_MISC]!;
  const initB = (or & INIT_B) !== 0;
  const a = addressOf(store, f, false);
  const b = addressOf(store, f, true);
  const flagsA = (misc >>> 8) & 255;
  const flagsB = (misc >>> 16) & 255;
  const rec: FlowRecord = {
    src: initB ? b : a,
    dst: initB ? a : b,
    proto,
    sport: icmp ? 0 : initB ? bPort : aPort,
    dport: icmp ? bPort : initB ? aPort : bPort,
    packets: initB ? u[o + W_PK_B]! : u[o + W_PK_A]!,
    bytes: initB ? u[o + W_BY_B]! : u[o + W_BY_A]!,
    rpackets: initB ? u[o + W_PK_A]! : u[o + W_PK_B]!,
    rbytes: initB ? u[o + W_BY_A]! : u[o + W_BY_B]!,
    first: Math.floor(d[dd + D_FIRST]!),
    last: Math.floor(d[dd + D_LAST]!),
    tcpFlags: initB ? flagsB : flagsA,
    rtcpFlags: initB ? flagsA : flagsB,
    vlan: vlan >= 0 ? vlan : null,
    end: reason,
    initiator: INITIATOR_HOWS[or >>> HOW_SHIFT]!,
  };
  if (misc & CONT) rec.cont = true;
  const name = ifaceNames[misc >>> 24];
  if (name) rec.iface = name;
  return rec;
}
