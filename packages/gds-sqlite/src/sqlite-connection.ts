/**
 * SQLiteConnection: a folder of database files, and the better-sqlite3 handles gds opens on
 * them. A handle lives for one operation (opened, used, closed), so an idle gds connection holds
 * no file open and no lock; `close()` closes any handle an operation still has open.
 *
 * better-sqlite3 is synchronous: a statement runs on the calling thread, so a long one (an
 * integrity check of a large file, `VACUUM`) blocks the event loop while it runs; cancellation
 * and timeouts take effect between statements and between backup steps.
 *
 * @module
 */
import { promises as fs, constants as fsConstants } from 'node:fs';
import { join } from 'node:path';
import { ConnectionError, DatabaseNotFoundError, ValidationError, type DatabaseConnection } from '@gds/database';
import { quoteIdentifier, validateDatabaseName } from './sqlite-quote.js';
import * as S from './sqlite-statements.js';
import { resolveSQLiteConfig, type SQLiteConfig, type SQLiteConfigInput } from './sqlite-config.js';

/** What gds uses of a better-sqlite3 statement. */
export interface DriverStatement {
  run(...params: unknown[]): { changes: number };
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
  readonly reader: boolean;
}

/** Backup progress as better-sqlite3 reports it. */
export interface DriverBackupProgress {
  totalPages: number;
  remainingPages: number;
}

/** What gds uses of a better-sqlite3 Database (the small local interface, so tests can read it). */
export interface DriverHandle {
  readonly open: boolean;
  readonly inTransaction: boolean;
  prepare(sql: string): DriverStatement;
  exec(sql: string): unknown;
  backup(destination: string, options?: { attached?: string; progress?: (p: DriverBackupProgress) => number | undefined }): Promise<DriverBackupProgress>;
  close(): unknown;
}

/** The better-sqlite3 constructor. */
export type Driver = new (filename: string, options?: { readonly?: boolean; fileMustExist?: boolean; timeout?: number }) => DriverHandle;

/** The module name, in a variable so that it loads on first use (a CLI loads only the driver it uses). */
const DRIVER_MODULE = 'better-sqlite3';
let driverPromise: Promise<Driver> | undefined;

/**
 * Loads better-sqlite3 once (`moduleName` is for tests). A driver that cannot load (its native
 * module was not built for this Node) is a ConnectionError saying how to build it.
 */
export function loadDriver(moduleName: string = DRIVER_MODULE): Promise<Driver> {
  const load = async () => {
    try {
      const mod = (await import(moduleName)) as { default?: Driver } & Driver;
      const driver = mod.default ?? mod;
      // the native module loads with the first database, so make one now
      new driver(':memory:').close();
      return driver;
    } catch (error) {
      throw new ConnectionError(`the SQLite driver (${moduleName}) could not be loaded: ${(error as Error).message}`, {
        engine: 'sqlite',
        retryable: false,
        cause: error,
        hint: 'install better-sqlite3 12.x and let its build script run (pnpm: allowBuilds better-sqlite3: true; without network it builds with node-gyp, a C++ compiler and the Node headers)',
      });
    }
  };
  if (moduleName !== DRIVER_MODULE) return load();
  driverPromise ??= load().catch((error: unknown) => {
    driverPromise = undefined;
    throw error;
  });
  return driverPromise;
}

/** How to open a handle. */
export interface OpenOptions {
  /** Read-only (the file must exist). */
  readonly?: boolean;
  /** Fail when the file does not exist instead of creating it. Defaults to true. */
  mustExist?: boolean;
  /** busy_timeout for this handle; defaults to the connection's. */
  busyTimeoutMs?: number;
  /** Attach the configured databases (`attach`) to this handle. Defaults to false. */
  attach?: boolean;
}

/**
 * A connection to a folder of SQLite database files.
 *
 * ### Examples
 * ```ts
 * const conn = new SQLiteConnection('sqlite:///var/lib/app/');
 * console.log(conn.endpoint, conn.fileOf('orders')); // 'sqlite:///var/lib/app' '/var/lib/app/orders.db'
 * await conn.close();
 * ```
 */
export class SQLiteConnection implements DatabaseConnection {
  readonly type = 'sqlite' as const;
  /** The validated settings. */
  readonly config: SQLiteConfig;
  readonly #handles = new Set<DriverHandle>();
  #closed = false;

  /** Validates the target; opens nothing. */
  constructor(target: string | SQLiteConfigInput) {
    this.config = resolveSQLiteConfig(target);
  }

  /** The folder. */
  get directory(): string {
    return this.config.directory;
  }

  /** `sqlite://` and the absolute folder. */
  get endpoint(): string {
    return `sqlite://${this.config.directory}`;
  }

  /** The file `create()` makes for `name`: the folder, the name, the first extension. */
  fileOf(name: string): string {
    return join(this.config.directory, `${name}${this.config.extensions[0]!}`);
  }

