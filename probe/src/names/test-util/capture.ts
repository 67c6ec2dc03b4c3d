import type { NameObservation } from '@spanmap/shared';
import { CaptureFileReader } from '../../capture/file-reader.js';
import { DECODE_OK, PacketInfo, decodeFrame } from '../../decode/index.js';
import { createNameObserver, type NameObserverCounters, type NameObserverOptions } from '../observer.js';

export interface CaptureNames {
  /** Frame number (from 1, as tshark counts) → "source ip name" triples learned from it (normalized). */
  byFrame: Map<number, Set<string>>;
  observations: Array<NameObservation & { frame: number }>;
  counters: NameObserverCounters;
  frames: number;
  /** Frames the observer wanted. */
  wanted: number;
}

/**
 * Reads a capture file through the real decoder (innermost headers, as `probe read` does) and a
 * name observer, recording which frame taught which name. For tests and the scenario oracle;
 * `repeatMs: 0` (the default here) emits every name every time it is seen.
 */
export function observeCapture(path: string, opts: NameObserverOptions = {}): CaptureNames {
  const byFrame = new Map<number, Set<string>>();
  const observations: CaptureNames['observations'] = [];
  let frame = 0;
  const obs = createNameObserver(
    (o) => {
      observations.push({ ...o, frame });
      let s = byFrame.get(frame);
      if (!s) byFrame.set(frame, (s = new Set()));
      s.add(`${o.source} ${o.ip} ${o.name}`);
    },
    { repeatMs: 0, ...opts },
  );
  const reader = new CaptureFileReader(path);
  const p = new PacketInfo();
  let wanted = 0;
  const clock = reader.clock;
  while (
    reader.step((data, off, caplen, _wirelen, linktype) => {
      frame++;
      if (decodeFrame(data, off, caplen, linktype, p, true) !== DECODE_OK) return;
      p.ts = clock[0]!;
      if (!obs.wants(p, data)) return;
      wanted++;
      obs.observe(data, p);
    })
  );
  return { byFrame, observations, counters: obs.counters, frames: frame, wanted };
}
