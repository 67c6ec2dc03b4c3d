import { IdHeap } from './heap.js';
import { TCP_ACK, TCP_FIN, TCP_PSH, TCP_SYN, buildFrame, frameLength, newPacketSpec, type PacketSpec } from './packets.js';
import { PcapWriter } from './pcap-writer.js';
import { Rng } from './prng.js';

export interface BenchCaptureOptions {
  /** Exact number of packets (default 2,000,000; concurrent mode: 2 × flows). */
  packets?: number;
  /** Exact number of distinct flows (default 100,000; concurrent mode: 1,000,000). */
  flows?: number;
  seed?: number;
  /**
   * Every flow is one SYN + SYN-ACK (or a UDP request + response) and all flows are open at
   * once: every flow's first packet comes before any flow's second packet. For measuring memory
   * per active flow. `packets` may range from flows (first packets only) to 2 × flows.
   */
  concurrent?: boolean;
  /** Capture start, ms since the epoch (default 2024-06-03 00:00 UTC). */
  start?: number;
}

export interface BenchCaptureStats {
  packets: number;
  flows: number;
  tcpFlows: number;
  udpFlows: number;
  ipv6Flows: number;
  fileBytes: number;
  firstUs: number;
  lastUs: number;
}

/** Bad bench options. */
export class BenchOptionError extends Error {
  override name = 'BenchOptionError';
}

const TCP_PORTS = [443, 80, 8080, 5432, 3306, 22, 445, 389];
const UDP_PORTS = [53, 123, 161, 514, 88];
const TCP_MIN = 6; // SYN, SYN-ACK, ACK, FIN, FIN-ACK, ACK
const CLIENTS = 200_000; // spread over 10.1-10.4.0.0/16
const SERVERS = 10_000; // 172.16.0.0/16

/** Flow i's addressing: distinct 5-tuples by construction (client index, client port). */
function setAddresses(s: PacketSpec, i: number, v6: boolean, proto: number): void {
  const h = i % CLIENTS;
  const srv = (i * 7919) % SERVERS;
  const c4 = ((10 << 24) | ((1 + (h & 3)) << 16) | ((h >> 2) + 1)) >>> 0;
  const s4 = ((172 << 24) | (16 << 16) | (srv + 10)) >>> 0;
  s.family = v6 ? 6 : 4;
  s.proto = proto;
  s.sport = 1024 + Math.floor(i / CLIENTS);
  s.dport = proto === 6 ? TCP_PORTS[i % TCP_PORTS.length]! : UDP_PORTS[i % UDP_PORTS.length]!;
  s.srcMac = c4;
  s.dstMac = s4;
  if (v6) {
    // fd00:b::<client> and fd00:c::<server>
    s.src6.fill(0);
    s.dst6.fill(0);
    s.src6[0] = 0xfd;
    s.src6[2] = 0x00;
    s.src6[3] = 0x0b;
    s.dst6[0] = 0xfd;
    s.dst6[3] = 0x0c;
    for (let b = 0; b < 4; b++) {
      s.src6[15 - b] = (c4 >>> (8 * b)) & 255;
      s.dst6[15 - b] = (s4 >>> (8 * b)) & 255;
    }
  } else {
    s.src4 = c4;
    s.dst4 = s4;
  }
}

function swapDirection(s: PacketSpec): void {
  let t = s.src4;
  s.src4 = s.dst4;
  s.dst4 = t;
  t = s.sport;
  s.sport = s.dport;
  s.dport = t;
  t = s.srcMac;
  s.srcMac = s.dstMac;
  s.dstMac = t;
  const a = s.src6;
  s.src6 = s.dst6;
  s.dst6 = a;
}

/**
 * A synthetic, protocol-correct capture of exactly `packets` packets over exactly `flows` flows:
 * mostly IPv4 TCP (handshake, data both ways, FIN teardown), some UDP, 2 % IPv6; flows overlap
 * heavily in time (tens of thousands open at once); timestamps never decrease. Per-flow state
 * lives in typed arrays and frames are built in the writer's buffer: no allocation per packet.
 */
