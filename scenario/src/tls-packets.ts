import type { Rng } from './prng.js';

/**
 * A real TLS 1.3 ClientHello record (RFC 8446) with a server name (RFC 6066), shaped like a
 * browser's: GREASE-free cipher suites, supported groups, signature algorithms, an x25519 key
 * share, ALPN, supported versions, and padding (RFC 7685) to a 512-byte handshake, so the record
 * is 517 bytes like the scenario's other TLS sessions. Randoms come from the scenario's PRNG.
 */

const u16 = (v: number): number[] => [(v >>> 8) & 255, v & 255];
const ext = (type: number, body: number[]): number[] => [...u16(type), ...u16(body.length), ...body];
const vec16 = (body: number[]): number[] => [...u16(body.length), ...body];
const bytes = (rng: Rng, n: number): number[] => Array.from({ length: n }, () => rng.int(0, 255));

export const CLIENT_HELLO_RECORD = 517;

export function clientHello(rng: Rng, serverName: string): Uint8Array {
  const sni = [...Buffer.from(serverName, 'latin1')];
  const extensions = [
    ...ext(0, vec16([0, ...vec16(sni)])), // server_name: host_name
    ...ext(23, []), // extended_master_secret
    ...ext(65281, [0]), // renegotiation_info
    ...ext(10, vec16([0x00, 0x1d, 0x00, 0x17, 0x00, 0x18])), // supported_groups: x25519, secp256r1, secp384r1
    ...ext(11, [1, 0]), // ec_point_formats: uncompressed
    ...ext(16, vec16([2, ...Buffer.from('h2'), 8, ...Buffer.from('http/1.1')])), // ALPN
    ...ext(13, vec16([0x04, 0x03, 0x08, 0x04, 0x04, 0x01, 0x05, 0x03, 0x08, 0x05, 0x05, 0x01, 0x08, 0x06, 0x06, 0x01])), // signature_algorithms
    ...ext(51, vec16([0x00, 0x1d, ...vec16(bytes(rng, 32))])), // key_share: x25519
    ...ext(45, [1, 1]), // psk_key_exchange_modes: psk_dhe_ke
    ...ext(43, [4, 0x03, 0x04, 0x03, 0x03]), // supported_versions: 1.3, 1.2
  ];
  const head = [
    0x03,
    0x03, // legacy_version TLS 1.2
    ...bytes(rng, 32), // random
    32,
    ...bytes(rng, 32), // legacy_session_id
    ...vec16([0x13, 0x01, 0x13, 0x02, 0x13, 0x03, 0xc0, 0x2b, 0xc0, 0x2f, 0xc0, 0x2c, 0xc0, 0x30, 0xcc, 0xa9, 0xcc, 0xa8]),
    1,
    0, // compression: null
  ];
  // padding so the handshake body is 508 bytes (handshake 512, record 517)
  const used = head.length + 2 + extensions.length + 4;
  const pad = 508 - used;
  if (pad < 0) throw new Error(`server name ${serverName} too long for a 517-byte ClientHello`);
  const body = [...head, ...vec16([...extensions, ...ext(21, new Array(pad).fill(0))])];
  const hs = [1, 0, ...u16(body.length), ...body];
  const record = [0x16, 0x03, 0x01, ...u16(hs.length), ...hs];
  if (record.length !== CLIENT_HELLO_RECORD) throw new Error(`ClientHello of ${record.length} bytes`);
  return Uint8Array.from(record);
}
