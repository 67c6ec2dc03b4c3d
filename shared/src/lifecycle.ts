/**
 * Components are inert until started: `createX(config, deps)` allocates,
 * `start()`/`stop()` do I/O. Only main wires them and stops them in reverse order.
 */
export interface Component {
  /** What error lines and logs call it, e.g. "store" or "metrics". */
  readonly name?: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface LifecycleOptions {
  /**
   * Told about every stop that failed but is not the error thrown: a second failed stop, or a
   * failed stop while unwinding a failed start. Without it those are dropped silently.
   */
  onStopError?: (component: string, error: unknown) => void;
}

const nameOf = (c: Component, i: number) => c.name ?? `component ${i + 1}`;

/**
 * Starts components in order; on failure stops the ones already started (reverse order) and
 * rethrows the start error. Resolves to the stop function: it stops them in reverse order, runs
 * once (later calls share the first call's promise), and a failed stop still stops the rest.
 */
export async function startAll(components: readonly Component[], opts: LifecycleOptions = {}): Promise<() => Promise<void>> {
  const started: Component[] = [];
  try {
    for (const c of components) {
      await c.start();
      started.push(c);
    }
  } catch (e) {
    // The start error is the one to report; failed stops while unwinding are only told.
    await stopEach(started, (name, stopError) => opts.onStopError?.(name, stopError));
    throw e;
  }
  let stopping: Promise<void> | null = null;
  return () => (stopping ??= stopAll(started, opts));
}

/** Stops components in reverse order; every one is stopped even if another fails. Throws the first failure. */
export async function stopAll(components: readonly Component[], opts: LifecycleOptions = {}): Promise<void> {
  let first: { error: unknown } | null = null;
  await stopEach(components, (name, e) => {
    if (first) opts.onStopError?.(name, e);
    else first = { error: e };
  });
  if (first) throw (first as { error: unknown }).error;
}

async function stopEach(components: readonly Component[], failed: (name: string, e: unknown) => void): Promise<void> {
  for (let i = components.length - 1; i >= 0; i--) {
    const c = components[i]!;
    try {
      await c.stop();
    } catch (e) {
      failed(nameOf(c, i), e);
    }
  }
}

/**
 * A set of components run as one: start() starts them in order (unwinding on failure), stop()
 * stops what started, in reverse. stop() before start() or twice is harmless.
 */
export class Lifecycle implements Component {
  private stopper: (() => Promise<void>) | null = null;

  constructor(
    readonly components: readonly Component[],
    private readonly opts: LifecycleOptions = {},
    readonly name?: string,
  ) {}

  async start(): Promise<void> {
    if (this.stopper) throw new Error(`${this.name ?? 'lifecycle'}: already started`);
    this.stopper = await startAll(this.components, this.opts);
  }

  async stop(): Promise<void> {
    await this.stopper?.();
  }
}
