import { execFileSync } from 'node:child_process';
import { canonicalIP, nameProblem, normalizeName } from '@spanmap/shared';

/**
 * The independent oracle for the name decoders: tshark parses the packets, and the naming rules
 * of the decoders (documented in dns.ts, netbios.ts, dhcp.ts/leases.ts, tls.ts) are applied to
 * tshark's fields here, so a disagreement is a parsing difference. Ports follow the observer's
 * (DNS from 53, mDNS from 5353, LLMNR from 5355, NBNS from 137, DHCP 67/68, TLS any TCP port);
 * TCP reassembly is off because the probe does not reassemble either.
 */

type J = Record<string, unknown>;
const arr = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** Every value stored under `key` anywhere below `o`. */
function find(o: unknown, key: string, out: unknown[] = []): unknown[] {
  if (Array.isArray(o)) for (const x of o) find(x, key, out);
  else if (o !== null && typeof o === 'object') {
    for (const [k, v] of Object.entries(o)) {
      if (k === key) out.push(...arr(v));
      else find(v, key, out);
    }
  }
  return out;
}
const first = (o: unknown, key: string): string | undefined => find(o, key)[0] as string | undefined;

/** The text form the observer emits for an address. */
function ipText(s: string): string {
  const ip = canonicalIP(s);
  if (ip === null) throw new Error(`tshark gave an address we cannot read: ${s}`);
  return ip;
}

function accept(name: string | undefined): string | null {
  if (name === undefined) return null;
  const n = normalizeName(name);
  if (nameProblem(n) !== null || /^(\d{1,3}\.){3}\d{1,3}$|:/.test(n)) return null;
  return n;
}

interface Rec {
  type: number;
  owner: string;
  data: string;
}

/** DNS records of the given sections of one dns/mdns/llmnr layer. */
function records(layer: J, sections: string[]): Rec[] {
  const out: Rec[] = [];
  for (const s of sections) {
    for (const entry of Object.values((layer[s] as J | undefined) ?? {})) {
      for (const r of arr(entry as J | J[])) {
        if (r['dns.resp.class'] !== '0x0001') continue;
        const type = Number(r['dns.resp.type']);
        const owner = r['dns.resp.name'] as string;
        const data = type === 1 ? r['dns.a'] : type === 28 ? r['dns.aaaa'] : type === 5 ? r['dns.cname'] : type === 12 ? r['dns.ptr.domain_name'] : undefined;
        if (typeof data === 'string') out.push({ type, owner, data });
      }
    }
  }
  return out;
}

/** The rules of dns.ts over tshark's records. */
function dnsPairs(recs: Rec[], add: (ip: string, name: string) => void): void {
  const aliasOf = new Map<string, string>();
  for (const r of recs) if (r.type === 5) aliasOf.set(r.data.toLowerCase(), r.owner);
  const head = (owner: string) => {
    let n = owner;
    for (let i = 0; i < 16; i++) {
      const up = aliasOf.get(n.toLowerCase());
      if (up === undefined || up.toLowerCase() === owner.toLowerCase()) break;
      n = up;
    }
    return n;
  };
  for (const r of recs) {
    if (r.type === 1 || r.type === 28) add(ipText(r.data), head(r.owner));
    if (r.type === 12) {
      const ip = reverse(head(r.owner)) ?? reverse(r.owner);
      if (ip) add(ip, r.data);
    }
  }
}

function reverse(name: string): string | null {
  const n = name.toLowerCase();
  let m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\.in-addr\.arpa$/.exec(n);
  if (m) {
    const parts = [m[4], m[3], m[2], m[1]];
    if (parts.some((p) => Number(p) > 255 || (p!.length > 1 && p![0] === '0'))) return null;
    return parts.join('.');
  }
  m = /^((?:[0-9a-f]\.){32})ip6\.arpa$/.exec(n);
  if (!m) return null;
  const hex = m[1]!.split('.').filter(Boolean).reverse().join('');
  return ipText(hex.match(/.{4}/g)!.join(':'));
}

/** NetBIOS "NAME<xx> (role)" → name and suffix. */
function nbName(s: string): { name: string; suffix: number } | null {
  const m = /^(.*)<([0-9a-fA-F]{2})>/.exec(s);
  return m ? { name: m[1]!.replace(/ +$/, ''), suffix: parseInt(m[2]!, 16) } : null;
}

function netbiosPairs(layer: J, src: string, add: (ip: string, name: string) => void): void {
  const flags = layer['nbns.flags_tree'] as J;
  const response = flags['nbns.flags.response'] === '1';
  const opcode = Number(flags['nbns.flags.opcode']);
  const registration = [5, 8, 9, 15].includes(opcode);
  if (response ? flags['nbns.flags.rcode'] !== '0' || !(opcode === 0 || registration) : !registration) return;
  for (const s of ['Answers', 'Authoritative nameservers', 'Additional records']) {
    for (const entry of Object.values((layer[s] as J | undefined) ?? {})) {
      for (const r of arr(entry as J | J[])) {
        if (r['nbns.type'] === '32') {
          const nb = nbName(r['nbns.name'] as string);
          if (!nb || (nb.suffix !== 0 && nb.suffix !== 0x20)) continue;
          const addrs = arr(r['nbns.addr'] as string | string[]);
          const groups = find(r, 'nbns.nb_flags.group') as string[];
          addrs.forEach((a, i) => groups[i] !== '1' && add(ipText(a), nb.name));
        } else if (r['nbns.type'] === '33' && response) {
          const raws = arr(r['nbns.netbios_name_raw'] as unknown[]);
          const entries = (Array.isArray(raws[0]) ? raws : [raws]) as Array<[string]>;
          const groups = find(r, 'nbns.name_flags.group') as string[];
          for (let i = 0; i < entries.length; i++) {
            const hex = entries[i]![0];
            if (hex.slice(30, 32) !== '00' || groups[i] === '1') continue;
            add(src, Buffer.from(hex.slice(0, 30), 'hex').toString('latin1').replace(/ +$/, ''));
            break;
          }
        }
      }
    }
  }
}

