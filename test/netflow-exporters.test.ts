import { describe, it, beforeAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pcap } from './helpers/paths.js';
import { tshark } from './helpers/oracle.js';
import { readExportCapture } from '@spanmap/probe/netflow/export-capture';
import { Collector, DEFAULT_COLLECTOR } from '@spanmap/probe/netflow/collector';
import type { UniFlow } from '@spanmap/probe/netflow/types';
import type { FlowRecord } from '@spanmap/shared';

/*
 * Real exporter captures (../shared/pcaps/netflow, MANIFEST section C) replayed datagram by
 * datagram into the collector, compared with tshark's own NetFlow/IPFIX dissector as an
 * independent oracle: every data record tshark decodes must come out of our decoders with the
 * same addresses, protocol, ports, packets and octets (ours unscaled by the sampling rate for the
 * comparison), and nothing else may come out. Captures that hold a template and its data in
 * separate files are concatenated (mergecap -a) for tshark and replayed in the same order for us.
 */

type Rec = Record<string, unknown>;

interface Oracle {
  records: string[];
  /** v9: per (exporter, port, source id), the sequence numbers seen. */
  v9seq: Map<string, number[]>;
  /** IPFIX: per (exporter, port, domain), [sequence number, data records] of each message; null when tshark could not decode every data set. */
  ipfixSeq: Map<string, Array<[number, number]> | null>;
}

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'spanmap-nf-'));
});

function files(names: string[]): string[] {
  return names.map((n) => pcap('netflow', n));
}

/** tshark's data records of the capture(s), as comparable strings. */
async function oracle(names: string[], ports: number[]): Promise<Oracle> {
  let file = files(names)[0]!;
  if (names.length > 1) {
    file = join(tmp, names.join('+'));
    execFileSync('mergecap', ['-a', '-F', 'pcapng', '-w', file, ...files(names)]);
  }
  const args = ['-r', file, '-o', 'cflow.max_template_fields:0', '-T', 'json', '--no-duplicate-keys', '-J', 'cflow udp ip ipv6'];
  for (const p of ports) args.push('-d', `udp.port==${p},cflow`);
  const frames = JSON.parse(await tshark(args)) as Array<{ _source: { layers: Rec } }>;
  const records: string[] = [];
  const v9seq = new Map<string, number[]>();
  const ipfixSeq = new Map<string, Array<[number, number]> | null>();
  for (const f of frames) {
    const l = f._source.layers;
    const cflow = l.cflow as Rec | undefined;
    if (!cflow) continue;
    const ip = (l.ip ?? l.ipv6) as Rec;
    const session = `${ip['ip.src'] ?? ip['ipv6.src']}|${(l.udp as Rec)['udp.srcport']}`;
    if (cflow['cflow.version'] === '9') {
      const key = `${session}|${cflow['cflow.source_id']}`;
      v9seq.set(key, [...(v9seq.get(key) ?? []), Number(cflow['cflow.sequence'])]);
    } else if (cflow['cflow.version'] === '10') {
      const key = `${session}|${cflow['cflow.od_id']}`;
      let records = 0;
      let complete = true;
      for (const [k, set] of Object.entries(cflow)) {
        const m = /^Set \d+ \[id=(\d+)\]/.exec(k);
        if (!m || Number(m[1]) < 256) continue;
        const flows = Object.keys(set as Rec).filter((x) => x.startsWith('Flow ')).length;
        if (flows === 0) complete = false;
        records += flows;
      }
      const list = ipfixSeq.get(key);
      ipfixSeq.set(key, !complete || list === null ? null : [...(list ?? []), [Number(cflow['cflow.sequence']), records]]);
    }
    walk(cflow, (r) => {
      const s = oracleRecord(r);
      if (s) records.push(s);
    });
  }
  return { records: records.sort(), v9seq, ipfixSeq };
}

