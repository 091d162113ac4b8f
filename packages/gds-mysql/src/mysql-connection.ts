/**
 * MySQLConnection: one server (MySQL or MariaDB) over mysql2 pools.
 *
 * - Server-level work runs on one pool without a default database (not even the URL's); work inside a database runs
 *   on that database's own pool (its sessions show that database in the process list, so
 *   {@link MySQLConnection.release} ends them before a drop counts other sessions).
 * - A statement without parameters is sent as text (`query`, no placeholder substitution, so a
 *   `?` inside a quoted identifier stays a `?`); one with parameters is a server-side prepared
 *   statement (`execute`): values never become SQL text.
 * - Cancellation: `KILL QUERY <thread id>` from another session, then the session is discarded.
 * - Multiple statements per call are off (mysql2's default), so one call runs one statement.
 *
 * @module
 */
import type { DatabaseConnection } from '@gds/database';
import type { Statement } from '@gds/database/engine';
import { createPool, type Pool, type PoolConnection, type PoolOptions } from 'mysql2/promise';
import { resolveConfig, parseMysqlUrl, type MySQLConfig, type MySQLConfigInput } from './mysql-config.js';

/**
 * Options of {@link MySQLConnection.query}.
 *
 * ### Examples
 * ```ts
 * await conn.query('SELECT COUNT(*) AS n FROM t', [], { database: 'app', signal });
 * ```
 */
export interface QueryOptions {
  /** Run inside this database (its default database); server level when absent. */
  database?: string;
  /** Cancels the statement (`KILL QUERY`). */
  signal?: AbortSignal;
}

/**
 * The server's flavour and version.
 *
 * ### Examples
 * ```ts
 * const info: ServerInfo = { flavor: 'mariadb', version: '10.11.19-MariaDB-0+deb12u1-log', major: 10, minor: 11, patch: 19, lowerCaseTableNames: 0 };
 * ```
 */
export interface ServerInfo {
  /** MariaDB or Oracle MySQL. */
  readonly flavor: 'mariadb' | 'mysql';
  /** `SELECT VERSION()`, as the server says it. */
  readonly version: string;
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
  /** `@@lower_case_table_names`: 0 names compare exactly, 1 stored and compared in lower case, 2 compared in lower case. */
  readonly lowerCaseTableNames: number;
}

/**
 * One session, for work that needs the same session throughout (locks, `SET SESSION`). It is
 * discarded afterwards, so nothing it set leaks into the pool.
 *
 * ### Examples
 * ```ts
 * await conn.withSession(async (s) => { await s.query('SET SESSION sql_log_bin = 0'); return s.threadId; });
 * ```
 */
export interface MySQLSession {
  /** The server's thread (connection) id of this session: what `KILL` and the process list name. */
  readonly threadId: number;
  /** Runs one statement in this session. */
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[], options?: { signal?: AbortSignal }): Promise<T[]>;
  /** Runs a statement object in this session. */
  run<T = Record<string, unknown>>(statement: Statement, options?: { signal?: AbortSignal }): Promise<T[]>;
}

/**
 * Parses `major.minor.patch` and the flavour out of a `VERSION()` string.
 *
 * ### Examples
 * ```ts
 * parseServerVersion('8.0.36').flavor; // 'mysql'
 * ```
 */
export function parseServerVersion(version: string, lowerCaseTableNames = 0): ServerInfo {
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(version);
  return Object.freeze({
    flavor: /mariadb/i.test(version) ? 'mariadb' : 'mysql',
    version,
    major: Number(m?.[1] ?? 0),
    minor: Number(m?.[2] ?? 0),
    patch: Number(m?.[3] ?? 0),
    lowerCaseTableNames,
  });
}

/**
 * A connection to a MySQL or MariaDB server.
 *
 * ### Examples
 * ```ts
 * const conn = new MySQLConnection('mariadb://root@127.0.0.1:3306/');
 * const rows = await conn.query<{ v: string }>('SELECT VERSION() AS v');
 * await conn.close();
 * ```
 */
export class MySQLConnection implements DatabaseConnection {
  readonly type = 'mysql' as const;
  /** The resolved settings (the password as a Secret). */
  readonly config: MySQLConfig;
  readonly #pools = new Map<string, Pool>();
  #info: Promise<ServerInfo> | undefined;
  #closed = false;

  constructor(target: string | MySQLConfigInput) {
    this.config = resolveConfig(typeof target === 'string' ? parseMysqlUrl(target) : target);
  }

  /** `host:port` (or the socket), never a secret. */
  get endpoint(): string {
    return this.config.socketPath ? `${this.config.socketPath} (socket)` : `${this.config.host}:${this.config.port}`;
  }

