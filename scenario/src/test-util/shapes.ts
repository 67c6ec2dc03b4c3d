import type { Shape } from '../conversation.js';

/** A one-exchange UDP shape for unit tests. */
export function udp(): Shape {
  return { kind: 'udp', rttUs: 300, ex: [0, 40, 80, 10], close: 'fin', seed: 1 };
}
