import type { Conversation } from './conversation.js';
import { IdHeap } from './heap.js';
import type { PacketStore } from './packet-store.js';
import { ETH_HEADER, VLAN_TAG, buildFrame, frameLength, newPacketSpec, type PacketSpec } from './packets.js';
import { writePayload } from './payload.js';
import { PcapWriter } from './pcap-writer.js';
import { buildScenario, type Scenario, type ScenarioOptions } from './scenario.js';
import { scenarioTruth, writeTruth, type ScenarioTruth } from './truth.js';

export interface WriteScenarioOptions extends ScenarioOptions {
  /** Also write the ground truth as JSON here. */
  truthPath?: string;
}

export interface WriteStats {
  packets: number;
  /** Size of the pcap file. */
  fileBytes: number;
}

function fillSpec(s: PacketSpec, c: Conversation, st: PacketStore, i: number, ipId: number): void {
  const fromClient = (st.meta[i]! & 1) === 0;
  const src = fromClient ? c.client : c.server;
  const dst = fromClient ? c.server : c.client;
  s.family = src.family;
  s.srcMac = src.host.mac;
  s.dstMac = dst.host.mac;
  s.vlan = c.vlan ?? -1;
  if (src.family === 4) {
    s.src4 = src.v4;
    s.dst4 = dst.v4;
  } else {
    s.src6 = src.v6;
    s.dst6 = dst.v6;
  }
  s.proto = c.proto;
  s.ttl = src.host.ttl;
  s.ipId = ipId;
  s.sport = fromClient ? c.sport : c.dport;
  s.dport = fromClient ? c.dport : c.sport;
  s.seq = st.seq[i]!;
  s.ack = st.ack[i]!;
  s.flags = st.flags[i]!;
  s.window = 64240;
  s.mss = st.meta[i]! & 2 ? 1460 : 0;
  if (c.proto === 1 || c.proto === 58) {
    const v6 = c.proto === 58;
    s.icmpType = fromClient ? (v6 ? 128 : 8) : v6 ? 129 : 0;
    s.icmpCode = 0;
    s.icmpId = c.shape.seed & 0xffff;
    s.icmpSeq = st.seq[i]!;
  }
  s.payload = st.payload[i]!;
}

/**
 * Writes the scenario's packets in time order (conversations interleaved), and checks that every
 * conversation put exactly its planned packets and IP bytes on the wire.
 */
export function writeScenarioPcap(pcapPath: string, scenario: Scenario): WriteStats {
  const convs = scenario.conversations;
  const st = scenario.packets;
  const n = convs.length;
  const writer = new PcapWriter(pcapPath);
  const spec = newPacketSpec();
  const heap = new IdHeap(4096);
  const cursor = new Int32Array(n);
  const ipIds = new Uint16Array(n * 2);
  const counts = new Float64Array(n * 4);
  const contentAt = new Int32Array(n); // next payload packet of a conversation with real content
  let next = 0;
  try {
    for (;;) {
      // Activate every conversation that starts no later than the earliest pending packet.
      while (next < n && convs[next]!.startUs <= heap.peekKey()) {
        const c = convs[next]!;
        cursor[next] = c.firstPacket;
        ipIds[next * 2] = c.shape.seed & 0xffff;
        ipIds[next * 2 + 1] = (c.shape.seed >>> 16) & 0xffff;
        heap.push(next, st.t[c.firstPacket]!);
        next++;
      }
      if (heap.size === 0) break;
      const idx = heap.peekId();
      const c = convs[idx]!;
      const i = cursor[idx]!;
      const dir = st.meta[i]! & 1;
      const slot = idx * 2 + dir;
      fillSpec(spec, c, st, i, ipIds[slot]!);
      ipIds[slot] = (ipIds[slot]! + 1) & 0xffff;
      const off = writer.reserveAt(frameLength(spec));
      const len = buildFrame(writer.buffer, off, spec);
      const bytes = c.content && spec.payload > 0 ? c.content[contentAt[idx]!++] : null;
      if (bytes) writePayload(writer.buffer, off, spec, bytes);
      writer.commit(st.t[i]!, len);
      counts[idx * 4 + dir * 2] += 1;
      counts[idx * 4 + dir * 2 + 1] += len - ETH_HEADER - (spec.vlan >= 0 ? VLAN_TAG : 0);
      if (i + 1 < c.firstPacket + c.packetCount) {
        cursor[idx] = i + 1;
        heap.replaceTopKey(st.t[i + 1]!);
      } else {
        heap.pop();
        const k = idx * 4;
        if (counts[k] !== c.packets || counts[k + 1] !== c.bytes || counts[k + 2] !== c.rpackets || counts[k + 3] !== c.rbytes) {
          throw new Error(`conversation ${idx} wrote different packets than planned`);
        }
      }
    }
  } finally {
    writer.close();
  }
  return { packets: writer.packets, fileBytes: writer.bytes };
}

/** Plans the scenario, writes the capture, and returns (optionally also writes) the ground truth. */
export function writeScenario(pcapPath: string, options: WriteScenarioOptions = {}): ScenarioTruth & { stats: WriteStats } {
  const scenario = buildScenario(options);
  const stats = writeScenarioPcap(pcapPath, scenario);
  const truth = scenarioTruth(scenario);
  if (stats.packets !== truth.totals.packets) throw new Error(`wrote ${stats.packets} packets, truth says ${truth.totals.packets}`);
  if (options.truthPath) writeTruth(options.truthPath, truth);
  return { ...truth, stats };
}
