import { PcapWriter, buildFrame, frameLength, newPacketSpec, TCP_SYN, TCP_RST, TCP_ACK } from '@spanmap/scenario';

const ip4 = (s: string) => s.split('.').reduce((a, b) => a * 256 + Number(b), 0) >>> 0;

/**
 * A capture of a TCP port scan: `src` sends a SYN to each port of each destination, the
 * destination answers RST-ACK (closed port). Each probe is a flow, and each (src, dst, port) a new
 * edge: what an alert storm is made of.
 */
export function writeScan(path: string, o: { src: string; dsts: string[]; ports: number[]; start: number; gapUs?: number }): number {
  const w = new PcapWriter(path);
  const s = newPacketSpec();
  let t = o.start * 1000;
  let n = 0;
  const put = () => {
    const off = w.reserveAt(frameLength(s));
    const len = buildFrame(w.buffer, off, s);
    w.commit(t, len);
  };
  for (const dst of o.dsts)
    for (const port of o.ports) {
      Object.assign(s, {
        src4: ip4(o.src),
        dst4: ip4(dst),
        srcMac: 0x0a0b0c01,
        dstMac: 0x0a0b0c02,
        sport: 40000 + (n % 20000),
        dport: port,
        flags: TCP_SYN,
        seq: 1000 + n,
        ack: 0,
        mss: 1460,
      });
      put();
      t += 200;
      Object.assign(s, {
        src4: ip4(dst),
        dst4: ip4(o.src),
        srcMac: 0x0a0b0c02,
        dstMac: 0x0a0b0c01,
        sport: port,
        dport: 40000 + (n % 20000),
        flags: TCP_RST | TCP_ACK,
        seq: 0,
        ack: 1001 + n,
        mss: 0,
      });
      put();
      t += o.gapUs ?? 5000;
      n++;
    }
  w.close();
  return n;
}
