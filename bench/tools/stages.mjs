#!/usr/bin/env node
// Where `probe read` spends its time: the same capture read with successively more stages, each
// the best CPU time (user + sys) of several rounds, so other tenants of a noisy machine disturb it
// less. The last stage formats JSON lines and discards them (no I/O).
// usage: node bench/tools/stages.mjs FILE [ROUNDS]
import { CaptureFileReader } from '../../probe/dist/capture/file-reader.js';
import { decodeFrame, PacketInfo } from '../../probe/dist/decode/index.js';
import { FlowTable, DEFAULT_FLOW_OPTIONS } from '../../probe/dist/flowtable/flow-table.js';
import { PacketBatch } from '../../probe/dist/flowtable/packet-batch.js';
import { flowRecordJson } from '../../shared/dist/index.js';

const [file, roundsArg = '3'] = process.argv.slice(2);
if (!file) {
  console.error('usage: stages.mjs FILE [ROUNDS]');
  process.exit(2);
}
const p = new PacketInfo();

function run(makeHandler) {
  const c0 = process.cpuUsage();
  const reader = new CaptureFileReader(file);
  const { onPacket, done } = makeHandler(reader);
  while (reader.step(onPacket, 32768)) done?.(false);
  done?.(true);
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000;
}

function withTable(sink) {
  return (r) => {
    const t = new FlowTable(DEFAULT_FLOW_OPTIONS, sink);
    const batch = new PacketBatch();
    const clock = r.clock;
    return {
      onPacket: (d, o, c, w, l) => {
        if (decodeFrame(d, o, c, l, p, true) === 0) {
          p.ts = clock[0];
          batch.push(p, 0);
          if (batch.full) t.addBatch(batch, 1000);
        }
      },
      done: (end) => {
        t.addBatch(batch, 1000);
        if (end) t.flush();
      },
    };
  };
}

let chars = 0;
const stages = [
  ['read records only', () => ({ onPacket: () => {} })],
  [
    '+ decode',
    () => ({
      onPacket: (d, o, c, w, l) => {
        decodeFrame(d, o, c, l, p, true);
      },
    }),
  ],
  [
    '+ key into batches',
    (r) => {
      const batch = new PacketBatch();
      const clock = r.clock;
      return {
        onPacket: (d, o, c, w, l) => {
          if (decodeFrame(d, o, c, l, p, true) === 0) {
            p.ts = clock[0];
            batch.push(p, 0);
            if (batch.full) batch.length = 0;
          }
        },
      };
    },
  ],
  ['+ flow table (records built, no output)', withTable(() => {})],
  ['+ JSON lines (discarded)', withTable((rec) => (chars += flowRecordJson(rec).length))],
];
const best = stages.map(() => Infinity);
for (let round = 0; round < Number(roundsArg); round++) stages.forEach(([, make], i) => (best[i] = Math.min(best[i], run(make))));
let prev = 0;
for (const [i, [label]] of stages.entries()) {
  console.log(label.padEnd(42), best[i].toFixed(0).padStart(6), 'ms CPU', `(+${(best[i] - prev).toFixed(0)})`.padStart(8));
  prev = best[i];
}
if (chars < 0) console.log(chars);
