import { decodeFrame, PacketInfo } from '../decode/index.js';
import type { NameObserver } from '../names/types.js';
import type { CaptureBackend, CaptureHandle } from './backends/index.js';

// The flow capture keeps 256 bytes of each packet: enough for every header, not for a DNS answer
// or a TLS ClientHello. Passive naming gets a capture of its own per interface, with the full snap
// length and a filter that lets only name-carrying packets through; its packets feed the name
// observer only (never the flow table, which counts them from the flow capture).

/** UDP/TCP DNS, mDNS, LLMNR, DHCP, DHCPv6, NetBIOS name service. */
const NAME_PORTS = 'udp port 53 or tcp port 53 or udp port 5353 or udp port 5355 or udp port 67 or udp port 68 or udp port 137 or udp port 546 or udp port 547';
/** A TLS handshake record (0x16) holding a ClientHello (1), on any TCP port; IPv6 without extension headers. */
const TLS_HELLO =
  '(ip and tcp and tcp[((tcp[12] & 0xf0) >> 2)] = 0x16 and tcp[((tcp[12] & 0xf0) >> 2) + 5] = 1) or ' +
  '(ip6 and ip6[6] = 6 and ip6[40 + ((ip6[52] & 0xf0) >> 2)] = 0x16 and ip6[45 + ((ip6[52] & 0xf0) >> 2)] = 1)';
const NAMES = `(${NAME_PORTS} or ${TLS_HELLO})`;

/** The BPF for name-carrying packets on a link type (802.1Q-tagged ones too on Ethernet), within the flow capture's own filter. */
export function nameFilter(linktype: number, flowFilter: string): string {
  const names = linktype === 1 ? `(${NAMES} or (vlan and ${NAMES}))` : NAMES;
  return flowFilter.trim() === '' ? names : `(${flowFilter}) and ${names}`;
}

export const NAME_SNAPLEN = 65535;
const NAME_BUFFER = 4 << 20;

/**
 * Opens the names capture of one interface beside its flow capture (same device, promiscuity and
 * filter). Throws what the backend throws; the caller falls back to the flow capture's packets.
 */
export function openNameCapture(
  backend: CaptureBackend,
  o: { device: string; flowFilter: string; promisc: boolean; linktype: number; decapInner: () => boolean },
  names: NameObserver,
): CaptureHandle {
  const p = new PacketInfo();
  let linktype = o.linktype;
  const handle = backend.open(
    { device: o.device, filter: nameFilter(o.linktype, o.flowFilter), snaplen: NAME_SNAPLEN, promisc: o.promisc, bufferSize: NAME_BUFFER },
    (data, off, caplen, _wirelen, ts) => {
      if (decodeFrame(data, off, caplen, linktype, p, o.decapInner()) !== 0) return;
      p.ts = ts;
      if (names.wants(p, data)) names.observe(data, p);
    },
    () => {}, // a names capture that fails leaves the flow capture alone
  );
  linktype = handle.linktype;
  return handle;
}
