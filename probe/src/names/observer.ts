import { LEARNED_SOURCES, formatIPv4, formatIPv6, nameProblem, normalizeName, type LearnedSource } from '@spanmap/shared';
import type { PacketInfo } from '../decode/packet-info.js';
import { decodeDhcp } from './dhcp.js';
import { decodeDhcpv6 } from './dhcpv6.js';
import { decodeDns, decodeDnsTcp } from './dns.js';
import { MALFORMED_REASONS, isMalformed, type DecodeResult } from './found.js';
import { decodeNetbios } from './netbios.js';
import { Leases } from './leases.js';
import { RepeatFilter } from './repeats.js';
import { decodeClientHello } from './tls.js';
import type { NameCounters, NameObserver, NameSink } from './types.js';

/** The protocols observed (counters.parsed keys) and the source each one's names carry. */
export const NAME_PROTOCOLS = ['dns', 'mdns', 'llmnr', 'dhcp', 'dhcpv6', 'netbios', 'tls'] as const;
export type NameProtocol = (typeof NAME_PROTOCOLS)[number];
/** LLMNR is link-local multicast name resolution like mDNS, so its names count as "mdns". */
const SOURCE: Record<NameProtocol, LearnedSource> = { dns: 'dns', mdns: 'mdns', llmnr: 'mdns', dhcp: 'dhcp', dhcpv6: 'dhcp', netbios: 'netbios', tls: 'tls' };
/** counters.errors keys: malformed payloads (once per packet) and refused names (once per name). */
export const NAME_ERROR_REASONS = [...MALFORMED_REASONS, 'bad-name'] as const;

export interface NameObserverOptions {
  /** Each (address, name, source) is emitted at most once per this much packet time (default 60 s). */
  repeatMs?: number;
  /** How many (address, name, source) emission times are remembered (default 65536). */
  maxRemembered?: number;
  /** Told about every refused name (for debugging and tests; the counters say how many). */
  onRefused?: (ip: string, name: string, source: LearnedSource) => void;
}

export interface NameObserverCounters extends NameCounters {
  /** Every observed packet ends as exactly one of these. */
  outcomes: { named: number; nameless: number; malformed: number };
  /** Valid names not emitted again because they were emitted less than `repeatMs` before. */
  repeats: number;
  /**
   * Packets handed to observe() that no name decoder takes: TCP segments without a payload, or
   * whose payload is neither DNS (port 53) nor a TLS handshake (when wants() ran without the frame).
   */
  passed: number;
}

export interface PassiveNameObserver extends NameObserver {
  /**
   * As NameObserver.wants; given the frame too, it also checks that a TCP payload starts with a
   * TLS handshake byte (0x16), so observe() sees only likely ClientHellos.
   */
  wants(p: PacketInfo, frame?: Uint8Array): boolean;
  readonly counters: NameObserverCounters;
}

const zeros = <K extends string>(keys: readonly K[]) => Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;

/** An IPv4 or IPv6 address written as a name (a TLS client sending an address as SNI) names nothing. */
const ADDRESS_LIKE = /^(\d{1,3}\.){3}\d{1,3}$|:/;

/**
 * Passive naming for the packet path: `wants` is a check on protocol and ports (no allocation),
 * `observe` decodes the payload and sends each valid (address, name, source) to the sink at most
 * once per `repeatMs` of packet time. Malformed payloads and refused names are counted, never
 * thrown. Inert: no I/O, no timers.
 */
