/**
 * The one way an engine plugs into gds: an {@link EngineDefinition}, made into a registered
 * engine by `defineEngine()` (from `@gds/database/engine`). Everything about an engine that the
 * core, the CLI, the docs generator and the testkit need is read from it; the core owns the rest
 * (the `Database` and HA facades, the operation runner, errors, the CLI's engine commands).
 *
 * @module
 */
import type { TSchema } from 'typebox';
import type { ConnectionConfig, DatabaseConnection, ServerMetadata } from './connection.js';
import type { Database } from './database.js';
import type { DatabaseType } from './enums.js';
import type { ErrorKind } from './errors.js';
import type { Capabilities, EngineFeature } from './features.js';
import type { HighAvailabilityManager } from './ha.js';
import type { DatabaseMetadata } from './metadata.js';
import type { OperationResult } from './operation-result.js';
import type { ListDatabasesOptions, MutationOptions, ReadOptions } from './options.js';
import type { Statement } from './statement.js';

/**
 * One database in a listing, with its metadata when it was asked for.
 *
 * ### Examples
 * ```ts
 * const listing: DatabaseListing = { name: 'app', metadata: undefined };
 * ```
 */
export interface DatabaseListing {
  /** The database's name. */
  name: string;
  /** Its metadata, when `withMetadata` was set. */
  metadata?: DatabaseMetadata;
}

/**
 * What an engine's error table says about one driver, socket or tool error; the core turns it
 * into the gds error of that kind (message prefixed with the operation, `cause` kept, secrets
 * redacted, `retryable` from the class unless `retryable` says otherwise).
 *
 * ### Examples
 * ```ts
 * const c: ErrorClassification = { kind: 'DATABASE_NOT_FOUND', code: '3D000', hint: 'check the name' };
 * ```
 */
export interface ErrorClassification {
  /** The gds error kind. */
  kind: ErrorKind;
  /** The server's or driver's code (SQLSTATE, error number, errno name). */
  code?: string;
  /** What to do about it. */
  hint?: string;
  /** Overrides the class's default (e.g. a connection-slot error that is worth retrying). */
  retryable?: boolean;
  /** The message to use instead of the error's own. */
  message?: string;
}

/**
 * The engine's naming rules and its one quoting function.
 *
 * ### Examples
 * ```ts
 * const names: EngineNames = { validateDatabaseName: (n) => checkLength(n), quote: quoteIdentifier };
 * ```
 */
export interface EngineNames {
  /** Refuses (ValidationError) a database name the server would change or reject; runs before a Database object exists. */
  validateDatabaseName(name: string): void;
  /** The engine's one quoting function for identifiers: exact or refused (ValidationError). */
  quote(identifier: string, what?: string): string;
}

/**
 * What the CLI passes to an engine command: the change and read options the user gave
 * (`--dry-run`, `--timeout`, the cancellation signal, progress), ready to spread.
 *
 * ### Examples
 * ```ts
 * run: (db, _args, o, ctx) => db.vacuum({ full: Boolean(o.full), ...ctx.changeOptions() })
 * ```
 */
export interface EngineCommandContext {
  /** Options for a change. */
  changeOptions(): MutationOptions;
  /** Options for a read. */
  readOptions(): ReadOptions;
}

/**
 * A command the CLI offers for an engine (`gds vacuum <db>`), wired by the engine, run by the CLI
 * with the same confirmation, dry run, output and signals as the core commands.
 *
 * ### Examples
 * ```ts
 * const vacuum: EngineCommand<PostgreSQLDatabase> = {
 *   name: 'vacuum', description: 'VACUUM the database', options: [['--full', 'VACUUM FULL']],
 *   confirm: (db, _a, o) => (o.full ? `VACUUM FULL "${db}"` : undefined),
 *   run: (db, _a, o, ctx) => db.vacuum({ full: Boolean(o.full), ...ctx.changeOptions() }),
 * };
 * ```
 */
