import type { Database } from 'lmdb';

/**
 * Large values (the key filter, 32 MB; the analysis labels, ~30 bytes an edge) stored in pieces
 * under 16 MB. Why: lmdb-js returns a value of 16 MB or more as a view into a shared window of the
 * memory map that it caches by address, and a window cached before the map grew (or by an earlier
 * environment at the same address in this process) is too short for it: reading one failed with
 * "RangeError: Invalid typed array length" (lmdb 3.5.6, src/env.cpp toSharedBuffer). Smaller values
 * are copied out and never take that path.
 */
const PIECE = 8 << 20;

const countKey = (key: string) => `${key}@pieces`;
const pieceKey = (key: string, i: number) => `${key}@${i}`;

/** Writes `bytes` under `key` in pieces (inside a transaction), replacing what was there. */
export function putBlob(db: Database<Uint8Array, string>, key: string, bytes: Uint8Array): void {
  const before = readCount(db, key);
  const n = Math.max(1, Math.ceil(bytes.byteLength / PIECE));
  for (let i = 0; i < n; i++) void db.put(pieceKey(key, i), bytes.subarray(i * PIECE, Math.min(bytes.byteLength, (i + 1) * PIECE)));
  for (let i = n; i < before; i++) void db.remove(pieceKey(key, i));
  const count = new Uint8Array(4);
  new DataView(count.buffer).setUint32(0, n, true);
  void db.put(countKey(key), count);
  void db.remove(key); // an earlier version's single value
}

/** The value written by putBlob() (or, from an earlier version, as a single value); undefined when none. */
export function getBlob(db: Database<Uint8Array, string>, key: string): Uint8Array | undefined {
  const n = readCount(db, key);
  if (n === 0) return db.get(key);
  const pieces: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const p = db.get(pieceKey(key, i));
    if (!p) return undefined; // not written whole: treated as absent (rebuilt by the caller)
    pieces.push(p);
  }
  return new Uint8Array(Buffer.concat(pieces));
}

function readCount(db: Database<Uint8Array, string>, key: string): number {
  const c = db.get(countKey(key));
  return c && c.byteLength === 4 ? new DataView(c.buffer, c.byteOffset, 4).getUint32(0, true) : 0;
}