function walk(o: unknown, visit: (r: Rec) => void): void {
  if (Array.isArray(o)) return o.forEach((x) => walk(x, visit));
  if (!o || typeof o !== 'object') return;
  for (const [k, v] of Object.entries(o as Rec)) {
    if (/^(Flow|pdu) \d+/.test(k)) (Array.isArray(v) ? v : [v]).forEach((r) => visit(r as Rec));
    else walk(v, visit);
  }
}

const PORTED = new Set([6, 17, 33, 132, 136]);

function line(src: string, dst: string, proto: number, sport: number, dport: number, packets: number, octets: number, reverse?: [number, number]): string {
  if (!PORTED.has(proto)) sport = dport = 0;
  const rev = reverse ? ` reverse packets ${reverse[0]} octets ${reverse[1]}` : '';
  return `${src} > ${dst} proto ${proto} ${sport} > ${dport} packets ${packets} octets ${octets}${rev}`;
}

function oracleRecord(r: Rec): string | null {
  const first = (...keys: string[]) => {
    for (const k of keys) {
      const v = r[k];
      if (v !== undefined) return String(Array.isArray(v) ? v[0] : v);
    }
    return undefined;
  };
  // A record with both families: the one ipVersion names, else the first in the record (tunnel
  // templates: the outer header) unless it is all zeros (templates for either family zero the other).
  const v4 = [first('cflow.srcaddr'), first('cflow.dstaddr')];
  const v6 = [first('cflow.srcaddrv6'), first('cflow.dstaddrv6')];
  const has = (p: Array<string | undefined>) => p[0] !== undefined && p[1] !== undefined;
  const zero = (p: Array<string | undefined>) => p.every((a) => a === '0.0.0.0' || a === '::');
  const keys = Object.keys(r);
  const v6first =
    keys.findIndex((k) => k.startsWith('cflow.srcaddrv6') || k.startsWith('cflow.dstaddrv6')) <
    keys.findIndex((k) => k === 'cflow.srcaddr' || k === 'cflow.dstaddr');
  let chosen = has(v4) ? v4 : v6;
  if (has(v4) && has(v6)) {
    const version = first('cflow.ip_version');
    const [a, b] = version === '6' || (version !== '4' && v6first) ? [v6, v4] : [v4, v6];
    chosen = version === undefined && zero(a) && !zero(b) ? b : a;
  }
  const [src, dst] = chosen;
  if (src === undefined || dst === undefined) return packetSection(r);
  const proto = Number(first('cflow.protocol') ?? 0);
  // RFC 5103 reverse counters carry the same field names: the second value (forward comes first in these templates).
  const rp = r['cflow.packets'];
  const ro = r['cflow.octets'];
  const reverse: [number, number] | undefined = Array.isArray(rp) && Array.isArray(ro) ? [Number(rp[1]), Number(ro[1])] : undefined;
  return line(
    src,
    dst,
    proto,
    Number(first('cflow.srcport') ?? 0),
    Number(first('cflow.dstport') ?? 0),
    Number(first('cflow.packets', 'cflow.packets64') ?? 0),
    Number(first('cflow.octets', 'cflow.octets64') ?? 0),
    reverse,
  );
}

/** A packet-sampling record (dataLinkFrameSection): tshark dissects the frame; one packet of its IP length. */
function packetSection(r: Rec): string | null {
  const tree = r['cflow.data_link_frame_section_tree'] as Rec | undefined;
  if (!tree) return null;
  const ip6 = tree.ipv6 as Rec | undefined;
  const ip4 = tree.ip as Rec | undefined;
  const l4 = (tree.tcp ?? tree.udp) as Rec | undefined;
  const port = (k: string) => Number(l4?.[`tcp.${k}`] ?? l4?.[`udp.${k}`] ?? 0);
  if (ip6)
    return line(String(ip6['ipv6.src']), String(ip6['ipv6.dst']), Number(ip6['ipv6.nxt']), port('srcport'), port('dstport'), 1, Number(ip6['ipv6.plen']) + 40);
  if (ip4) return line(String(ip4['ip.src']), String(ip4['ip.dst']), Number(ip4['ip.proto']), port('srcport'), port('dstport'), 1, Number(ip4['ip.len']));
  return null;
}

