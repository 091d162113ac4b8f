/**
 * SnowflakeConnection: one Snowflake session, opened on first use through `snowflake-sdk`
 * (loaded lazily, see snowflake-driver.ts). Statements run with their values as bindings (`?`)
 * and are cancelled on the server (an abort request) when the operation's signal aborts.
 *
 * Expired sessions: the driver itself renews an expired session token (390112) with its master
 * token and resubmits the statement. When the master token has expired too (390114), or the
 * server ended the session (390111), the driver marks the connection terminated and fails every
 * later request (407002); this class then logs in once more and retries the statement, which
 * never ran (unless `reconnect: false`). Each new login is reported to `onSession` listeners.
 *
 * Login deadline: snowflake-sdk retries a failed login 7 times with exponential backoff
 * (`sfRetryMaxLoginRetries`, and `retryTimeout` cannot go below 300 s except 0 = unlimited), so an
 * address that refuses took minutes to fail. gds turns the driver's login retries off and bounds
 * the whole login (login request and session pinning; the driver is loaded before the clock
 * starts) by `connectTimeoutMs`: a
 * refused address fails at once, a silent one after `connectTimeoutMs`, both as ConnectionError.
 *
 * Session pinning: right after each login the session runs
 * `ALTER SESSION SET QUOTED_IDENTIFIERS_IGNORE_CASE = FALSE`. An account or user with that
 * parameter TRUE stores `"sales"` as `SALES`, and every exact-name lookup of gds would miss.
 *
 * @module
 */
import { ConnectionError, type DatabaseConnection } from '@gds/database';
import type { Statement } from '@gds/database/engine';
import { parseSnowflakeUrl, resolveConfig, type SnowflakeConfig, type SnowflakeConfigInput } from './snowflake-config.js';
import { loadSnowflakeSdk, type SdkConnection, type SdkError } from './snowflake-driver.js';

/** A value Snowflake accepts as a binding. */
export type Bind = string | number | boolean | null;

/** Options of {@link SnowflakeConnection.query}. */
export interface QueryOptions {
  /** Cancels the statement on the server when aborted. */
  signal?: AbortSignal;
}

/**
 * The statement every new session runs first (see the module comment).
 *
 * ### Examples
 * ```ts
 * PIN_SESSION_SQL; // 'ALTER SESSION SET QUOTED_IDENTIFIERS_IGNORE_CASE = FALSE'
 * ```
 */
export const PIN_SESSION_SQL = 'ALTER SESSION SET QUOTED_IDENTIFIERS_IGNORE_CASE = FALSE';

/** Codes after which the driver's session is gone and a new login is needed (the statement did not run). */
const SESSION_ENDED = new Set(['407002', '405503', '390111', '390114']);

function codeOf(e: unknown): string {
  const code = (e as SdkError | undefined)?.code;
  return code === undefined ? '' : String(code);
}

/**
 * A connection to a Snowflake account, from a URL or a config object.
 *
 * ### Examples
 * ```ts
 * const conn = new SnowflakeConnection('snowflake://gds@myorg-acct?warehouse=ADMIN_WH');
 * const rows = await conn.query<{ name: string }>('SHOW DATABASES');
 * await conn.close();
 * ```
 */
export class SnowflakeConnection implements DatabaseConnection {
  /** The engine. */
  readonly type = 'snowflake' as const;
  /** The settings, with defaults filled in; every credential is a Secret. */
  readonly config: SnowflakeConfig;
  /** `snowflake://account/database`, plus the endpoint when it is not the public one; never a secret. */
  readonly endpoint: string;
  #session: Promise<SdkConnection> | undefined;
  #closed = false;
  #logins = 0;
  readonly #listeners = new Set<(event: string) => void>();

  /** Makes the connection object; nothing is sent until the first statement. */
  constructor(target: string | SnowflakeConfigInput) {
    this.config = resolveConfig(typeof target === 'string' ? parseSnowflakeUrl(target) : target);
    const c = this.config;
    const custom = c.accessUrl ?? (c.host ? `${c.protocol ?? 'https'}://${c.host}${c.port ? `:${c.port}` : ''}` : undefined);
    this.endpoint = `snowflake://${c.account}${c.database ? `/${c.database}` : ''}${custom ? ` (at ${custom})` : ''}`;
  }

  /** How many times this connection logged in (more than 1 after a re-login). */
  get logins(): number {
    return this.#logins;
  }