  /** The pool for `database` ('' = server level), made on first use. */
  #pool(database: string | undefined): Pool {
    if (this.#closed) throw new Error(`connection to ${this.endpoint} is closed`);
    const key = database ?? '';
    let pool = this.#pools.get(key);
    if (!pool) {
      const c = this.config;
      const options: PoolOptions = {
        user: c.user,
        password: c.password?.reveal() ?? '',
        connectTimeout: c.connectTimeoutMs,
        connectionLimit: c.maxConnections,
        maxIdle: key ? 0 : c.maxConnections,
        idleTimeout: 10_000,
        supportBigNumbers: true,
        bigNumberStrings: false,
        multipleStatements: false,
        charset: 'utf8mb4',
        ...(c.socketPath ? { socketPath: c.socketPath } : { host: c.host, port: c.port }),
        // server-level sessions have no default database: they never count as sessions of a database being dropped
        ...(key ? { database: key } : {}),
        ...(c.ssl === 'disable' ? {} : { ssl: { rejectUnauthorized: c.ssl === 'verify-full' } }),
      };
      pool = createPool(options);
      this.#pools.set(key, pool);
    }
    return pool;
  }

  /** Runs one statement on a session, cancelling it with `KILL QUERY` when `signal` aborts. */
  async #runOn<T>(session: PoolConnection, sql: string, params: readonly unknown[], signal: AbortSignal | undefined): Promise<{ rows: T[]; killed: boolean }> {
    signal?.throwIfAborted();
    let killed = false;
    const onAbort = () => {
      killed = true;
      // from another session: the one running the statement is busy
      this.#pool(undefined)
        .query(`KILL QUERY ${Number(session.threadId)}`)
        .catch(() => undefined);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const values = params.map((p) => (typeof p === 'boolean' ? (p ? 1 : 0) : p));
      const [result] = params.length === 0 ? await session.query(sql) : await session.execute(sql, values as never);
      return { rows: Array.isArray(result) ? (result as T[]) : [], killed };
    } catch (error) {
      if (killed && signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('cancelled', { cause: error });
      throw error;
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /**
   * Runs one statement: without parameters as text, with parameters (`?`) as a prepared statement.
   * Rows for a result set, `[]` for anything else.
   *
   * ### Examples
   * ```ts
   * const rows = await conn.query<{ n: number }>('SELECT COUNT(*) AS n FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', ['app']);
   * ```
   */
  async query<T = Record<string, unknown>>(sql: string, params: readonly unknown[] = [], options: QueryOptions = {}): Promise<T[]> {
    const session = await this.#pool(options.database).getConnection();
    let discard = false;
    try {
      const { rows, killed } = await this.#runOn<T>(session, sql, params, options.signal);
      discard = killed;
      return rows;
    } catch (error) {
      discard = true;
      throw error;
    } finally {
      if (discard) session.destroy();
      else session.release();
    }
  }

  /**
   * Runs a statement object (the same text and parameters a dry run shows).
   *
   * ### Examples
   * ```ts
   * await conn.run(statement('ANALYZE TABLE `t`'), { database: 'app' });
   * ```
   */
  run<T = Record<string, unknown>>(s: Statement, options: QueryOptions = {}): Promise<T[]> {
    return this.query<T>(s.text, s.params, options);
  }

  /**
   * Runs `fn` on one session of its own (discarded afterwards).
   *
   * ### Examples
   * ```ts
   * const id = await conn.withSession((s) => Promise.resolve(s.threadId));
   * ```
   */
  async withSession<R>(fn: (session: MySQLSession) => Promise<R>, options: QueryOptions = {}): Promise<R> {
    options.signal?.throwIfAborted();
    const raw = await this.#pool(options.database).getConnection();
    const query = async <T = Record<string, unknown>>(sql: string, params: readonly unknown[] = [], o: { signal?: AbortSignal } = {}): Promise<T[]> =>
      (await this.#runOn<T>(raw, sql, params, o.signal ?? options.signal)).rows;
    const session: MySQLSession = Object.freeze({ threadId: raw.threadId, query, run: <T = Record<string, unknown>>(s: Statement, o?: { signal?: AbortSignal }) => query<T>(s.text, s.params, o) });
    try {
      return await fn(session);
    } finally {
      raw.destroy();
    }
  }

  /**
   * The flavour and version (asked once, then cached).
   *
   * ### Examples
   * ```ts
   * const { flavor, major, minor } = await conn.serverInfo();
   * ```
   */
  serverInfo(signal?: AbortSignal): Promise<ServerInfo> {
    this.#info ??= this.query<{ v: string; l: number | string }>('SELECT VERSION() AS v, @@lower_case_table_names AS l', [], { signal }).then((rows) =>
      parseServerVersion(String(rows[0]?.v ?? ''), Number(rows[0]?.l ?? 0)),
    );
    this.#info.catch(() => (this.#info = undefined));
    return this.#info;
  }

  /**
   * Ends the pool of `database` (its idle sessions leave the process list). Safe when there is none.
   *
   * ### Examples
   * ```ts
   * await conn.release('app');
   * ```
   */
  async release(database: string): Promise<void> {
    const pool = this.#pools.get(database);
    if (!pool) return;
    this.#pools.delete(database);
    await pool.end().catch(() => undefined);
  }

  /** Ends every pool and session this connection opened. Safe to call twice. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const pools = [...this.#pools.values()];
    this.#pools.clear();
    await Promise.all(pools.map((p) => p.end().catch(() => undefined)));
  }
}
