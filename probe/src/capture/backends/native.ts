import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { CaptureOpenError, type OpenErrorCode } from './errors.js';
import type { CaptureBackend, CaptureHandle, FrameHandler, OpenOptions } from './types.js';

// Our own libpcap binding (probe/native, built by `make build`): packets arrive in batches with
// kernel timestamps, and pcap_stats gives honest drop counts. See probe/native/src/module.c.

interface NativeCapture {
  readonly buffer: ArrayBuffer;
  readonly linktype: number;
  readonly warning?: string;
  readonly fanoutGroup?: number;
  stats(): { received: number; dropped: number; ifDropped: number; delivered: number };
  close(): { received: number; dropped: number; ifDropped: number; delivered: number };
}

export interface NativeAddon {
  LiveCapture: new (
    opts: Omit<OpenOptions, 'fanout'> & { timeoutMs: number; batchBytes: number; fanoutGroup?: number; fanoutNew?: boolean },
    onBatch: (count: number, bytes: number) => void,
    onError: (message: string) => void,
  ) => NativeCapture;
  checkFilter(filter: string, linktype: number, snaplen: number): string | null;
  libpcapVersion: string;
}

/** The same relative path from src/capture/backends (tests) and dist/capture/backends (built). */
const ADDON = '../../../native/build/Release/spanmap_pcap.node';

let loaded: { addon: NativeAddon } | { error: string } | undefined;

/** Loads the addon once; `error` says why it is unavailable (not built, or built for another Node). */
export function loadNativeAddon(): { addon: NativeAddon } | { error: string } {
  if (!loaded) {
    try {
      // SPANMAP_PCAP_ADDON points at a module built elsewhere (packaging; tests use it to exercise the fallback).
      loaded = { addon: createRequire(import.meta.url)(process.env.SPANMAP_PCAP_ADDON ? resolve(process.env.SPANMAP_PCAP_ADDON) : ADDON) as NativeAddon };
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      loaded = {
        error:
          err.code === 'MODULE_NOT_FOUND'
            ? `${process.env.SPANMAP_PCAP_ADDON || 'probe/native'} is not built (run "make build")`
            : (err.message ?? String(e)).split('\n')[0]!,
      };
    }
  }
  return loaded;
}

/**
 * How long the kernel may hold packets before handing a block over (TPACKET_V3 block timeout).
 * Batches form within it; a flow probe does not need lower latency.
 */
export const BLOCK_TIMEOUT_MS = 100;
const BATCH_BYTES = 4 << 20;

export function nativeBackend(addon: NativeAddon): CaptureBackend {
  return {
    name: 'native',
    open(opts: OpenOptions, onFrame: FrameHandler, onError: (message: string) => void, onFlush?: () => void): CaptureHandle {
      let u8 = new Uint8Array(0);
      let u32 = new Uint32Array(0);
      // Records: [ts_sec, ts_usec, caplen, wirelen] (u32, host order) then caplen bytes padded to 4.
      const onBatch = (count: number, _bytes: number) => {
        let o = 0;
        for (let i = 0; i < count; i++) {
          const w = o >>> 2;
          const caplen = u32[w + 2]!;
          onFrame(u8, o + 16, caplen, u32[w + 3]!, u32[w]! * 1000 + u32[w + 1]! / 1000);
          o += 16 + ((caplen + 3) & ~3);
        }
        onFlush?.();
      };
      let cap: NativeCapture;
      try {
        const { fanout, ...rest } = opts;
        cap = new addon.LiveCapture(
          { ...rest, timeoutMs: BLOCK_TIMEOUT_MS, batchBytes: BATCH_BYTES, ...(fanout ? { fanoutGroup: fanout.group, fanoutNew: fanout.create } : {}) },
          onBatch,
          onError,
        );
      } catch (e) {
        const err = e as Error & { code?: string };
        throw new CaptureOpenError((err.code ?? 'EPCAP') as OpenErrorCode, err.message);
      }
      u8 = new Uint8Array(cap.buffer);
      u32 = new Uint32Array(cap.buffer);
      return {
        linktype: cap.linktype,
        ...(cap.warning ? { warning: cap.warning } : {}),
        ...(cap.fanoutGroup !== undefined ? { fanoutGroup: cap.fanoutGroup } : {}),
        stats: () => cap.stats(),
        close: () => cap.close(),
      };
    },
  };
}
