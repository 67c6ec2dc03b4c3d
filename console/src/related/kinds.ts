import { serviceFor } from '@spanmap/shared';

export type PortRange = [number, number];

const TCP = 6;
const UDP = 17;

/**
 * A control/data pair: a connection to a well-known control port, then a connection between the
 * same two hosts to a port from a documented dynamic range that the control exchange announced
 * (the payload is not read: the pair is recognised from the flows' endpoints and timing alone).
 */
export interface RelatedKind {
  /** The label its data edges carry (EdgeRow.service). */
  service: string;
  /** For rule comments: what the control connection is. */
  title: string;
  control: { protos: readonly number[]; port: number };
  data: {
    protos: readonly number[];
    /** The documented ranges the data port comes from; a draft allows those an observed port fell in. */
    ranges: readonly PortRange[];
    /** The control's responder opens the data connection (active FTP, TFTP). */
    reverse: boolean;
    /** The data connection's initiator port (active FTP: 20). */
    sport?: number;
    /** The data connection goes to the control connection's initiator port (TFTP). */
    toControlPort?: boolean;
  };
}

/**
 * The pairs recognised, and why these ranges:
 * - MS-RPC: the endpoint mapper (tcp/135) hands out a port from Windows' dynamic range,
 *   49152-65535 since Vista/2008, 1025-5000 on older systems (Microsoft KB 929851).
 * - Sun RPC: portmapper/rpcbind (111, TCP or UDP) hands out ports that services such as mountd,
 *   statd and nlockmgr bound: reserved ports from bindresvport (512-1023) or the ephemeral range
 *   (32768-65535 covers Linux's 32768-60999 and the BSD/Solaris/Windows ranges).
 * - FTP passive: after tcp/21 the client opens the data connection to a port the server chose;
 *   servers may use any unprivileged port (1024-65535) unless configured otherwise.
 * - FTP active: the server opens the data connection from port 20 to the client's port.
 * - TFTP: after a request to udp/69 the server answers from a new port to the client's port.
 * A port with a well-known service of its own (serviceFor) is never taken for a dynamic port.
 */
export const RELATED_KINDS: readonly RelatedKind[] = [
  {
    service: 'msrpc-dynamic',
    title: 'MS-RPC endpoint mapper tcp/135',
    control: { protos: [TCP], port: 135 },
    data: {
      protos: [TCP],
      ranges: [
        [1025, 5000],
        [49152, 65535],
      ],
      reverse: false,
    },
  },
  {
    service: 'sunrpc-dynamic',
    title: 'Sun RPC portmapper port 111',
    control: { protos: [TCP, UDP], port: 111 },
    data: {
      protos: [TCP, UDP],
      ranges: [
        [512, 1023],
        [32768, 65535],
      ],
      reverse: false,
    },
  },
  {
    service: 'ftp-data',
    title: 'FTP control tcp/21 (passive data)',
    control: { protos: [TCP], port: 21 },
    data: { protos: [TCP], ranges: [[1024, 65535]], reverse: false },
  },
  {
    service: 'ftp-active-data',
    title: 'FTP control tcp/21 (active data from port 20)',
    control: { protos: [TCP], port: 21 },
    data: { protos: [TCP], ranges: [[1024, 65535]], reverse: true, sport: 20 },
  },
  {
    service: 'tftp-data',
    title: 'TFTP request udp/69',
    control: { protos: [UDP], port: 69 },
    data: { protos: [UDP], ranges: [[1024, 65535]], reverse: true, toControlPort: true },
  },
];

/** Index (from 1; 0 = none) of a kind by its service label. */
export function kindIndex(service: string): number {
  return RELATED_KINDS.findIndex((k) => k.service === service) + 1;
}

export function kindAt(index: number): RelatedKind | null {
  return RELATED_KINDS[index - 1] ?? null;
}

const inRanges = (ranges: readonly PortRange[], port: number) => ranges.some(([lo, hi]) => port >= lo && port <= hi);

/** Bit mask (bit i-1 for kind i) of the kinds whose control port this (proto, responder port) is. */
export function controlMask(proto: number, dport: number): number {
  let m = 0;
  RELATED_KINDS.forEach((k, i) => {
    if (k.control.port === dport && k.control.protos.includes(proto)) m |= 1 << i;
  });
  return m;
}

/** Bit mask of the kinds this connection could be the data connection of. */
export function dataMask(proto: number, sport: number, dport: number): number {
  if (proto !== TCP && proto !== UDP) return 0;
  if (serviceFor(proto, dport)) return 0;
  let m = 0;
  RELATED_KINDS.forEach((k, i) => {
    const d = k.data;
    if (!d.protos.includes(proto) || !inRanges(d.ranges, dport)) return;
    if (d.sport !== undefined && sport !== d.sport) return;
    m |= 1 << i;
  });
  return m;
}

/** The documented ranges of a kind that hold at least one of the observed ports (the draft's ports). */
export function rangesUsed(kind: RelatedKind, ports: Iterable<number>): PortRange[] {
  const seen = [...ports];
  return kind.data.ranges.filter(([lo, hi]) => seen.some((p) => p >= lo && p <= hi)).map(([lo, hi]) => [lo, hi] as PortRange);
}
