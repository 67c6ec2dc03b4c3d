import { lookup } from 'node:dns/promises';
import { networkInterfaces } from 'node:os';
import { isIP } from 'node:net';

// The probe must never count its own traffic: its MQTT connection to the broker, the NetFlow/IPFIX
// datagrams exporters send it, and scrapes of its metrics endpoint. Each becomes a BPF term and
// the capture filter is `(user filter) and not (term or term ...)`, so the kernel drops them
// before they cost anything.

/** One of the probe's own connections, as configured. `host` null or a wildcard means "this machine". */
export interface OwnEndpoint {
  what: string;
  proto: 'tcp' | 'udp';
  /** 'remote': we connect to host:port (MQTT). 'local': we listen on host:port (NetFlow, metrics). */
  side: 'remote' | 'local';
  host: string | null;
  port: number;
}

/** An endpoint with its addresses resolved; an empty list means the port alone identifies it. */
export interface ResolvedEndpoint extends OwnEndpoint {
  addresses: string[];
}

const WILDCARDS = new Set(['', '0.0.0.0', '::', '*', '[::]']);

/** BPF for one endpoint. Listeners match on the destination (datagrams to us); connections on either side. */
export function endpointFilter(e: ResolvedEndpoint): string {
  const dir = e.side === 'local' && e.proto === 'udp' ? 'dst ' : '';
  const port = `${e.proto} ${dir}port ${e.port}`;
  if (e.addresses.length === 0) return `(${port})`;
  return `(${port} and (${e.addresses.map((a) => `${dir}host ${a}`).join(' or ')}))`;
}

/** `(user) and not (own...)`, or whichever part is not empty. */
export function combineFilters(user: string, own: readonly ResolvedEndpoint[]): string {
  const u = user.trim();
  const exclude = own.map(endpointFilter).join(' or ');
  if (exclude === '') return u;
  if (u === '') return `not (${exclude})`;
  return `(${u}) and not (${exclude})`;
}

/** Addresses of this machine (scope ids dropped: BPF takes bare addresses). */
export function localAddresses(): string[] {
  const out = new Set<string>();
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) out.add(a.address.replace(/%.*$/, ''));
  return [...out].sort();
}

/**
 * Resolves hosts to addresses (I/O: DNS, interface list), so it runs at start and on reload.
 * A name that does not resolve falls back to the port alone, with a warning: over-excluding a
 * port beats counting our own traffic.
 */
export async function resolveEndpoints(eps: readonly OwnEndpoint[], warn: (line: string) => void): Promise<ResolvedEndpoint[]> {
  const out: ResolvedEndpoint[] = [];
  for (const e of eps) {
    const host = (e.host ?? '').replace(/^\[(.*)\]$/, '$1');
    if (WILDCARDS.has(host)) {
      out.push({ ...e, addresses: e.side === 'local' ? localAddresses() : [] });
    } else if (isIP(host)) {
      out.push({ ...e, addresses: [host] });
    } else {
      try {
        const addrs = await lookup(host, { all: true });
        out.push({ ...e, addresses: [...new Set(addrs.map((a) => a.address))].sort() });
      } catch (err) {
        warn(
          `${e.what}: cannot resolve "${host}" (${(err as NodeJS.ErrnoException).code ?? err}); excluding ${e.proto} port ${e.port} from capture on every host`,
        );
        out.push({ ...e, addresses: [] });
      }
    }
  }
  return out;
}