  /**
   * The existing file of database `name` (the first extension that has one), matched exactly:
   * on a case-insensitive file system `App.db` is not the database `app`.
   */
  async locate(name: string): Promise<string | undefined> {
    const entries = await this.entries();
    for (const ext of this.config.extensions) {
      const file = `${name}${ext}`;
      if (entries.has(file)) {
        const stat = await fs.lstat(join(this.config.directory, file)).catch(() => undefined);
        if (stat?.isFile()) return join(this.config.directory, file);
      }
    }
    return undefined;
  }

  /** The folder's entries. */
  async entries(): Promise<Set<string>> {
    this.throwIfClosed();
    return new Set(await fs.readdir(this.config.directory));
  }

  /** Checks that the folder exists and is readable and writable (creating it when configured). */
  async verify(): Promise<void> {
    this.throwIfClosed();
    if (this.config.createDirectory) await fs.mkdir(this.config.directory, { recursive: true });
    const stat = await fs.stat(this.config.directory).catch(() => undefined);
    if (!stat?.isDirectory()) {
      throw new ConnectionError(`connect: ${this.config.directory} is not a folder`, {
        engine: 'sqlite',
        operation: 'connect',
        retryable: false,
        hint: 'a SQLite "server" is a folder of database files: create it, or pass createDirectory=true',
      });
    }
    await fs.access(this.config.directory, fsConstants.R_OK | fsConstants.W_OK | fsConstants.X_OK);
  }

  /**
   * Opens a handle on `file` (tracked until closed): for the engine's own modules.
   *
   * @internal
   */
  async open(file: string, options: OpenOptions = {}): Promise<DriverHandle> {
    this.throwIfClosed();
    const driver = await loadDriver();
    const handle = new driver(file, {
      readonly: options.readonly ?? false,
      fileMustExist: options.mustExist ?? true,
      timeout: options.busyTimeoutMs ?? this.config.busyTimeoutMs,
    });
    this.#handles.add(handle);
    if (options.attach) {
      try {
        for (const [schema, database] of Object.entries(this.config.attach)) {
          const target = await this.locate(database);
          if (!target) throw new DatabaseNotFoundError(`The attached database '${database}' (schema ${schema}) does not exist on ${this.endpoint}`, { engine: 'sqlite', hint: 'create it, or remove it from the attach setting' });
          const s = S.attach(target, quoteIdentifier(schema, 'attached schema name'), file);
          handle.prepare(s.text).run(...s.params);
        }
      } catch (error) {
        this.closeHandle(handle);
        throw error;
      }
    }
    return handle;
  }

  /**
   * Closes a handle this connection opened (safe twice): for the engine's own modules.
   *
   * @internal
   */
  closeHandle(handle: DriverHandle): void {
    this.#handles.delete(handle);
    if (handle.open) handle.close();
  }

  /**
   * Opens a handle, runs `body` with it, closes it: for the engine's own modules.
   *
   * @internal
   */
  async use<T>(file: string, options: OpenOptions, body: (handle: DriverHandle) => T | Promise<T>): Promise<T> {
    const handle = await this.open(file, options);
    try {
      return await body(handle);
    } finally {
      this.closeHandle(handle);
    }
  }

  /**
   * Runs ONE SQL statement in database `database` (its file must exist), the values as
   * parameters: the rows of a statement that returns rows, else `[]`. The file is opened for the
   * statement and closed after it, so no lock outlives the call.
   *
   * ### Examples
   * ```ts
   * await conn.query('CREATE TABLE orders (id INTEGER PRIMARY KEY, amount REAL)', [], { database: 'sales' });
   * const [row] = await conn.query<{ n: number }>('SELECT count(*) AS n FROM orders WHERE amount > ?', [10], { database: 'sales' });
   * ```
   */
  async query<R extends object = Record<string, unknown>>(text: string, params: readonly unknown[] = [], options: { database?: string; signal?: AbortSignal } = {}): Promise<R[]> {
    options.signal?.throwIfAborted();
    if (options.database === undefined) throw new ValidationError('Invalid query', [{ path: '/database', message: 'name the database the statement runs in' }], { engine: 'sqlite' });
    validateDatabaseName(options.database);
    const file = await this.locate(options.database);
    if (!file) throw new DatabaseNotFoundError(`Database '${options.database}' does not exist on ${this.endpoint}`, { engine: 'sqlite', operation: 'query' });
    return this.use(file, { attach: true }, (h) => {
      const prepared = h.prepare(text);
      if (prepared.reader) return prepared.all(...params) as R[];
      prepared.run(...params);
      return [];
    });
  }

  /** Nothing to release: every statement closes its file (kept for callers written for pooled engines). */
  async release(_database: string): Promise<void> {
    // handles live for one operation
  }

  /** Handles open now (for tests). */
  get openHandles(): number {
    return this.#handles.size;
  }

  /** Closes every handle still open; later calls fail with ConnectionError. Safe to call twice. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const h of [...this.#handles]) {
      try {
        this.closeHandle(h);
      } catch {
        // closing is best effort
      }
    }
  }

  private throwIfClosed(): void {
    if (this.#closed) throw new ConnectionError(`the connection to ${this.endpoint} is closed`, { engine: 'sqlite', retryable: false });
  }
}
