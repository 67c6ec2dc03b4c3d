import { ClickHouseLogLevel, createClient, type ClickHouseClient, type ClickHouseSettings } from '@clickhouse/client';
import { SpanmapError } from '@spanmap/shared';

export interface ClickHouseOptions {
  /** HTTP(S) endpoints, tried in order; the one that answered last is used until it fails. */
  endpoints: string[];
  username?: string;
  password?: string;
  /** A request's time limit (ms): an insert not confirmed within it is not acknowledged to the probe. */
  requestTimeoutMs?: number;
}

/** A string as a ClickHouse literal (18.16 has no query parameters over HTTP: values are quoted here). */
export function quote(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/**
 * A thin layer over @clickhouse/client (the official client; it works against Debian's
 * ClickHouse 18.16 over HTTP: queries, commands and JSONEachRow inserts were checked
 * against that server): several endpoints with failover, errors turned into one line naming the
 * server, and the settings every statement needs. Inert until used; close() ends its sockets.
 */
export class ClickHouse {
  private readonly clients: ClickHouseClient[];
  private current = 0;
  /** Requests that failed over to another endpoint. */
  failovers = 0;

  constructor(readonly opts: ClickHouseOptions) {
    this.clients = opts.endpoints.map((url) =>
      createClient({
        url,
        username: opts.username ?? 'default',
        password: opts.password ?? '',
        request_timeout: opts.requestTimeoutMs ?? 30_000,
        // 18.16 knows none of the newer settings the client could send; keep to what both know.
        clickhouse_settings: {},
        compression: { request: false, response: false },
        // Its failures reach us as errors, reported once by the caller (rate-limited), not logged twice.
        log: { level: ClickHouseLogLevel.OFF },
      }),
    );
  }

  get endpoint(): string {
    return this.opts.endpoints[this.current]!;
  }

  /** Runs a statement that returns nothing (DDL, INSERT … SELECT). */
  command(sql: string, settings: ClickHouseSettings = {}): Promise<void> {
    return this.run(async (c) => void (await c.command({ query: sql, clickhouse_settings: settings })));
  }

  /** Runs a query on one endpoint (index), not failing over: migrations run on every server. */
  async commandOn(i: number, sql: string): Promise<void> {
    try {
      await this.clients[i]!.command({ query: sql });
    } catch (e) {
      throw this.wrap(e, this.opts.endpoints[i]!);
    }
  }

  async queryOn<T>(i: number, sql: string): Promise<T[]> {
    try {
      const r = await this.clients[i]!.query({ query: sql, format: 'JSONEachRow' });
      return await r.json<T>();
    } catch (e) {
      throw this.wrap(e, this.opts.endpoints[i]!);
    }
  }

  /** Rows of a SELECT, all in memory (small answers: keys, versions). */
  query<T>(sql: string): Promise<T[]> {
    return this.run(async (c) => {
      const r = await c.query({ query: sql, format: 'JSONEachRow' });
      return r.json<T>();
    });
  }

  /** Inserts rows and resolves once the server confirmed them. */
  insert(table: string, rows: object[], settings: ClickHouseSettings = {}): Promise<void> {
    if (rows.length === 0) return Promise.resolve();
    return this.run(async (c) => void (await c.insert({ table, values: rows, format: 'JSONEachRow', clickhouse_settings: settings })));
  }

  async close(): Promise<void> {
    await Promise.all(this.clients.map((c) => c.close()));
  }

  /** Tries the current endpoint, then the others once each when the failure is the connection's. */
  private async run<T>(f: (c: ClickHouseClient) => Promise<T>): Promise<T> {
    let last: unknown;
    for (let n = 0; n < this.clients.length; n++) {
      const i = (this.current + n) % this.clients.length;
      try {
        const r = await f(this.clients[i]!);
        if (n > 0) this.failovers++;
        this.current = i;
        return r;
      } catch (e) {
        last = e;
        if (!isConnectionError(e)) throw this.wrap(e, this.opts.endpoints[i]!);
      }
    }
    throw this.wrap(last, this.opts.endpoints.join(', '));
  }

  private wrap(e: unknown, where: string): SpanmapError {
    if (e instanceof SpanmapError) return e;
    const msg = ((e as Error)?.message ?? String(e)).split('\n')[0]!.replace(/, e\.what\(\) = DB::Exception$/, '');
    return new SpanmapError(isConnectionError(e) ? 'unavailable' : 'io', `ClickHouse at ${where}: ${msg}`);
  }
}

/** A failure to reach the server (another endpoint may answer), not an error the server returned. */
function isConnectionError(e: unknown): boolean {
  const code = (e as { code?: unknown })?.code;
  if (typeof code === 'string' && /^(ECONNREFUSED|ECONNRESET|EHOSTUNREACH|ENETUNREACH|ETIMEDOUT|EPIPE|ENOTFOUND|EAI_AGAIN)$/.test(code)) return true;
  return /timeout|socket hang up|ECONNREFUSED|ECONNRESET/i.test((e as Error)?.message ?? '');
}
