/**
 * DatabaseManager: the entry point. It picks the engine's provider (from the connection's type,
 * a URL's scheme or a config's `type`), and lists, creates, drops and hands out Database objects.
 *
 * @module
 */
import type { ConnectionConfig, DatabaseConnection, ServerMetadata } from './connection.js';
import type { Database } from './database.js';
import { ValidationError } from './errors.js';
import type { OperationResult } from './operation-result.js';
import { runRead } from './operation-runner.js';
import { ListDatabasesOptionsSchema, ReadOptionsSchema, type CreateOptions, type DropOptions, type ListDatabasesOptions, type ReadOptions } from './options.js';
import type { DatabaseProvider } from './provider.js';
import { schemeOf } from './engines.js';
import { getProvider, getProviderForUrl } from './registry.js';
import { validateOptions } from './validation.js';

/**
 * Works with the databases of one server, whatever its engine.
 *
 * ### Examples
 * ```ts
 * import 'your-engine-package'; // importing an engine package registers its engine
 * import { DatabaseManager } from '@gds/database';
 *
 * await using manager = await DatabaseManager.connect(process.env.GDS_URL!);
 * for (const db of await manager.listDatabases({ withMetadata: true })) {
 *   const m = await db.metadata();
 *   console.log(m.name, m.sizeBytes);
 * }
 * ```
 */
export class DatabaseManager<D extends Database = Database> {
  /** The connection this manager works through; `close()` closes it. */
  readonly connection: DatabaseConnection;
  /** The provider of the connection's engine. */
  readonly provider: DatabaseProvider<D>;
  #closed = false;

  /**
   * Wraps an open connection; the provider is the registered one for `connection.type`
   * (ProviderNotRegisteredError names the package to install otherwise).
   */
  constructor(connection: DatabaseConnection) {
    if (!connection || typeof connection.type !== 'string' || typeof connection.close !== 'function') {
      throw new ValidationError('Not a connection', [{ path: '', message: 'expected a DatabaseConnection (with type and close())' }]);
    }
    this.connection = connection;
    this.provider = getProvider(connection.type) as DatabaseProvider<D>;
  }

