import { SpanmapError } from '@spanmap/shared';
import { loadNativeAddon, nativeBackend } from './native.js';
import { loadCapModule, capBackend } from './cap.js';
import type { BackendName, CaptureBackend } from './types.js';

export type { BackendName, CaptureBackend, CaptureHandle, BackendStats, OpenOptions, FrameHandler } from './types.js';
export { CaptureOpenError, openError } from './errors.js';
export { BLOCK_TIMEOUT_MS, loadNativeAddon } from './native.js';

/**
 * The backend asked for, or `cap` with a warning when our native module is not built: capture
 * still works, but the warning says what is lost (kernel timestamps, drop counts).
 */
export function selectBackend(name: BackendName, warn: (line: string) => void): CaptureBackend {
  if (name === 'native') {
    const n = loadNativeAddon();
    if ('addon' in n) return nativeBackend(n.addon);
    warn(
      `native capture module unavailable: ${n.error}; falling back to the cap backend: packets are timestamped on arrival and kernel drops are NOT reported`,
    );
  }
  const c = loadCapModule();
  if ('mod' in c) return capBackend(c.mod);
  throw new SpanmapError(
    'unavailable',
    name === 'native' ? `no capture backend: native module unavailable and ${c.error}` : `capture.backend: cap: ${c.error}`,
  );
}

/** Compiles a filter without opening anything (for --check); null when fine or when it cannot be checked here. */
export function checkFilter(filter: string, snaplen: number): string | null {
  const n = loadNativeAddon();
  if (!('addon' in n) || filter.trim() === '') return null;
  return n.addon.checkFilter(filter, 1, snaplen);
}