export function writeBenchCapture(path: string, options: BenchCaptureOptions = {}): BenchCaptureStats {
  const concurrent = options.concurrent ?? false;
  const flows = options.flows ?? (concurrent ? 1_000_000 : 100_000);
  const packets = options.packets ?? (concurrent ? 2 * flows : 2_000_000);
  const startUs = (options.start ?? Date.UTC(2024, 5, 3)) * 1000;
  if (!Number.isInteger(flows) || flows < 1 || flows > 16_000_000) throw new BenchOptionError(`flows must be an integer in 1..16000000, got ${flows}`);
  if (!Number.isInteger(packets) || packets < flows)
    throw new BenchOptionError(`packets must be an integer of at least the number of flows (${flows}), got ${packets}`);
  if (concurrent && packets > 2 * flows) throw new BenchOptionError(`with --concurrent, packets must lie in ${flows}..${2 * flows}`);
  if (flows > CLIENTS * (65535 - 1024)) throw new BenchOptionError('too many flows');
  const rng = new Rng(options.seed ?? 1);
  const writer = new PcapWriter(path);
  const s = newPacketSpec();
  const stats: BenchCaptureStats = { packets: 0, flows, tcpFlows: 0, udpFlows: 0, ipv6Flows: 0, fileBytes: 0, firstUs: startUs, lastUs: startUs };

  // Flow kinds: 0 TCP, 1 UDP; IPv6 every 50th flow.
  const tcpCount = concurrent ? Math.round(flows * 0.9) : Math.min(Math.round(flows * 0.9), Math.floor((packets - flows) / (TCP_MIN - 1)));
  const kind = new Uint8Array(flows);
  let tcpSeen = 0;
  for (let i = 0; i < flows; i++) {
    const tcp = tcpSeen < tcpCount && (i % 10 !== 9 || flows - i <= tcpCount - tcpSeen);
    kind[i] = tcp ? 0 : 1;
    if (tcp) tcpSeen++;
    if (i % 50 === 7) stats.ipv6Flows++;
  }
  stats.tcpFlows = tcpSeen;
  stats.udpFlows = flows - tcpSeen;
  const v6 = (i: number) => i % 50 === 7;

  const emit = (t: number): void => {
    const off = writer.reserveAt(frameLength(s));
    writer.commit(t, buildFrame(writer.buffer, off, s));
  };

  if (concurrent) {
    const twoPackets = packets - flows;
    for (let pass = 0; pass < 2; pass++) {
      for (let i = 0; i < (pass === 0 ? flows : twoPackets); i++) {
        const tcp = kind[i] === 0;
        setAddresses(s, i, v6(i), tcp ? 6 : 17);
        s.ttl = 64;
        s.ipId = i & 0xffff;
        s.window = 64240;
        s.seq = Math.imul(i, 2654435761) >>> 0;
        s.ack = 0;
        s.flags = TCP_SYN;
        s.mss = 1460;
        s.payload = tcp ? 0 : 40;
        if (pass === 1) {
          swapDirection(s);
          s.ack = (s.seq + 1) >>> 0;
          s.seq = Math.imul(i, 40503) >>> 0;
          s.flags = TCP_SYN | TCP_ACK;
          s.payload = tcp ? 0 : 120;
        }
        emit(startUs + pass * flows + i);
      }
    }
    writer.close();
    stats.packets = writer.packets;
    stats.fileBytes = writer.bytes;
    stats.lastUs = startUs + (twoPackets > 0 ? flows + twoPackets - 1 : flows - 1);
    return stats;
  }

  // Packets per flow: the minimum (TCP 6, UDP 1), then the rest spread by random weights.
  const count = new Int32Array(flows);
  const weight = new Float64Array(flows);
  let assigned = 0;
  let wsum = 0;
  for (let i = 0; i < flows; i++) {
    count[i] = kind[i] === 0 ? TCP_MIN : 1;
    assigned += count[i]!;
    weight[i] = rng.exponential(1) ** 1.5;
    wsum += weight[i]!;
  }
  const rest = packets - assigned;
  for (let i = 0; i < flows; i++) {
    const extra = Math.floor((rest * weight[i]!) / wsum);
    count[i]! += extra;
    assigned += extra;
  }
  for (let left = packets - assigned; left > 0; left--) count[rng.int(0, flows - 1)]! += 1;

  // Timing: flows start evenly over `spread`; each flow's packets are evenly spaced 1-400 ms apart.
  const spreadUs = Math.max(1, flows) * 200; // 100k flows → 20 s
  const first = new Float64Array(flows);
  const gap = new Float64Array(flows);
  const sent = new Int32Array(flows);
  const seqC = new Uint32Array(flows);
  const seqS = new Uint32Array(flows);
  const lastPayload = new Uint16Array(flows);
  for (let i = 0; i < flows; i++) {
    first[i] = startUs + Math.floor((i * spreadUs) / flows);
    gap[i] = rng.int(1_000, 400_000);
    seqC[i] = rng.seed();
    seqS[i] = rng.seed();
  }

  const heap = new IdHeap(1 << 16);
  let next = 0;
  for (;;) {
    while (next < flows && first[next]! <= heap.peekKey()) {
      heap.push(next, first[next]!);
      next++;
    }
    if (heap.size === 0) break;
    const i = heap.peekId();
    const t = heap.peekKey();
    const k = sent[i]!;
    const n = count[i]!;
    const tcp = kind[i] === 0;
    setAddresses(s, i, v6(i), tcp ? 6 : 17);
    s.ttl = 64;
    s.ipId = (i + k) & 0xffff;
    s.window = 64240;
    s.mss = 0;
    let fromServer: boolean;
    if (tcp) {
      // 0 SYN, 1 SYN-ACK, 2 ACK, then data alternating, then FIN, FIN-ACK, ACK.
      const middle = n - TCP_MIN;
      if (k === 0) {
        fromServer = false;
        s.flags = TCP_SYN;
        s.mss = 1460;
        s.payload = 0;
      } else if (k === 1) {
        fromServer = true;
        s.flags = TCP_SYN | TCP_ACK;
        s.mss = 1460;
        s.payload = 0;
      } else if (k === 2) {
        fromServer = false;
        s.flags = TCP_ACK;
        s.payload = 0;
      } else if (k < 3 + middle) {
        fromServer = (k - 3) % 2 === 1;
        // A pure ACK only right after data from the other side (else it would be a duplicate ACK).
        const r = rng.next();
        s.payload = r < 0.45 && lastPayload[i]! > 0 ? 0 : r < 0.8 ? 1 + Math.floor(rng.next() * 200) : 600 + Math.floor(rng.next() * 849);
        s.flags = s.payload > 0 ? TCP_PSH | TCP_ACK : TCP_ACK;
      } else if (k === n - 3) {
        fromServer = false;
        s.flags = TCP_FIN | TCP_ACK;
        s.payload = 0;
      } else if (k === n - 2) {
        fromServer = true;
        s.flags = TCP_FIN | TCP_ACK;
        s.payload = 0;
      } else {
        fromServer = false;
        s.flags = TCP_ACK;
        s.payload = 0;
      }
      const mine = fromServer ? seqS : seqC;
      const theirs = fromServer ? seqC : seqS;
      s.seq = mine[i]!;
      s.ack = theirs[i]!;
      const consumed = s.payload + (s.flags & (TCP_SYN | TCP_FIN) ? 1 : 0);
      mine[i] = (mine[i]! + consumed) >>> 0;
      if (k === 0) s.ack = 0;
    } else {
      fromServer = k % 2 === 1;
      s.flags = 0;
      s.payload = fromServer ? 60 + ((i * 31 + k) % 400) : 30 + ((i + k) % 40);
    }
    lastPayload[i] = s.payload;
    if (fromServer) swapDirection(s);
    emit(t);
    stats.lastUs = t;
    sent[i] = k + 1;
    if (k + 1 < n) heap.replaceTopKey(t + gap[i]!);
    else heap.pop();
  }
  writer.close();
  stats.packets = writer.packets;
  stats.fileBytes = writer.bytes;
  return stats;
}
