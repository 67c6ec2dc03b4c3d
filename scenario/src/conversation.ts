import type { Addr } from './topology.js';
import type { PacketStore } from './packet-store.js';
import type { NameFact } from './names-truth.js';

/** How a conversation ended on the wire: TCP FIN handshake, RST, or null (UDP/ICMP: no close). */
export type Close = 'fin' | 'rst' | null;

/** The period label of an edge (the console's vocabulary). */
export type Period = 'continuous' | 'hourly' | 'daily' | 'weekly' | 'monthly' | null;

/** What the generator meant by an edge: shared by every conversation of that edge. */
export interface EdgeLabel {
  service: string | null;
  infrastructure: boolean;
  period: Period;
  tag: string;
  anomaly: string | null;
}

/**
 * How a conversation's packets are generated. `ex` holds one quadruple per exchange:
 * [gap before the request (µs), request bytes, response bytes, server think time (µs)].
 * TCP wraps the exchanges in a handshake and a close; UDP/ICMP send them bare (response 0: none).
 */
export interface Shape {
  kind: 'tcp' | 'udp' | 'icmp';
  /** Round-trip time seen by the observer (µs). */
  rttUs: number;
  ex: number[];
  /** TCP only. */
  close: 'fin' | 'rst';
  /** Seeds the ISNs and IP ids. */
  seed: number;
}

/** A planned conversation: who, when, how; then (after planning) exactly what it puts on the wire. */
export interface Conversation {
  client: Addr;
  server: Addr;
  proto: number;
  /** Client port: 0 until the ephemeral allocator assigns one (unless fixed, e.g. DHCP 68). */
  sport: number;
  fixedSport: boolean;
  /** Server port; ICMP: type*256+code of the request. */
  dport: number;
  startUs: number;
  shape: Shape;
  label: EdgeLabel;
  vlan: number | null;
  /** Real payload bytes of the payload-carrying packets, in order (null or absent: zeros). Names traffic only. */
  content?: Array<Uint8Array | null>;
  /** The names those payloads teach (or must never teach), by payload packet. */
  nameFacts?: NameFact[];
  // Filled by summarize():
  /** Where the conversation's packets sit in the PacketStore. */
  firstPacket: number;
  packetCount: number;
  endUs: number;
  packets: number;
  bytes: number;
  rpackets: number;
  rbytes: number;
  close: Close;
}

export const MSS = 1448;
/** Spacing of back-to-back segments on the wire (µs). */
const SEG_GAP = 20;
/** The client's reaction time to a server packet, as the observer sees it (µs). */
const CLIENT_DELAY = 8;

const FIN = 0x01,
  SYN = 0x02,
  RST = 0x04,
  PSH = 0x08,
  ACK = 0x10;