  /**
   * Listens to session events (`'login'`, `'relogin: <reason>'`). Returns the function that stops listening.
   *
   * ### Examples
   * ```ts
   * const stop = conn.onSession((e) => console.log(e));
   * ```
   */
  onSession(listener: (event: string) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  private driverOptions(): Record<string, unknown> {
    const c = this.config;
    const options: Record<string, unknown> = {
      account: c.account,
      username: c.username,
      authenticator: c.authenticator,
      timeout: c.connectTimeoutMs,
      // no login retries: connectTimeoutMs bounds the whole login (see the module comment)
      sfRetryMaxLoginRetries: 0,
      application: c.application,
      clientSessionKeepAlive: c.clientSessionKeepAlive,
    };
    const put = (key: string, value: unknown) => {
      if (value !== undefined) options[key] = value;
    };
    put('password', c.password?.reveal());
    put('privateKey', c.privateKey?.reveal());
    put('privateKeyPath', c.privateKeyPath);
    put('privateKeyPass', c.privateKeyPass?.reveal());
    put('token', c.token?.reveal());
    put('warehouse', c.warehouse);
    put('role', c.role);
    put('database', c.database);
    put('schema', c.schema);
    put('accessUrl', c.accessUrl);
    put('host', c.host);
    put('port', c.port);
    put('protocol', c.protocol);
    return options;
  }

  /** The open session, logging in on first use. */
  private session(): Promise<SdkConnection> {
    if (this.#closed) return Promise.reject(new ConnectionError(`The connection to ${this.endpoint} is closed`, { engine: 'snowflake', retryable: false }));
    if (!this.#session) {
      const opening = this.login();
      this.#session = opening;
      opening.catch(() => {
        if (this.#session === opening) this.#session = undefined;
      });
    }
    return this.#session;
  }

  /** Loads the driver, then logs in and pins the session within `connectTimeoutMs`. */
  private async login(): Promise<SdkConnection> {
    // loading the driver is local work (~0.75 s cold): the network deadline starts after it
    const sdk = await loadSnowflakeSdk(this.config.driverLogLevel);
    const ms = this.config.connectTimeoutMs;
    let conn: SdkConnection | undefined;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(
          new ConnectionError(`Could not log in to ${this.endpoint} within ${ms} ms (connectTimeoutMs)`, {
            engine: 'snowflake',
            operation: 'connect',
            retryable: true,
            hint: 'check the account identifier (or host and port) and the network path to Snowflake; raise connectTimeoutMs for a slow link',
          }),
        );
      }, ms);
    });
    const attempt = (async () => {
      conn = sdk.createConnection(this.driverOptions());
      const c = conn;
      // not connectAsync(): in snowflake-sdk 3.3 it resolves even when the login is refused
      await new Promise<void>((resolve, reject) => c.connect((err) => (err ? reject(err) : resolve())));
      await this.execute(c, PIN_SESSION_SQL, [], undefined);
      return c;
    })();
    try {
      const c = await Promise.race([attempt, deadline]);
      this.#logins++;
      for (const l of this.#listeners) l(this.#logins === 1 ? 'login' : 'relogin');
      return c;
    } catch (error) {
      attempt.catch(() => undefined);
      const c = conn;
      if (c) c.destroy(() => undefined);
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Logs in now (the first statement would otherwise do it).
   *
   * ### Examples
   * ```ts
   * await conn.open(); // rejects with the driver's login error (mapped by the provider)
   * ```
   */
  async open(): Promise<void> {
    await this.session();
  }

  private execute<R>(conn: SdkConnection, sqlText: string, binds: readonly Bind[], signal: AbortSignal | undefined): Promise<R[]> {
    return new Promise<R[]>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      let onAbort: (() => void) | undefined;
      const stmt = conn.execute({
        sqlText,
        binds: binds.length ? binds : undefined,
        complete: (err, _stmt, rows) => {
          if (onAbort) signal?.removeEventListener('abort', onAbort);
          if (err) reject(err);
          else resolve((rows ?? []) as R[]);
        },
      });
      if (signal) {
        onAbort = () => stmt.cancel(() => undefined);
        signal.addEventListener('abort', onAbort, { once: true });
      }
    });
  }

  /**
   * Runs one statement with `binds` as server-side bindings (`?`), cancelling it on the server if
   * `signal` aborts. Rows come back as objects keyed by column name.
   *
   * ### Examples
   * ```ts
   * await conn.query('SELECT LAST_ALTERED FROM "sales".INFORMATION_SCHEMA.DATABASES WHERE DATABASE_NAME = ?', ['sales']);
   * ```
   */
  async query<R extends object = Record<string, unknown>>(sqlText: string, binds: readonly Bind[] = [], options: QueryOptions = {}): Promise<R[]> {
    const conn = await this.session();
    try {
      return await this.execute<R>(conn, sqlText, binds, options.signal);
    } catch (error) {
      const code = codeOf(error);
      if (!this.config.reconnect || !SESSION_ENDED.has(code) || options.signal?.aborted || this.#closed) throw error;
      if (this.#session) {
        const stale = this.#session;
        this.#session = undefined;
        void stale.then((c) => c.destroy(() => undefined)).catch(() => undefined);
      }
      for (const l of this.#listeners) l(`session ended (${code}): logging in again`);
      return this.execute<R>(await this.session(), sqlText, binds, options.signal);
    }
  }

  /**
   * Runs a {@link Statement} built by gds (its text and its bindings): what a step of an
   * operation records is the object this runs.
   *
   * ### Examples
   * ```ts
   * await ctx.step(S.dropDatabase('old'), (s) => conn.run(s, { signal: ctx.signal }));
   * ```
   */
  run<R extends object = Record<string, unknown>>(s: Statement, options: QueryOptions = {}): Promise<R[]> {
    // the statement builders bind strings only (quoted names, account names), all of them Binds
    return this.query<R>(s.text, s.params as readonly Bind[], options);
  }

  /**
   * Checks that the session is alive with the driver's heartbeat (no warehouse, no statement).
   *
   * ### Examples
   * ```ts
   * await conn.ping();
   * ```
   */
  async ping(): Promise<void> {
    const conn = await this.session();
    if (conn.heartbeatAsync) await conn.heartbeatAsync();
  }

  /**
   * Logs out (the server ends the session) and forgets the credentials. Safe to call twice.
   *
   * ### Examples
   * ```ts
   * await conn.close();
   * ```
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const session = this.#session;
    this.#session = undefined;
    try {
      const conn = await session?.catch(() => undefined);
      if (conn?.isUp()) await new Promise<void>((resolve) => conn.destroy(() => resolve()));
    } finally {
      for (const s of [this.config.password, this.config.privateKey, this.config.privateKeyPass, this.config.token]) s?.forget();
    }
  }
}