function ours(u: UniFlow): string {
  // Our ICMP keeps type/code in dport and normalizes replies onto requests: compared without ports.
  const unscale = (n: number) => Math.round(n / u.sampling);
  return line(u.src, u.dst, u.proto, u.sport, u.dport, unscale(u.packets), unscale(u.bytes), u.biflow ? [unscale(u.rpackets), unscale(u.rbytes)] : undefined);
}

interface Run {
  unis: UniFlow[];
  records: FlowRecord[];
  c: Collector;
}

function replay(names: string[]): Run & { ports: number[] } {
  const unis: UniFlow[] = [];
  const records: FlowRecord[] = [];
  const c = new Collector(DEFAULT_COLLECTOR, { send: (r) => records.push(r), onUniFlow: (u) => unis.push(u) });
  const ports = new Set<number>();
  for (const f of files(names)) {
    for (const d of readExportCapture(f)) {
      ports.add(d.dport);
      c.handle(d.payload, d.src, d.ts, d.sport);
    }
  }
  c.flush();
  return { unis, records, c, ports: [...ports] };
}

async function compare(names: string[]) {
  const run = replay(names);
  const truth = await oracle(names, run.ports);
  return { ...run, truth, got: run.unis.map(ours).sort() };
}

/** Missing v9 sequence numbers per exporter scope, counted from what tshark shows. */
function v9Missing(seqs: Map<string, number[]>): number {
  let missing = 0;
  for (const list of seqs.values()) {
    const distinct = new Set(list);
    missing += Math.max(...distinct) - Math.min(...distinct) + 1 - distinct.size;
  }
  return missing;
}

/**
 * Missing IPFIX data records per session as tshark's messages show them (RFC 7011: a message's
 * sequence number counts the data records before it): the span the messages cover minus the
 * records they carry, overlaps counted once. Null when some data set was undecodable.
 */
function ipfixMissing(seqs: Map<string, Array<[number, number]> | null>): number | null {
  let missing = 0;
  for (const list of seqs.values()) {
    if (list === null) return null;
    const covered = new Set<number>();
    for (const [s, n] of list) for (let i = 0; i < n; i++) covered.add(s + i);
    const lo = Math.min(...list.map(([s]) => s));
    const hi = Math.max(...list.map(([s, n]) => s + n));
    missing += hi - lo - covered.size;
  }
  return missing;
}