export function createNameObserver(sink: NameSink, opts: NameObserverOptions = {}): PassiveNameObserver {
  const repeats = new RepeatFilter(opts.repeatMs ?? 60_000, opts.maxRemembered ?? 65_536);
  const leases = new Leases();
  const counters: NameObserverCounters = {
    parsed: zeros(NAME_PROTOCOLS),
    names: zeros(LEARNED_SOURCES),
    errors: zeros(NAME_ERROR_REASONS),
    outcomes: { named: 0, nameless: 0, malformed: 0 },
    repeats: 0,
    passed: 0,
  };

  const addr = (src: boolean, p: PacketInfo): string =>
    p.family === 4 ? formatIPv4(src ? p.s0 : p.d0) : src ? formatIPv6(p.s0, p.s1, p.s2, p.s3) : formatIPv6(p.d0, p.d1, p.d2, p.d3);

  function decodeUdp(frame: Uint8Array, p: PacketInfo): [NameProtocol, DecodeResult] {
    const s = p.sport;
    const proto: NameProtocol =
      s === 53 ? 'dns' : s === 5353 ? 'mdns' : s === 5355 ? 'llmnr' : s === 67 || s === 68 ? 'dhcp' : s === 546 || s === 547 ? 'dhcpv6' : 'netbios';
    const o = p.l4Off;
    if (p.l4Len < 8) return [proto, 'truncated'];
    const udpLen = (frame[o + 4]! << 8) | frame[o + 5]!;
    if (udpLen < 8) return [proto, 'bad-length'];
    const off = o + 8;
    if (udpLen > p.l4Len) {
      // The rest of the datagram is in later fragments, or beyond the snap length: DNS answers
      // come first, so those complete in this packet still count; other messages are skipped.
      const why = p.frag === 1 ? 'fragment' : 'truncated';
      if (proto !== 'dns' && proto !== 'mdns' && proto !== 'llmnr') return [proto, why];
      const r = decodeDns(frame, off, o + p.l4Len, proto !== 'dns', true);
      return [proto, r === 'truncated' ? why : r];
    }
    const end = o + udpLen;
    switch (proto) {
      case 'dns':
        return [proto, decodeDns(frame, off, end, false)];
      case 'mdns':
      case 'llmnr':
        return [proto, decodeDns(frame, off, end, true)];
      case 'dhcp':
      case 'dhcpv6': {
        const m = proto === 'dhcp' ? decodeDhcp(frame, off, end) : decodeDhcpv6(frame, off, end);
        return [proto, typeof m === 'string' ? m : leases.learn(m, p.ts)];
      }
      default:
        return [proto, decodeNetbios(frame, off, end, addr(true, p))];
    }
  }

  /** TCP: DNS from port 53, else a TLS ClientHello (the caller checked the payload starts with 0x16). */
  function decodeTcp(frame: Uint8Array, p: PacketInfo, hl: number): [NameProtocol, DecodeResult] {
    const o = p.l4Off;
    if (p.sport === 53) return ['dns', p.frag === 1 ? 'fragment' : decodeDnsTcp(frame, o + hl, o + p.l4Len)];
    return ['tls', p.frag === 1 ? 'fragment' : decodeClientHello(frame, o + hl, o + p.l4Len, addr(false, p))];
  }

  /** TCP header length when the segment carries a payload, else 0. */
  const tcpPayloadAt = (frame: Uint8Array, p: PacketInfo): number => {
    if (p.l4Len <= 20) return 0;
    const hl = (frame[p.l4Off + 12]! >>> 4) * 4;
    return hl >= 20 && p.l4Len > hl ? hl : 0;
  };

  return {
    counters,
    wants(p: PacketInfo, frame?: Uint8Array): boolean {
      if (p.frag === 2) return false;
      if (p.proto === 17) {
        const s = p.sport;
        return s === 53 || s === 5353 || s === 5355 || s === 67 || s === 68 || s === 137 || s === 546 || s === 547;
      }
      if (p.proto !== 6 || p.l4Len <= 20) return false;
      if (frame === undefined) return true;
      const hl = tcpPayloadAt(frame, p);
      return hl > 0 && (p.sport === 53 || frame[p.l4Off + hl] === 0x16);
    },
    observe(frame: Uint8Array, p: PacketInfo): void {
      let r: [NameProtocol, DecodeResult];
      if (p.proto === 17) r = decodeUdp(frame, p);
      else {
        const hl = p.proto === 6 ? tcpPayloadAt(frame, p) : 0;
        if (hl === 0 || (p.sport !== 53 && frame[p.l4Off + hl] !== 0x16)) {
          counters.passed++;
          return;
        }
        r = decodeTcp(frame, p, hl);
      }
      const [proto, result] = r;
      counters.parsed[proto]++;
      if (isMalformed(result)) {
        counters.errors[result]++;
        counters.outcomes.malformed++;
        return;
      }
      const source = SOURCE[proto];
      const time = Math.floor(p.ts);
      let named = false;
      for (const f of result) {
        const name = normalizeName(f.name);
        if (nameProblem(name) !== null || ADDRESS_LIKE.test(name)) {
          counters.errors['bad-name']++;
          opts.onRefused?.(f.ip, f.name, source);
          continue;
        }
        named = true;
        if (!repeats.admit(`${source} ${f.ip} ${name}`, time)) {
          counters.repeats++;
          continue;
        }
        counters.names[source]++;
        sink({ ip: f.ip, name, source, time });
      }
      if (named) counters.outcomes.named++;
      else counters.outcomes.nameless++;
    },
  };
}
