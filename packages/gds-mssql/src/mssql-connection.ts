/**
 * MSSQLConnection: one tedious connection to a SQL Server, opened on first use. tedious runs one
 * request at a time per connection, so requests are queued here and never interleaved: any
 * number of concurrent callers each get their own answer, in order. A request whose caller
 * aborts while it waits in the queue is dropped before it is sent; one that runs is cancelled on
 * the server (an ATTENTION). A broken connection (server restart, network) fails the request in
 * flight with a ConnectionError and is reopened by the next request.
 *
 * Statements with parameters go as `sp_executesql` (values never spliced into the text);
 * statements without go as a plain batch. Informational messages (`PRINT`, `STATS` progress,
 * DBCC output) reach the request's `onInfo`.
 *
 * @module
 */
import { Connection, Request, TYPES, type ConnectionConfiguration } from 'tedious';
import { ConnectionError, ValidationError, type DatabaseConnection } from '@gds/database';
import type { Statement } from '@gds/database/engine';
import { parseMssqlUrl, resolveConfig, type MSSQLConfig, type MSSQLConfigInput } from './mssql-config.js';

/**
 * A string sent as `varchar` instead of `nvarchar`: for the few places T-SQL wants a varchar
 * variable (RESTORE's `STOPAT = @var` takes varchar, char, smalldatetime or datetime only).
 *
 * ### Examples
 * ```ts
 * await conn.query('RESTORE LOG @db FROM DISK = @path WITH STOPAT = @stopAt', { db, path, stopAt: new VarChar('2025-01-31T12:00:00.000') });
 * ```
 */
export class VarChar {
  /** The text (ASCII: a date-time). */
  readonly value: string;
  constructor(value: string) {
    this.value = value;
  }
  /** The text. */
  toString(): string {
    return this.value;
  }
}

/** A value sent as a parameter. */
export type SqlValue = string | number | boolean | bigint | Date | Buffer | VarChar | null;

/**
 * The named parameters of a statement (its `params` are `[name, value]` pairs, see
 * `MssqlStatement`), by name; refuses a statement whose parameters are not such pairs (another
 * engine's positional ones would otherwise be sent under wrong names).
 *
 * ### Examples
 * ```ts
 * namedParams({ text: 'select @db', params: [['db', 'app']] }); // { db: 'app' }
 * ```
 */
export function namedParams(statement: Statement): Record<string, SqlValue> {
  const out: Record<string, SqlValue> = {};
  for (const p of statement.params) {
    if (!Array.isArray(p) || p.length !== 2 || typeof p[0] !== 'string') {
      throw new ValidationError('Not a SQL Server statement', [{ path: '/params', message: 'each parameter must be a [name, value] pair' }], { engine: 'mssql' });
    }
    out[p[0]] = p[1] as SqlValue;
  }
  return out;
}

/** What the server says about itself (asked once per connection). */
export interface ServerVersion {
  /** ProductVersion, e.g. '16.0.4135.4'. */
  version: string;
  /** Its major number: 13 (2016), 14 (2017), 15 (2019), 16 (2022), 17 (2025). */
  major: number;
  /** SERVERPROPERTY('Edition'). */
  edition: string;
  /** SERVERPROPERTY('EngineEdition'): 8 is Azure SQL Managed Instance. */
  engineEdition: number;
}

/** An informational message from the server (INFO token). */
export interface InfoMessage {
  /** Message number (3211 for BACKUP/RESTORE progress, 0 for PRINT). */
  number: number;
  /** Its text. */
  message: string;
  /** Severity (0-10 for informational messages). */
  class: number;
  /** State. */
  state: number;
}

/** Options of {@link MSSQLConnection.query}. */
export interface QueryOptions {
  /** Cancels the statement on the server (ATTENTION) when aborted. */
  signal?: AbortSignal;
  /** Receives each informational message the statement produces. */
  onInfo?: (message: InfoMessage) => void;
}

/**
 * A result row: column name to value, as tedious decoded it.
 *
 * ### Examples
 * ```ts
 * const rows: Row[] = await conn.query('SELECT 1 AS one');
 * ```
 */
export type Row = Record<string, unknown>;

