import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { isValidProbeId, WIRE_VERSION, WIRE_VERSIONS_ACCEPTED } from '../topics.js';
import { ByteReader, ByteWriter, WireFormatError } from './varint.js';
import { bytesToHex, hexToBytes } from './addresses.js';
import { decodeEntries, encodeEntries } from './codec-v1.js';
import { decodeRecords, encodeRecords } from './codec-v2.js';
import type { SummaryBatch } from './batch.js';

/*
 * Binary summary batches: "SM", version, flags, then a body that is deflated when that is smaller.
 * Body: probe id, 16-byte store epoch, seq, flow-time bounds, then the version's rows (codec-v1.ts:
 * aggregates; codec-v2.ts: flow records and learned names). Measured in bench/transport.mjs against
 * NetFlow v9.
 */

const MAGIC0 = 0x53; // 'S'
const MAGIC1 = 0x4d; // 'M'
const FLAG_DEFLATE = 1;

export interface WireLimits {
  /** Largest payload accepted, compressed or not. */
  maxBytes: number;
  /** Largest body after inflating (protects against decompression bombs). */
  maxInflated: number;
  /** Records (v2) or entries (v1) per batch. */
  maxEntries: number;
  maxNames: number;
}

export const WIRE_LIMITS: WireLimits = { maxBytes: 4 << 20, maxInflated: 32 << 20, maxEntries: 200_000, maxNames: 100_000 };

/** Encodes a batch in `b.v` (2 by default: records and names; 1: entries, for tests of old probes). */
export function encodeBatch(b: SummaryBatch): Uint8Array {
  const version = b.v === 1 ? 1 : WIRE_VERSION;
  const w = new ByteWriter(64 + (b.records.length + b.entries.length) * 24);
  w.string(b.probe);
  w.bytes(hexToBytes(b.epoch));
  w.varint(b.seq);
  w.varint(b.from);
  w.varint(b.to - b.from);
  if (version === 1) encodeEntries(w, b.entries, b.from);
  else encodeRecords(w, b.records, b.names, b.from);
  const body = w.result();
  const deflated = deflateRawSync(body, { level: 6 });
  const useDeflate = deflated.length < body.length;
  const payload = useDeflate ? deflated : body;
  const out = new Uint8Array(4 + payload.length);
  out[0] = MAGIC0;
  out[1] = MAGIC1;
  out[2] = version;
  out[3] = useDeflate ? FLAG_DEFLATE : 0;
  out.set(payload, 4);
  return out;
}

/** Decodes and validates a batch; throws WireFormatError with a stable `reason` for anything malformed. */
export function decodeBatch(payload: Uint8Array, limits = WIRE_LIMITS): SummaryBatch {
  if (payload.length > limits.maxBytes) throw new WireFormatError('too-large', `payload of ${payload.length} bytes exceeds ${limits.maxBytes}`);
  if (payload.length < 4 || payload[0] !== MAGIC0 || payload[1] !== MAGIC1) throw new WireFormatError('bad-magic', 'not a spanmap summary batch');
  const version = payload[2]!;
  if (!WIRE_VERSIONS_ACCEPTED.includes(version))
    throw new WireFormatError('unknown-version', `unknown wire version ${version} (this console speaks ${WIRE_VERSIONS_ACCEPTED.join(' and ')})`);
  const flags = payload[3]!;
  if (flags & ~FLAG_DEFLATE) throw new WireFormatError('bad-flags', `unknown flags 0x${flags.toString(16)}`);
  let body = payload.subarray(4);
  if (flags & FLAG_DEFLATE) {
    try {
      body = inflateRawSync(body, { maxOutputLength: limits.maxInflated });
    } catch (e) {
      throw new WireFormatError('bad-compression', `cannot inflate: ${(e as Error).message}`);
    }
  }
  const r = new ByteReader(body);
  const probe = r.string(64);
  if (!isValidProbeId(probe)) throw new WireFormatError('bad-probe-id', `invalid probe id "${probe}"`);
  const epoch = bytesToHex(r.bytes(16));
  const seq = r.varint();
  if (seq < 1) throw new WireFormatError('bad-seq', 'sequence numbers start at 1');
  const from = r.varint();
  const to = from + r.varint();
  const batch: SummaryBatch = { v: version, probe, epoch, seq, from, to, records: [], names: [], entries: [] };
  if (version === 1) batch.entries = decodeEntries(r, from, limits);
  else Object.assign(batch, decodeRecords(r, from, limits));
  if (r.remaining !== 0) throw new WireFormatError('trailing-bytes', `${r.remaining} bytes after the last row`);
  return batch;
}

/** Parses an ack message ({"epoch":"…","seqs":[…]}); null when it is not one. */
export function parseAck(payload: Uint8Array | string): { epoch: string; seqs: number[] } | null {
  try {
    const j = JSON.parse(typeof payload === 'string' ? payload : new TextDecoder().decode(payload)) as unknown;
    if (!j || typeof j !== 'object') return null;
    const { epoch, seqs } = j as { epoch?: unknown; seqs?: unknown };
    if (typeof epoch !== 'string' || !/^[0-9a-f]{32}$/.test(epoch)) return null;
    if (!Array.isArray(seqs) || seqs.length > 100_000 || !seqs.every((s) => Number.isSafeInteger(s) && s > 0)) return null;
    return { epoch, seqs: seqs as number[] };
  } catch {
    return null;
  }
}
