/**
 * Components are inert until started: `createX(config, deps)` allocates,
 * `start()`/`stop()` do I/O. Only main wires them and stops them in reverse order.
 */
export interface Component {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts components in order; on failure stops the ones already started (reverse order) and rethrows. */
export async function startAll(components: readonly Component[]): Promise<() => Promise<void>> {
  const started: Component[] = [];
  try {
    for (const c of components) {
      await c.start();
      started.push(c);
    }
  } catch (e) {
    await stopAll(started);
    throw e;
  }
  return () => stopAll(started);
}

export async function stopAll(components: readonly Component[]): Promise<void> {
  let first: unknown;
  for (const c of [...components].reverse()) {
    try {
      await c.stop();
    } catch (e) {
      first ??= e;
    }
  }
  if (first) throw first;
}
