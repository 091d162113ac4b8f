/**
 * PostgreSQLConnection: the connection to one PostgreSQL server. It keeps one small postgres.js
 * pool per database it needs: the maintenance database (`postgres` by default) for server-level
 * work, open until `close()`, and, opened lazily, the databases whose contents an operation reads
 * (listing tables, vacuum), whose idle sessions close after `idleTimeoutMs`. `release(db)` closes
 * a database's pool before gds drops it or takes it offline, and `close()` ends all of them
 * (a script that never calls it keeps running, as with any open pool).
 *
 * Cancellation: PostgreSQL cancels "whatever the session runs when the request arrives", and
 * postgres.js pipelines several queries on one session, so a cancel sent for one query can land
 * on another, or in the middle of another's Parse/Describe, which with prepared statements left
 * the session's statement cache out of step with the server (wrong rows, "offset out of range").
 * So a query that can be cancelled (it has a signal that may abort) runs alone on a session of
 * its own (a one-connection pool taken from {@link PostgreSQLConnection}'s free list, at most
 * `maxConnections` per database), and a session a cancel was sent on is never used again: it is
 * closed once the cancelled statement has stopped. Queries without a signal share the pipelined
 * pool, which never receives a cancel. An aborted query rejects at once with the signal's
 * reason; the cancel and the closing go on in the background (`close()` waits for them).
 *
 * @module
 */
import postgres from 'postgres';
import { ConnectionError, type DatabaseConnection } from '@gds/database';
import { isNeverAborted } from '@gds/database/engine';
import { parsePostgresUrl, resolveConfig, type PostgreSQLConfig, type PostgreSQLConfigInput } from './postgres-config.js';
import { validateIdentifierLength } from './postgres-quote.js';

/** How long a session a cancel was sent on may take to finish its statement before it is destroyed. */
const CANCELLED_SESSION_GRACE_S = 5;

/** A postgres.js pool. */
export type Sql = postgres.Sql;

