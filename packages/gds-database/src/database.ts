/**
 * The Database entity: one database on one server, with its metadata, lifecycle, state, access
 * mode, backup and restore, schemas and tables, and HA manager. Public methods are template
 * methods that do, once for every engine, what users rely on: option validation (TypeBox),
 * capability checks, timing, dry run, cancellation, timeouts, error mapping into the gds
 * hierarchy and the metadata cache. Engines implement the protected `fetch*`/`perform*` hooks.
 *
 * @module
 */
import type { TSchema } from 'typebox';
import type { DatabaseConnection } from './connection.js';
import { BackupType, DatabaseState, type DatabaseType } from './enums.js';
import type { BackupInfo, BackupVerification, ChangeOptions, DatabaseSchemas, DatabaseTypes, HaOf, TableInfo } from './database-types.js';
import { DatabaseNotFoundError, UnsupportedOperationError, ValidationError } from './errors.js';
import { supportsIn, type Feature } from './features.js';
import type { HighAvailabilityManager } from './ha.js';
import type { DatabaseProvider } from './provider.js';
import { getProvider } from './registry.js';
import { requireFeatureOf } from './provider-helpers.js';
import type { OperationResult } from './operation-result.js';
import { runOperation, runRead, type OperationContext, type OperationOutcome } from './operation-runner.js';
import {
  BackupOptionsSchema,
  CreateOptionsSchema,
  DropOptionsSchema,
  ForceableOptionsSchema,
  ListSchemasOptionsSchema,
  MutationOptionsSchema,
  ReadOptionsSchema,
  RestoreOptionsSchema,
  type ForceableOptions,
  type ListSchemasOptions,
  type MutationOptions,
  type ReadOptions,
} from './options.js';
import { validateDatabaseName, validateOptions } from './validation.js';

const BACKUP_FEATURE: Record<BackupType, Feature> = {
  full: 'backup.full',
  differential: 'backup.differential',
  incremental: 'backup.incremental',
  transaction_log: 'backup.log',
};



/**
 * A database on a server. Get one from `DatabaseManager.getDatabase(name)`; creating the object
 * sends nothing to the server.
 *
 * ### Examples
 * ```ts
 * const db = manager.getDatabase('app');
 * if (await db.exists()) {
 *   const m = await db.metadata();
 *   console.log(m.name, m.sizeBytes, m.state);
 *   await db.backup('/backups/app.dump', { onProgress: (p) => console.log(p.bytes) });
 * }
 * ```
 */
export abstract class Database<T extends DatabaseTypes = DatabaseTypes, C extends DatabaseConnection = DatabaseConnection> {
  /** The database's name, exactly as given (engines never fold or truncate it). */
  readonly name: string;
  /** The connection to its server. */
  readonly connection: C;
  /** The option schemas, narrowed by engines. */
  protected readonly schemas: DatabaseSchemas = { create: CreateOptionsSchema, drop: DropOptionsSchema, backup: BackupOptionsSchema, restore: RestoreOptionsSchema };

  #metadata: T['metadata'] | undefined;
  #ha: HighAvailabilityManager | undefined | null = null;

  /**
   * Makes the object and sends nothing to the server. Get it from `DatabaseManager.getDatabase()`
   * (the engine's name rules run there, before the object exists); here only the core's rules run.
   */
  constructor(name: string, connection: C, metadata?: T['metadata']) {
    this.name = validateDatabaseName(name);
    this.connection = connection;
    this.#metadata = metadata;
  }

  /** The engine, from the registry (by the connection's type): its capabilities, error table and statement describer. */
  protected get engine(): DatabaseProvider {
    return getProvider(this.connection.type);
  }

  /** The engine. */
  get type(): DatabaseType {
    return this.connection.type;
  }

  // ---------------------------------------------------------------- capabilities

  /**
   * Whether this engine supports `feature`.
   *
   * ### Examples
   * ```ts
   * if (db.supports('backup.differential')) await db.backup(path, { type: 'differential' });
   * ```
   */
  supports(feature: Feature): boolean {
    return supportsIn(this.engine.capabilities, feature);
  }

