import { describe, it, expect } from 'vitest';
import { parseCsv, parseHostsFile, parseJsonChanges } from './import.js';

const refused = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return (e as Error).message;
  }
  return 'accepted';
};

describe('operator names from JSON, a hosts file or CSV', () => {
  it('reads JSON changes: canonical addresses, trailing dot removed, null removes', () => {
    expect(
      parseJsonChanges([
        { ip: '10.0.0.5', name: 'DC01.corp.example.' },
        { ip: 'FD00:0:0::1', name: null },
      ]),
    ).toEqual([
      { ip: '10.0.0.5', name: 'DC01.corp.example' },
      { ip: 'fd00::1', name: null },
    ]);
  });

  it('reads a hosts file: comments, aliases, first line of an address wins', () => {
    const text = [
      '# static hosts',
      '127.0.0.1\tlocalhost',
      '10.10.0.10   dc1.corp.example dc1   # the domain controller',
      '',
      '10.10.0.10 other-name',
      '::1 ip6-localhost ip6-loopback',
    ].join('\r\n');
    expect(parseHostsFile(text)).toEqual([
      { ip: '127.0.0.1', name: 'localhost' },
      { ip: '10.10.0.10', name: 'dc1.corp.example' },
      { ip: '::1', name: 'ip6-localhost' },
    ]);
  });

  it('reads CSV with or without a header, quoted fields, and an empty name as a removal', () => {
    expect(parseCsv('10.0.0.1,web1\n10.0.0.2,"db,1"\n')).toEqual([
      { ip: '10.0.0.1', name: 'web1' },
      { ip: '10.0.0.2', name: 'db,1' },
    ]);
    expect(parseCsv('owner,hostname,ip\nalice,pay-db-2,10.40.0.2\nbob,,10.40.0.3\n')).toEqual([
      { ip: '10.40.0.2', name: 'pay-db-2' },
      { ip: '10.40.0.3', name: null },
    ]);
  });

  it('refuses bad input with one line naming where, and accepts markup as data', () => {
    const long = `${'a'.repeat(63)}.`.repeat(4) + 'b';
    expect(refused(() => parseJsonChanges({ ip: '10.0.0.1' }))).toMatch(/^body: expected an array/);
    expect(refused(() => parseJsonChanges([{ ip: '10.0.0.1' }]))).toMatch(/^\[0\]\.name: missing/);
    expect(refused(() => parseJsonChanges([{ ip: 'nope', name: 'x' }]))).toMatch(/^\[0\]\.ip: "nope" is not an IP address/);
    expect(refused(() => parseJsonChanges([{ ip: '10.0.0.1', name: 'x', extra: 1 }]))).toMatch(/^\[0\]\.extra: unknown field/);
    expect(refused(() => parseJsonChanges([{ ip: '10.0.0.1', name: long }]))).toMatch(/^\[0\]\.name: name of 257 characters exceeds 253/);
    expect(refused(() => parseJsonChanges([{ ip: '10.0.0.1', name: 'two words' }]))).toMatch(/printable ASCII without spaces/);
    expect(refused(() => parseJsonChanges([{ ip: '10.0.0.1', name: 'a..b' }]))).toMatch(/empty label/);
    expect(refused(() => parseHostsFile('10.0.0.1 ok\n10.0.0.2\n'))).toMatch(/^line 2: "10.0.0.2" has an address but no name/);
    expect(refused(() => parseHostsFile('10.0.0.1 ok\n\n999.0.0.1 x\n'))).toMatch(/^line 3: "999.0.0.1" is not an IP address/);
    expect(refused(() => parseCsv('10.0.0.1,"unterminated\n'))).toMatch(/^line 1: unterminated quoted field/);
    expect(refused(() => parseCsv('ip,owner\n10.0.0.1,x\n'))).toMatch(/^line 1: the header names an ip column but no name/);
    expect(refused(() => parseCsv('10.0.0.1\n'))).toMatch(/^line 1: expected ip,name/);
    // Printable, no spaces: a valid name. It stays data (the UI renders text, never markup).
    expect(parseJsonChanges([{ ip: '10.0.0.1', name: '<b>x</b>' }])).toEqual([{ ip: '10.0.0.1', name: '<b>x</b>' }]);
  });
});
