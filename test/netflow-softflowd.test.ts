import { describe, it } from 'vitest';
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { pcap } from './helpers/paths.js';
import { readFlows } from './helpers/flows.js';
import { createFlowExportListener, type FlowExportListener } from '@spanmap/probe/netflow/listener';
import { icmpRole, responderByPort } from '@spanmap/probe/flowtable/initiator';
import type { FlowRecord } from '@spanmap/shared';

/*
 * Real captures exported by softflowd (NetFlow v9, IPFIX, bidirectional IPFIX) over UDP on
 * 127.0.0.1 into our listener, against `spanmap probe read --decap outer` on the same capture
 * (softflowd keys flows on the outermost IP header). The product is the edge list, so that is
 * what must agree: (initiator, responder, protocol, responder port) with its packet total.
 *
 * Deliberate differences, and how the comparison treats them:
 *  - Who initiated. softflowd keeps one bidirectional flow per conversation, orders its two
 *    addresses by value (not by who spoke first) and gives both directions the same start time,
 *    and sends no biflowDirection. So the exporter tells us nothing about the initiator; our
 *    listener decides by service port (or ICMP request type), as `probe read` does without a SYN,
 *    else by the record that arrived first, which for softflowd is the lower address. Where the
 *    port ranking decides (both sides agree on it, the bulk of the traffic) edges must be equal
 *    as directed edges; where it does not (NTP 123<->123, RPC between two dynamic ports,
 *    NetBIOS 138<->138), `probe read`'s SYN or first packet knows what the export does not carry,
 *    and those conversations are compared without direction.
 *  - softflowd -b (bidirectional IPFIX) loses ICMP types: a biflow whose forward direction saw no
 *    packets (an ICMP flow is keyed on its type, so every reply and every unanswered request is
 *    one) is exported with ICMP type 0 in both directions (seen with tshark). We turn such a
 *    record around and pair it like a one-way record, but the type, and with it the request/reply
 *    direction, is gone: in that mode ICMP is compared per host pair.
 *  - VLANs: softflowd ignores them by default (one flow for the same 5-tuple in two VLANs); edges
 *    do not contain the VLAN, so totals per edge are comparable. The captures below are untagged.
 *  - Timeouts: both sides split long conversations by their own timeouts; edges and totals per
 *    edge do not depend on where a conversation was split.
 *  - Captures with IP fragments or tunnels are not used here: softflowd counts non-first fragments
 *    in a portless flow of their own (we add them to their first fragment's flow), and does not
 *    decapsulate. The oracle test (test/oracle.test.ts) covers those against tshark.
 */

const CAPTURES = [
  'zeek__NTP_sync.pcap', // UDP 123<->123 (undecidable by port) and DNS
  'malcolm__NTP.pcap', // NTP clients and servers
  'zeek__snmpwalk-short.pcap', // 400 SNMP packets, one conversation
  'zeek__sshguess.pcap', // many short TCP connections to 22
  'zeek__kinit.pcap', // Kerberos, DNS, LDAP
  'malcolm__KRB5.pcap', // Kerberos over TCP and UDP
  'zeek__ctu-sme-11-win7ad-1-ldap-tcp-50041.pcap', // LDAP
  'arkime__wireshark-smb-on-windows10.pcap', // SMB, NetBIOS, LLMNR, IPv6
  'suricata-verify__smb2-ntlmssp-negotiateflags__input.pcap', // SMB2
  'zeek__mapi.pcap', // MS-RPC to dynamic ports, NetBIOS, HTTP, syslog
  'elcabezzonn__aug19.pcap', // Windows LAN: ICMP echo and unreachable, DNS, SMB
  'elcabezzonn__windows_miscellany.pcap',
  'elcabezzonn__macgyver.pcap',
  'elcabezzonn__wmi-service-remote.pcap', // WMI/DCOM on dynamic ports
  'malcolm__DHCP.pcap', // broadcast DHCP 68->67
  'malcolm__SSL.pcap', // TLS
  'malcolm__Syslog.pcap', // syslog over UDP and TCP
  'zeek__rdp-to-ssl.pcap', // RDP
  'iti__EIP-IPAddressChangeAttempt.pcap', // EtherNet/IP (industrial)
  'arkime__ospf.pcap', // OSPF, PIM, IGMP (no ports), BGP, ICMPv6
  'try-zeek__sumstat.pcap', // HTTP, DNS, SSDP, mDNS over IPv4 and IPv6, ICMPv6, IGMP
  'pcapplusplus__example.pcap', // mixed internet traffic, 3.8 MB
  'ndpi__1kxun.pcap', // mixed internet traffic, IPv6
];
// Not used, with the reason: malcolm__DNS (fragmented DNS responses), ndpi__syslog (6in4 and
// PPPoE, which softflowd does not decapsulate), arkime__arkime_synthetic (SCTP, whose ports
// softflowd does not keep, and tunnels).