  /**
   * Connects with a URL (the engine chosen by its scheme) or a config object (by its `type`).
   *
   * ### Examples
   * ```ts
   * const manager = await DatabaseManager.connect('postgres://postgres@127.0.0.1:5432/postgres');
   * const other = await DatabaseManager.connect({ type: 'postgresql', host: '127.0.0.1', user: 'postgres' });
   * ```
   */
  static async connect(target: string | ConnectionConfig): Promise<DatabaseManager>;
  /**
   * Connects with `engine` (an engine package's export, e.g. `postgresEngine`): the manager, its
   * databases and their HA managers are typed with that engine's classes, so its own methods
   * (`vacuum()`...) and options need no cast. The URL's scheme (or the config's `type`) must be
   * the engine's.
   *
   * ### Examples
   * ```ts
   * // `engine`: what an engine package exports (PostgreSQL's `postgresEngine`, ...)
   * const manager = await DatabaseManager.connect(engine, 'postgres://postgres@127.0.0.1/postgres');
   * await manager.getDatabase('app').vacuum({ analyze: true }); // the engine's own method, typed
   * ```
   */
  static async connect<E extends Database>(engine: DatabaseProvider<E>, target: string | ConnectionConfig): Promise<DatabaseManager<E>>;
  static async connect(first: string | ConnectionConfig | DatabaseProvider, second?: string | ConnectionConfig): Promise<DatabaseManager> {
    const typed = second !== undefined;
    const target = (typed ? second : first) as string | ConnectionConfig;
    let provider: DatabaseProvider;
    if (typed) {
      provider = getProvider((first as DatabaseProvider).type);
      const scheme = typeof target === 'string' ? schemeOf(target) : undefined;
      const fits = typeof target === 'string' ? scheme !== undefined && provider.schemes.includes(scheme) : typeof target === 'object' && target !== null && (target.type === undefined || target.type === provider.type);
      if (!fits) throw new ValidationError(`Not a ${provider.displayName} target`, [{ path: '', message: `expected a URL of scheme ${provider.schemes.map((x) => `${x}://`).join(' or ')}, or a config of type '${provider.type}'` }], { engine: provider.type });
    } else if (typeof target === 'string') provider = getProviderForUrl(target);
    else if (target && typeof target === 'object' && typeof target.type === 'string') provider = getProvider(target.type);
    else throw new ValidationError('Invalid connection target', [{ path: '', message: 'expected a URL or an object with a type' }]);
    const connection = await runRead({ operation: 'connect', engine: provider.type, mapError: (e, op) => provider.mapError(e, op) }, () =>
      provider.connect(target),
    );
    return new DatabaseManager(connection);
  }

  /** The engine of this manager's server. */
  get type(): DatabaseConnection['type'] {
    return this.connection.type;
  }

  /**
   * The Database object for `name` (no round trip; the name is validated).
   *
   * ### Examples
   * ```ts
   * const db = manager.getDatabase('app');
   * ```
   */
  getDatabase(name: string): D {
    return this.provider.createDatabase(this.connection, name);
  }

  /**
   * The databases on the server (user databases unless `includeSystem`). With `withMetadata`
   * each one's metadata is fetched in the same constant number of queries and cached, so
   * `db.metadata()` answers without a round trip.
   *
   * ### Examples
   * ```ts
   * const dbs = await manager.listDatabases({ withMetadata: true });
   * console.table(await Promise.all(dbs.map((d) => d.metadata())));
   * ```
   */
  async listDatabases(options: ListDatabasesOptions = {}): Promise<D[]> {
    validateOptions(ListDatabasesOptionsSchema, options, 'listDatabases', this.type);
    const listings = await runRead(
      {
        operation: 'listDatabases',
        engine: this.type,
        timeoutMs: options.timeoutMs,
        signal: options.signal,
        mapError: (e, op) => this.provider.mapError(e, op),
      },
      (signal) => this.provider.listDatabases(this.connection, { ...options, signal }),
    );
    return listings.map((l) => this.provider.createDatabase(this.connection, l.name, l.metadata));
  }

  /**
   * Creates a database; resolves with the OperationResult, rejects with a GdsError on failure.
   *
   * ### Examples
   * ```ts
   * const r = await manager.createDatabase('app', { dryRun: true });
   * ```
   */
  async createDatabase(name: string, options?: CreateOptions & Record<string, unknown>): Promise<OperationResult> {
    return this.getDatabase(name).create(options);
  }

  /**
   * Drops a database (see `Database.drop`).
   *
   * ### Examples
   * ```ts
   * await manager.dropDatabase('app', { force: true });
   * ```
   */
  async dropDatabase(name: string, options?: DropOptions): Promise<OperationResult> {
    return this.getDatabase(name).drop(options);
  }

  /**
   * Whether a database exists.
   *
   * ### Examples
   * ```ts
   * if (await manager.databaseExists('app')) console.log('found');
   * ```
   */
  async databaseExists(name: string, options?: ReadOptions): Promise<boolean> {
    return this.getDatabase(name).exists(options);
  }

  /**
   * Server-level facts: version, whether it is a replica, engine attributes.
   *
   * ### Examples
   * ```ts
   * console.log((await manager.getServerMetadata()).version);
   * ```
   */
  async getServerMetadata(options: ReadOptions = {}): Promise<ServerMetadata> {
    validateOptions(ReadOptionsSchema, options, 'getServerMetadata', this.type);
    return runRead(
      { operation: 'getServerMetadata', engine: this.type, timeoutMs: options.timeoutMs, signal: options.signal, mapError: (e, op) => this.provider.mapError(e, op) },
      () => this.provider.getServerMetadata(this.connection, options),
    );
  }

  /**
   * Closes the connection (every pool and session it opened). Safe to call twice.
   *
   * ### Examples
   * ```ts
   * try { await work(manager); } finally { await manager.close(); }
   * ```
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.connection.close();
  }

  /** `await using manager = ...` closes it at the end of the block. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
