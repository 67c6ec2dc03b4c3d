import type { DecodeReason } from '../decode/index.js';
import type { FlowTable } from '../flowtable/flow-table.js';
import type { NameObserver } from '../names/types.js';
import { PacketPath, DEFAULT_DEDUP_WINDOW_MS } from './packet-path.js';
import { openNameCapture } from './name-capture.js';
import {
  selectBackend,
  openError,
  CaptureOpenError,
  BLOCK_TIMEOUT_MS,
  type BackendName,
  type CaptureBackend,
  type CaptureHandle,
  type BackendStats,
} from './backends/index.js';
import { combineFilters, resolveEndpoints, type OwnEndpoint, type ResolvedEndpoint } from './live-filter.js';

// The live capture stage: one capture per interface, every frame going synchronously through the
// packet path (packet-path.ts: decode, duplicates, fragments, names, flow table) with the
// interface's index (its name goes into the records' `iface`). Capture is lossy by nature: what
// the kernel dropped is counted and reported, never hidden.

export interface LiveInterface {
  name: string;
  filter: string;
  promisc: boolean;
  snaplen: number;
  bufferSize: number;
}

export interface LiveCaptureConfig {
  backend: BackendName;
  interfaces: readonly LiveInterface[];
  /** Key tunnelled traffic on the innermost IP header (else the outermost). */
  decapInner: boolean;
  /** The probe's own connections, excluded from every capture. */
  own: readonly OwnEndpoint[];
  /** Drop copies of a packet seen again within this many ms, on any interface (default 2; 0 keeps every copy). */
  dedupWindowMs?: number;
  /**
   * One of several capture workers (live-workers.ts): each interface's flow capture founds a
   * kernel fanout group (`create`: the first worker) or joins the group of that interface (`groups`).
   */
  fanout?: { create: true } | { groups: Record<string, number> };
}

export interface LiveCaptureDeps {
  table: FlowTable;
  /** Passive naming (default: off). */
  names?: NameObserver | null;
  /** One human line to stderr (warnings, interfaces failing and coming back). */
  log: (line: string) => void;
  /** Picks the capture backend (default: selectBackend; tests of the reload hand-over give their own). */
  selectBackend?: typeof selectBackend;
}

export interface InterfaceStats {
  name: string;
  backend: BackendName;
  up: boolean;
  /** Frames handed to the probe (decoded or counted as decode errors). */
  captured: number;
  /** Kernel counters; null when the backend cannot know (cap). */
  received: number | null;
  kernelDrops: number | null;
  ifaceDrops: number | null;
  /** Received by the kernel but still queued when a capture closed (reload hand-over, stop): received = captured + kernelDrops + unread. */
  unread: number | null;
}

export interface LiveCaptureStats {
  interfaces: InterfaceStats[];
  captured: number;
  kernelDrops: number | null;
  ifaceDrops: number | null;
  decodeErrors: Partial<Record<DecodeReason, number>>;
  fragments: { matched: number; orphaned: number; absorbed: number };
  /** Copies of a packet already counted (within the dedup window, on any interface), dropped. Always set by stats(). */
  duplicates?: number;
  /** Frames seen by both the old and the new capture during a reload, counted once. */
  reloadDuplicates: number;
  /** Frames lost in a reload because the workers took too long to agree on the switch (see HOLD_MAX_BYTES). */
  reloadLost: number;
}

interface Running {
  cfg: LiveInterface;
  index: number;
  /** Everything that decides how the capture is opened: a change re-opens it on reload. */
  signature: string;
  handle: CaptureHandle | null;
  /** The full-length capture of name-carrying packets (passive naming), when open. */
  names: CaptureHandle | null;
  backend: CaptureBackend;
  retry: NodeJS.Timeout | null;
  /**
   * Frames stamped outside [from, until) are not counted. On reload the new capture opens before
   * the old one closes; both see the packets in between, so they split time at the moment the
   * new one was open: the old one keeps what came before (delivered while its ring drains), the
   * new one what came after. No gap and no packet counted twice.
   */
  from: number;
  until: number;
}

/** Counters of captures already closed (re-opened on reload, failed), so totals never go backwards. */
type Totals = { captured: number; received: number | null; dropped: number | null; ifDropped: number | null; unread: number | null };
const ZERO: Totals = { captured: 0, received: 0, dropped: 0, ifDropped: 0, unread: 0 };

const RETRY_MS = 5000;
/** What a hand-over may hold while the workers agree on the switch moment (normally milliseconds of traffic). */
const HOLD_MAX_BYTES = 32 << 20;

