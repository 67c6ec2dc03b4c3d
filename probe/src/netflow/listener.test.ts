import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FlowRecord } from '@spanmap/shared';
import { createFlowExportListener, type FlowExportListener } from './listener.js';
import { IE } from './ie.js';
import { ipfixMessage, ipfixTemplate, ipv4, set, u16, u32, u8, v9Packet, v9Template } from './wire.js';

const FLOW: Array<[number, number]> = [
  [8, 4],
  [12, 4],
  [4, 1],
  [7, 2],
  [11, 2],
  [2, 4],
  [1, 4],
];
const flow = (src: string, dst: string, sport: number, dport: number) => Buffer.concat([ipv4(src), ipv4(dst), u8(6), u16(sport), u16(dport), u32(2), u32(120)]);

async function send(port: number, msgs: Buffer[], host = '127.0.0.1'): Promise<void> {
  const s = createSocket(host.includes(':') ? 'udp6' : 'udp4');
  for (const m of msgs) await new Promise<void>((resolve, reject) => s.send(m, port, host, (e) => (e ? reject(e) : resolve())));
  s.close();
}

async function until(l: FlowExportListener, datagrams: number): Promise<void> {
  for (let i = 0; i < 200 && l.counters().sockets.reduce((a, s) => a + s.datagrams, 0) < datagrams; i++) await new Promise((r) => setTimeout(r, 10));
}

describe('NetFlow/IPFIX listener over UDP', () => {
  it('is inert until start(): two listeners on one port can be created; only starting binds', async () => {
    const a = createFlowExportListener({ netflow: ['127.0.0.1:0'] }, { send: () => {} });
    await a.start();
    const port = a.bound[0]!.port;
    const b = createFlowExportListener({ netflow: [`127.0.0.1:${port}`] }, { send: () => {} });
    expect(b.bound).toEqual([]);
    await expect(b.start()).rejects.toThrow(`--netflow 127.0.0.1:${port}: address already in use`);
    await a.stop();
  });

  it('receives on IPv4 and IPv6 sockets, pairs, flushes on stop, reports its buffers and kernel counters', async () => {
    const records: FlowRecord[] = [];
    const l = createFlowExportListener({ netflow: ['127.0.0.1:0'], ipfix: ['[::1]:0'], recvBufferBytes: 1 << 20 }, { send: (r) => records.push(r) });
    await l.start();
    const [v4, v6] = l.bound;
    await send(v4!.port, [v9Packet([set(0, [v9Template(256, FLOW)]), set(256, [flow('10.0.0.1', '10.0.0.2', 50000, 443)])])]);
    const tpl = ipfixTemplate(300, [
      { id: IE.sourceIPv4Address, length: 4, pen: 0 },
      { id: IE.destinationIPv4Address, length: 4, pen: 0 },
      { id: IE.protocolIdentifier, length: 1, pen: 0 },
    ]);
    await send(v6!.port, [ipfixMessage([set(2, [tpl]), set(300, [Buffer.concat([ipv4('10.9.0.1'), ipv4('10.9.0.2'), u8(47)])])])], '::1');
    await until(l, 2);
    const c = l.counters();
    expect(c.sockets.map((s) => [s.kind, s.address, s.datagrams])).toEqual([
      ['netflow', `127.0.0.1:${v4!.port}`, 1],
      ['ipfix', `[::1]:${v6!.port}`, 1],
    ]);
    expect(c.sockets[0]!.recvBuffer.requested).toBe(1 << 20);
    expect(c.sockets[0]!.recvBuffer.granted).toBeGreaterThan(0);
    expect(c.sockets.map((s) => s.kernelDrops)).toEqual([0, 0]);
    expect(records).toEqual([]); // both wait for their reverse direction
    await l.stop();
    expect(records.map((r) => [r.src, r.iface])).toEqual([
      ['10.0.0.1', '127.0.0.1'],
      ['10.9.0.1', '::1'],
    ]);
  });

  it('kernel drops are reported, not silent: received + dropped = sent, and the v9 sequence numbers agree', async () => {
    const l = createFlowExportListener({ netflow: ['127.0.0.1:0'], recvBufferBytes: 4096 }, { send: () => {} });
    await l.start();
    const port = l.bound[0]!.port;
    const n = 3000;
    // A separate process sends while this one is blocked: nothing reads the socket, its small
    // buffer overflows, the kernel drops.
    const py = `import socket,struct
s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)
s.bind(('127.0.0.1',0))
for i in range(${n}):
    s.sendto(struct.pack('>HHIIII',9,0,1000,1700000000,i+1,0)+bytes(1000),('127.0.0.1',${port}))
print(s.getsockname()[1])`;
    const r = spawnSync('python3', ['-c', py], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    const exporterPort = Number(r.stdout.trim());
    let c = l.counters();
    for (let i = 0; i < 100 && (c.sockets[0]!.rxQueueBytes ?? 0) > 0; i++) {
      await new Promise((res) => setTimeout(res, 10));
      c = l.counters();
    }
    // One more from the same exporter socket, now that we read again: its sequence number shows
    // the gap the drops left (sequence numbers are per exporter address, port and source id).
    const last = createSocket('udp4');
    await new Promise<void>((res) => last.bind(exporterPort, '127.0.0.1', () => res()));
    await new Promise<void>((res, rej) => last.send(v9Packet([], { sequence: n + 1 }), port, '127.0.0.1', (e) => (e ? rej(e) : res())));
    last.close();
    await new Promise((res) => setTimeout(res, 50));
    await l.stop();
    c = l.counters();
    const s = c.sockets[0]!;
    expect(s.kernelDrops).toBeGreaterThan(0);
    expect(s.datagrams + s.kernelDrops!).toBe(n + 1);
    expect(c.lost.v9Packets).toBe(s.kernelDrops);
  });

  it('templates survive a restart with a data directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spanmap-nf-'));
    try {
      const first = createFlowExportListener({ netflow: ['127.0.0.1:0'], dataDir: dir }, { send: () => {} });
      await first.start();
      await send(first.bound[0]!.port, [v9Packet([set(0, [v9Template(256, FLOW)])], { sourceId: 4 })]);
      await until(first, 1);
      await first.stop();
      expect(first.counters().templateStore).toBeNull(); // closed

      const records: FlowRecord[] = [];
      const second = createFlowExportListener({ netflow: ['127.0.0.1:0'], dataDir: dir, pairWindowMs: 0 }, { send: (r) => records.push(r) });
      await second.start();
      expect(second.counters().templates.restored).toBe(1);
      await send(second.bound[0]!.port, [v9Packet([set(256, [flow('10.0.0.1', '10.0.0.2', 50000, 443)])], { sourceId: 4, sequence: 1 })]);
      await until(second, 1);
      await second.stop();
      expect(records).toMatchObject([{ src: '10.0.0.1', dst: '10.0.0.2', dport: 443, packets: 2 }]);
      // another source id did not get them
      const third = createFlowExportListener({ netflow: ['127.0.0.1:0'], dataDir: dir }, { send: () => {} });
      await third.start();
      await send(third.bound[0]!.port, [v9Packet([set(256, [flow('10.0.0.1', '10.0.0.2', 50000, 443)])], { sourceId: 5 })]);
      await until(third, 1);
      await third.stop();
      expect(third.counters().rejected.noTemplate).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
