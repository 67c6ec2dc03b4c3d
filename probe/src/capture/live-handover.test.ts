import { describe, it, expect } from 'vitest';
import type { FlowRecord } from '@spanmap/shared';
import { buildFrame, newPacketSpec, TCP_ACK } from '@spanmap/scenario';
import { FlowTable, DEFAULT_FLOW_OPTIONS } from '../flowtable/flow-table.js';
import { createLiveCapture, type LiveCaptureConfig } from './live.js';
import type { CaptureBackend, FrameHandler } from './backends/index.js';

// The reload hand-over of capture workers (live-workers.ts): the old and the new capture of an
// interface both see the packets around the switch, and the moment of the switch is only known
// when every worker has joined its new fanout group. The kernel hands each ring's frames over in
// blocks of its own, so a copy may come before that moment is known and the other copy after.
// The real thing (veth, libpcap, SIGHUP) is in test/live-capture.test.ts; here the backend is
// ours so that the frames come in exactly the order that once split a flow between two records.

interface Ring {
  onFrame: FrameHandler;
  onFlush: () => void;
  delivered: number;
  closed: boolean;
}

function fakeBackend(rings: Ring[]): CaptureBackend {
  return {
    name: 'cap',
    open(_opts, onFrame, _onError, onFlush) {
      const r: Ring = { onFrame, onFlush: onFlush ?? (() => {}), delivered: 0, closed: false };
      rings.push(r);
      const stats = () => ({ received: null, dropped: null, ifDropped: null, delivered: r.delivered });
      return { linktype: 1, stats, close: () => ((r.closed = true), stats()) };
    },
  };
}

/** Packet `i` is a TCP segment of its own conversation (source port 40000 + i): counts per port show any loss or double. */
function send(ring: Ring, i: number, ts: number): void {
  const buf = new Uint8Array(256);
  const s = Object.assign(newPacketSpec(), { family: 4, vlan: -1, src4: 0x0a000105, dst4: 0x0a000209, proto: 6, ttl: 64 });
  Object.assign(s, { sport: 40000 + i, dport: 443, seq: 1, ack: 1, flags: TCP_ACK, window: 512, payload: 10, ipId: i });
  const len = buildFrame(buf, 0, s);
  expect(ring.closed).toBe(false);
  ring.delivered++;
  ring.onFrame(buf, 0, len, len, ts);
  ring.onFlush();
}

describe('live capture reload hand-over', () => {
  it('counts every frame once when copies come before and after the switch moment is known', async () => {
    const rings: Ring[] = [];
    const records: FlowRecord[] = [];
    const table = new FlowTable(DEFAULT_FLOW_OPTIONS, (r) => records.push(r));
    const iface = { name: 'x', filter: '', promisc: true, snaplen: 256, bufferSize: 1 << 20 };
    const cfg: LiveCaptureConfig = { backend: 'cap', interfaces: [iface], decapInner: false, own: [], dedupWindowMs: 0 };
    const capture = createLiveCapture(cfg, { table, log: () => {}, selectBackend: () => fakeBackend(rings) });
    await capture.start();
    const [old] = rings as [Ring];
    send(old, 0, Date.now() - 5000);

    await capture.reload({ ...cfg, interfaces: [{ ...iface, snaplen: 512 }] }, async () => {
      const fresh = rings[1]!;
      const at = Date.now() + 1000; // the other workers took their time joining
      // Before the moment is known: packet 1 (before it) new copy first; packet 2 (after it) only
      // its old copy so far; packet 3 (after it) only its new copy so far.
      send(fresh, 1, at - 10);
      send(old, 1, at - 10);
      send(old, 2, at + 1);
      send(fresh, 3, at + 2);
      // After: the other copies, while the old ring drains.
      setTimeout(() => {
        send(fresh, 2, at + 1);
        send(old, 3, at + 2);
        send(fresh, 4, at + 3);
      }, 0);
      return at;
    });
    const stats = capture.stats();
    await capture.stop();
    table.flush('eof');

    const packets = Object.fromEntries(records.map((r) => [r.sport - 40000, r.packets]));
    expect(packets).toEqual({ 0: 1, 1: 1, 2: 1, 3: 1, 4: 1 });
    expect(stats.reloadDuplicates).toBe(3);
    expect(stats.reloadLost).toBe(0);
  });
});
