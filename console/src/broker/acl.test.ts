import { describe, it, expect } from 'vitest';
import { mayPublish, maySubscribe, probeClientId, type Identity } from './acl.js';
import { Credentials, parseUsersEnv, validateUsers } from './users.js';

const a: Identity = { kind: 'probe', id: 'probe-a' };
const console_: Identity = { kind: 'console' };
const open: Identity = { kind: 'open' };

describe('broker ACL', () => {
  it('lets a probe publish only its own flows (not retained) and status', () => {
    expect(mayPublish(a, 'spanmap/v1/probe-a/flows', false)).toBe(true);
    expect(mayPublish(a, 'spanmap/v1/probe-a/status', true)).toBe(true);
    expect(mayPublish(a, 'spanmap/v1/probe-a/status', false)).toBe(true);
    for (const t of [
      'spanmap/v1/probe-b/flows',
      'spanmap/v1/probe-b/status',
      'spanmap/v1/probe-a/ack',
      'spanmap/v1/probe-a/other',
      'spanmap/v1/probe-a',
      'spanmap/v1/probe-a/flows/x',
      'spanmap/v2/probe-a/flows',
      '$SYS/x',
      'other',
    ]) {
      expect(mayPublish(a, t, false), t).toBe(false);
    }
    expect(mayPublish(a, 'spanmap/v1/probe-a/flows', true)).toBe(false);
  });

  it('lets a probe subscribe only to its own ack topic, without wildcards', () => {
    expect(maySubscribe(a, 'spanmap/v1/probe-a/ack')).toBe(true);
    for (const f of [
      'spanmap/v1/probe-b/ack',
      'spanmap/v1/+/ack',
      'spanmap/v1/#',
      '#',
      'spanmap/v1/probe-a/+',
      'spanmap/v1/probe-a/flows',
      'spanmap/v1/+/flows',
      '$share/g/spanmap/v1/probe-a/ack',
      '$SYS/#',
    ]) {
      expect(maySubscribe(a, f), f).toBe(false);
    }
  });

  it("gives the console every probe's flows and status, and acks to publish", () => {
    expect(maySubscribe(console_, 'spanmap/v1/+/flows')).toBe(true);
    expect(maySubscribe(console_, 'spanmap/v1/+/status')).toBe(true);
    expect(maySubscribe(console_, '$share/spanmap-console/spanmap/v1/+/flows')).toBe(true);
    for (const f of ['#', 'spanmap/v1/#', 'spanmap/v1/+/ack', '$SYS/#', '$share/a/b/spanmap/v1/+/flows']) expect(maySubscribe(console_, f), f).toBe(false);
    expect(mayPublish(console_, 'spanmap/v1/probe-a/ack', false)).toBe(true);
    for (const t of ['spanmap/v1/probe-a/flows', 'spanmap/v1/probe-a/status', 'spanmap/v1/a b/ack', 'spanmap/v1//ack', 'spanmap/v1/x/y/ack'])
      expect(mayPublish(console_, t, false), t).toBe(false);
    expect(mayPublish(console_, 'spanmap/v1/probe-a/ack', true)).toBe(false);
  });

  it('is open without credentials, except for $ topics', () => {
    expect(mayPublish(open, 'anything/at/all', true)).toBe(true);
    expect(maySubscribe(open, '#')).toBe(true);
    expect(mayPublish(open, '$SYS/broker/x', false)).toBe(false);
  });

  it('names the client id a probe must use', () => {
    expect(probeClientId('dc1-span-3')).toBe('spanmap-probe-dc1-span-3');
  });
});

describe('broker users', () => {
  it('parses SPANMAP_MQTT_USERS', () => {
    expect(parseUsersEnv('probe-a:secret,probe-b:other:with:colons')).toEqual([
      { username: 'probe-a', password: 'secret' },
      { username: 'probe-b', password: 'other:with:colons' },
    ]);
    expect(parseUsersEnv('')).toEqual([]);
  });

  it('refuses bad entries in one line that names the entry and never shows a password', () => {
    const bad: Array<[string, RegExp]> = [
      ['probe-a', /entry 1 \("probe-a"\) has no password/],
      ['probe-a:x,probe+b:hunter2', /entry 2: username "probe\+b" is not a probe id/],
      ['probe-a:', /entry 1: "probe-a" has an empty password/],
      ['probe-a:x,probe-a:y', /entry 2: "probe-a" is listed twice/],
    ];
    for (const [value, re] of bad) {
      let msg = '';
      try {
        parseUsersEnv(value);
      } catch (e) {
        msg = (e as Error).message;
      }
      expect(msg, value).toMatch(re);
      expect(msg).toMatch(/^SPANMAP_MQTT_USERS: /);
      expect(msg).not.toMatch(/hunter2/);
    }
    expect(() => validateUsers([{ username: '$console', password: 'x' }])).toThrow(/not a probe id/);
  });

  it('checks passwords (unknown users and wrong passwords alike fail)', () => {
    const c = new Credentials([{ username: 'probe-a', password: 'secret' }]);
    expect(c.check('probe-a', Buffer.from('secret'))).toBe(true);
    expect(c.check('probe-a', 'secret')).toBe(true);
    expect(c.check('probe-a', Buffer.from('secret!'))).toBe(false);
    expect(c.check('probe-a', Buffer.from(''))).toBe(false);
    expect(c.check('probe-a', undefined)).toBe(false);
    expect(c.check('probe-b', Buffer.from('secret'))).toBe(false);
  });
});