function tediousConfig(c: MSSQLConfig): ConnectionConfiguration {
  const options: NonNullable<ConnectionConfiguration['options']> = {
    database: c.database,
    encrypt: c.encrypt,
    trustServerCertificate: c.trustServerCertificate,
    connectTimeout: c.connectTimeoutMs,
    requestTimeout: c.requestTimeoutMs,
    appName: c.appName,
    useUTC: true,
  };
  if (c.instanceName) options.instanceName = c.instanceName;
  else options.port = c.port ?? 1433;
  const pw = c.password?.reveal() ?? '';
  let authentication: ConnectionConfiguration['authentication'];
  switch (c.authentication) {
    case 'ntlm':
      authentication = { type: 'ntlm', options: { userName: c.user ?? '', password: pw, domain: c.domain ?? '' } };
      break;
    case 'azure-active-directory-password':
      authentication = { type: 'azure-active-directory-password', options: { userName: c.user ?? '', password: pw, clientId: c.clientId ?? '', tenantId: c.tenantId ?? '' } };
      break;
    case 'azure-active-directory-access-token':
      authentication = { type: 'azure-active-directory-access-token', options: { token: c.token?.reveal() ?? '' } };
      break;
    case 'azure-active-directory-service-principal-secret':
      authentication = { type: 'azure-active-directory-service-principal-secret', options: { clientId: c.clientId ?? '', clientSecret: c.clientSecret?.reveal() ?? '', tenantId: c.tenantId ?? '' } };
      break;
    case 'azure-active-directory-default':
      authentication = { type: 'azure-active-directory-default', options: c.clientId ? { clientId: c.clientId } : {} };
      break;
    default:
      authentication = { type: 'default', options: { userName: c.user, password: pw } };
  }
  return { server: c.server, options, authentication };
}

function addParameter(request: Request, name: string, value: SqlValue): void {
  if (value === null) request.addParameter(name, TYPES.NVarChar, null);
  else if (typeof value === 'string') request.addParameter(name, TYPES.NVarChar, value);
  else if (typeof value === 'boolean') request.addParameter(name, TYPES.Bit, value);
  else if (typeof value === 'bigint') request.addParameter(name, TYPES.BigInt, value.toString());
  else if (typeof value === 'number') {
    if (Number.isInteger(value) && value >= -2147483648 && value <= 2147483647) request.addParameter(name, TYPES.Int, value);
    else if (Number.isSafeInteger(value)) request.addParameter(name, TYPES.BigInt, value);
    else request.addParameter(name, TYPES.Float, value);
  } else if (value instanceof Date) request.addParameter(name, TYPES.DateTime2, value, { scale: 7 });
  else if (value instanceof VarChar) request.addParameter(name, TYPES.VarChar, value.value, { length: Math.max(1, value.value.length) });
  else request.addParameter(name, TYPES.VarBinary, value);
}

/**
 * How long `close()` waits for queued and running requests before closing the socket anyway.
 *
 * ### Examples
 * ```ts
 * await conn.close(MSSQL_CLOSE_GRACE_MS * 2); // wait up to 10 s
 * ```
 */
export const MSSQL_CLOSE_GRACE_MS = 5000;

/**
 * A connection to a SQL Server, from a URL or a config object.
 *
 * ### Examples
 * ```ts
 * const conn = new MSSQLConnection('mssql://sa:pw@127.0.0.1:1433/master?trustServerCertificate=true');
 * const rows = await conn.query<{ name: string }>('select name from sys.databases where name = @name', { name: 'app' });
 * await conn.close();
 * ```
 */
export class MSSQLConnection implements DatabaseConnection {
  /** The engine. */
  readonly type = 'mssql' as const;
  /** The settings, with defaults filled in; secrets are Secrets. */
  readonly config: MSSQLConfig;
  /** `mssql://server:port/database` (or `server\instance`), never with a secret. */
  readonly endpoint: string;
  #tedious: Promise<Connection> | undefined;
  #tail: Promise<unknown> = Promise.resolve();
  #info: ((m: InfoMessage) => void) | undefined;
  #closed = false;
  /** Set when close() stopped waiting: nothing may connect again. */
  #forced = false;
  #version: Promise<ServerVersion> | undefined;
  #known: ServerVersion | undefined;
  #database: string | undefined;

