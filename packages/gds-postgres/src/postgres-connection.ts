/**
 * PostgreSQLConnection: the connection to one PostgreSQL server. It keeps one small postgres.js
 * pool per database it needs: the maintenance database (`postgres` by default) for server-level
 * work, open until `close()`, and, opened lazily, the databases whose contents an operation reads
 * (listing tables, vacuum), whose idle sessions close after `idleTimeoutMs`. `release(db)` closes
 * a database's pool before gds drops it or takes it offline, and `close()` ends all of them
 * (a script that never calls it keeps running, as with any open pool).
 *
 * @module
 */
import postgres from 'postgres';
import { ConnectionError, isNeverAborted, type DatabaseConnection } from '@gds/database';
import { parsePostgresUrl, resolveConfig, type PostgreSQLConfig, type PostgreSQLConfigInput } from './postgres-config.js';

/** How long after sending a cancel a query cancelled by the server is taken for a stray cancel. */
const STRAY_CANCEL_WINDOW_MS = 5_000;

/** A postgres.js pool. */
export type Sql = postgres.Sql;

/** Options of {@link PostgreSQLConnection.query}. */
export interface QueryOptions {
  /** The database to run in; defaults to the maintenance database. */
  database?: string;
  /** Cancels the query on the server when aborted. */
  signal?: AbortSignal;
}

/**
 * A connection to a PostgreSQL server, from a URL or a config object.
 *
 * ### Examples
 * ```ts
 * const conn = new PostgreSQLConnection('postgres://postgres@127.0.0.1:5432/postgres');
 * const rows = await conn.query<{ now: Date }>('select now() as now');
 * await conn.close();
 * ```
 */
export class PostgreSQLConnection implements DatabaseConnection {
  /** The engine. */
  readonly type = 'postgresql' as const;
  /** The settings, with defaults filled in; the password is a Secret. */
  readonly config: PostgreSQLConfig;
  /** `postgresql://host:port/database`, never with the password. */
  readonly endpoint: string;
  readonly #pools = new Map<string, Sql>();
  readonly #noticeListeners = new Set<(line: string) => void>();
  #version: Promise<{ version: string; num: number }> | undefined;
  #lastCancelAt = Number.NEGATIVE_INFINITY;
  #closed = false;

  /** Makes the connection object; nothing is sent until the first query. */
  constructor(target: string | PostgreSQLConfigInput) {
    this.config = resolveConfig(typeof target === 'string' ? parsePostgresUrl(target) : target);
    const host = this.config.host.includes(':') ? `[${this.config.host}]` : this.config.host;
    this.endpoint = `postgresql://${host}:${this.config.port}/${this.config.database}`;
  }