describe('exported captures decode as tshark decodes them', () => {
  // `extra`: records we decode and tshark does not, on purpose:
  //  - graylog__netflow9: the exporter's header says 1 record where its first packet holds 2
  //    templates, an options template and data; tshark stops at the header count and never learns
  //    template 2048. We (like node-netflowv9 and nfdump) read FlowSets to the end of the packet.
  //  - pmacct 112: the exporter restarts (new source port) and sends data for templates it defined
  //    before the restart. tshark scopes templates by transport session; we by exporter address and
  //    observation domain (so a restart on either side loses nothing), and decode them.
  // `sampling`: the rate every record must carry, as the exporter announced it (tshark shows the fields).
  const cases: Array<{ names: string[]; what: string; records: number; extra?: number; sampling?: number }> = [
    { names: ['akvorado__nfv5.pcap'], what: 'NetFlow v5, 29 records', records: 29 },
    { names: ['akvorado__data+templates.pcap'], what: 'v9 data before its template in the same packet, options 1:100', records: 10, sampling: 100 },
    { names: ['graylog__netflow5.pcap'], what: 'NetFlow v5 over 3 packets, header sampling 1:100', records: 4, sampling: 100 },
    { names: ['graylog__netgraph-netflow5.pcap'], what: 'NetFlow v5 from FreeBSD ng_netflow', records: 120 },
    {
      names: ['graylog__netflow9.pcap'],
      what: 'NetFlow v9 templates, options (interface 0 sampled 1:100), IPv4 and IPv6',
      records: 21,
      extra: 3,
      sampling: 100,
    },
    { names: ['graylog__nprobe-netflow9.pcap'], what: 'v5 and v9 from nProbe to one collector', records: 152 },
    { names: ['graylog__nprobe-netflow9-3.pcap'], what: 'nProbe v9, template refresh over 16 min', records: 892 },
    { names: ['graylog__pmacctd-netflow9.pcap'], what: 'pmacctd v9', records: 6 },
    { names: ['packetlife__cflow.cap'], what: 'Cisco v9 template + data', records: 14 },
    { names: ['akvorado__nat.pcap'], what: 'v9 NAT events', records: 9 },
    { names: ['akvorado__icmp-template.pcap', 'akvorado__icmp-data.pcap'], what: 'v9 ICMP type/code fields', records: 4 },
    {
      names: ['akvorado__samplingrate-template.pcap', 'akvorado__samplingrate-data.pcap'],
      what: 'v9 sampling interval 2048 in the data records',
      records: 6,
      sampling: 2048,
    },
    { names: ['akvorado__options-template.pcap', 'akvorado__options-data.pcap'], what: 'v9 options template then options data only', records: 0 },
    { names: ['scapy__netflowv9.pcap'], what: 'v9, options from another exporter (its 1:12 does not apply here)', records: 24, sampling: 1 },
    { names: ['pmacct__101-NFv9-CISCO-cust_primitives__traffic-00.pcap'], what: 'Cisco ASR9k v9', records: 51 },
    {
      names: ['pmacct__102-NFv9-CISCO-f2rd-pretag-sampling-reload__traffic-00.pcap'],
      what: 'v9, two source ids; sampler id without options data: unscaled',
      records: 35,
      sampling: 1,
    },
    { names: ['pmacct__111-IPFIXv10-NFv9-IPv6-IPv4-mix_sources__traffic-00.pcap'], what: 'v9 over IPv4', records: 11 },
    { names: ['pmacct__111-IPFIXv10-NFv9-IPv6-IPv4-mix_sources__traffic-01.pcap'], what: 'IPFIX over IPv6', records: 13 },
    { names: ['pmacct__100-IPFIXv10-CISCO__traffic-00.pcap'], what: 'Cisco IOS XR IPFIX, MPLS', records: 12 },
    {
      names: ['pmacct__104-IPFIXv10-IPv6-CISCO-sampling_option__traffic-00.pcap'],
      what: 'IPFIX options: selector 1 samples 1 out of 256 (size/population)',
      records: 3,
      sampling: 256,
    },
    { names: ['pmacct__106-IPFIXv10-HUAWEI-vrf_name__traffic-00.pcap'], what: 'Huawei IPFIX, variable-length VRF names', records: 3 },
    {
      names: ['pmacct__112-IPFIXv10-CISCO-options-map-reassignment__traffic-00.pcap'],
      what: 'IPFIX over IPv6 in Linux SLL, options re-mapping',
      records: 9,
      extra: 9,
    },
    {
      names: ['pmacct__400-IPFIXv10-BMP-CISCO-SRv6-multiple-sources__traffic-00.pcap'],
      what: 'IOS XR IPFIX interleaved with BMP; selector population 1: unsampled',
      records: 657,
      sampling: 1,
    },
    { names: ['pmacct__403-IPFIXv10-BMP-IPv6-CISCO-locrib-peerdown-vrf__traffic-00.pcap'], what: 'IOS XR IPFIX over IPv6', records: 480 },
    {
      names: ['akvorado__physicalinterfaces.pcap'],
      what: 'IPFIX template with both address families; packet interval 1, space 999',
      records: 8,
      sampling: 1000,
    },
    { names: ['akvorado__mpls.pcap'], what: 'IPFIX MPLS labels; packet interval 1, space 9', records: 2, sampling: 10 },
    { names: ['akvorado__ipfix_v10_with_mpls_labels.pcap'], what: 'IPFIX over 22 minutes, two domains', records: 105, sampling: 10 },
    { names: ['akvorado__ipfixprobe-templates.pcap', 'akvorado__ipfixprobe-data.pcap'], what: 'ipfixprobe biflows (RFC 5103 reverse IEs)', records: 4 },
    {
      names: ['akvorado__datalink-template.pcap', 'akvorado__datalink-data.pcap'],
      what: 'variable-length dataLinkFrameSection (IE 315): the sampled frame decoded',
      records: 1,
    },
    { names: ['akvorado__juniper-cpid-template.pcap', 'akvorado__juniper-cpid-data.pcap'], what: 'Juniper enterprise IEs, sampled frame section', records: 1 },
    { names: ['scapy__ipfix.pcap'], what: 'IPFIX template, options template, data', records: 1 },
  ];
  describe.concurrent('data records', () => {
    for (const c of cases) {
      it(`${c.names.join(' + ')}: ${c.what}`, async ({ expect }) => {
        const r = await compare(c.names);
        if (c.extra) expect(r.got).toEqual(expect.arrayContaining(r.truth.records));
        else expect(r.got).toEqual(r.truth.records);
        expect(r.truth.records.length).toBe(c.records - (c.extra ?? 0));
        expect(r.got.length).toBe(c.records);
        const k = r.c.counters;
        expect(k.rejected.internalError + k.rejected.decoderException).toBe(0);
        // v9 loss: what the sequence numbers tshark shows say is missing.
        expect(k.lost.v9Packets).toBe(v9Missing(r.truth.v9seq));
        const ipfix = ipfixMissing(r.truth.ipfixSeq);
        if (ipfix !== null) expect(k.lost.ipfixRecords).toBe(ipfix);
        if (c.sampling !== undefined) expect(new Set(r.unis.map((u) => u.sampling))).toEqual(new Set(c.records ? [c.sampling] : []));
        // Every uniflow reached a flow record; no packet or byte was lost or invented on the way.
        const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
        expect(sum(r.records.map((x) => x.packets + x.rpackets))).toBe(sum(r.unis.map((u) => u.packets + u.rpackets)));
        expect(sum(r.records.map((x) => x.bytes + x.rbytes))).toBe(sum(r.unis.map((u) => u.bytes + u.rbytes)));
      });
    }
  });

  it('NetFlow v9 data without any template (ndpi__netflowv9): counted per FlowSet, never decoded', ({ expect }) => {
    const r = replay(['ndpi__netflowv9.pcap']);
    const k = r.c.counters;
    expect(k.datagrams.v9).toBe(10);
    expect(k.rejected.noTemplate).toBe(23); // tshark: 23 data FlowSets, "no template found"
    expect(r.unis).toEqual([]);
    expect(k.rejected.internalError + k.rejected.decoderException).toBe(0);
  });

  it('Juniper vMX v9 with every header field byte-swapped: counted as byteSwapped, not decoded', ({ expect }) => {
    // The datagrams carry an options template, options data and a template but no flow data,
    // and the options data does not even match its own template's length: nothing to recover.
    const r = replay(['packetlife__nf9-juniper-vmx.pcapng.cap']);
    const k = r.c.counters;
    expect(k.datagrams.rejected).toBe(5);
    expect(k.rejected.byteSwapped).toBe(5);
    expect(k.scopes).toBe(0);
  });

  it('a sampled frame section carries its VLAN tag and the exporter interface into the record', ({ expect }) => {
    const r = replay(['akvorado__datalink-template.pcap', 'akvorado__datalink-data.pcap']);
    expect(r.records).toMatchObject([
      { src: '51.51.51.51', dst: '52.52.52.52', proto: 17, sport: 55501, dport: 11777, packets: 1, bytes: 96, vlan: 231, iface: '49.49.49.49#582' },
    ]);
  });

  it('sFlow and other versions are unknownVersion', ({ expect }) => {
    const r = replay(['packetlife__sflow.cap', 'akvorado__data-1140.pcap']);
    expect(r.c.counters.rejected.unknownVersion).toBe(10);
  });
});
