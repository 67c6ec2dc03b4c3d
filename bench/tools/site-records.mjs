// Synthetic flow records of a large site for the console benchmarks: N distinct edges over 28 days
// and 50 segments, each edge active in 1-6 hours with 1-3 conversations per active hour (a long
// tail: most edges are rare), every conversation with its own client port. Deterministic.
export const DAY = 86_400_000;
export const HOUR = 3_600_000;
export const T0 = Date.UTC(2024, 5, 3);
export const SEGS = 50;
export const PORTS = [443, 80, 22, 53, 123, 389, 88, 445, 5432, 3306, 8080, 1433, 161, 514, 3389];

export function segmentsDef() {
  return Array.from({ length: SEGS }, (_, i) => ({ name: `seg-${String(i).padStart(2, '0')}`, cidrs: [`10.${i}.0.0/20`], vlans: [] }));
}

/**
 * Yields arrays of flow records (about `chunk` each) covering `edges` distinct edges. `order`:
 * "time" (default) yields them hour by hour, as probes publish them on the wire; "edge" yields each
 * edge's records together, scattered over the whole period (a worst case for the store: every
 * record lands somewhere else in history, like a backfill in random order).
 */
export function* siteRecords(edges, { seed = 7, chunk = 5000, days = 28, order = 'time' } = {}) {
  if (order === 'time') {
    yield* timeOrdered(edges, { seed, chunk, days });
    return;
  }
  if (order !== 'edge') throw new Error(`order: expected time or edge, not ${order}`);
  let s = seed;
  const rand = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const host = () => `10.${Math.floor(rand() * SEGS)}.${Math.floor(rand() * 16)}.${1 + Math.floor(rand() * 254)}`;
  const seen = new Set();
  let out = [];
  let made = 0;
  let sport = 1024;
  while (made < edges) {
    const src = host();
    const dst = host();
    const port = PORTS[Math.floor(rand() * PORTS.length)] + (rand() < 0.3 ? Math.floor(rand() * 2000) : 0);
    const k = `${src}|${dst}|${port}`;
    if (src === dst || seen.has(k)) continue;
    seen.add(k);
    made++;
    const active = 1 + Math.floor(rand() * 6);
    for (let a = 0; a < active; a++) {
      const hour = T0 + Math.floor(rand() * days * 24) * HOUR;
      const n = 1 + Math.floor(rand() * 3);
      for (let f = 0; f < n; f++) {
        sport = sport >= 65535 ? 1024 : sport + 1;
        out.push(conversation(rand, src, dst, sport, port, hour));
      }
    }
    if (out.length >= chunk) {
      yield out;
      out = [];
    }
  }
  if (out.length) yield out;
}

/** The same site, hour by hour: edges and their active hours first, then each hour's conversations. */
function* timeOrdered(edges, { seed, chunk, days }) {
  let s = seed;
  const rand = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const hosts = SEGS * 16 * 254;
  const hostNo = () => Math.floor(rand() * SEGS) * 16 * 254 + Math.floor(rand() * 16) * 254 + Math.floor(rand() * 254);
  const ip = (h) => `10.${Math.floor(h / (16 * 254))}.${Math.floor(h / 254) % 16}.${1 + (h % 254)}`;
  const src = new Uint32Array(edges);
  const dst = new Uint32Array(edges);
  const port = new Uint16Array(edges);
  const seen = new Set();
  // (edge, hour, conversations) triples, at most 6 active hours per edge
  const tEdge = new Uint32Array(edges * 6);
  const tHour = new Uint16Array(edges * 6);
  const tN = new Uint8Array(edges * 6);
  let t = 0;
  for (let e = 0; e < edges;) {
    const a = hostNo();
    const b = hostNo();
    const p = PORTS[Math.floor(rand() * PORTS.length)] + (rand() < 0.3 ? Math.floor(rand() * 2000) : 0);
    const k = (a * hosts + b) * 65536 + p;
    if (a === b || seen.has(k)) continue;
    seen.add(k);
    src[e] = a;
    dst[e] = b;
    port[e] = p;
    const active = 1 + Math.floor(rand() * 6);
    for (let i = 0; i < active; i++, t++) {
      tEdge[t] = e;
      tHour[t] = Math.floor(rand() * days * 24);
      tN[t] = 1 + Math.floor(rand() * 3);
    }
    e++;
  }
  seen.clear();
  // counting sort of the triples by hour
  const hours = days * 24;
  const start = new Uint32Array(hours + 1);
  for (let i = 0; i < t; i++) start[tHour[i] + 1]++;
  for (let h = 0; h < hours; h++) start[h + 1] += start[h];
  const fill = start.slice(0, hours);
  const byHour = new Uint32Array(t);
  for (let i = 0; i < t; i++) byHour[fill[tHour[i]]++] = i;
  let out = [];
  let sport = 1024;
  for (let h = 0; h < hours; h++) {
    const hour = T0 + h * HOUR;
    for (let j = start[h]; j < start[h + 1]; j++) {
      const i = byHour[j];
      const e = tEdge[i];
      for (let f = 0; f < tN[i]; f++) {
        sport = sport >= 65535 ? 1024 : sport + 1;
        out.push(conversation(rand, ip(src[e]), ip(dst[e]), sport, port[e], hour));
      }
      if (out.length >= chunk) {
        yield out;
        out = [];
      }
    }
  }
  if (out.length) yield out;
}

/** One TCP conversation in the hour starting at `hour`: 2-31 packets each way, up to 5 s long. */
function conversation(rand, src, dst, sport, dport, hour) {
  const first = hour + Math.floor(rand() * HOUR);
  const packets = 2 + Math.floor(rand() * 30);
  return {
    src,
    dst,
    proto: 6,
    sport,
    dport,
    packets,
    bytes: packets * 400,
    rpackets: packets,
    rbytes: packets * 1500,
    first,
    last: first + 50 + Math.floor(rand() * 5000),
    tcpFlags: 27,
    rtcpFlags: 27,
    vlan: null,
    end: 'fin',
    initiator: 'syn',
  };
}
