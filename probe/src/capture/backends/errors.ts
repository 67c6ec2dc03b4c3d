import { SpanmapError } from '@spanmap/shared';

// Setup errors are fatal and must say what to do in one line. libpcap reports a missing
// capability as PCAP_ERROR_PERM_DENIED / PCAP_ERROR_PROMISC_PERM_DENIED (the native backend maps
// those to EPERM / EPROMISC); `cap` only gives libpcap's text, so it is matched here too.

export type OpenErrorCode = 'EPERM' | 'EPROMISC' | 'ENODEV' | 'ENETDOWN' | 'EFILTER' | 'EPCAP';

const NEED_RAW = 'the probe needs CAP_NET_RAW to capture: run it as root or grant the capability (systemd: AmbientCapabilities=CAP_NET_RAW)';
const NEED_ADMIN = 'the probe needs CAP_NET_ADMIN for promiscuous mode (grant it, or set promisc: false for this interface)';

/** What a backend throws when a capture cannot be opened; the live stage turns it into a SpanmapError naming the config key. */
export class CaptureOpenError extends Error {
  constructor(
    readonly code: OpenErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'CaptureOpenError';
  }
}

/** Classifies a libpcap open error from its text, for backends that give no status code. */
export function classifyPcapMessage(message: string): OpenErrorCode {
  if (/promiscuous/i.test(message) && /permission|not permitted/i.test(message)) return 'EPROMISC';
  if (/permission|not permitted|EPERM|EACCES/i.test(message)) return 'EPERM';
  if (/no such device|doesn't exist|does not exist/i.test(message)) return 'ENODEV';
  if (/not up|is down|went down/i.test(message)) return 'ENETDOWN';
  if (/syntax error|filter|parse/i.test(message)) return 'EFILTER';
  return 'EPCAP';
}

/**
 * The one-line error for a failed open. `key` names the interface's place in the config
 * (e.g. `capture.interfaces[0]`) so a bad filter points at the line to fix.
 */
export function openError(device: string, code: OpenErrorCode, detail: string, key: string): SpanmapError {
  // Messages start with "capture on DEV: "; libpcap's permission text ends with the failing call in parentheses.
  const why = detail.replace(/^capture on [^:]*: /, '');
  const call = /\(([^()]+)\)\)?\s*$/.exec(why)?.[1] ?? why;
  switch (code) {
    case 'EPERM':
      return new SpanmapError('forbidden', `capture on ${device}: permission denied (${call}): ${NEED_RAW}`);
    case 'EPROMISC':
      return new SpanmapError('forbidden', `capture on ${device}: permission denied for promiscuous mode (${call}): ${NEED_ADMIN}`);
    case 'ENODEV':
      return new SpanmapError('bad_config', `${key}.name: no interface named "${device}" (${why})`);
    case 'ENETDOWN':
      return new SpanmapError('unavailable', `capture on ${device}: the interface is down (${why})`);
    case 'EFILTER':
      return new SpanmapError('bad_config', `${key}.filter: ${why}`);
    default:
      return new SpanmapError('io', `capture on ${device}: ${why}`);
  }
}
