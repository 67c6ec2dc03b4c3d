import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Proc, canConnect, tempDir, waitFor } from './procs.js';

/** One message as the rsyslog template below writes it: rsyslog's own parse of RFC 5424. */
export interface SyslogLine {
  received: string;
  pri: number;
  hostname: string;
  appName: string;
  procId: string;
  msgId: string;
  sd: string;
  msg: string;
  /** The SD-PARAMs of [spanmap@32473 …], unescaped. */
  params: Record<string, string>;
}

const TEMPLATE = '%timegenerated:::date-rfc3339%\\t%pri%\\t%hostname%\\t%app-name%\\t%procid%\\t%msgid%\\t%structured-data%\\t%msg%\\n';

/**
 * Debian's rsyslogd with a private configuration (no /dev/log, no system files): RFC 5424 over
 * UDP, TCP (octet-counted framing) and TLS (ossl driver, server certificate from `tls`) on loopback
 * ports, each input writing what rsyslog parsed to its own file.
 */
export class Rsyslog {
  proc: Proc | null = null;
  readonly dir = tempDir('rsyslog');

  constructor(
    readonly ports: { udp?: number; tcp?: number; tls?: number },
    readonly tls?: { ca: string; cert: string; key: string },
  ) {}

  file(input: 'udp' | 'tcp' | 'tls'): string {
    return join(this.dir, `${input}.log`);
  }

  async start(): Promise<this> {
    const t = this.tls;
    const g = [`workDirectory="${this.dir}"`, 'net.enableDNS="off"', 'maxMessageSize="64k"'];
    if (t) g.push(`defaultNetstreamDriverCAFile="${t.ca}"`, `defaultNetstreamDriverCertFile="${t.cert}"`, `defaultNetstreamDriverKeyFile="${t.key}"`);
    const lines = [`global(${g.join(' ')})`, `template(name="raw" type="string" string="${TEMPLATE}")`];
    const { udp, tcp, tls } = this.ports;
    if (udp) lines.push('module(load="imudp")');
    if (tcp || tls) lines.push('module(load="imtcp")');
    for (const [input, port] of Object.entries(this.ports)) {
      if (!port) continue;
      lines.push(`ruleset(name="${input}") { action(type="omfile" file="${this.file(input as 'udp')}" template="raw") }`);
      if (input === 'udp') lines.push(`input(type="imudp" address="127.0.0.1" port="${port}" ruleset="udp")`);
      else
        lines.push(
          `input(type="imtcp" address="127.0.0.1" port="${port}" ruleset="${input}"${input === 'tls' ? ' streamDriver.name="ossl" streamDriver.mode="1" streamDriver.authMode="anon"' : ''})`,
        );
    }
    const conf = join(this.dir, 'rsyslog.conf');
    writeFileSync(conf, lines.join('\n') + '\n');
    this.proc = new Proc('rsyslogd', ['-n', '-f', conf, '-i', join(this.dir, 'rsyslogd.pid')]);
    for (const port of [tcp, tls]) if (port) await waitFor(`rsyslogd on ${port}`, () => canConnect(port), 10_000, 50);
    if (udp && !tcp && !tls) await new Promise((r) => setTimeout(r, 500)); // no way to ask a UDP port
    if (!this.proc.alive) throw new Error(`rsyslogd exited: ${this.proc.err}`);
    return this;
  }

  async stop(): Promise<void> {
    await this.proc?.stop();
    this.proc = null;
  }

  /** What arrived on an input, parsed by rsyslog. */
  lines(input: 'udp' | 'tcp' | 'tls'): SyslogLine[] {
    const f = this.file(input);
    if (!existsSync(f)) return [];
    return readFileSync(f, 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => {
        const [received, pri, hostname, appName, procId, msgId, sd, ...msg] = l.split('\t');
        return {
          received: received!,
          pri: Number(pri),
          hostname: hostname!,
          appName: appName!,
          procId: procId!,
          msgId: msgId!,
          sd: sd!,
          msg: msg.join('\t'),
          params: sdParams(sd!),
        };
      });
  }
}

/** The parameters of the spanmap@32473 element (RFC 5424 escapes undone). */
export function sdParams(sd: string): Record<string, string> {
  const out: Record<string, string> = {};
  const el = /\[spanmap@32473((?:\s+[^=\s\]]+="(?:[^"\\]|\\.)*")*)\]/.exec(sd);
  if (!el) return out;
  for (const m of el[1]!.matchAll(/([^=\s]+)="((?:[^"\\]|\\.)*)"/g)) out[m[1]!] = m[2]!.replace(/\\(.)/g, '$1');
  return out;
}

/** A CA and a server certificate for 127.0.0.1 / localhost, made with openssl. */
export function testCertificates(dir: string): { ca: string; cert: string; key: string; otherCa: string } {
  const run = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  run(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=spanmap test CA']);
  run(['req', '-x509', ...ec, '-keyout', 'other.key', '-out', 'other.pem', '-days', '2', '-subj', '/CN=another CA']);
  run(['req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost']);
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  run(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'san.ext']);
  return { ca: join(dir, 'ca.pem'), cert: join(dir, 'server.pem'), key: join(dir, 'server.key'), otherCa: join(dir, 'other.pem') };
}
