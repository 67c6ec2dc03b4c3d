import { formatIPv4, formatIPv6 } from '@spanmap/shared';
import { CaptureFileReader } from '../capture/file-reader.js';
import { decodeFrame } from '../decode/link.js';
import { PacketInfo, DECODE_OK } from '../decode/packet-info.js';

/** One UDP datagram out of a capture file: what an exporter sent to a collector. */
export interface CapturedDatagram {
  /** Capture time, ms. */
  ts: number;
  src: string;
  sport: number;
  dport: number;
  payload: Buffer;
}

/**
 * The UDP payloads of a pcap/pcapng file in capture order, found with the probe's own reader
 * and packet decoder (outermost IP header; fragments skipped). The payload ends where the IP
 * header says the packet ends, not where the UDP length field says: exporters that byte-swap
 * their headers (Juniper vMX) get that field wrong too. Used to replay captured exports into
 * the collector.
 */
export function readExportCapture(path: string, filter: (d: CapturedDatagram) => boolean = () => true): CapturedDatagram[] {
  const reader = new CaptureFileReader(path);
  const p = new PacketInfo();
  const out: CapturedDatagram[] = [];
  try {
    while (
      reader.step((data, off, caplen, _wirelen, linktype) => {
        if (decodeFrame(data, off, caplen, linktype, p, false) !== DECODE_OK || p.proto !== 17 || p.frag !== 0 || p.l4Len < 8) return;
        const d: CapturedDatagram = {
          ts: reader.clock[0]!,
          src: p.family === 4 ? formatIPv4(p.s0) : formatIPv6(p.s0, p.s1, p.s2, p.s3),
          sport: p.sport,
          dport: p.dport,
          payload: Buffer.from(data.subarray(p.l4Off + 8, p.l4Off + p.l4Len)),
        };
        if (filter(d)) out.push(d);
      })
    );
  } finally {
    reader.close();
  }
  return out;
}