  /** Throws UnsupportedOperationError (naming the engine, the operation and why) unless `feature` is supported. */
  protected requireFeature(feature: Feature, operation: string): void {
    requireFeatureOf(this.engine, feature, operation);
  }

  // ---------------------------------------------------------------- metadata

  /**
   * Fetches the metadata from the server (always a round trip) and updates the cache.
   * Rejects with DatabaseNotFoundError when the database does not exist.
   *
   * ### Examples
   * ```ts
   * const m = await db.getMetadata();
   * ```
   */
  async getMetadata(options?: ReadOptions): Promise<T['metadata']> {
    this.validateRead(ReadOptionsSchema, options, 'getMetadata');
    const metadata = await this.read('getMetadata', options, (signal) => this.fetchMetadata(signal));
    if (!metadata) throw this.notFound('getMetadata');
    this.#metadata = metadata;
    return metadata;
  }

  /**
   * The cached metadata, fetched once when there is none yet.
   *
   * ### Examples
   * ```ts
   * console.log((await db.metadata()).owner);
   * ```
   */
  async metadata(options?: ReadOptions): Promise<T['metadata']> {
    return this.#metadata ?? this.getMetadata(options);
  }

  /**
   * Drops the cached metadata and fetches it again.
   *
   * ### Examples
   * ```ts
   * await db.setOffline();
   * console.log((await db.refreshMetadata()).state); // 'offline'
   * ```
   */
  async refreshMetadata(options?: ReadOptions): Promise<T['metadata']> {
    this.#metadata = undefined;
    return this.getMetadata(options);
  }

  /** The cached metadata without a round trip, or `undefined`. */
  get cachedMetadata(): T['metadata'] | undefined {
    return this.#metadata;
  }

  /**
   * Whether the database exists on the server.
   *
   * ### Examples
   * ```ts
   * if (!(await db.exists())) await db.create();
   * ```
   */
  exists(options?: ReadOptions): Promise<boolean> {
    // not async: the hottest read, kept to as few promise hops as possible
    try {
      this.validateRead(ReadOptionsSchema, options, 'exists');
    } catch (error) {
      return Promise.reject(error);
    }
    return this.read('exists', options, (signal) => this.fetchExists(signal));
  }

  /**
   * The database's operational state. Rejects with DatabaseNotFoundError when it does not exist.
   *
   * ### Examples
   * ```ts
   * if ((await db.getState()) === 'offline') await db.setOnline();
   * ```
   */
  async getState(options?: ReadOptions): Promise<DatabaseState> {
    this.validateRead(ReadOptionsSchema, options, 'getState');
    const state = await this.read('getState', options, (signal) => this.fetchState(signal));
    if (state === undefined) throw this.notFound('getState');
    return state;
  }

  // ---------------------------------------------------------------- lifecycle

  /**
   * Creates the database with engine options (validated against the engine's schema).
   *
   * ### Examples
   * ```ts
   * const r = await db.create({ dryRun: true });
   * console.log(r.statements);
   * ```
   */
  async create(options?: T['create']): Promise<OperationResult> {
    const opts = (options ?? {}) as T['create'];
    return this.change('create', 'create', this.schemas.create, opts, (ctx) => this.performCreate(ctx, opts));
  }

  /**
   * Drops the database. With other sessions connected it rejects with DatabaseInUseError
   * unless `force` is set, which ends them first.
   *
   * ### Examples
   * ```ts
   * await db.drop({ force: true });
   * ```
   */
  async drop(options?: T['drop']): Promise<OperationResult> {
    const opts = (options ?? {}) as T['drop'];
    const result = await this.change('drop', opts.force ? 'drop.force' : 'drop', this.schemas.drop, opts, (ctx) => this.performDrop(ctx, opts));
    if (!result.dryRun) this.#metadata = undefined;
    return result;
  }

  // ---------------------------------------------------------------- state and access

  /**
   * Brings the database online (accepting connections again).
   *
   * ### Examples
   * ```ts
   * await db.setOnline();
   * ```
   */
  async setOnline(options?: MutationOptions): Promise<OperationResult> {
    const opts = options ?? {};
    return this.change('setOnline', 'state.offline', MutationOptionsSchema, opts, (ctx) => this.performSetOnline(ctx, opts));
  }

