import { describe, it, expect } from 'vitest';
import { startAll, stopAll, Lifecycle, type Component } from './lifecycle.js';

/** A component that records what happens to it, and can be told to fail. */
function part(name: string, log: string[], fail: { start?: boolean; stop?: boolean } = {}): Component {
  return {
    name,
    async start() {
      if (fail.start) throw new Error(`${name} cannot start`);
      log.push(`start ${name}`);
    },
    async stop() {
      log.push(`stop ${name}`);
      if (fail.stop) throw new Error(`${name} cannot stop`);
    },
  };
}

describe('startAll / stopAll', () => {
  it('starts in order and stops in reverse order, once', async () => {
    const log: string[] = [];
    const stop = await startAll([part('store', log), part('publisher', log), part('capture', log)]);
    expect(log).toEqual(['start store', 'start publisher', 'start capture']);
    await Promise.all([stop(), stop()]);
    await stop();
    expect(log.slice(3)).toEqual(['stop capture', 'stop publisher', 'stop store']);
  });

  it('a failed start stops what already started, in reverse, and throws the start error', async () => {
    const log: string[] = [];
    const told: string[] = [];
    const parts = [part('store', log), part('publisher', log, { stop: true }), part('metrics', log, { start: true }), part('never', log)];
    await expect(startAll(parts, { onStopError: (n, e) => told.push(`${n}: ${(e as Error).message}`) })).rejects.toThrow('metrics cannot start');
    expect(log).toEqual(['start store', 'start publisher', 'stop publisher', 'stop store']);
    expect(told).toEqual(['publisher: publisher cannot stop']);
  });

  it('a failed stop still stops the rest; the first failure is thrown, the others told', async () => {
    const log: string[] = [];
    const told: string[] = [];
    const parts = [part('a', log, { stop: true }), part('b', log), part('c', log, { stop: true })];
    await expect(stopAll(parts, { onStopError: (n) => told.push(n) })).rejects.toThrow('c cannot stop');
    expect(log).toEqual(['stop c', 'stop b', 'stop a']);
    expect(told).toEqual(['a']);
  });
});

describe('Lifecycle', () => {
  it('is a component made of components: stop before start is harmless, start twice is refused', async () => {
    const log: string[] = [];
    const l = new Lifecycle([part('x', log), part('y', log)], {}, 'probe');
    await l.stop();
    expect(log).toEqual([]);
    await l.start();
    await expect(l.start()).rejects.toThrow('probe: already started');
    await l.stop();
    await l.stop();
    expect(log).toEqual(['start x', 'start y', 'stop y', 'stop x']);
  });
});
