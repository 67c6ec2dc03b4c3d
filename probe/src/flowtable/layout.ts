/**
 * The layout of one flow record: 64 bytes (16 32-bit words) back to back in one ArrayBuffer, so a
 * packet's update touches its index slot and one record. Offsets are in 32-bit words (W_*) or
 * 64-bit doubles (D_*) from the record's start. Key words are compared as int32, counters read as
 * uint32 (two views of the same buffer).
 */
/** IPv4: side a's address. IPv6: the flow's entry in the IPv6 address pool. */
export const W_A = 0;
/** IPv4: side b's address. IPv6: both addresses folded into 32 bits (a quick mismatch test before the pool). */
export const W_B = 1;
/** a's port << 16 | b's port (ICMP: the request's type << 8 | code). */
export const W_PORTS = 2;
/** protocol | (vlan + 1) << 8 | IPv6 << 21 */
export const W_META = 3;
export const W_PREV = 4;
export const W_NEXT = 5;
export const W_PK_A = 6;
export const W_PK_B = 7;
/** Bytes of the current segment (a segment is split before it overflows 32 bits). */
export const W_BY_A = 8;
export const W_BY_B = 9;
/** State bits (byte 0), TCP flags of side a (byte 1) and side b (byte 2), interface index (byte 3). */
export const W_MISC = 10;
/** When the flow was (re)queued on its list, ms since the table's epoch: the lazy scan's order. */
export const W_QUEUED = 11;
/** First and last packet time, ms (words 12-13 and 14-15). */
export const D_FIRST = 6;
export const D_LAST = 7;
export const WORDS = 16;
export const DOUBLES = 8;
/** Words per IPv6 pool entry: side a's address, then side b's. */
export const V6_WORDS = 8;
export const META_V6 = 1 << 21;

// State bits (byte 0 of W_MISC).
/** The flow's first packet came from side b. */
export const FIRST_B = 1;
/** Side a initiated: its SYN, or its ICMP request. */
export const HINT_A = 2;
export const HINT_B = 4;
/** The hint came from a SYN rather than an ICMP type. */
export const HINT_SYN = 8;
/** The current segment continues an earlier record (active timeout). */
export const CONT = 16;
export const FIN_A = 32;
export const FIN_B = 64;
export const RST = 128;
export const CLOSED_ANY = FIN_A | FIN_B | RST;

/** FIN from both sides, or a RST: the flow only waits for trailing packets. */
export function isClosing(s: number): boolean {
  return (s & 128) /* RST */ !== 0 || (s & 96) /* FIN_A | FIN_B */ === 96;
}
