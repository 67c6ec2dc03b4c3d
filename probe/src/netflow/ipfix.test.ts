import { describe, it, expect } from 'vitest';
import { decodeIpfix, readIpfixHeader, type IpfixHeader } from './ipfix.js';
import type { CompiledTemplate } from './ipfix-template.js';
import { FIRST_FAMILY, IE, REVERSE, REVERSE_PEN } from './ie.js';
import { MAX_TEMPLATES } from './types.js';
import { ipfixMessage, ipfixOptionsTemplate, ipfixTemplate, ipv4, ipv6, set, u16, u32, u64, u8, varlen } from './wire.js';

const F = (id: number, length: number, pen = 0) => ({ id, length, pen });

function decode(msg: Buffer, templates = new Map<number, CompiledTemplate>()) {
  const h = readIpfixHeader(msg) as IpfixHeader;
  expect(typeof h).toBe('object');
  return { ...decodeIpfix(msg, h, templates), templates };
}

const flowFields = [
  F(IE.sourceIPv4Address, 4),
  F(IE.destinationIPv4Address, 4),
  F(IE.protocolIdentifier, 1),
  F(IE.sourceTransportPort, 2),
  F(IE.destinationTransportPort, 2),
  F(IE.packetDeltaCount, 4),
  F(IE.octetDeltaCount, 8),
];
const flowRecord = (src: string, dst: string, sport: number, dport: number, packets: number, octets: number) =>
  Buffer.concat([ipv4(src), ipv4(dst), u8(6), u16(sport), u16(dport), u32(packets), u64(octets)]);