  /** Makes the connection object; nothing is sent until the first query. */
  constructor(target: string | MSSQLConfigInput) {
    this.config = resolveConfig(typeof target === 'string' ? parseMssqlUrl(target) : target);
    const c = this.config;
    const host = c.server.includes(':') ? `[${c.server}]` : c.server;
    this.endpoint = `mssql://${host}${c.instanceName ? `\\${c.instanceName}` : `:${c.port ?? 1433}`}/${c.database}`;
  }

  #open(): Promise<Connection> {
    if (this.#tedious) return this.#tedious;
    if (this.#forced) return Promise.reject(new ConnectionError(`The connection to ${this.endpoint} is closed`, { engine: 'mssql', retryable: false }));
    const pending = new Promise<Connection>((resolve, reject) => {
      const conn = new Connection(tediousConfig(this.config));
      let loginNumber: number | undefined;
      const onLoginError = (token: { number: number }) => {
        loginNumber ??= token.number;
      };
      conn.on('errorMessage', onLoginError);
      conn.on('infoMessage', (token) => this.#info?.({ number: token.number, message: token.message, class: token.class, state: token.state }));
      // a broken connection is forgotten, so that the next request reconnects
      const forget = () => {
        if (this.#tedious === pending) this.#tedious = undefined;
      };
      conn.on('end', forget);
      conn.on('error', forget);
      // ENVCHANGE type 1: the session's current database (the login's, then every USE)
      conn.on('databaseChange', (name: string) => {
        if (this.#tedious === pending) this.#database = name;
      });
      conn.connect((err) => {
        conn.off('errorMessage', onLoginError);
        if (err) {
          forget();
          if (loginNumber !== undefined) Object.assign(err, { number: loginNumber });
          conn.close();
          reject(err);
        } else resolve(conn);
      });
    });
    this.#tedious = pending;
    pending.catch(() => undefined);
    return pending;
  }

  /**
   * Runs one statement, after every statement queued before it. `params` go as sp_executesql
   * parameters (`@name` in the text); each row is an object keyed by column name.
   *
   * ### Examples
   * ```ts
   * await conn.query('BACKUP DATABASE @db TO DISK = @path WITH STATS = 10', { db: 'app', path: '/b/app.bak' }, {
   *   onInfo: (m) => console.log(m.message),
   * });
   * ```
   */
  query<R extends object = Row>(sql: string, params: Record<string, SqlValue> = {}, options: QueryOptions = {}): Promise<R[]> {
    if (this.#closed) return Promise.reject(new ConnectionError(`The connection to ${this.endpoint} is closed`, { engine: 'mssql', retryable: false }));
    const { signal } = options;
    const run = async (): Promise<R[]> => {
      signal?.throwIfAborted();
      const conn = await this.#open();
      signal?.throwIfAborted();
      return this.#execute<R>(conn, sql, params, options);
    };
    const result = this.#tail.then(run, run);
    this.#tail = result.catch(() => undefined);
    if (!signal) return result;
    // a caller that gives up while queued is released at once; its turn is then skipped
    return new Promise<R[]>((resolve, reject) => {
      const onAbort = () => reject(signal.reason);
      if (signal.aborted) onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      result.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }

  /**
   * Runs a statement object (what `ctx.step` hands its runner): its text with its named
   * parameters, as {@link query} does.
   *
   * ### Examples
   * ```ts
   * await ctx.step(S.dropDatabase('app'), (s) => conn.run(s, { signal: ctx.signal }));
   * ```
   */
  run<R extends object = Row>(statement: Statement, options: QueryOptions = {}): Promise<R[]> {
    try {
      return this.query<R>(statement.text, namedParams(statement), options);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #execute<R>(conn: Connection, sql: string, params: Record<string, SqlValue>, options: QueryOptions): Promise<R[]> {
    return new Promise<R[]>((resolve, reject) => {
      const rows: R[] = [];
      const { signal } = options;
      const onAbort = () => request.cancel();
      const request = new Request(sql, (err) => {
        this.#info = undefined;
        signal?.removeEventListener('abort', onAbort);
        if (err) reject(err);
        else resolve(rows);
      });
      request.on('row', (columns: Array<{ metadata: { colName: string }; value: unknown }>) => {
        const row: Row = {};
        for (const c of columns) row[c.metadata.colName] = c.value;
        rows.push(row as R);
      });
      const names = Object.keys(params);
      for (const name of names) addParameter(request, name, params[name] ?? null);
      this.#info = options.onInfo;
      signal?.addEventListener('abort', onAbort, { once: true });
      if (names.length > 0) conn.execSql(request);
      else conn.execSqlBatch(request);
    });
  }

  /**
   * The server's version and edition, asked once.
   *
   * ### Examples
   * ```ts
   * const { major } = await conn.serverVersion(); // 16 for SQL Server 2022
   * ```
   */
  serverVersion(signal?: AbortSignal): Promise<ServerVersion> {
    if (!this.#version) {
      this.#version = this.query<{ version: string; edition: string; engine_edition: number | null }>(
        "select cast(SERVERPROPERTY('ProductVersion') as nvarchar(128)) as version, cast(SERVERPROPERTY('Edition') as nvarchar(128)) as edition, cast(SERVERPROPERTY('EngineEdition') as int) as engine_edition",
        {},
        { signal },
      ).then((rows) => {
        const version = rows[0]?.version ?? '';
        this.#known = { version, major: Number(version.split('.')[0] ?? 0), edition: rows[0]?.edition ?? '', engineEdition: Number(rows[0]?.engine_edition ?? 0) };
        return this.#known;
      });
      this.#version.catch(() => (this.#version = undefined));
    }
    return this.#version;
  }

  /**
   * The version once {@link serverVersion} answered (the provider asks it on connect), else
   * `undefined`.
   *
   * ### Examples
   * ```ts
   * conn.knownVersion?.engineEdition === 8; // Azure SQL Managed Instance
   * ```
   */
  get knownVersion(): ServerVersion | undefined {
    return this.#known;
  }

  /**
   * The database the session is in (from the server's ENVCHANGE), `undefined` before login.
   *
   * ### Examples
   * ```ts
   * if (conn.currentDatabase === 'app') await conn.query('USE master');
   * ```
   */
  get currentDatabase(): string | undefined {
    return this.#tedious ? this.#database : undefined;
  }

  /**
   * The server's offset from UTC now, in minutes (`DATEPART(TZOFFSET, SYSDATETIMEOFFSET())`):
   * SQL Server's `datetime` columns hold its local time.
   *
   * ### Examples
   * ```ts
   * const offset = await conn.utcOffsetMinutes(); // 60 on a server in Paris in winter
   * ```
   */
  async utcOffsetMinutes(signal?: AbortSignal): Promise<number> {
    const rows = await this.query<{ utc_offset: number }>('SELECT DATEPART(TZOFFSET, SYSDATETIMEOFFSET()) AS utc_offset', {}, { signal });
    return Number(rows[0]?.utc_offset ?? 0);
  }

  /**
   * Closes the connection once the queued requests settle, waiting at most `graceMs` (like
   * PostgreSQL's close, 5 s by default); then it closes the socket anyway: the running request
   * fails, the queued ones are refused, and nothing reconnects. Safe to call twice.
   *
   * ### Examples
   * ```ts
   * await conn.close();
   * ```
   */
  async close(graceMs: number = MSSQL_CLOSE_GRACE_MS): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    let timer: NodeJS.Timeout | undefined;
    const settled = await Promise.race([
      this.#tail.then(() => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), graceMs))),
    ]);
    clearTimeout(timer);
    if (!settled) this.#forced = true;
    const pending = this.#tedious;
    this.#tedious = undefined;
    const conn = await pending?.catch(() => undefined);
    if (conn && !conn.closed) {
      await new Promise<void>((resolve) => {
        conn.once('end', () => resolve());
        conn.close();
      });
    }
    for (const key of ['password', 'clientSecret', 'token'] as const) this.config[key]?.forget();
  }
}
