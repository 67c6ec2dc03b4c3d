import { createRequire } from 'node:module';
import { CaptureOpenError, classifyPcapMessage } from './errors.js';
import type { BackendStats, CaptureBackend, CaptureHandle, FrameHandler, OpenOptions } from './types.js';

// The `cap` npm package (v0.2.1): open/close/send only, one JS callback per packet, no packet
// timestamps and no pcap_stats. Kept as a selectable backend (`backend: cap`) and as the fallback
// when our native module is not built. Its limits, stated rather than hidden:
//  - time: packets are stamped on arrival in JS from a monotonic clock (process.hrtime) anchored
//    to the wall clock when the capture opens, so a time step later does not bend flow times;
//  - drops: unknown (null) — nothing in cap reports what the kernel dropped;
//  - it always opens in promiscuous mode with a 65535-byte kernel snap length; our snaplen only
//    bounds the copy into the Buffer below.

interface CapInstance {
  open(device: string, filter: string, bufSize: number, buffer: Buffer): string;
  close(): boolean;
  on(event: 'packet', fn: (nbytes: number, truncated: boolean) => void): void;
}

export interface CapModule {
  Cap: new () => CapInstance;
}

/** cap names link types; the decoder wants LINKTYPE/DLT numbers. */
const LINKTYPES: Record<string, number> = { ETHERNET: 1, NULL: 0, LINKTYPE_LINUX_SLL: 113, RAW: 101 };

/**
 * cap stores only a raw pointer to the Buffer given to open() and writes every packet into it:
 * if the Buffer were collected, packets would be written into freed memory (seen under load).
 * Each open capture's Buffer stays in this set until the capture is closed.
 */
const liveBuffers = new Set<Buffer>();

export function loadCapModule(): { mod: CapModule } | { error: string } {
  try {
    return { mod: createRequire(import.meta.url)('cap') as CapModule };
  } catch (e) {
    return { error: `the cap package is not usable: ${String((e as Error).message).split('\n')[0]}` };
  }
}

export function capBackend(mod: CapModule): CaptureBackend {
  return {
    name: 'cap',
    open(opts: OpenOptions, onFrame: FrameHandler, _onError: (message: string) => void, onFlush?: () => void): CaptureHandle {
      const c = new mod.Cap();
      const buffer = Buffer.alloc(opts.snaplen);
      let linkName: string;
      try {
        linkName = c.open(opts.device, opts.filter, opts.bufferSize, buffer);
      } catch (e) {
        // Not closed: after a failed open cap's close() would stop a poll handle it never
        // initialised. The process exits on this error, so nothing leaks for long.
        const msg = (e as Error).message;
        throw new CaptureOpenError(classifyPcapMessage(msg), `capture on ${opts.device}: ${msg}`);
      }
      const linktype = LINKTYPES[linkName];
      if (linktype === undefined) {
        c.close();
        throw new CaptureOpenError('EPCAP', `capture on ${opts.device}: unsupported link type ${linkName}`);
      }
      liveBuffers.add(buffer);
      const wall0 = Date.now();
      const hr0 = process.hrtime.bigint();
      let delivered = 0;
      c.on('packet', (nbytes: number) => {
        delivered++;
        onFrame(buffer, 0, nbytes, nbytes, wall0 + Number(process.hrtime.bigint() - hr0) / 1e6);
        onFlush?.();
      });
      const stats = (): BackendStats => ({ received: null, dropped: null, ifDropped: null, delivered });
      let closed = false;
      return {
        linktype,
        ...(opts.promisc ? {} : { warning: `capture on ${opts.device}: the cap backend always uses promiscuous mode (promisc: false ignored)` }),
        stats,
        close() {
          if (!closed) {
            closed = true;
            c.close();
            liveBuffers.delete(buffer);
          }
          return stats();
        },
      };
    },
  };
}
