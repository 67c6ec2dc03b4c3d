import type { FlowStore } from './flow-store.js';
import { W_A, W_B, W_PORTS, W_META, WORDS, V6_WORDS, META_V6 } from './layout.js';

/**
 * What the probe learned about endpoints (address, protocol, port) from the flows it emitted:
 * which ones answered as the responder. A flow without a handshake and without decisive port
 * evidence is oriented by this history before falling back to its first packet: an endpoint that
 * served other flows is the service, however its port looks.
 *
 * Bounded memory: a direct-mapped table of `entries` (check, score) pairs, 5 bytes each; an
 * endpoint hashing onto an occupied slot replaces it. Scores: +2 when a flow's responder was
 * decided by its handshake, +1 by its port or its first packet, saturating at 255. An endpoint
 * with a score of 2 or more counts as a service.
 */
export class ServiceHistory {
  private readonly check: Int32Array;
  private readonly score: Uint8Array;
  private readonly mask: number;

  constructor(entries = 1 << 16) {
    let size = 16;
    while (size < entries) size *= 2;
    this.check = new Int32Array(size);
    this.score = new Uint8Array(size);
    this.mask = size - 1;
  }

  get bytes(): number {
    return this.check.byteLength + this.score.byteLength;
  }

  /** True when side b's (or a's) endpoint of flow f has served before. */
  isService(store: FlowStore, f: number, sideB: boolean): boolean {
    const h = endpointHash(store, f, sideB);
    const i = h & this.mask;
    return this.check[i] === (h | 1) && this.score[i]! >= 2;
  }

  /** Remembers that flow f's responder (side b or a) answered; `weight` 2 for a handshake, else 1. */
  learn(store: FlowStore, f: number, responderB: boolean, weight: number): void {
    const h = endpointHash(store, f, responderB);
    const i = h & this.mask;
    const tag = h | 1;
    if (this.check[i] !== tag) {
      this.check[i] = tag;
      this.score[i] = weight;
    } else this.score[i] = Math.min(255, this.score[i]! + weight);
  }
}

/** A hash of one side's endpoint of flow f: address, protocol, port. */
function endpointHash(store: FlowStore, f: number, sideB: boolean): number {
  const u = store.i32;
  const o = f * WORDS;
  const meta = u[o + W_META]!;
  const ports = u[o + W_PORTS]!;
  const port = sideB ? ports & 0xffff : ports >>> 16;
  let addr: number;
  if (meta & META_V6) {
    const w = store.v6;
    const x = u[o + W_A]! * V6_WORDS + (sideB ? 4 : 0);
    addr = w[x]! ^ Math.imul(w[x + 1]!, 0x9e3779b1) ^ Math.imul(w[x + 2]!, 0x85ebca6b) ^ Math.imul(w[x + 3]!, 0xc2b2ae35);
  } else addr = u[o + (sideB ? W_B : W_A)]!;
  let h = Math.imul(addr ^ 0x27d4eb2f, 0xcc9e2d51);
  h = Math.imul(h ^ (h >>> 15) ^ ((meta & 0xff) << 16) ^ port, 0x1b873593);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}
