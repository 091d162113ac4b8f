/**
 * A registered engine, as the core, the CLI and the docs use it: its definition's facts plus the
 * operations the core derived from it (`createDatabase` with the engine's name rules, `mapError`
 * with its error table, `supportsFeature`). Made by `defineEngine()` from `@gds/database/engine`;
 * it keeps no state, so one engine serves any number of connections.
 *
 * @module
 */
import type { ConnectionConfig, DatabaseConnection, ServerMetadata } from './connection.js';
import type { Database } from './database.js';
import type { DatabaseListing, EngineCommand, EngineDefinition, EngineExtension } from './engine-definition.js';
import type { DatabaseType } from './enums.js';
import type { GdsError } from './errors.js';
import type { Capabilities, Feature } from './features.js';
import type { DatabaseMetadata } from './metadata.js';
import type { ListDatabasesOptions, ReadOptions } from './options.js';
import type { Statement } from './statement.js';

export type { DatabaseListing } from './engine-definition.js';

/**
 * A registered engine (what `getProvider('postgresql')` returns, and what an engine package
 * exports, e.g. `postgresEngine`). `D` is the engine's Database class: pass the engine to
 * `DatabaseManager.connect(engine, url)` to get a manager typed with it.
 *
 * ### Examples
 * ```ts
 * import { getProvider } from '@gds/database';
 * const pg = getProvider('postgresql');
 * console.log(pg.displayName, pg.schemes, pg.supportsFeature('backup.full'));
 * ```
 */
export interface DatabaseProvider<D extends Database = Database> {
  /** The engine this provider serves. */
  readonly type: DatabaseType;
  /** The npm package it comes from; two copies of one package count as the same provider. */
  readonly packageName: string;
  /** For people: `PostgreSQL`. */
  readonly displayName: string;
  /** The CLI's name for it. */
  readonly cliName: string;
  /** The URL schemes it accepts, lower case, without `://`. */
  readonly schemes: readonly string[];
  /** What the engine can do, with a reason for what it cannot (extension features included). */
  readonly capabilities: Capabilities;
  /** Operations only this engine has. */
  readonly extensions: readonly EngineExtension[];
  /** The CLI commands the engine adds. */
  readonly commands: readonly EngineCommand[];
  /** The definition it was made from (for the docs generator and tests). */
  readonly definition: EngineDefinition;
  /** Opens a connection from a URL or a config object. */
  connect(target: string | ConnectionConfig): Promise<DatabaseConnection>;
  /** Makes the Database object for `name` (no server round trip; the engine's name rules run first); `metadata` seeds its cache. */
  createDatabase(connection: DatabaseConnection, name: string, metadata?: DatabaseMetadata): D;
  /** Lists the databases on the server. */
  listDatabases(connection: DatabaseConnection, options: ListDatabasesOptions): Promise<DatabaseListing[]>;
  /** Whether the engine supports `feature`. */
  supportsFeature(feature: Feature): boolean;
  /** Server-level facts. */
  getServerMetadata(connection: DatabaseConnection, options?: ReadOptions): Promise<ServerMetadata>;
  /** Maps a driver error into the gds hierarchy (the engine's one error table). */
  mapError(error: unknown, operation: string): GdsError;
  /** How a dry run shows one of the engine's statements. */
  describeStatement(statement: Statement): string;
}