/** A cancellable query waiting for a session of its own. */
interface SessionWaiter {
  run(sql: Sql): void;
  fail(error: unknown): void;
}

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
  /** Idle one-connection pools for cancellable queries, per database. */
  readonly #idleSessions = new Map<string, { sql: Sql; since: number }[]>();
  /** How many such sessions exist per database (idle or running a query). */
  readonly #sessionCount = new Map<string, number>();
  /** Cancellable queries waiting for a session, per database. */
  readonly #sessionWaiters = new Map<string, SessionWaiter[]>();
  /** Every such session not yet closed. */
  readonly #sessions = new Set<Sql>();
  #sweepTimer: NodeJS.Timeout | undefined;
  /** Sessions being closed (after a cancel, a release or close()). */
  readonly #ending = new Map<Promise<void>, string>();
  #version: Promise<{ version: string; num: number }> | undefined;
  #closed = false;

  /** Makes the connection object; nothing is sent until the first query. */
  constructor(target: string | PostgreSQLConfigInput) {
    this.config = resolveConfig(typeof target === 'string' ? parsePostgresUrl(target) : target);
    // the server truncates both in the startup packet: a session would land in another database
    validateIdentifierLength(this.config.database);
    validateIdentifierLength(this.config.user, 'user name');
    const host = this.config.host.includes(':') ? `[${this.config.host}]` : this.config.host;
    this.endpoint = `postgresql://${host}:${this.config.port}/${this.config.database}`;
  }

  /** The pool for `database` (the maintenance database by default), opened on first use. */
  pool(database: string = this.config.database): Sql {
    if (this.#closed) throw this.#closedError();
    let sql = this.#pools.get(database);
    if (!sql) {
      // the maintenance pool stays open until close(): an idle timeout costs a timer per
      // statement (~2.5 µs, 10% of a local exists()); pools of other databases close when idle
      // so that gds's own sessions do not keep a database busy
      sql = this.#open(database, this.config.maxConnections, database === this.config.database ? 0 : this.config.idleTimeoutMs / 1000);
      this.#pools.set(database, sql);
    }
    return sql;
  }

  #closedError(): ConnectionError {
    return new ConnectionError(`The connection to ${this.endpoint} is closed`, { engine: 'postgresql', retryable: false });
  }

  #open(database: string, max: number, idleTimeoutSeconds: number): Sql {
    validateIdentifierLength(database);
    const c = this.config;
    const password = c.password;
    return postgres({
      host: c.host,
      port: c.port,
      user: c.user,
      pass: password ? () => password.reveal() : undefined,
      database,
      ssl: c.ssl === 'disable' ? false : c.ssl === 'verify-full' ? 'verify-full' : c.ssl,
      max,
      idle_timeout: idleTimeoutSeconds,
      connect_timeout: c.connectTimeoutMs / 1000,
      connection: { application_name: c.applicationName },
      onnotice: (notice) => {
        const line = `${notice.severity ?? 'NOTICE'}: ${notice.message ?? ''}`;
        for (const listener of this.#noticeListeners) listener(line);
      },
      debug: false,
    });
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
    const signal = options.signal;
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (isNeverAborted(signal)) {
      try {
        // postgres.js starts a query when it is awaited: start it now, as a promise would be
        return this.#send(this.pool(options.database), text, params).execute() as unknown as Promise<R[]>;
      } catch (error) {
        return Promise.reject(error); // a closed connection: reject, never throw synchronously
      }
    }
    return this.#queryAlone<R>(text, params, options.database ?? this.config.database, signal!);
  }

  #send(sql: Sql, text: string, params: readonly unknown[]): postgres.PendingQuery<(postgres.Row & Iterable<postgres.Row>)[]> {
    // with parameters, a named prepared statement takes one round trip instead of two (postgres.js
    // sends Parse/Describe and waits before Bind/Execute for an unprepared one); gds's statement
    // texts are constants, so the per-session cache stays small
    const prepare = params.length > 0 && this.config.prepareStatements;
    return sql.unsafe(text, params as postgres.ParameterOrJSON<never>[], { prepare });
  }

  /** Runs a cancellable query alone on a session of its own (see the module comment). */
  #queryAlone<R extends object>(text: string, params: readonly unknown[], database: string, signal: AbortSignal): Promise<R[]> {
    return new Promise<R[]>((resolve, reject) => {
      let settled = false;
      let onAbort = () => {
        // still waiting for a session: nothing was sent, the session goes to the next query
        settled = true;
        reject(signal.reason);
      };
      const abort = () => onAbort();
      signal.addEventListener('abort', abort, { once: true });
      const finish = (sql: Sql | undefined, error: unknown, rows?: R[]) => {
        if (settled) return;
        settled = true;
        signal.removeEventListener('abort', abort);
        if (sql) this.#returnSession(database, sql);
        if (rows) resolve(rows);
        else reject(error);
      };
      const run = (sql: Sql) => {
        if (settled) return this.#returnSession(database, sql);
        // the session is connected and idle, so the query goes on the wire at once (postgres.js
        // sends it one microtask later, before any timer can abort it)
        const pending = this.#send(sql, text, params);
        onAbort = () => {
          settled = true;
          reject(signal.reason);
          // the session a cancel is sent on is never reused: the cancel may arrive after the
          // statement ended, and would then cancel whatever ran next on it
          void pending.cancel();
          this.#endSession(database, sql, CANCELLED_SESSION_GRACE_S);
        };
        (pending.execute() as unknown as Promise<R[]>).then(
          (rows) => finish(sql, undefined, rows),
          (error: unknown) => finish(sql, error),
        );
      };
      try {
        this.#takeSession(database, { run, fail: (error) => finish(undefined, error) });
      } catch (error) {
        finish(undefined, error);
      }
    });
  }

  /** Hands `waiter` an idle session of `database`, a new one, or the next one free. */
  #takeSession(database: string, waiter: SessionWaiter): void {
    if (this.#closed) throw this.#closedError();
    const idle = this.#idleSessions.get(database)?.pop();
    if (idle) return waiter.run(idle.sql);
    if ((this.#sessionCount.get(database) ?? 0) < this.config.maxConnections) return this.#newSession(database, waiter);
    const waiters = this.#sessionWaiters.get(database) ?? [];
    this.#sessionWaiters.set(database, waiters);
    waiters.push(waiter);
  }

  /**
   * Opens a one-connection pool and connects it before its first real query (a query
   * postgres.js holds while it connects cannot be cancelled cleanly), then hands it to `waiter`.
   * It has no idle timer of its own: it would reconnect under a later query (see #sweep).
   */
  #newSession(database: string, waiter: SessionWaiter): void {
    this.#sessionCount.set(database, (this.#sessionCount.get(database) ?? 0) + 1);
    const sql = this.#open(database, 1, 0);
    this.#sessions.add(sql);
    sql.unsafe('select 1').then(
      () => waiter.run(sql),
      (error: unknown) => {
        this.#endSession(database, sql, 0);
        waiter.fail(error);
      },
    );
  }

  /** A session whose query finished without a cancel: to the next waiter, or the free list. */
  #returnSession(database: string, sql: Sql): void {
    if (!this.#sessions.has(sql)) return; // released or closed meanwhile: ended already
    const next = this.#sessionWaiters.get(database)?.shift();
    if (next) return next.run(sql);
    const idle = this.#idleSessions.get(database) ?? [];
    this.#idleSessions.set(database, idle);
    idle.push({ sql, since: performance.now() });
    if (!this.#sweepTimer) {
      this.#sweepTimer = setTimeout(() => this.#sweep(), this.config.idleTimeoutMs);
      this.#sweepTimer.unref?.();
    }
  }

  /** Closes sessions idle for `idleTimeoutMs`, so that gds's own sessions do not keep a database busy. */
  #sweep(): void {
    this.#sweepTimer = undefined;
    const cutoff = performance.now() - this.config.idleTimeoutMs;
    let left = false;
    for (const [database, idle] of this.#idleSessions) {
      for (const entry of idle.filter((e) => e.since <= cutoff)) this.#endSession(database, entry.sql, 0);
      left ||= (this.#idleSessions.get(database)?.length ?? 0) > 0;
    }
    if (left && !this.#closed) {
      this.#sweepTimer = setTimeout(() => this.#sweep(), this.config.idleTimeoutMs);
      this.#sweepTimer.unref?.();
    }
  }

  /**
   * Closes a session (waiting up to `graceSeconds` for its statement); it counts against
   * `maxConnections` until it has closed, then a waiting query gets a new one.
   */
  #endSession(database: string, sql: Sql, graceSeconds: number): Promise<void> {
    if (!this.#sessions.delete(sql)) return Promise.resolve(); // ended already
    const idle = this.#idleSessions.get(database);
    const at = idle?.findIndex((e) => e.sql === sql) ?? -1;
    if (at >= 0) idle!.splice(at, 1);
    const ending = sql.end({ timeout: graceSeconds }).catch(() => undefined);
    this.#ending.set(ending, database);
    void ending.then(() => {
      this.#ending.delete(ending);
      this.#sessionCount.set(database, (this.#sessionCount.get(database) ?? 1) - 1);
      const next = this.#closed ? undefined : this.#sessionWaiters.get(database)?.shift();
      if (next) this.#newSession(database, next);
    });
    return ending;
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

  /** The databases that have an open pool or session (the maintenance database included). */
  openDatabases(): string[] {
    return [...new Set([...this.#pools.keys(), ...[...this.#sessionCount].filter(([, n]) => n > 0).map(([db]) => db)])];
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
    // idle sessions close now, and sessions already closing (after a cancel) are waited for;
    // sessions running a query are left to it (they are other work)
    const ends = [...(this.#idleSessions.get(database) ?? [])].map((e) => this.#endSession(database, e.sql, 5));
    for (const [ending, db] of this.#ending) if (db === database) ends.push(ending);
    const sql = this.#pools.get(database);
    this.#pools.delete(database);
    if (sql) ends.push(sql.end({ timeout: 5 }));
    await Promise.all(ends);
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
    // sessions still running a query are ended after it (within 5 s), like the pools
    const pools = [...this.#pools.values(), ...this.#sessions];
    this.#pools.clear();
    this.#sessions.clear();
    this.#idleSessions.clear();
    if (this.#sweepTimer) clearTimeout(this.#sweepTimer);
    for (const waiters of this.#sessionWaiters.values()) for (const waiter of waiters.splice(0)) waiter.fail(this.#closedError());
    await Promise.all([...pools.map((sql) => sql.end({ timeout: 5 })), ...this.#ending.keys()]);
    this.config.password?.forget();
  }
}