  /** The pool for `database` (the maintenance database by default), opened on first use. */
  pool(database: string = this.config.database): Sql {
    if (this.#closed) throw new ConnectionError(`The connection to ${this.endpoint} is closed`, { engine: 'postgresql', retryable: false });
    let sql = this.#pools.get(database);
    if (!sql) {
      const c = this.config;
      const password = c.password;
      sql = postgres({
        host: c.host,
        port: c.port,
        user: c.user,
        pass: password ? () => password.reveal() : undefined,
        database,
        ssl: c.ssl === 'disable' ? false : c.ssl === 'verify-full' ? 'verify-full' : c.ssl,
        max: c.maxConnections,
        // the maintenance pool stays open until close(): an idle timeout costs a timer per
        // statement (~2.5 µs, 10% of a local exists()); pools of other databases close when idle
        // so that gds's own sessions do not keep a database busy
        idle_timeout: database === c.database ? 0 : c.idleTimeoutMs / 1000,
        connect_timeout: c.connectTimeoutMs / 1000,
        connection: { application_name: c.applicationName },
        onnotice: (notice) => {
          const line = `${notice.severity ?? 'NOTICE'}: ${notice.message ?? ''}`;
          for (const listener of this.#noticeListeners) listener(line);
        },
        debug: false,
      });
      this.#pools.set(database, sql);
    }
    return sql;
  }

  /**
   * Runs one statement with `params` as server-side parameters ($1, $2...), cancelling it on the
   * server if `signal` aborts.
   *
   * ### Examples
   * ```ts
   * await conn.query('select datname from pg_database where datname = $1', ['app']);
   * ```
   */
  query<R extends object = Record<string, unknown>>(text: string, params: readonly unknown[] = [], options: QueryOptions = {}): Promise<R[]> {
    const first = this.#queryOnce<R>(text, params, options);
    if (performance.now() - this.#lastCancelAt > STRAY_CANCEL_WINDOW_MS) return first;
    return first.catch((error: unknown) => {
      // PostgreSQL cancels "whatever the session runs when the request arrives": a cancel this
      // connection sent for an earlier, timed-out query can land on the next query of the same
      // pooled session. A statement cancelled that way did not run (each is atomic), so it is sent
      // once more; outside that window a cancel (a DBA's pg_cancel_backend) is not second-guessed.
      if ((error as { code?: string }).code === '57014' && !options.signal?.aborted) return this.#queryOnce<R>(text, params, options);
      throw error;
    });
  }

  #queryOnce<R extends object>(text: string, params: readonly unknown[], options: QueryOptions): Promise<R[]> {
    const signal = options.signal;
    if (signal?.aborted) return Promise.reject(signal.reason);
    // with parameters, a named prepared statement takes one round trip instead of two (postgres.js
    // sends Parse/Describe and waits before Bind/Execute for an unprepared one); gds's statement
    // texts are constants, so the per-session cache stays small
    const prepare = params.length > 0 && this.config.prepareStatements;
    let pending: postgres.PendingQuery<(postgres.Row & Iterable<postgres.Row>)[]>;
    try {
      // postgres.js starts a query when it is awaited: start it now, as a promise would be
      pending = this.pool(options.database).unsafe(text, params as postgres.ParameterOrJSON<never>[], { prepare }).execute();
    } catch (error) {
      return Promise.reject(error); // a closed connection: reject, never throw synchronously
    }
    if (isNeverAborted(signal)) return pending as unknown as Promise<R[]>;
    const onAbort = () => {
      this.#lastCancelAt = performance.now();
      void pending.cancel();
    };
    signal!.addEventListener('abort', onAbort, { once: true });
    return (pending as unknown as Promise<R[]>).finally(() => signal!.removeEventListener('abort', onAbort));
  }

  /**
   * The server's version, asked once.
   *
   * ### Examples
   * ```ts
   * const { num } = await conn.serverVersion(); // 150018
   * ```
   */
  serverVersion(signal?: AbortSignal): Promise<{ version: string; num: number }> {
    if (!this.#version) {
      this.#version = this.query<{ version: string; num: string }>(
        "select current_setting('server_version') as version, current_setting('server_version_num') as num",
        [],
        { signal },
      ).then((rows) => ({ version: rows[0]?.version ?? '', num: Number(rows[0]?.num ?? 0) }));
      this.#version.catch(() => (this.#version = undefined));
    }
    return this.#version;
  }

  /**
   * Listens to NOTICE/WARNING lines the server sends on any of this connection's sessions.
   * Returns the function that stops listening.
   *
   * ### Examples
   * ```ts
   * const stop = conn.onNotice((line) => console.log(line));
   * ```
   */
  onNotice(listener: (line: string) => void): () => void {
    this.#noticeListeners.add(listener);
    return () => this.#noticeListeners.delete(listener);
  }

  /** The databases that have an open pool (the maintenance database included). */
  openDatabases(): string[] {
    return [...this.#pools.keys()];
  }

  /**
   * Closes this connection's pool to `database`, so that gds's own idle sessions do not count
   * as "in use" when it drops the database or takes it offline.
   *
   * ### Examples
   * ```ts
   * await conn.release('app');
   * ```
   */
  async release(database: string): Promise<void> {
    const sql = this.#pools.get(database);
    if (!sql) return;
    this.#pools.delete(database);
    await sql.end({ timeout: 5 });
  }

  /**
   * Ends every pool (waiting up to 5 s for running queries). Safe to call twice.
   *
   * ### Examples
   * ```ts
   * await conn.close();
   * ```
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const pools = [...this.#pools.values()];
    this.#pools.clear();
    await Promise.all(pools.map((sql) => sql.end({ timeout: 5 })));
    this.config.password?.forget();
  }
}
