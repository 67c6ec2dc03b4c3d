import type { LearnedSource } from '@spanmap/shared';
import type { Conversation, EdgeLabel, Shape } from './conversation.js';
import type { NameFact } from './names-truth.js';
import { conversation, type PlanContext } from './plan.js';
import type { Rng } from './prng.js';
import { lanRtt } from './shapes.js';
import type { Addr } from './topology.js';

/** Labels of the edges only the names traffic has (period null: they are not there to test period detection). */
function label(service: string, infrastructure: boolean): EdgeLabel {
  return Object.freeze({ service, infrastructure, period: null, tag: 'names', anomaly: null });
}
export const NAMES_LABELS = {
  dhcpRelay: label('dhcp', true),
  netbios: label('netbios-ns', false),
  mdns: label('mdns', false),
  saas: label('https', false),
  grafana: label('http-alt', false),
} as const;

/** What one payload teaches: (address, name, source), or a name that must be refused. */
export type Teach = Omit<NameFact, 'packet'>;

/**
 * The exchanges of a UDP conversation with real payloads: each a request, an optional response,
 * and the names each teaches. Builds the Shape (sizes) and the content and facts together, so
 * they cannot disagree.
 */
export class Exchanges {
  readonly ex: number[] = [];
  readonly content: Uint8Array[] = [];
  readonly facts: NameFact[] = [];

  /** `gapUs` before the request; `thinkUs` before the response. */
  add(gapUs: number, req: Uint8Array, resp: Uint8Array | null, thinkUs: number, teach: { req?: Teach[]; resp?: Teach[] } = {}): this {
    this.ex.push(gapUs, req.length, resp ? resp.length : 0, resp ? thinkUs : 0);
    for (const t of teach.req ?? []) this.facts.push({ packet: this.content.length, ...t });
    this.content.push(req);
    if (resp) {
      for (const t of teach.resp ?? []) this.facts.push({ packet: this.content.length, ...t });
      this.content.push(resp);
    }
    return this;
  }

  /** Duration of the exchanges on the wire, roughly (µs): gaps and think times, without round trips. */
  get spanUs(): number {
    let s = 0;
    for (let i = 0; i < this.ex.length; i += 4) s += this.ex[i]! + this.ex[i + 3]!;
    return s;
  }

  shape(rng: Rng): Shape {
    return { kind: 'udp', rttUs: lanRtt(rng), ex: this.ex, close: 'fin', seed: rng.seed() };
  }
}

/** Adds a UDP conversation carrying `x`'s payloads. */
export function addUdp(
  ctx: PlanContext,
  rng: Rng,
  client: Addr,
  server: Addr,
  dport: number,
  startUs: number,
  x: Exchanges,
  label: EdgeLabel,
  sport = 0,
): Conversation {
  const c = conversation(client, server, 17, dport, startUs, x.shape(rng), label, sport);
  c.content = x.content;
  c.nameFacts = x.facts;
  ctx.add(c);
  return c;
}

/**
 * Adds a TLS session whose first client payload is `hello` (the rest of the session is zeros,
 * like the scenario's other TLS sessions): the ClientHello names the server.
 */
export function addTls(
  ctx: PlanContext,
  rng: Rng,
  client: Addr,
  server: Addr,
  dport: number,
  startUs: number,
  hello: Uint8Array,
  name: string,
  label: EdgeLabel,
): void {
  const ex = [300, hello.length, rng.int(2800, 4600), rng.int(300, 3000)];
  for (let i = rng.int(1, 3); i > 0; i--) ex.push(rng.int(200, 8000), rng.int(300, 900), rng.size(6000, 200, 60_000), rng.int(500, 40_000));
  const shape: Shape = { kind: 'tcp', rttUs: lanRtt(rng), ex, close: rng.chance(0.03) ? 'rst' : 'fin', seed: rng.seed() };
  const c = conversation(client, server, 6, dport, startUs, shape, label);
  c.content = [hello];
  c.nameFacts = [{ packet: 0, ip: server.ip, name, source: 'tls' satisfies LearnedSource }];
  ctx.add(c);
}
