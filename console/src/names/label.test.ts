import { describe, it, expect } from 'vitest';
import { csvText, named, namedRule, namesComment } from './label.js';
import type { Rule } from '../policy/model.js';

const names = { nameAt: (ip: string, t: number) => (ip === '10.0.0.5' ? (t < 100 ? 'old.example' : 'new.example') : null) };
const rule: Rule = {
  id: 'abc123',
  src: { segment: 'users' },
  dst: { host: '10.0.0.5' },
  proto: 6,
  ports: [443],
  comment: '',
  justifiedBy: [{ src: '10.9.0.1', dst: '10.0.0.5', proto: 6, port: 443 }],
  edges: 1,
  layer: 'application',
};

describe('names on what people read', () => {
  it('names edges at a time, rules now and their justifying edges at the window end', () => {
    expect(named(names, { src: '10.9.0.1', dst: '10.0.0.5' }, 50)).toEqual({ src: '10.9.0.1', dst: '10.0.0.5', srcName: null, dstName: 'old.example' });
    expect(named(null, { src: '10.9.0.1', dst: '10.0.0.5' }, 50)).toMatchObject({ srcName: null, dstName: null });
    const r = namedRule(names, rule, 50);
    expect([r.srcName, r.dstName, r.justifiedBy[0]!.dstName]).toEqual([null, 'new.example', 'old.example']);
  });

  it('writes export comments and CSV cells that cannot become rules or formulas', () => {
    expect(namesComment(names, rule)).toBe('abc123: segment:users -> host:10.0.0.5 (new.example)');
    expect(namesComment(names, { ...rule, dst: { host: '10.0.0.6' } })).toBeNull();
    expect(csvText('=HYPERLINK("x")')).toBe('\'=HYPERLINK("x")');
    expect(csvText('-1+2')).toBe("'-1+2");
    expect(csvText('dc1.corp.example')).toBe('dc1.corp.example');
    expect(csvText(null)).toBe('');
  });
});
