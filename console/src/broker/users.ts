import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { isValidProbeId, SpanmapError } from '@spanmap/shared';

/** One probe's credentials on the embedded broker: the username is the probe id. */
export interface MqttUser {
  username: string;
  password: string;
}

/**
 * Parses SPANMAP_MQTT_USERS="probe-a:secret,probe-b:other" (the password is everything after the
 * first ":", so it may hold ":" but not ","). Errors name the entry, never a password.
 */
export function parseUsersEnv(value: string, name = 'SPANMAP_MQTT_USERS'): MqttUser[] {
  if (value.trim() === '') return [];
  const users = value.split(',').map((entry, i) => {
    const at = entry.indexOf(':');
    const username = (at < 0 ? entry : entry.slice(0, at)).trim();
    if (at < 0)
      throw new SpanmapError(
        'bad_config',
        `${name}: entry ${i + 1} (${JSON.stringify(username.slice(0, 64))}) has no password: expected "probe-id:password,..."`,
      );
    return { username, password: entry.slice(at + 1) };
  });
  return validateUsers(users, name);
}

/** Checks a user list (from the environment or a config file); `source` names it in errors. */
export function validateUsers(users: readonly MqttUser[], source = 'users'): MqttUser[] {
  const seen = new Set<string>();
  users.forEach((u, i) => {
    const where = `${source}: entry ${i + 1}`;
    if (typeof u?.username !== 'string' || !isValidProbeId(u.username)) {
      throw new SpanmapError(
        'bad_config',
        `${where}: username ${JSON.stringify(String(u?.username).slice(0, 64))} is not a probe id (letters, digits, ".", "_", "-"; at most 64): each username is the probe id it may publish as`,
      );
    }
    if (typeof u.password !== 'string' || u.password === '') throw new SpanmapError('bad_config', `${where}: "${u.username}" has an empty password`);
    if (seen.has(u.username)) throw new SpanmapError('bad_config', `${where}: "${u.username}" is listed twice`);
    seen.add(u.username);
  });
  return users.map((u) => ({ username: u.username, password: u.password }));
}

/**
 * Passwords kept only as HMACs under a key made at start, compared in constant time; an unknown
 * user costs the same as a wrong password, so timing tells nothing about which usernames exist.
 */
export class Credentials {
  private readonly key = randomBytes(32);
  private readonly digests = new Map<string, Buffer>();
  private readonly dummy: Buffer;

  constructor(users: readonly MqttUser[]) {
    for (const u of users) this.digests.set(u.username, this.digest(u.password));
    this.dummy = this.digest(randomBytes(16).toString('hex'));
  }

  private digest(password: string | Buffer): Buffer {
    return createHmac('sha256', this.key).update(password).digest();
  }

  get size(): number {
    return this.digests.size;
  }

  has(username: string): boolean {
    return this.digests.has(username);
  }

  check(username: string, password: Buffer | string | undefined): boolean {
    const want = this.digests.get(username);
    const ok = timingSafeEqual(want ?? this.dummy, this.digest(password ?? ''));
    return ok && want !== undefined && password !== undefined;
  }
}