function isn(seed: number, salt: number): number {
  let h = (seed ^ Math.imul(salt, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * Appends the conversation's packets to `store` in time order (strictly increasing timestamps).
 * Pure: the same conversation always produces the same packets.
 */
export function emitPackets(c: Conversation, store: PacketStore): void {
  const s = c.shape;
  const rtt = s.rttUs;
  const ex = s.ex;
  if (s.kind !== 'tcp') {
    // UDP / ICMP: the exchange number (from 1) travels as the ICMP echo sequence number.
    let t = c.startUs;
    for (let i = 0; i < ex.length; i += 4) {
      if (i > 0) t += Math.max(1, ex[i]!);
      store.push(t, 0, 0, i / 4 + 1, 0, ex[i + 1]!, false);
      if (ex[i + 2]! > 0) {
        t += rtt + ex[i + 3]!;
        store.push(t, 1, 0, i / 4 + 1, 0, ex[i + 2]!, false);
      }
    }
    return;
  }

  let seqC = isn(s.seed, 1);
  let seqS = isn(s.seed, 2);
  let t = c.startUs;
  const fromClient = (flags: number, payload: number, mss = false) => store.push(t, 0, flags, seqC, seqS, payload, mss);
  const fromServer = (flags: number, payload: number, ack = seqC, mss = false) => store.push(t, 1, flags, seqS, ack, payload, mss);

  fromClient(SYN, 0, true);
  seqC = (seqC + 1) >>> 0;
  t += rtt;
  fromServer(SYN | ACK, 0, seqC, true);
  seqS = (seqS + 1) >>> 0;
  t += CLIENT_DELAY;
  fromClient(ACK, 0);

  for (let i = 0; i < ex.length; i += 4) {
    const req = ex[i + 1]!,
      resp = ex[i + 2]!,
      think = ex[i + 3]!;
    t += Math.max(1, ex[i]!);
    // Request: client → server in bursts; the server acks each burst after a round trip, except
    // that the ack of the final burst rides on the response when one follows.
    let left = req;
    let burst = 10;
    while (left > 0) {
      let segs = 0;
      const burstStart = t;
      const burstSeq = seqC;
      while (left > 0 && segs < burst) {
        const n = Math.min(MSS, left);
        left -= n;
        fromClient(left === 0 ? PSH | ACK : ACK, n);
        seqC = (seqC + n) >>> 0;
        segs++;
        t += SEG_GAP;
      }
      t -= SEG_GAP;
      if (left > 0 || resp === 0) {
        t = Math.max(t, burstStart) + rtt;
        const burstBytes = (seqC - burstSeq) >>> 0;
        for (let a = 0; a < Math.ceil(segs / 2); a++) {
          fromServer(ACK, 0, (burstSeq + Math.min(2 * (a + 1) * MSS, burstBytes)) >>> 0);
          t += SEG_GAP;
        }
        t -= SEG_GAP;
        t += CLIENT_DELAY;
      }
      burst = Math.min(burst * 2, 64);
    }
    // Response: server → client; the client acks every second segment and the last one.
    if (resp > 0) {
      t += (req > 0 ? rtt : 0) + Math.max(1, think);
      let rleft = resp;
      let rburst = 10;
      while (rleft > 0) {
        let segs = 0;
        while (rleft > 0 && segs < rburst) {
          const n = Math.min(MSS, rleft);
          rleft -= n;
          fromServer(rleft === 0 ? PSH | ACK : ACK, n);
          seqS = (seqS + n) >>> 0;
          segs++;
          if (segs % 2 === 0 || rleft === 0 || segs === rburst) {
            t += CLIENT_DELAY;
            fromClient(ACK, 0);
          }
          t += SEG_GAP;
        }
        if (rleft > 0) t += rtt;
        rburst = Math.min(rburst * 2, 64);
      }
    }
  }

  t += 50 + (s.seed % 400);
  if (s.close === 'rst') {
    fromClient(RST | ACK, 0);
    return;
  }
  fromClient(FIN | ACK, 0);
  seqC = (seqC + 1) >>> 0;
  t += rtt;
  fromServer(FIN | ACK, 0);
  seqS = (seqS + 1) >>> 0;
  t += CLIENT_DELAY;
  fromClient(ACK, 0);
}

/** IP-layer bytes of a packet of this conversation. */
export function packetIpBytes(c: Conversation, payload: number, mss: boolean): number {
  const ip = c.client.family === 4 ? 20 : 40;
  const l4 = c.proto === 6 ? (mss ? 24 : 20) : 8;
  return ip + l4 + payload;
}

/**
 * Generates the conversation's packets into the store and records start/end, packets and bytes
 * per direction and the close.
 */
export function summarize(c: Conversation, store: PacketStore): void {
  const first = store.size;
  emitPackets(c, store);
  const last = store.size;
  const ipHeader = c.client.family === 4 ? 20 : 40;
  const l4 = c.proto === 6 ? 20 : 8;
  let packets = 0,
    bytes = 0,
    rpackets = 0,
    rbytes = 0;
  for (let i = first; i < last; i++) {
    if (i > first && store.t[i]! <= store.t[i - 1]!) throw new Error(`conversation packets out of order at ${store.t[i]}`);
    const m = store.meta[i]!;
    const b = ipHeader + l4 + (m & 2 ? 4 : 0) + store.payload[i]!;
    if ((m & 1) === 0) {
      packets++;
      bytes += b;
    } else {
      rpackets++;
      rbytes += b;
    }
  }
  c.firstPacket = first;
  c.packetCount = last - first;
  c.endUs = store.t[last - 1]!;
  c.packets = packets;
  c.bytes = bytes;
  c.rpackets = rpackets;
  c.rbytes = rbytes;
  c.close = c.shape.kind === 'tcp' ? c.shape.close : null;
}
