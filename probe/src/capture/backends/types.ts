/** What a capture backend is asked to open: one interface, its settings and its effective BPF filter. */
export interface OpenOptions {
  device: string;
  /** The effective filter (user filter combined with the own-traffic exclusion); '' captures everything. */
  filter: string;
  snaplen: number;
  promisc: boolean;
  /** Kernel ring buffer, bytes. */
  bufferSize: number;
  /**
   * Share the interface with other workers through a kernel fanout by address pair (native
   * backend only): join group `group`, or with `create` found a new group (its id in the handle).
   */
  fanout?: { group: number; create: boolean };
}

/**
 * Called once per captured frame, synchronously (the bytes are only valid during the call):
 * the frame is `data[off, off + caplen)`, `wirelen` its length on the wire, `ts` the capture
 * time in ms since the epoch.
 */
export type FrameHandler = (data: Uint8Array, off: number, caplen: number, wirelen: number, ts: number) => void;

/** Counters of one open capture. `null` means the backend cannot know (cap has no pcap_stats). */
export interface BackendStats {
  /** Packets that passed the filter in the kernel, including those it then dropped. */
  received: number | null;
  /** Dropped by the kernel because the ring buffer was full. */
  dropped: number | null;
  /** Dropped by the interface or its driver before the kernel's capture (all traffic, not just the filter's). */
  ifDropped: number | null;
  /** Handed to the probe. */
  delivered: number;
}

export interface CaptureHandle {
  /** Link type of the frames (DLT number; the decoder takes it as the file link type). */
  readonly linktype: number;
  /** A non-fatal note from opening (e.g. promiscuous mode not supported). */
  readonly warning?: string;
  /** The kernel fanout group joined (OpenOptions.fanout). */
  readonly fanoutGroup?: number;
  stats(): BackendStats;
  /** Stops capturing; returns the final counters. */
  close(): BackendStats;
}

export type BackendName = 'native' | 'cap';

export interface CaptureBackend {
  readonly name: BackendName;
  /**
   * Opens a live capture; throws a SpanmapError naming the interface and the problem. `onError`
   * reports a capture that fails later; `onFlush` is called after each run of frames delivered
   * together (a batch from the kernel, or a single frame), before control returns to the event loop.
   */
  open(opts: OpenOptions, onFrame: FrameHandler, onError: (message: string) => void, onFlush?: () => void): CaptureHandle;
}