export function createLiveCapture(initial: LiveCaptureConfig, deps: LiveCaptureDeps) {
  const { table, log } = deps;
  let config = initial;
  let own: ResolvedEndpoint[] = [];
  let backend: CaptureBackend | null = null;
  /** The backend the config asked for (backend.name differs after a fallback to cap). */
  let requested: BackendName | null = null;
  const running = new Map<string, Running>();
  const closedTotals = new Map<string, Totals>();
  const indexOf = new Map<string, number>();
  // Live capture entries: copies on another interface arrive in that capture's batch, up to a
  // kernel block (100 ms) of every interface later.
  const path = new PacketPath(table, {
    decapInner: initial.decapInner,
    dedupWindowMs: initial.dedupWindowMs ?? DEFAULT_DEDUP_WINDOW_MS,
    dedupEntries: 1 << 17,
    names: deps.names ?? null,
    expireEveryMs: 0,
  });
  let stopped = false;
  /** The fanout setting the captures being opened use (the configuration being applied). */
  let fanoutOf: LiveCaptureConfig['fanout'] = initial.fanout;
  /** Frames both captures saw during a reload hand-over, counted once and skipped once. */
  let handover = 0;
  /** Captures replaced on reload, still draining their ring. */
  const retiring = new Set<Running>();
  /** Frames stamped at or after `floor` while a hand-over's switch moment is unknown (see onFrame). */
  let held: { floor: number; frames: Array<{ r: Running; frame: Uint8Array; linktype: number; ts: number }>; bytes: number } | null = null;
  /** Frames that could not wait for the switch moment (more than HOLD_MAX_BYTES held): lost, counted. */
  let heldLost = 0;

  function indexFor(name: string): number {
    let i = indexOf.get(name);
    if (i === undefined) {
      i = indexOf.size < 256 ? indexOf.size : 255; // the flow table keeps 8 bits; config allows far fewer interfaces
      indexOf.set(name, i);
      table.ifaceNames[i] = name;
    }
    return i;
  }

  function open(r: Running, key: string): void {
    let linktype = 1;
    const onFrame = (data: Uint8Array, off: number, caplen: number, _wirelen: number, ts: number) => {
      // During a workers' hand-over the moment of the switch is not known yet: a frame that may be
      // on either side of it waits (copied) until it is, so that neither copy is lost or kept twice.
      // It also keeps other workers' packets out: once a worker that has switched closes its old
      // capture, the old fanout group hands every packet to the members left, and a worker still
      // waiting for the switch message would count those (a flow split between two tables).
      const pending = r.from === Infinity || (r.until === Infinity && retiring.has(r));
      if (held !== null && pending && ts >= held.floor) {
        hold(r, data.slice(off, off + caplen), linktype, ts);
        return;
      }
      take(r, data, off, caplen, linktype, ts);
    };
    const onFlush = () => path.flush();
    const onError = (message: string) => {
      if (r.handle === null) return;
      closeHandle(r);
      log(`${message.startsWith('capture on') ? message : `capture on ${r.cfg.name}: ${message}`}; retrying every ${RETRY_MS / 1000} s`);
      scheduleRetry(r, key);
    };
    const filter = combineFilters(r.cfg.filter, own);
    const f = fanoutOf;
    const fanout = f === undefined ? undefined : 'create' in f ? { group: 0, create: true } : { group: f.groups[r.cfg.name] ?? 0, create: false };
    try {
      r.handle = r.backend.open(
        { device: r.cfg.name, filter, snaplen: r.cfg.snaplen, promisc: r.cfg.promisc, bufferSize: r.cfg.bufferSize, ...(fanout ? { fanout } : {}) },
        onFrame,
        onError,
        onFlush,
      );
    } catch (e) {
      if (e instanceof CaptureOpenError) throw openError(r.cfg.name, e.code, e.message, key);
      throw e;
    }
    linktype = r.handle.linktype;
    if (r.handle.warning) log(r.handle.warning);
    if (deps.names) {
      try {
        r.names = openNameCapture(
          r.backend,
          { device: r.cfg.name, flowFilter: filter, promisc: r.cfg.promisc, linktype, decapInner: () => path.decapInner },
          deps.names,
        );
        path.offerNames(r.index, false);
      } catch (e) {
        path.offerNames(r.index, true);
        log(
          `capture on ${r.cfg.name}: no full-length capture for names (${(e as Error).message}); names come from the flow capture's first ${r.cfg.snaplen} bytes`,
        );
      }
    }
  }

  function take(r: Running, data: Uint8Array, off: number, caplen: number, linktype: number, ts: number): void {
    if (ts < r.from || ts >= r.until) {
      handover++;
      return;
    }
    path.frame(data, off, caplen, linktype, r.index, ts);
  }

  function hold(r: Running, frame: Uint8Array, linktype: number, ts: number): void {
    const h = held!;
    if (h.bytes + frame.length > HOLD_MAX_BYTES) {
      heldLost++;
      return;
    }
    h.bytes += frame.length;
    h.frames.push({ r, frame, linktype, ts });
  }

  /** The switch moment is known: the frames held meanwhile go through in the order they came. */
  function release(): void {
    const h = held;
    held = null;
    if (h === null) return;
    for (const f of h.frames) take(f.r, f.frame, 0, f.frame.length, f.linktype, f.ts);
    path.flush();
  }

  function scheduleRetry(r: Running, key: string): void {
    if (stopped || r.retry) return;
    r.retry = setInterval(() => {
      try {
        open(r, key);
        clearInterval(r.retry!);
        r.retry = null;
        log(`capture on ${r.cfg.name}: capturing again`);
      } catch {
        // still failing; said once already
      }
    }, RETRY_MS);
    r.retry.unref();
  }

  function closeHandle(r: Running): void {
    r.names?.close();
    r.names = null;
    if (r.handle === null) return;
    add(r.cfg.name, r.handle.close());
    r.handle = null;
  }

  function add(name: string, s: BackendStats): void {
    const t = closedTotals.get(name) ?? { ...ZERO };
    t.captured += s.delivered;
    // Still queued in the kernel at close: packets after a reload's hand-over (the new capture has
    // them) or that arrived while stopping, in a block the kernel had not handed over yet.
    t.unread = t.unread === null || s.received === null ? null : t.unread + Math.max(0, s.received - (s.dropped ?? 0) - s.delivered);
    t.received = t.received === null || s.received === null ? null : t.received + s.received;
    t.dropped = t.dropped === null || s.dropped === null ? null : t.dropped + s.dropped;
    t.ifDropped = t.ifDropped === null || s.ifDropped === null ? null : t.ifDropped + s.ifDropped;
    closedTotals.set(name, t);
  }

  function stop1(r: Running): void {
    if (r.retry) clearInterval(r.retry);
    r.retry = null;
    closeHandle(r);
  }

  function signature(i: LiveInterface, b: CaptureBackend, fanout: LiveCaptureConfig['fanout']): string {
    const group = fanout && 'groups' in fanout ? (fanout.groups[i.name] ?? null) : null;
    return JSON.stringify([b.name, i.filter, i.promisc, i.snaplen, i.bufferSize, combineFilters(i.filter, own), group]);
  }

  /**
   * Opens what `config` asks for. Already running interfaces with unchanged settings keep their
   * capture (no gap); changed ones are opened anew before the old capture is closed. On a
   * failure nothing that was running is stopped, and the error is thrown.
   */
  /**
   * `handOver` (capture workers, live-workers.ts): the captures that replace running ones count
   * nothing until it resolves with the moment every worker switches at, so that all of them split
   * the packets of their old and new fanout groups at one instant.
   */
  async function apply(next: LiveCaptureConfig, handOver?: () => Promise<number>): Promise<void> {
    const nextOwn = await resolveEndpoints(next.own, log);
    const b = backend && requested === next.backend ? backend : (deps.selectBackend ?? selectBackend)(next.backend, log);
    const prevOwn = own;
    own = nextOwn;
    const prevFanout = fanoutOf;
    fanoutOf = next.fanout;
    const opened: Running[] = [];
    try {
      for (const [i, cfg] of next.interfaces.entries()) {
        const sig = signature(cfg, b, next.fanout);
        const cur = running.get(cfg.name);
        if (cur && cur.signature === sig) {
          cur.cfg = cfg;
          continue;
        }
        const r: Running = {
          cfg,
          index: indexFor(cfg.name),
          signature: sig,
          handle: null,
          names: null,
          backend: b,
          retry: null,
          from: -Infinity,
          until: Infinity,
        };
        open(r, `capture.interfaces[${i}]`);
        if (cur) r.from = handOver ? Infinity : Date.now(); // same clock as kernel packet timestamps (CLOCK_REALTIME)
        opened.push(r);
      }
    } catch (e) {
      for (const r of opened) stop1(r);
      own = prevOwn;
      fanoutOf = prevFanout;
      throw e;
    }
    backend = b;
    requested = next.backend;
    config = next;
    path.decapInner = next.decapInner;
    for (const r of opened) {
      const cur = running.get(r.cfg.name);
      if (cur) {
        cur.until = r.from;
        retiring.add(cur);
      }
      running.set(r.cfg.name, r);
    }
    if (handOver) {
      // Whatever is stamped before now precedes the switch (chosen later): only later frames wait.
      held = { floor: Date.now(), frames: [], bytes: 0 };
      let at = Date.now();
      try {
        at = await handOver();
      } finally {
        for (const r of opened) if (r.from === Infinity) r.from = at;
        for (const r of retiring) if (r.until === Infinity) r.until = at;
        release();
      }
    }
    const keep = new Set(next.interfaces.map((i) => i.name));
    for (const [name, r] of running) {
      if (!keep.has(name)) {
        stop1(r);
        running.delete(name);
      }
    }
    if (retiring.size > 0) {
      await drain();
      for (const r of retiring) stop1(r);
      retiring.clear();
    }
  }

  /**
   * Lets the captures take what the kernel already holds before they close: the native backend
   * gets blocks only when they are retired (TPACKET_V3 block timeout), and either backend may be
   * behind after a burst. Waits until nothing more arrives for a moment (at most 2 s).
   */
  async function drain(): Promise<void> {
    const all = [...running.values(), ...retiring].filter((r) => r.handle);
    if (all.length === 0) return;
    const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));
    const delivered = () => all.reduce((a, r) => a + (r.handle?.stats().delivered ?? 0), 0);
    const until = Date.now() + 2000;
    if (all.some((r) => r.backend.name === 'native')) await sleep(BLOCK_TIMEOUT_MS + 20);
    for (let before = -1, now = delivered(); now !== before && Date.now() < until; before = now, now = delivered()) await sleep(50);
  }

  function stats(): LiveCaptureStats {
    const names = new Set([...closedTotals.keys(), ...running.keys()]);
    const interfaces: InterfaceStats[] = [];
    for (const name of names) {
      const r = running.get(name);
      const t = closedTotals.get(name) ?? ZERO;
      const s = r?.handle?.stats() ?? { delivered: 0, received: 0, dropped: 0, ifDropped: 0 };
      const sum = (a: number | null, b: number | null) => (a === null || b === null ? null : a + b);
      interfaces.push({
        name,
        backend: r?.backend.name ?? backend?.name ?? config.backend,
        up: r?.handle != null,
        captured: t.captured + s.delivered,
        received: sum(t.received, s.received),
        kernelDrops: sum(t.dropped, s.dropped),
        ifaceDrops: sum(t.ifDropped, s.ifDropped),
        unread: r?.handle ? sum(t.unread, s.received === null ? null : 0) : t.unread,
      });
    }
    const total = (k: 'kernelDrops' | 'ifaceDrops') => interfaces.reduce<number | null>((a, i) => (a === null || i[k] === null ? null : a + i[k]), 0);
    const c = path.counters;
    return {
      interfaces,
      captured: interfaces.reduce((a, i) => a + i.captured, 0),
      kernelDrops: total('kernelDrops'),
      ifaceDrops: total('ifaceDrops'),
      decodeErrors: c.decodeErrors,
      fragments: c.fragments,
      duplicates: c.duplicates,
      reloadDuplicates: handover,
      reloadLost: heldLost,
    };
  }

  return {
    /** Resolves the own-traffic exclusion and opens every interface; throws one clear SpanmapError on failure. */
    start: () => apply(config),
    /** Applies a new configuration (SIGHUP): re-opens only the captures whose settings changed (see apply for `handOver`). */
    reload: (next: LiveCaptureConfig, handOver?: () => Promise<number>) => apply(next, handOver),
    /** Expires fragment state at `now` (ms); the flow table is expired by its owner. */
    expire(now: number): void {
      path.expire(now);
    },
    stats,
    /** Per interface, the kernel fanout group its flow capture belongs to (workers join these). */
    fanoutGroups(): Record<string, number> {
      const out: Record<string, number> = {};
      for (const [name, r] of running) if (r.handle?.fanoutGroup !== undefined) out[name] = r.handle.fanoutGroup;
      return out;
    },
    /** Lets the kernel hand over the blocks it still holds, then closes every capture. */
    async stop(): Promise<void> {
      if (stopped) return;
      stopped = true;
      await drain();
      for (const r of [...running.values(), ...retiring]) stop1(r);
    },
  };
}

export type LiveCapture = ReturnType<typeof createLiveCapture>;