/** Runs tshark on a capture and returns frame number → "source ip name" triples, by the decoders' rules. */
export function tsharkNames(path: string): Map<number, Set<string>> {
  const json = execFileSync(
    'tshark',
    [
      '-r',
      path,
      // per packet, as the probe sees them: no TCP or IP reassembly, retransmissions dissected too
      ...['-o', 'tcp.desegment_tcp_streams:FALSE', '-o', 'tcp.analyze_sequence_numbers:FALSE', '-o', 'ip.defragment:FALSE', '-o', 'ipv6.defragment:FALSE'],
      // RDP upgrades to TLS inside its own framing, which tshark follows only with reassembly
      ...['-d', 'tcp.port==3389,tls'],
      '-Y',
      'dns || mdns || llmnr || nbns || dhcp || tls.handshake.type == 1',
      '-T',
      'json',
      '--no-duplicate-keys',
      '-x',
    ],
    { maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'ignore'] },
  ).toString('utf8');
  const out = new Map<number, Set<string>>();
  const pending = new Map<string, { at: number; host?: string; fqdn?: string; domain?: string }>();
  for (const pkt of JSON.parse(json) as Array<{ _source: { layers: J } }>) {
    const L = pkt._source.layers;
    const frame = Number((L.frame as J)['frame.number']);
    const at = Number((L.frame as J)['frame.time_epoch']) * 1000;
    let source = '';
    const add = (ip: string, name: string) => {
      const n = accept(name);
      if (n === null) return;
      let s = out.get(frame);
      if (!s) out.set(frame, (s = new Set()));
      s.add(`${source} ${ip} ${n}`);
    };
    const keys = Object.keys(L);
    const v6 = keys.indexOf('ipv6') > keys.indexOf('ip'); // the innermost IP header (tunnels)
    const last = arr((v6 ? L.ipv6 : L.ip) as J | J[]).at(-1);
    if (!last) continue;
    const src = ipText(last[v6 ? 'ipv6.src' : 'ip.src'] as string);
    const dst = ipText(last[v6 ? 'ipv6.dst' : 'ip.dst'] as string);
    const udp = arr(L.udp as J | J[]).at(-1);
    const tcp = arr(L.tcp as J | J[]).at(-1);
    const sport = Number((udp ?? tcp)?.[udp ? 'udp.srcport' : 'tcp.srcport']);

    const dnsLayer = (name: string, port: number, sections: string[]) => {
      if (sport !== port) return;
      source = name === 'dns' ? 'dns' : 'mdns';
      for (const layer of arr(L[name] as J | J[])) {
        const f = layer['dns.flags_tree'] as J;
        if (f['dns.flags.response'] !== '1' || f['dns.flags.opcode'] !== '0' || f['dns.flags.rcode'] !== '0') continue;
        dnsPairs(records(layer, sections), add);
      }
    };
    dnsLayer('dns', 53, ['Answers']);
    dnsLayer('mdns', 5353, ['Answers', 'Authoritative nameservers', 'Additional records']);
    dnsLayer('llmnr', 5355, ['Answers', 'Authoritative nameservers', 'Additional records']);
    source = 'netbios';
    if (udp && sport === 137) for (const layer of arr(L.nbns as J | J[])) netbiosPairs(layer, src, add);
    source = 'dhcp';
    if (udp && (sport === 67 || sport === 68)) {
      for (const d of arr(L.dhcp as J | J[])) {
        const key = `${first(d, 'dhcp.id')} ${first(d, 'dhcp.hw.mac_addr')}`;
        const host = first(d, 'dhcp.option.hostname');
        const fqdn = first(d, 'dhcp.fqdn.name');
        const domain = first(d, 'dhcp.option.domain_name');
        if (d['dhcp.type'] === '1') {
          if (host !== undefined || fqdn !== undefined) pending.set(key, { ...pending.get(key), at, ...(host && { host }), ...(fqdn && { fqdn }) });
          continue;
        }
        const type = first(d, 'dhcp.option.dhcp');
        if (type !== undefined && type !== '5') continue;
        let req = pending.get(key);
        if (req && Math.abs(at - req.at) > 60_000) req = undefined;
        const name = fqdn || req?.fqdn || host || req?.host;
        const dom = domain || req?.domain;
        const addr =
          d['dhcp.ip.your'] !== '0.0.0.0' ? (d['dhcp.ip.your'] as string) : d['dhcp.ip.client'] !== '0.0.0.0' ? (d['dhcp.ip.client'] as string) : null;
        if (name && addr) add(addr, !name.replace(/\.$/, '').includes('.') && dom ? `${name}.${dom}` : name);
      }
    }
    source = 'tls';
    if (tcp && L.tls !== undefined) {
      for (const hs of find(L.tls, 'tls.handshake') as J[]) {
        if (hs['tls.handshake.type'] !== '1') continue;
        const sni = first(hs, 'tls.handshake.extensions_server_name');
        if (sni !== undefined) add(dst, sni);
      }
    }
  }
  return out;
}
