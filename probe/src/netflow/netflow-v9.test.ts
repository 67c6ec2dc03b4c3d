import { describe, it, expect } from 'vitest';
import { decodeV9, templatePackets, type V9Template } from './netflow-v9.js';
import { NfDecoder } from './nflib.js';
import { set, u16, u32, u8, ipv4, v9OptionsTemplate, v9Packet, v9Template } from './wire.js';

// Each case here is input node-netflowv9 itself cannot survive (it hangs, throws or misreads);
// our walk in front of it must turn them into counts and decode the rest.

const FLOW: Array<[number, number]> = [
  [8, 4],
  [12, 4],
  [4, 1],
  [7, 2],
  [11, 2],
  [2, 4],
  [1, 4],
];
const flow = (src: string, dst: string, packets: number) => Buffer.concat([ipv4(src), ipv4(dst), u8(17), u16(5353), u16(53), u32(packets), u32(packets * 100)]);

function fresh() {
  return { shadow: new Map<number, V9Template>(), lib: new NfDecoder() };
}

describe('NetFlow v9 through node-netflowv9, behind our checks', () => {
  it('decodes templates and data, with node-netflowv9 snake_case names', () => {
    const { shadow, lib } = fresh();
    const r = decodeV9(v9Packet([set(0, [v9Template(256, FLOW)]), set(256, [flow('10.0.0.1', '10.0.0.2', 3)])]), shadow, lib, 's');
    expect(r.errors).toEqual({});
    expect(r.data).toHaveLength(1);
    expect(r.data[0]).toMatchObject({
      ipv4_src_addr: '10.0.0.1',
      ipv4_dst_addr: '10.0.0.2',
      protocol: 17,
      l4_src_port: 5353,
      l4_dst_port: 53,
      in_pkts: 3,
      in_bytes: 300,
      fsId: 256,
    });
  });

  it('a FlowSet length of 0 (node-netflowv9 would loop forever) stops the walk: badSetLength', () => {
    const { shadow, lib } = fresh();
    const msg = v9Packet([set(0, [v9Template(256, FLOW)])]);
    const bad = Buffer.concat([msg, u16(256), u16(0), Buffer.alloc(8)]);
    const r = decodeV9(bad, shadow, lib, 's');
    expect(r.errors).toEqual({ badSetLength: 1 });
    expect(shadow.has(256)).toBe(true);
  });

  it('a template of zero fields or zero octets (a data FlowSet would then hold endless records) is malformed', () => {
    const { shadow, lib } = fresh();
    const r = decodeV9(
      v9Packet([
        set(0, [Buffer.concat([u16(300), u16(0)])]),
        set(0, [
          v9Template(301, [
            [1, 0],
            [2, 0],
          ]),
        ]),
        set(300, [Buffer.alloc(8)]),
        set(301, [Buffer.alloc(8)]),
      ]),
      shadow,
      lib,
      's',
    );
    expect(r.errors).toEqual({ malformedTemplate: 2, noTemplate: 2 });
  });

  it('padding after a template record (node-netflowv9 throws reading it) is dropped', () => {
    const { shadow, lib } = fresh();
    const r = decodeV9(v9Packet([set(0, [v9Template(256, FLOW)], 2), set(256, [flow('10.0.0.1', '10.0.0.2', 1)], 3)]), shadow, lib, 's');
    expect(r.errors).toEqual({});
    expect(r.data).toHaveLength(1);
  });

  it('several options templates in one FlowSet (node-netflowv9 reads only the first) all work', () => {
    const { shadow, lib } = fresh();
    const opts = set(1, [
      v9OptionsTemplate(400, [[2, 4]], [[34, 4]]),
      v9OptionsTemplate(
        401,
        [[1, 4]],
        [
          [48, 1],
          [50, 4],
        ],
      ),
    ]);
    const r = decodeV9(v9Packet([opts, set(400, [Buffer.concat([u32(5), u32(100)])]), set(401, [Buffer.concat([u32(0), u8(3), u32(64)])])]), shadow, lib, 's');
    expect(r.errors).toEqual({});
    expect(r.options).toEqual([
      expect.objectContaining({ isOption: true, scope_interface: 5, sampling_interval: 100 }),
      expect.objectContaining({ isOption: true, flow_sampler_id: 3, flow_sampler_random_interval: 64 }),
    ]);
  });

  it('a field type repeated in a template: the first occurrence is the one decoded (outer header)', () => {
    const { shadow, lib } = fresh();
    const fields: Array<[number, number]> = [
      [8, 4],
      [12, 4],
      [4, 1],
      [8, 4],
      [12, 4],
      [4, 1],
    ];
    const rec = Buffer.concat([ipv4('192.0.2.1'), ipv4('192.0.2.2'), u8(47), ipv4('10.0.0.1'), ipv4('10.0.0.2'), u8(6)]);
    const r = decodeV9(v9Packet([set(0, [v9Template(256, fields)]), set(256, [rec])]), shadow, lib, 's');
    expect(r.data[0]).toMatchObject({ ipv4_src_addr: '192.0.2.1', ipv4_dst_addr: '192.0.2.2', protocol: 47 });
  });

  it('variable length (IPFIX only), an id below 256, a count running past the FlowSet: malformed, counted', () => {
    const { shadow, lib } = fresh();
    const r = decodeV9(
      v9Packet([set(0, [v9Template(256, [[8, 65535]]), v9Template(5, FLOW)]), set(0, [Buffer.concat([u16(257), u16(40), u16(8), u16(4)])])]),
      shadow,
      lib,
      's',
    );
    expect(r.errors).toEqual({ malformedTemplate: 3 });
    expect(shadow.size).toBe(0);
  });

  it('refreshes are recognised and not handed to node-netflowv9 again; a broken redefinition drops the old layout', () => {
    const { shadow, lib } = fresh();
    decodeV9(v9Packet([set(0, [v9Template(256, FLOW)])]), shadow, lib, 's');
    const again = decodeV9(v9Packet([set(0, [v9Template(256, FLOW)]), set(256, [flow('10.0.0.1', '10.0.0.2', 1)])]), shadow, lib, 's');
    expect(again.refreshed).toBe(1);
    expect(again.added).toEqual([]);
    expect(again.data).toHaveLength(1);
    const broken = decodeV9(v9Packet([set(0, [v9Template(256, [[8, 65535]])]), set(256, [flow('10.0.0.1', '10.0.0.2', 1)])]), shadow, lib, 's');
    expect(broken.withdrawn).toEqual([256]);
    expect(broken.errors).toEqual({ malformedTemplate: 1, noTemplate: 1 });
  });

  it('templates are per scope: the same id from two source ids decodes with its own layout', () => {
    const a = fresh();
    const b = { shadow: new Map<number, V9Template>(), lib: a.lib };
    decodeV9(v9Packet([set(0, [v9Template(256, FLOW)])]), a.shadow, a.lib, 'exp|1');
    decodeV9(
      v9Packet([
        set(0, [
          v9Template(256, [
            [12, 4],
            [8, 4],
          ]),
        ]),
      ]),
      b.shadow,
      b.lib,
      'exp|2',
    );
    const ra = decodeV9(v9Packet([set(256, [flow('10.0.0.1', '10.0.0.2', 1)])]), a.shadow, a.lib, 'exp|1');
    const rb = decodeV9(v9Packet([set(256, [Buffer.concat([ipv4('10.9.9.9'), ipv4('10.8.8.8')])])]), b.shadow, b.lib, 'exp|2');
    expect(ra.data[0]).toMatchObject({ ipv4_src_addr: '10.0.0.1' });
    expect(rb.data[0]).toMatchObject({ ipv4_src_addr: '10.8.8.8', ipv4_dst_addr: '10.9.9.9' });
  });

  it('a packet of saved templates seeds a new decoder (restart): data decodes at once', () => {
    const first = fresh();
    const learned = decodeV9(v9Packet([set(0, [v9Template(256, FLOW)]), set(1, [v9OptionsTemplate(257, [[2, 4]], [[34, 4]])])]), first.shadow, first.lib, 's');
    const next = fresh();
    for (const p of templatePackets(learned.added)) expect(decodeV9(p, next.shadow, next.lib, 's').errors).toEqual({});
    expect(next.shadow.size).toBe(2);
    const r = decodeV9(v9Packet([set(256, [flow('10.0.0.1', '10.0.0.2', 7)]), set(257, [Buffer.concat([u32(1), u32(10)])])]), next.shadow, next.lib, 's');
    expect(r.data[0]).toMatchObject({ in_pkts: 7 });
    expect(r.options[0]).toMatchObject({ sampling_interval: 10 });
  });
});