  /**
   * Takes the database offline. What that means per engine is documented by the engine.
   * With other sessions connected, engines refuse or wait unless `force` is set.
   *
   * ### Examples
   * ```ts
   * await db.setOffline({ force: true });
   * ```
   */
  async setOffline(options?: ForceableOptions): Promise<OperationResult> {
    const opts = options ?? {};
    return this.change('setOffline', 'state.offline', ForceableOptionsSchema, opts, (ctx) => this.performSetOffline(ctx, opts));
  }

  /**
   * Restricts the database to one session. `force` ends the other sessions.
   *
   * ### Examples
   * ```ts
   * await db.setSingleUserMode({ force: true });
   * ```
   */
  async setSingleUserMode(options?: ForceableOptions): Promise<OperationResult> {
    const opts = options ?? {};
    return this.change('setSingleUserMode', 'access.singleUser', ForceableOptionsSchema, opts, (ctx) => this.performSetSingleUserMode(ctx, opts));
  }

  /**
   * Restores access for everyone.
   *
   * ### Examples
   * ```ts
   * await db.setMultiUserMode();
   * ```
   */
  async setMultiUserMode(options?: MutationOptions): Promise<OperationResult> {
    const opts = options ?? {};
    return this.change('setMultiUserMode', 'access.singleUser', MutationOptionsSchema, opts, (ctx) => this.performSetMultiUserMode(ctx, opts));
  }

  /**
   * Restricts the database to privileged users. `force` ends the other sessions.
   *
   * ### Examples
   * ```ts
   * await db.setRestrictedUserMode({ dryRun: true });
   * ```
   */
  async setRestrictedUserMode(options?: ForceableOptions): Promise<OperationResult> {
    const opts = options ?? {};
    return this.change('setRestrictedUserMode', 'access.restrictedUser', ForceableOptionsSchema, opts, (ctx) => this.performSetRestrictedUserMode(ctx, opts));
  }

  // ---------------------------------------------------------------- backup and restore

  /**
   * Backs the database up to `target` (a path, or what the engine documents). `type` defaults
   * to `full`; an unsupported type rejects with UnsupportedOperationError saying why.
   *
   * ### Examples
   * ```ts
   * const r = await db.backup('/backups/app.dump', { onProgress: (p) => console.log(p) });
   * console.log(r.data?.sizeBytes);
   * ```
   */
  async backup(target: string, options?: T['backup']): Promise<OperationResult<BackupInfo>> {
    requireLocation(target, 'backup', 'target');
    const opts = (options ?? {}) as T['backup'];
    const type = opts.type ?? BackupType.FULL;
    return this.change('backup', BACKUP_FEATURE[type] ?? 'backup.full', this.schemas.backup, opts, (ctx) => this.performBackup(ctx, target, opts));
  }

  /**
   * Restores the database from `source`. Restoring over an existing database that holds data is
   * refused unless `replace` is set.
   *
   * ### Examples
   * ```ts
   * await db.restore('/backups/app.dump', { replace: true });
   * ```
   */
  async restore(source: string, options?: T['restore']): Promise<OperationResult> {
    requireLocation(source, 'restore', 'source');
    const opts = (options ?? {}) as T['restore'];
    const result = await this.change('restore', 'restore', this.schemas.restore, opts, (ctx) => this.performRestore(ctx, source, opts));
    if (!result.dryRun) this.#metadata = undefined;
    return result;
  }

  /**
   * Checks that a backup is readable and complete, without restoring it.
   *
   * ### Examples
   * ```ts
   * const { data } = await db.verifyBackup('/backups/app.dump');
   * if (!data?.valid) throw new Error('bad backup');
   * ```
   */
  async verifyBackup(source: string, options?: ReadOptions): Promise<OperationResult<BackupVerification>> {
    requireLocation(source, 'verifyBackup', 'source');
    const opts = options ?? {};
    return this.change('verifyBackup', 'backup.verify', ReadOptionsSchema, opts, (ctx) => this.performVerifyBackup(ctx, source));
  }

  // ---------------------------------------------------------------- objects

