// Micro-benchmark of FlowTable.add on synthetic IPv4 packets (no file I/O, no decode).
// usage: node bench/tools/micro-add.mjs [flows...]
import { FlowTable } from '../../probe/dist/flowtable/flow-table.js';
import { PacketInfo } from '../../probe/dist/decode/packet-info.js';

const N = 4_000_000;
const sizes = process.argv.slice(2).map(Number);
for (const flows of sizes.length ? sizes : [1000, 100_000]) {
  const src = new Uint32Array(N),
    sp = new Uint16Array(N);
  for (let i = 0; i < N; i++) {
    const f = (i * 7919) % flows;
    src[i] = (0x0a000000 + f) >>> 0;
    sp[i] = 1024 + (f % 50000);
  }
  const p = new PacketInfo();
  let n = 0;
  const t = new FlowTable({ idleMs: 1e12, activeMs: 1e12, graceMs: 5000, maxFlows: 1e6 }, () => n++);
  for (let round = 0; round < 2; round++) {
    const t0 = performance.now();
    for (let i = 0; i < N; i++) {
      p.family = 4;
      p.s0 = src[i];
      p.d0 = 0xac100001;
      p.proto = 6;
      p.sport = sp[i];
      p.dport = 443;
      p.tcpFlags = 16;
      p.ipBytes = 100;
      p.vlan = -1;
      p.ts = i;
      t.add(p);
    }
    console.log(flows, 'flows, round', round, (((performance.now() - t0) * 1e6) / N).toFixed(0), 'ns/packet');
  }
}
