/**
 * What the decoder extracts from one frame. One instance is reused for every packet
 * (no per-packet allocation on the hot path); numbers only, addresses as 32-bit words.
 */
export class PacketInfo {
  /** Capture time, ms since the epoch (fractional). Set by the capture stage, not the decoder. */
  ts = 0;
  /** 4 or 6 */
  family = 0;
  s0 = 0;
  s1 = 0;
  s2 = 0;
  s3 = 0;
  d0 = 0;
  d1 = 0;
  d2 = 0;
  d3 = 0;
  /** Upper-layer protocol (after IPv6 extension headers). */
  proto = 0;
  sport = 0;
  dport = 0;
  /** IP-layer bytes: IPv4 total length, IPv6 payload length + 40. */
  ipBytes = 0;
  tcpFlags = 0;
  /** Outermost 802.1Q/802.1ad VLAN id, -1 when untagged. */
  vlan = -1;
  /** 0 not a fragment, 1 first fragment of several, 2 a later fragment. */
  frag = 0;
  /** IPv4 identification or IPv6 fragment identification. */
  fragId = 0;
  /** Byte offset of this fragment's payload in the original datagram. */
  fragOffset = 0;
  /** Where the IP header the packet is keyed on (the innermost decoded one) starts in the frame. */
  ipOff = 0;
  /** Where the transport header (or fragment payload) starts in the frame, and how many bytes of it were captured. */
  l4Off = 0;
  l4Len = 0;
  /** Tunnel headers removed to reach this IP header. */
  tunnels = 0;
  /** For fragments: the datagram's identity (addresses, protocol, IP id) as text; '' otherwise. */
  fragKey = '';
  /** Set when a tunnel was decapsulated from the first fragment of an outer datagram: that datagram's fragKey. */
  outerFragKey = '';

  reset(): void {
    this.family = 0;
    this.proto = 0;
    this.sport = 0;
    this.dport = 0;
    this.ipBytes = 0;
    this.tcpFlags = 0;
    this.vlan = -1;
    this.frag = 0;
    this.fragId = 0;
    this.fragOffset = 0;
    this.ipOff = 0;
    this.l4Off = 0;
    this.l4Len = 0;
    this.tunnels = 0;
    this.fragKey = '';
    this.outerFragKey = '';
    this.s1 = this.s2 = this.s3 = this.d1 = this.d2 = this.d3 = 0;
  }
}

/** Decode results; everything but OK is counted by reason. */
export const DECODE_OK = 0;
export const NON_IP = 1;
export const TRUNCATED = 2;
export const BAD_HEADER = 3;
export const UNSUPPORTED_LINK = 4;
export const TOO_DEEP = 5;
export const DECODE_REASONS = ['ok', 'non-ip', 'truncated', 'bad-header', 'unsupported-linktype', 'too-deep'] as const;
export type DecodeReason = (typeof DECODE_REASONS)[number];

export const LINKTYPE = {
  NULL: 0,
  ETHERNET: 1,
  PPP: 9,
  RAW: 101,
  RAW_BSD: 12,
  RAW_OPENBSD: 14,
  PPP_SERIAL: 50,
  LOOP: 108,
  LINUX_SLL: 113,
  IPV4: 228,
  IPV6: 229,
  NFLOG: 239,
  LINUX_SLL2: 276,
} as const;
