import { isIPv4, isIPv6 } from 'node:net';
import { UsageError } from '@spanmap/shared';

export interface ListenAddress {
  /** Address to bind (literal or host name), without brackets. */
  host: string;
  port: number;
}

/**
 * HOST:PORT as a user writes it: `2055`, `:2055` (all IPv4 addresses), `127.0.0.1:2055`,
 * `[::]:4739`, `[::1]:4739`, `localhost:2055`. Port 0 asks the system for a free port.
 */
export function parseListenAddress(text: string, option: string): ListenAddress {
  const bad = (why: string) => new UsageError(`${option}: ${why} in "${text}" (expected HOST:PORT, e.g. 0.0.0.0:2055 or [::]:4739)`);
  let host: string;
  let portText: string;
  const s = text.trim();
  if (/^\d+$/.test(s)) {
    host = '0.0.0.0';
    portText = s;
  } else if (s.startsWith('[')) {
    const close = s.indexOf(']');
    if (close < 0 || s[close + 1] !== ':') throw bad('unclosed [IPv6] address or missing :PORT');
    host = s.slice(1, close);
    portText = s.slice(close + 2);
    if (!isIPv6(host)) throw bad(`"${host}" is not an IPv6 address`);
  } else {
    const cut = s.lastIndexOf(':');
    if (cut < 0) throw bad('missing :PORT');
    host = s.slice(0, cut) || '0.0.0.0';
    portText = s.slice(cut + 1);
    if (host.includes(':')) throw bad('an IPv6 address needs brackets');
    if (!isIPv4(host) && !/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(host)) throw bad(`"${host}" is not an address or host name`);
  }
  if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) throw bad(`"${portText}" is not a port (0-65535)`);
  return { host, port: Number(portText) };
}

/** `::ffff:192.0.2.1` (an IPv4 exporter seen on a dual-stack socket) → `192.0.2.1`. */
export function exporterAddress(address: string): string {
  return address.startsWith('::ffff:') && isIPv4(address.slice(7)) ? address.slice(7) : address;
}

export function formatListenAddress(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
