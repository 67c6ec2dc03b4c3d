import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { AedesOptions, AuthenticateError, Client, Connection } from 'aedes';
import { RateLimitedLog } from '../util/rate-limited-log.js';
import { mayPublish, maySubscribe, probeClientId, type Identity } from './acl.js';
import { Credentials, type MqttUser } from './users.js';
import { peerCommonName } from './tls.js';

/** Why a CONNECT was refused. */
export type AuthFailure = 'anonymous' | 'unknown-user' | 'bad-password' | 'client-id' | 'certificate' | 'console-credential';

export interface BrokerCounters {
  /** CONNECTs refused (every reason); by reason in `authFailuresByReason`. */
  authFailures: number;
  authFailuresByReason: Record<AuthFailure, number>;
  /** PUBLISHes (and last wills) outside the client's rights: dropped, and the client disconnected. */
  publishDenied: number;
  /** SUBSCRIBEs outside the client's rights: refused with a failure return code (0x80) in the SUBACK. */
  subscribeDenied: number;
  /** TLS handshakes that failed (untrusted certificates, plain MQTT on the TLS port, ...). */
  tlsFailures: number;
}

export function newCounters(): BrokerCounters {
  return {
    authFailures: 0,
    authFailuresByReason: { anonymous: 0, 'unknown-user': 0, 'bad-password': 0, 'client-id': 0, certificate: 0, 'console-credential': 0 },
    publishDenied: 0,
    subscribeDenied: 0,
    tlsFailures: 0,
  };
}

// MQTT 3.1.1 CONNACK return codes.
const IDENTIFIER_REJECTED = 2;
const BAD_USERNAME_OR_PASSWORD = 4;
const NOT_AUTHORIZED = 5;

export interface SecurityOptions {
  users: readonly MqttUser[];
  /** The console's own credential, valid only on the private socket. */
  console: { username: string; password: string };
  clientCertRequired: boolean;
  /** True for connections that arrived on the private socket. */
  isInternal: (conn: Connection) => boolean;
  log: RateLimitedLog;
  counters: BrokerCounters;
}

/**
 * The broker's access rules as aedes hooks. With no users configured the public listener is open
 * (anyone may do anything, as before); with users, every client authenticates as a probe and is held
 * to its own topics (acl.ts). The console's credential is accepted only on the private socket.
 */
export class BrokerSecurity {
  private readonly identities = new WeakMap<Client, Identity>();
  private readonly probes: Credentials;
  private readonly consoleCredential: Credentials;

  constructor(private readonly o: SecurityOptions) {
    this.probes = new Credentials(o.users);
    this.consoleCredential = new Credentials([o.console]);
  }

  /** Credentials are configured: anonymous clients are refused. */
  get secured(): boolean {
    return this.probes.size > 0;
  }

  hooks(): Pick<AedesOptions, 'authenticate' | 'authorizePublish' | 'authorizeSubscribe'> {
    return {
      authenticate: (client, username, password, done) => {
        const r = this.authenticate(client, username, password);
        if ('identity' in r) {
          this.identities.set(client, r.identity);
          done(null, true);
          return;
        }
        this.o.counters.authFailures++;
        this.o.counters.authFailuresByReason[r.reason]++;
        this.o.log.log(`auth:${r.reason}`, `broker: refused a connection from ${peer(client.conn)}: ${r.why}`);
        const err = new Error(r.why) as AuthenticateError;
        err.returnCode = r.code as AuthenticateError['returnCode'];
        done(err, false);
      },
      authorizePublish: (client, packet, done) => {
        // client is null only for a stale will from another broker instance: not ours to vouch for.
        const who = client ? this.identities.get(client) : this.secured ? undefined : ({ kind: 'open' } as const);
        if (who && mayPublish(who, packet.topic, packet.retain)) return done(null);
        this.o.counters.publishDenied++;
        this.o.log.log(
          'publish',
          `broker: ${describe(who, client)} may not publish to ${JSON.stringify(packet.topic)}${packet.retain ? ' (retained)' : ''}: dropped${client ? ', client disconnected' : ''}`,
        );
        done(new Error(`not authorized to publish to ${packet.topic}`));
      },
      authorizeSubscribe: (client, sub, done) => {
        const who = this.identities.get(client);
        if (who && maySubscribe(who, sub.topic)) return done(null, sub);
        this.o.counters.subscribeDenied++;
        this.o.log.log('subscribe', `broker: ${describe(who, client)} may not subscribe to ${JSON.stringify(sub.topic)}: refused`);
        done(null, null); // a failure return code (0x80) in the SUBACK; the connection stays up
      },
    };
  }

  private authenticate(
    client: Client,
    username: string | undefined,
    password: Buffer | undefined,
  ): { identity: Identity } | { reason: AuthFailure; code: number; why: string } {
    if (this.o.isInternal(client.conn)) {
      if (username !== undefined && this.consoleCredential.check(username, password)) return { identity: { kind: 'console' } };
      return { reason: 'console-credential', code: BAD_USERNAME_OR_PASSWORD, why: "wrong credential on the console's private socket" };
    }
    if (!this.secured) return { identity: { kind: 'open' } };
    if (username === undefined || username === '')
      return { reason: 'anonymous', code: NOT_AUTHORIZED, why: 'no username (anonymous clients are refused once MQTT users are configured)' };
    const known = this.probes.has(username);
    if (!this.probes.check(username, password)) {
      return known
        ? { reason: 'bad-password', code: BAD_USERNAME_OR_PASSWORD, why: `wrong password for probe "${username}"` }
        : { reason: 'unknown-user', code: BAD_USERNAME_OR_PASSWORD, why: `unknown user ${JSON.stringify(username.slice(0, 64))}` };
    }
    if (client.id !== probeClientId(username)) {
      return {
        reason: 'client-id',
        code: IDENTIFIER_REJECTED,
        why: `probe "${username}" connected with client id ${JSON.stringify(client.id.slice(0, 80))}; it must use "${probeClientId(username)}"`,
      };
    }
    if (this.o.clientCertRequired) {
      const cn = peerCommonName(client.conn as TLSSocket);
      if (cn !== username)
        return {
          reason: 'certificate',
          code: NOT_AUTHORIZED,
          why: `probe "${username}" presented the certificate of ${cn === null ? 'nobody' : JSON.stringify(cn)}; its CN must be its username`,
        };
    }
    return { identity: { kind: 'probe', id: username } };
  }
}

function describe(who: Identity | undefined, client: Client | null): string {
  if (!who) return client ? `client ${JSON.stringify(client.id)} from ${peer(client.conn)}` : 'a stale last will';
  if (who.kind === 'probe') return `probe "${who.id}" (${client ? peer(client.conn) : 'last will'})`;
  if (who.kind === 'console') return 'the console';
  return `client ${JSON.stringify(client?.id)} from ${client ? peer(client.conn) : '?'}`;
}

/** "address:port" of a client (a TLS socket that already failed still knows it through the TCP socket under it). */
export function peer(conn: Connection): string {
  const s = conn as Partial<Socket> & { _parent?: Partial<Socket> };
  const address = s.remoteAddress ?? s._parent?.remoteAddress;
  const port = s.remotePort ?? s._parent?.remotePort;
  if (!address) return 'a client';
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}