export interface EngineCommand<D extends Database = Database> {
  /** The sub-command name. */
  name: string;
  /** Extra positional arguments after `<db>`, e.g. `['<model>']`. */
  args?: string[];
  /** One line for `--help`. */
  description: string;
  /** Commander option flags and descriptions. */
  options?: [flags: string, description: string][];
  /** The danger to confirm (asked unless `--yes`), given the arguments; `undefined`: nothing to confirm. */
  confirm?: (db: string, args: string[], options: Record<string, unknown>) => string | undefined;
  /** Runs it: a change returns an OperationResult, a read returns data to print. */
  run(db: D, args: string[], options: Record<string, unknown>, ctx: EngineCommandContext): Promise<OperationResult | Record<string, unknown>>;
}

/**
 * An engine extension: an operation only this engine has (`postgresql.vacuum`), declared with
 * its capability key, the `Database` method that implements it and its option schema.
 *
 * ### Examples
 * ```ts
 * const ext: EngineExtension<PostgreSQLDatabase> = { id: 'postgresql.vacuum', feature: 'maintenance.vacuum', method: 'vacuum', options: VacuumOptionsSchema };
 * ```
 */
export interface EngineExtension<D extends Database = Database> {
  /** `<engine>.<name>`, e.g. `postgresql.vacuum`. */
  id: string;
  /** The capability key users test with `db.supports()`. */
  feature: EngineFeature | (string & {});
  /** The method of the engine's Database class that implements it. */
  method: keyof D & string;
  /** Its option schema, when it takes options. */
  options?: TSchema;
}

/** The engine's Database class (built by the core, after the engine's name rules ran). */
export type DatabaseClass<C extends DatabaseConnection, D extends Database> = new (name: string, connection: C, metadata?: never) => D;

/** The engine's HA manager class. */
export type HaManagerClass<D extends Database> = new (database: D) => HighAvailabilityManager<ReadOptions, Database>;

/**
 * Everything the core needs to know about an engine. `defineEngine()` (from
 * `@gds/database/engine`) checks it (every capability declared has its implementation and the
 * other way round) and makes the registered engine; importing the engine's package registers it.
 *
 * ### Examples
 * ```ts
 * export const duckdbEngine = defineEngine({
 *   type: 'duckdb', packageName: 'gds-duckdb', displayName: 'DuckDB', cliName: 'duckdb',
 *   schemes: ['duckdb'], connectionClass: DuckDBConnection, databaseClass: DuckDBDatabase,
 *   haManagerClass: DuckDBHaManager, capabilities, connect, listDatabases, getServerMetadata,
 *   classifyError, describeStatement, names, extensions, commands,
 * });
 * ```
 */
export interface EngineDefinition<C extends DatabaseConnection = DatabaseConnection, D extends Database = Database> {
  /** The engine's name (a {@link DatabaseType}). */
  readonly type: DatabaseType;
  /** The npm package it comes from; two copies of one package count as the same engine. */
  readonly packageName: string;
  /** For people: `PostgreSQL`, `SQL Server`. */
  readonly displayName: string;
  /** The CLI's name for it (`gds --engine postgres`, docs). */
  readonly cliName: string;
  /** The URL schemes it accepts, lower case, without `://`. */
  readonly schemes: readonly string[];
  /** For every common feature, `true` or why not; extension features come from {@link extensions}. */
  readonly capabilities: Capabilities;
  /** The engine's connection class (every connection handed to the engine is checked against it). */
  readonly connectionClass: abstract new (...args: never[]) => C;
  /** The engine's Database class. */
  readonly databaseClass: DatabaseClass<C, D>;
  /** The engine's HA manager class, when it supports `ha`. */
  readonly haManagerClass?: HaManagerClass<NoInfer<D>>;
  /** Opens (and verifies) a connection from a URL or a config object. */
  connect(target: string | ConnectionConfig): Promise<C>;
  /** Lists the databases on the server. */
  listDatabases(connection: C, options: ListDatabasesOptions): Promise<DatabaseListing[]>;
  /** Server-level facts. */
  getServerMetadata(connection: C, options?: { signal?: AbortSignal }): Promise<ServerMetadata>;
  /** The engine's one error table. */
  classifyError(error: unknown): ErrorClassification;
  /** How a dry run shows one of its statements. */
  describeStatement(statement: Statement): string;
  /** Name rules and the one quoting function. */
  readonly names: EngineNames;
  /** Operations only this engine has. */
  readonly extensions?: readonly EngineExtension<NoInfer<D>>[];
  /** CLI commands for them (and for engine-only reads). */
  readonly commands?: readonly EngineCommand<NoInfer<D>>[];
}