  /**
   * The schemas of the database (user schemas unless `includeSystem`).
   *
   * ### Examples
   * ```ts
   * console.log(await db.listSchemas());
   * ```
   */
  async listSchemas(options?: ListSchemasOptions): Promise<string[]> {
    this.requireFeature('schemas', 'listSchemas');
    this.validateRead(ListSchemasOptionsSchema, options, 'listSchemas');
    return this.read('listSchemas', options, (signal) => this.fetchSchemas(signal, options?.includeSystem ?? false));
  }

  /**
   * The tables of the database, of one schema when `schema` is given.
   *
   * ### Examples
   * ```ts
   * const tables = await db.listTables('public');
   * ```
   */
  async listTables(schema?: string, options?: ReadOptions): Promise<TableInfo[]> {
    this.requireFeature('tables', 'listTables');
    if (schema !== undefined && (typeof schema !== 'string' || schema.length === 0)) {
      throw new ValidationError('Invalid schema name', [{ path: '', message: 'must be a non-empty string' }], { operation: 'listTables', engine: this.type });
    }
    this.validateRead(ReadOptionsSchema, options, 'listTables');
    return this.read('listTables', options, (signal) => this.fetchTables(signal, schema));
  }

  // ---------------------------------------------------------------- high availability

  /**
   * The HA manager of this database, or `undefined` when the engine has none.
   *
   * ### Examples
   * ```ts
   * const primary = await db.ha?.getPrimaryNode();
   * ```
   */
  get ha(): HaOf<T> | undefined {
    if (this.#ha === null) {
      const Manager = this.engine.definition.haManagerClass;
      this.#ha = this.supports('ha') && Manager ? new Manager(this) : undefined;
    }
    return this.#ha as HaOf<T> | undefined;
  }

  /**
   * Whether the engine offers HA operations for this database.
   *
   * ### Examples
   * ```ts
   * if (db.supportsHighAvailability()) console.log(await db.ha!.getStatus());
   * ```
   */
  supportsHighAvailability(): boolean {
    return this.ha !== undefined;
  }

  /** `Type(name)`, for logs. */
  toString(): string {
    return `${this.constructor.name}(${this.name})`;
  }

  /** Name, engine and endpoint: what identifies the database in `--json` output. */
  toJSON(): Record<string, unknown> {
    return { name: this.name, type: this.type, endpoint: this.connection.endpoint };
  }

  // ---------------------------------------------------------------- the template, for engines

  /**
   * Runs a read with timeout, cancellation and error mapping. Engines use it for their own reads.
   */
  protected read<R>(operation: string, options: ReadOptions | undefined, body: (signal: AbortSignal) => Promise<R>): Promise<R> {
    return runRead(
      { operation, engine: this.type, timeoutMs: options?.timeoutMs, signal: options?.signal, mapError: (e, op) => this.engine.mapError(e, op) },
      body,
    );
  }

  /**
   * Runs a change through the template: capability check, validation against `schema`, then
   * the body with dry run, timing, timeout, cancellation and error mapping. Engines use it for
   * their own operations (vacuum, shrink, clone...) so they behave like the core ones.
   */
  protected async change<O extends ChangeOptions, D = unknown>(
    operation: string,
    feature: Feature | undefined,
    schema: TSchema,
    options: O,
    body: (ctx: OperationContext) => Promise<OperationOutcome<D>>,
  ): Promise<OperationResult<D>> {
    validateOptions(schema, options, operation, this.type);
    if (feature) this.requireFeature(feature, operation);
    return runOperation<D>(
      {
        operation,
        engine: this.type,
        dryRun: options.dryRun,
        timeoutMs: options.timeoutMs,
        signal: options.signal,
        onProgress: options.onProgress,
        onMessage: options.onMessage,
        mapError: (e, op) => this.engine.mapError(e, op),
        describeStatement: this.engine.describeStatement,
      },
      body,
    );
  }

  /** Validates the options of a read (skipped when there are none). */
  protected validateRead(schema: TSchema, options: object | undefined, operation: string): void {
    if (options !== undefined) validateOptions(schema, options, operation, this.type);
  }

  /** The DatabaseNotFoundError for this database. */
  protected notFound(operation: string): DatabaseNotFoundError {
    return new DatabaseNotFoundError(`Database '${this.name}' does not exist on ${this.connection.endpoint}`, {
      engine: this.type,
      operation,
      hint: 'check the name (names are exact and case-sensitive in gds) or create it first',
    });
  }