describe('IPFIX messages (RFC 7011)', () => {
  it('header: too short, length beyond the datagram, length below 16', () => {
    expect(readIpfixHeader(Buffer.alloc(10))).toBe('tooShort');
    const m = ipfixMessage([]);
    expect(readIpfixHeader(m.subarray(0, 15))).toBe('tooShort');
    const long = Buffer.from(m);
    long.writeUInt16BE(100, 2);
    expect(readIpfixHeader(long)).toBe('badLength');
    const short = Buffer.from(m);
    short.writeUInt16BE(8, 2);
    expect(readIpfixHeader(short)).toBe('badLength');
    expect(readIpfixHeader(ipfixMessage([], { sequence: 7, domain: 9, exportTime: 5 }))).toEqual({ length: 16, exportTime: 5, sequence: 7, domain: 9 });
  });

  it('template then data in one message, with padding after the records', () => {
    const msg = ipfixMessage([
      set(2, [ipfixTemplate(256, flowFields)]),
      set(256, [flowRecord('10.0.0.1', '10.0.0.2', 40000, 443, 3, 180), flowRecord('10.0.0.2', '10.0.0.1', 443, 40000, 2, 120)], 3),
    ]);
    const r = decode(msg);
    expect(r.errors).toEqual({});
    expect(r.added.map((d) => d.id)).toEqual([256]);
    expect(r.dataRecords).toBe(2);
    expect(r.data[0]).toMatchObject({
      [IE.sourceIPv4Address]: '10.0.0.1',
      [IE.destinationTransportPort]: 443,
      [IE.packetDeltaCount]: 3,
      [IE.octetDeltaCount]: 180,
      [FIRST_FAMILY]: 4,
    });
    expect(r.data[1]![IE.sourceTransportPort]).toBe(443);
  });

  it('data before its template is counted (noTemplate) and does not count toward the sequence', () => {
    const r = decode(ipfixMessage([set(300, [Buffer.alloc(20)]), set(2, [ipfixTemplate(300, flowFields)])]));
    expect(r.errors).toEqual({ noTemplate: 1 });
    expect(r.complete).toBe(false);
    expect(r.templates.has(300)).toBe(true);
  });

  it('a refresh is not a change; a redefinition replaces the template', () => {
    const templates = new Map<number, CompiledTemplate>();
    decode(ipfixMessage([set(2, [ipfixTemplate(256, flowFields)])]), templates);
    const again = decode(ipfixMessage([set(2, [ipfixTemplate(256, flowFields)])]), templates);
    expect(again.added).toEqual([]);
    expect(again.refreshed).toBe(1);
    const changed = decode(ipfixMessage([set(2, [ipfixTemplate(256, flowFields.slice(0, 3))])]), templates);
    expect(changed.added.map((d) => d.fields.length)).toEqual([3]);
  });

  it('variable-length fields, short and 255 + two-octet forms', () => {
    const name = Buffer.alloc(300, 0x41);
    const fields = [F(82, 65535), F(IE.sourceIPv4Address, 4), F(83, 65535), F(IE.destinationIPv4Address, 4), F(IE.protocolIdentifier, 1)];
    const rec = Buffer.concat([varlen(Buffer.from('eth0')), ipv4('192.0.2.1'), varlen(name), ipv4('192.0.2.2'), u8(17)]);
    const rec2 = Buffer.concat([varlen(Buffer.from('x'), true), ipv4('192.0.2.3'), varlen(Buffer.alloc(0)), ipv4('192.0.2.4'), u8(6)]);
    const r = decode(ipfixMessage([set(2, [ipfixTemplate(400, fields)]), set(400, [rec, rec2])]));
    expect(r.errors).toEqual({});
    expect(r.data.map((v) => [v[IE.sourceIPv4Address], v[IE.destinationIPv4Address], v[IE.protocolIdentifier]])).toEqual([
      ['192.0.2.1', '192.0.2.2', 17],
      ['192.0.2.3', '192.0.2.4', 6],
    ]);
  });

  it('a variable-length field running past its set drops the rest of the set (badRecord)', () => {
    const fields = [F(IE.sourceIPv4Address, 4), F(82, 65535)];
    const rec = Buffer.concat([ipv4('192.0.2.1'), u8(200), Buffer.alloc(10)]);
    const r = decode(ipfixMessage([set(2, [ipfixTemplate(401, fields)]), set(401, [rec])]));
    expect(r.errors).toEqual({ badRecord: 1 });
    expect(r.data).toEqual([]);
  });

  it('enterprise-specific fields are skipped by length; RFC 5103 reverse fields are read', () => {
    const fields = [F(1, 4, 2636), ...flowFields, F(IE.packetDeltaCount, 4, REVERSE_PEN), F(IE.octetDeltaCount, 8, REVERSE_PEN), F(7, 65535, 9)];
    const rec = Buffer.concat([u32(0xdeadbeef), flowRecord('10.0.0.1', '10.0.0.2', 1, 2, 5, 500), u32(4), u64(4000), varlen(Buffer.from('vendor'))]);
    const r = decode(ipfixMessage([set(2, [ipfixTemplate(402, fields)]), set(402, [rec])]));
    expect(r.errors).toEqual({});
    const v = r.data[0]!;
    expect(v[IE.packetDeltaCount]).toBe(5);
    expect(v[REVERSE + IE.packetDeltaCount]).toBe(4);
    expect(v[REVERSE + IE.octetDeltaCount]).toBe(4000);
    // the Juniper field with IE number 1 did not become octetDeltaCount
    expect(v[IE.octetDeltaCount]).toBe(500);
  });

  it('options templates: scope fields decoded, options records kept apart from flow records', () => {
    const opt = ipfixOptionsTemplate(500, 1, [
      F(IE.selectorId, 4),
      F(IE.samplingPacketInterval, 4),
      F(IE.samplingPacketSpace, 4),
      F(IE.systemInitTimeMilliseconds, 8),
    ]);
    const r = decode(ipfixMessage([set(3, [opt]), set(500, [Buffer.concat([u32(7), u32(1), u32(99), u64(1_700_000_000_000)])])]));
    expect(r.errors).toEqual({});
    expect(r.options).toEqual([
      { [IE.selectorId]: 7, [IE.samplingPacketInterval]: 1, [IE.samplingPacketSpace]: 99, [IE.systemInitTimeMilliseconds]: 1_700_000_000_000 },
    ]);
    expect(r.data).toEqual([]);
    expect(r.dataRecords).toBe(1);
  });

  it('withdrawals: one template, all templates (id 2), all options templates (id 3)', () => {
    const templates = new Map<number, CompiledTemplate>();
    decode(
      ipfixMessage([
        set(2, [ipfixTemplate(256, flowFields), ipfixTemplate(257, flowFields)]),
        set(3, [ipfixOptionsTemplate(258, 1, [F(IE.selectorId, 4), F(IE.samplingInterval, 4)])]),
      ]),
      templates,
    );
    expect([...templates.keys()]).toEqual([256, 257, 258]);
    const one = decode(ipfixMessage([set(2, [Buffer.concat([u16(256), u16(0)])])]), templates);
    expect(one.withdrawn).toEqual([256]);
    const allOptions = decode(ipfixMessage([set(3, [Buffer.concat([u16(3), u16(0)])])]), templates);
    expect(allOptions.withdrawn).toEqual([258]);
    expect([...templates.keys()]).toEqual([257]);
    const all = decode(ipfixMessage([set(2, [Buffer.concat([u16(2), u16(0)])])]), templates);
    expect(all.withdrawn).toEqual([257]);
    expect(templates.size).toBe(0);
    // data for a withdrawn template is data without a template
    expect(decode(ipfixMessage([set(257, [flowRecord('10.0.0.1', '10.0.0.2', 1, 2, 1, 1)])]), templates).errors).toEqual({ noTemplate: 1 });
  });

  it('malformed templates are counted and skipped; earlier definitions stay', () => {
    const templates = new Map<number, CompiledTemplate>();
    decode(ipfixMessage([set(2, [ipfixTemplate(256, flowFields)])]), templates);
    const r = decode(
      ipfixMessage([
        set(2, [ipfixTemplate(12, flowFields), ipfixTemplate(260, [F(1, 0)]), ipfixTemplate(261, flowFields)]), // id < 256; zero-length record
        set(3, [ipfixOptionsTemplate(262, 0, [F(IE.samplingInterval, 4)]), ipfixOptionsTemplate(263, 3, [F(IE.samplingInterval, 4)])]), // scope count 0; > field count
        set(2, [Buffer.concat([u16(264), u16(50), u16(1), u16(4)])]), // 50 fields announced, 1 present
      ]),
      templates,
    );
    expect(r.errors).toEqual({ malformedTemplate: 5 });
    expect([...templates.keys()].sort()).toEqual([256, 261]);
  });

  it('set lengths under 4 or past the message end stop decoding (badSetLength); reserved set ids are counted', () => {
    const good = set(2, [ipfixTemplate(256, flowFields)]);
    const msg = ipfixMessage([set(5, [Buffer.alloc(4)]), good, set(256, [flowRecord('10.0.0.1', '10.0.0.2', 1, 2, 1, 1)])]);
    const bad = Buffer.from(msg);
    // corrupt the data set's length to run past the end
    bad.writeUInt16BE(0xfff0, 16 + 8 + 4 + good.body.length + 2);
    const r = decode(bad);
    expect(r.errors).toEqual({ reservedSetId: 1, badSetLength: 1 });
    expect(r.added.length).toBe(1);
    const zero = Buffer.from(msg);
    zero.writeUInt16BE(0, 18);
    expect(decode(zero).errors).toEqual({ badSetLength: 1 });
  });

  it('a template naming both address families: FIRST_FAMILY says which pair came first', () => {
    const fields = [
      F(IE.sourceIPv6Address, 16),
      F(IE.destinationIPv6Address, 16),
      F(IE.sourceIPv4Address, 4),
      F(IE.destinationIPv4Address, 4),
      F(IE.protocolIdentifier, 1),
      F(IE.protocolIdentifier, 1),
    ];
    const rec = Buffer.concat([ipv6('2001:db8::1'), ipv6('2001:db8::2'), ipv4('192.0.2.1'), ipv4('192.0.2.2'), u8(4), u8(17)]);
    const r = decode(ipfixMessage([set(2, [ipfixTemplate(600, fields)]), set(600, [rec])]));
    expect(r.data[0]).toMatchObject({ [FIRST_FAMILY]: 6, [IE.sourceIPv6Address]: '2001:db8::1', [IE.sourceIPv4Address]: '192.0.2.1' });
    // a repeated IE (the inner header of a tunnel template) does not overwrite the first
    expect(r.data[0]![IE.protocolIdentifier]).toBe(4);
  });

  it('a scope holds at most MAX_TEMPLATES templates; refreshes and redefinitions still work when full', () => {
    const templates = new Map<number, CompiledTemplate>();
    const all = Array.from({ length: MAX_TEMPLATES }, (_, i) => ipfixTemplate(256 + i, flowFields.slice(0, 1)));
    for (let i = 0; i < all.length; i += 100) decode(ipfixMessage([set(2, all.slice(i, i + 100))]), templates);
    expect(templates.size).toBe(MAX_TEMPLATES);
    const r = decode(
      ipfixMessage([set(2, [ipfixTemplate(256 + MAX_TEMPLATES, flowFields), ipfixTemplate(256, flowFields.slice(0, 1)), ipfixTemplate(257, flowFields)])]),
      templates,
    );
    expect(r.errors).toEqual({ tooManyTemplates: 1 });
    expect([r.refreshed, r.added.length]).toEqual([1, 1]);
  });

  it('time encodings: seconds, milliseconds, NTP microseconds', () => {
    const fields = [F(IE.flowStartSeconds, 4), F(IE.flowEndMilliseconds, 8), F(IE.flowStartMicroseconds, 8)];
    const ntp = Buffer.concat([u32(1_700_000_000 + 2_208_988_800), u32(0x80000000)]);
    const r = decode(ipfixMessage([set(2, [ipfixTemplate(700, fields)]), set(700, [Buffer.concat([u32(1_700_000_000), u64(1_700_000_000_250), ntp])])]));
    expect(r.data[0]).toMatchObject({
      [IE.flowStartSeconds]: 1_700_000_000_000,
      [IE.flowEndMilliseconds]: 1_700_000_000_250,
      [IE.flowStartMicroseconds]: 1_700_000_000_500,
    });
  });
});
