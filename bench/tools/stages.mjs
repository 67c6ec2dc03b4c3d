// Where `probe read` spends its time: the same capture read with successively more stages.
// usage: node bench/tools/stages.mjs FILE
import { CaptureFileReader } from '../../probe/dist/capture/file-reader.js';
import { decodeFrame, PacketInfo } from '../../probe/dist/decode/index.js';
import { FlowTable, DEFAULT_FLOW_OPTIONS } from '../../probe/dist/flowtable/flow-table.js';
import { flowRecordJson } from '../../shared/dist/index.js';

const file = process.argv[2];
const p = new PacketInfo();
function run(label, makeHandler) {
  const t0 = performance.now();
  const reader = new CaptureFileReader(file);
  const { onPacket, done } = makeHandler(reader);
  while (reader.step(onPacket, 32768));
  done?.();
  console.log(label.padEnd(34), (performance.now() - t0).toFixed(0).padStart(6), 'ms');
}
for (let round = 0; round < 2; round++) {
  run('read records only', () => ({ onPacket: () => {} }));
  run('+ decode', () => ({
    onPacket: (d, o, c, w, l) => {
      decodeFrame(d, o, c, l, p, true);
    },
  }));
  run('+ flow table (no output)', (r) => {
    const t = new FlowTable(DEFAULT_FLOW_OPTIONS, () => {});
    const clock = r.clock;
    return {
      onPacket: (d, o, c, w, l) => {
        if (decodeFrame(d, o, c, l, p, true) === 0) {
          p.ts = clock[0];
          t.add(p);
        }
      },
      done: () => t.flush(),
    };
  });
  run('+ JSON lines (discarded)', (r) => {
    let chars = 0;
    const t = new FlowTable(DEFAULT_FLOW_OPTIONS, (rec) => {
      chars += flowRecordJson(rec).length;
    });
    const clock = r.clock;
    return {
      onPacket: (d, o, c, w, l) => {
        if (decodeFrame(d, o, c, l, p, true) === 0) {
          p.ts = clock[0];
          t.add(p);
        }
      },
      done: () => {
        t.flush();
        if (chars < 0) throw new Error('unreachable');
      },
    };
  });
}