  /** Fetches the metadata; `undefined` when the database does not exist. */
  protected abstract fetchMetadata(signal: AbortSignal): Promise<T['metadata'] | undefined>;
  /** Creates the database. */
  protected abstract performCreate(ctx: OperationContext, options: T['create']): Promise<OperationOutcome>;
  /** Drops the database. */
  protected abstract performDrop(ctx: OperationContext, options: T['drop']): Promise<OperationOutcome>;

  /** Whether the database exists; by default, whether its metadata can be fetched. */
  protected async fetchExists(signal: AbortSignal): Promise<boolean> {
    return (await this.fetchMetadata(signal)) !== undefined;
  }
  /** The state; by default the metadata's, `unknown` when it has none, `undefined` when missing. */
  protected async fetchState(signal: AbortSignal): Promise<DatabaseState | undefined> {
    const metadata = await this.fetchMetadata(signal);
    if (!metadata) return undefined;
    this.#metadata = metadata;
    return metadata.state ?? DatabaseState.UNKNOWN;
  }
  /** Engine hook for {@link setOnline}. */
  protected performSetOnline(_ctx: OperationContext, _options: MutationOptions): Promise<OperationOutcome> {
    return Promise.reject(this.unsupportedHook('setOnline'));
  }
  /** Engine hook for {@link setOffline}. */
  protected performSetOffline(_ctx: OperationContext, _options: ForceableOptions): Promise<OperationOutcome> {
    return Promise.reject(this.unsupportedHook('setOffline'));
  }
  /** Engine hook for {@link setSingleUserMode}. */
  protected performSetSingleUserMode(_ctx: OperationContext, _options: ForceableOptions): Promise<OperationOutcome> {
    return Promise.reject(this.unsupportedHook('setSingleUserMode'));
  }
  /** Engine hook for {@link setMultiUserMode}. */
  protected performSetMultiUserMode(_ctx: OperationContext, _options: MutationOptions): Promise<OperationOutcome> {
    return Promise.reject(this.unsupportedHook('setMultiUserMode'));
  }
  /** Engine hook for {@link setRestrictedUserMode}. */
  protected performSetRestrictedUserMode(_ctx: OperationContext, _options: ForceableOptions): Promise<OperationOutcome> {
    return Promise.reject(this.unsupportedHook('setRestrictedUserMode'));
  }
  /** Engine hook for {@link backup}. */
  protected performBackup(_ctx: OperationContext, _target: string, _options: T['backup']): Promise<OperationOutcome<BackupInfo>> {
    return Promise.reject(this.unsupportedHook('backup'));
  }
  /** Engine hook for {@link restore}. */
  protected performRestore(_ctx: OperationContext, _source: string, _options: T['restore']): Promise<OperationOutcome> {
    return Promise.reject(this.unsupportedHook('restore'));
  }
  /** Engine hook for {@link verifyBackup}. */
  protected performVerifyBackup(_ctx: OperationContext, _source: string): Promise<OperationOutcome<BackupVerification>> {
    return Promise.reject(this.unsupportedHook('verifyBackup'));
  }
  /** Engine hook for {@link listSchemas}. */
  protected fetchSchemas(_signal: AbortSignal, _includeSystem: boolean): Promise<string[]> {
    return Promise.reject(this.unsupportedHook('listSchemas'));
  }
  /** Engine hook for {@link listTables}. */
  protected fetchTables(_signal: AbortSignal, _schema: string | undefined): Promise<TableInfo[]> {
    return Promise.reject(this.unsupportedHook('listTables'));
  }
  private unsupportedHook(operation: string): UnsupportedOperationError {
    return new UnsupportedOperationError(`${this.type} declares ${operation} supported but does not implement it`, { engine: this.type, operation });
  }
}

function requireLocation(value: unknown, operation: string, what: string): void {
  if (typeof value !== 'string' || value.length === 0) {
    throw new ValidationError(`Invalid ${what} for ${operation}`, [{ path: `/${what}`, message: 'must be a non-empty string' }], { operation });
  }
}

