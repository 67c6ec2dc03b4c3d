/**
 * What the name decoders return: the (address, name) pairs a payload teaches, or the reason it
 * was skipped. A decoder returns either every pair of a well-formed payload or one reason and no
 * pair at all: a malformed payload teaches nothing. Names are returned as found on the wire; the
 * observer normalizes and checks them (normalizeName, nameProblem).
 */
export interface Found {
  /** Address in text form (as in flow records). */
  ip: string;
  name: string;
}

/** Why a payload was skipped; counted by the observer, never thrown. */
export const MALFORMED_REASONS = [
  /** The payload ends before a header, record, option or name does. */
  'truncated',
  /** The first fragment of a fragmented datagram: the rest of the payload is not in this packet. */
  'fragment',
  /** A compression pointer that does not point strictly backwards (it could loop). */
  'compression-loop',
  /** A compression pointer into the header or past the end of the message. */
  'bad-pointer',
  /** A label length byte of 64-191 (reserved label types: no label is longer than 63). */
  'label-too-long',
  /** A name of more than 255 bytes on the wire. */
  'name-too-long',
  /** A length field that contradicts its content or the payload (record, option, UDP, TLS). */
  'bad-length',
  /** A fixed field with an impossible value (DHCP magic cookie, NetBIOS name encoding, TLS version). */
  'bad-header',
  /** A TLS ClientHello continued in a later segment, its server name not in this one. */
  'tls-split',
] as const;
export type MalformedReason = (typeof MALFORMED_REASONS)[number];

export type DecodeResult = Found[] | MalformedReason;

export function isMalformed(r: DecodeResult): r is MalformedReason {
  return typeof r === 'string';
}
