import { href, linkHandler } from '../router.js';
import './host-name.css';

/*
 * Names wherever an address is shown, the address always beside them. A name is data from the
 * wire or an operator: it is rendered as text (Preact escapes it), never as markup.
 */

/** "dc1.corp.example 10.10.0.10" (name first, the address beside it), or the bare address. */
export function HostLabel({ ip, name, link }: { ip: string; name: string | null | undefined; link?: boolean }) {
  const addr = <span class="mono host-ip">{ip}</span>;
  const body = name ? (
    <span class="host-label" title={`${name} (${ip})`}>
      <span class="host-name">{name}</span> {addr}
    </span>
  ) : (
    <span class="host-label" title={ip}>
      {addr}
    </span>
  );
  if (!link) return body;
  const q = { ip };
  return (
    <a href={href('/hosts', q)} onClick={linkHandler('/hosts', q)} class="host-link" title="this address's names over time">
      {body}
    </a>
  );
}

/**
 * A table cell: the name on the first line (the whole width: names are long), the address and
 * the segment under it; an unnamed address on the first line, its segment under it.
 */
export function HostCell({ ip, name, segment }: { ip: string; name: string | null | undefined; segment?: string }) {
  const seg = segment !== undefined && <span class="seg">{segment}</span>;
  return (
    <span class="two-line host-cell" title={name ? `${name} (${ip})` : ip}>
      {name ? <span class="host-name">{name}</span> : <span class="mono host-ip">{ip}</span>}
      {name ? (
        <span class="host-sub">
          <span class="mono host-ip">{ip}</span>
          {seg && ' · '}
          {seg}
        </span>
      ) : (
        seg
      )}
    </span>
  );
}

/** A policy rule's side: a named host selector as its name over "host ADDRESS", anything else as its text. */
export function EndpointLabel({ text, host, name }: { text: string; host: string | null; name: string | null | undefined }) {
  if (host === null || !name) return <span class="mono">{text}</span>;
  return (
    <span class="two-line host-cell" title={`${name} (${host})`}>
      <span class="host-name">{name}</span>
      <span class="host-sub">
        host <span class="mono host-ip">{host}</span>
      </span>
    </span>
  );
}

const SOURCE_TITLE: Record<string, string> = {
  operator: 'set by an operator (wins over learned names)',
  dhcp: 'DHCP: the host name the client gave for its lease',
  dns: 'DNS: an answer naming this address (A/AAAA, PTR)',
  netbios: 'NetBIOS name service: a name the host registered or answered for',
  mdns: 'mDNS: a name the host announced on the local link',
  tls: 'TLS: the server name a client asked for (SNI)',
};

/** Where a name came from. */
export function SourceBadge({ source }: { source: string | null | undefined }) {
  if (!source) return <span class="muted">–</span>;
  return (
    <span class={`badge src-badge ${source === 'operator' ? 'svc' : ''}`} title={SOURCE_TITLE[source] ?? source}>
      {source}
    </span>
  );
}

/** Plain text for titles, toasts and CSV: "name (ip)" or the address. */
export function hostText(ip: string, name: string | null | undefined): string {
  return name ? `${name} (${ip})` : ip;
}