const MODES: Array<{ name: string; args: string[] }> = [
  { name: 'NetFlow v9', args: ['-v', '9'] },
  { name: 'IPFIX', args: ['-v', '10'] },
  { name: 'bidirectional IPFIX', args: ['-v', '10', '-b'] },
];

let runs = 0;

/** softflowd -r FILE into `port`; resolves when it exits. */
function softflowd(file: string, port: number, args: string[]): Promise<void> {
  // softflowd 1.1.0 reads an uninitialised pollfd in file mode and blocks in accept() on its
  // control socket unless the socket path is short (12 characters at most): /tmp/sXY.ctl, with
  // XY unique among concurrent runs (test files run in parallel processes: the pid is part of it).
  const id = ((process.pid * 37 + runs++) % 1296).toString(36).padStart(2, '0');
  const ctl = `/tmp/s${id}.ctl`;
  const pid = `/tmp/s${id}.pid`;
  return new Promise((resolve, reject) => {
    const child = spawn('softflowd', ['-r', file, ...args, '-6', '-n', `127.0.0.1:${port}`, '-d', '-c', ctl, '-p', pid], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      rmSync(ctl, { force: true });
      rmSync(pid, { force: true });
      if (code === 0) resolve();
      else reject(new Error(`softflowd exited ${code}: ${err.trim()}`));
    });
  });
}

/** Waits until the listener has read everything the kernel queued for it. */
async function settle(l: FlowExportListener): Promise<void> {
  let last = -1;
  for (let i = 0; i < 200; i++) {
    const c = l.counters();
    const n = c.sockets[0]!.datagrams;
    if (n === last && (c.sockets[0]!.rxQueueBytes ?? 0) === 0) return;
    last = n;
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function exported(file: string, args: string[]) {
  const records: FlowRecord[] = [];
  // A pairing window longer than the run: every pair is made, nothing expires early.
  const l = createFlowExportListener({ netflow: ['127.0.0.1:0'], pairWindowMs: 600_000 }, { send: (r) => records.push(r) });
  await l.start();
  try {
    await softflowd(file, l.bound[0]!.port, args);
    await settle(l);
  } finally {
    await l.stop();
  }
  return { records, counters: l.counters() };
}

/** Does the record's own port ranking (or ICMP type) say who the responder is? */
function decidable(r: FlowRecord): boolean {
  if (r.proto === 1 || r.proto === 58) return icmpRole(r.proto, r.dport) !== 0;
  return responderByPort(r.proto, r.sport, r.dport) !== 0;
}

/**
 * Packets per edge: directed where the ports decide, else per conversation without direction.
 * `icmpByHosts`: ICMP per host pair only (see the header: softflowd -b loses ICMP types).
 */
function edges(records: FlowRecord[], icmpByHosts = false): Map<string, number> {
  const m = new Map<string, number>();
  for (const r of records) {
    let k: string;
    if (icmpByHosts && (r.proto === 1 || r.proto === 58)) k = `${[r.src, r.dst].sort().join(' <-> ')} proto ${r.proto}`;
    else if (decidable(r)) k = `${r.src} -> ${r.dst} proto ${r.proto} port ${r.dport}`;
    else {
      const [a, b] = [`${r.src} ${r.sport}`, `${r.dst} ${r.dport}`].sort();
      k = `${a} <-> ${b} proto ${r.proto}`;
    }
    m.set(k, (m.get(k) ?? 0) + r.packets + r.rpackets);
  }
  return m;
}

describe('softflowd exports of real captures give the edges probe read gives', () => {
  for (const name of CAPTURES) {
    describe.concurrent(name, () => {
      for (const mode of MODES) {
        it(
          mode.name,
          async ({ expect }) => {
            const file = pcap('mixed', name);
            const [got, truth] = await Promise.all([
              exported(file, mode.args),
              readFlows(file, { decap: 'outer', dedupWindowMs: 0 /* softflowd counts duplicate frames */ }),
            ]);
            const c = got.counters;
            expect(c.datagrams.rejected).toBe(0);
            expect(Object.values(c.rejected).reduce((a, b) => a + b, 0)).toBe(0);
            expect(c.lost.v9Packets + c.lost.ipfixRecords).toBe(0);
            expect(c.sockets[0]!.kernelDrops).toBe(0);
            expect(got.records.length).toBeGreaterThan(0);
            const bidir = mode.args.includes('-b');
            expect(Object.fromEntries(edges(got.records, bidir))).toEqual(Object.fromEntries(edges(truth.records, bidir)));
            if (mode.args.includes('-b')) expect(c.flows.biflow).toBeGreaterThan(0);
            else expect(c.flows.paired).toBeGreaterThan(0);
          },
          60_000,
        );
      }
    });
  }
});
