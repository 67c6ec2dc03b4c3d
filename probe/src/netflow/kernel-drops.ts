import { readFileSync, readdirSync, readlinkSync } from 'node:fs';

/**
 * Datagrams the kernel dropped for our socket because its receive buffer was full: the `drops`
 * column of /proc/net/udp and /proc/net/udp6 for the socket's inode. Node gives no access to
 * SO_RXQ_OVFL, and this is the number `netstat -su` "receive buffer errors" adds up, per socket.
 * We find our socket by its local port among the inodes of our own file descriptors, so another
 * process's socket on the same port (SO_REUSEPORT) is never counted as ours.
 */
export interface SocketQueueStats {
  /** Datagrams dropped by the kernel since the socket was created. */
  drops: number;
  /** Bytes waiting in the receive queue now. */
  rxQueue: number;
}

export class KernelDrops {
  private inode: string | null = null;

  constructor(
    private readonly port: number,
    private readonly family: 4 | 6,
  ) {}

  /** Current counters, or null where /proc is not available (not Linux, or hidden). */
  read(): SocketQueueStats | null {
    const file = this.family === 6 ? '/proc/net/udp6' : '/proc/net/udp';
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      return null;
    }
    if (this.inode === null) this.inode = findInode(text, this.port, ownSocketInodes());
    if (this.inode === null) return null;
    return socketStats(text, this.inode);
  }
}

/** Inodes of the sockets this process holds open. */
export function ownSocketInodes(): Set<string> {
  const out = new Set<string>();
  let fds: string[];
  try {
    fds = readdirSync('/proc/self/fd');
  } catch {
    return out;
  }
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`));
      if (m) out.add(m[1]!);
    } catch {
      // closed meanwhile
    }
  }
  return out;
}

interface Row {
  port: number;
  inode: string;
  rxQueue: number;
  drops: number;
}

/** Parses /proc/net/udp{,6}: `sl local rem st tx:rx tr:when retr uid timeout inode ref pointer drops`. */
export function parseProcNetUdp(text: string): Row[] {
  const rows: Row[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 13) continue;
    const local = f[1]!;
    const port = parseInt(local.slice(local.lastIndexOf(':') + 1), 16);
    const rx = parseInt(f[4]!.split(':')[1] ?? '', 16);
    const drops = Number(f[12]);
    if (!Number.isFinite(port) || !Number.isFinite(drops)) continue;
    rows.push({ port, inode: f[9]!, rxQueue: Number.isFinite(rx) ? rx : 0, drops });
  }
  return rows;
}

export function findInode(text: string, port: number, ours: Set<string>): string | null {
  for (const r of parseProcNetUdp(text)) if (r.port === port && ours.has(r.inode)) return r.inode;
  return null;
}

export function socketStats(text: string, inode: string): SocketQueueStats | null {
  for (const r of parseProcNetUdp(text)) if (r.inode === inode) return { drops: r.drops, rxQueue: r.rxQueue };
  return null;
}
