/**
 * The contract an engine package fulfils to plug into gds (the Strategy of the design).
 * A provider is static data (type, schemes, capabilities) plus factories; it keeps no state of
 * its own, so one provider serves any number of connections.
 *
 * @module
 */
import type { ConnectionConfig, DatabaseConnection, ServerMetadata } from './connection.js';
import type { Database } from './database.js';
import type { DatabaseType } from './enums.js';
import type { GdsError } from './errors.js';
import type { Capabilities, Feature } from './features.js';
import type { DatabaseMetadata } from './metadata.js';
import type { ListDatabasesOptions, ReadOptions } from './options.js';

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
 * An engine's provider.
 *
 * ### Examples
 * ```ts
 * import { registerProvider, type DatabaseProvider } from '@gds/database';
 * export const provider: DatabaseProvider = {
 *   type: 'postgresql', packageName: '@gds/postgres', schemes: ['postgres', 'postgresql'],
 *   capabilities, connect, createDatabase, listDatabases, supportsFeature, getServerMetadata, mapError,
 * };
 * registerProvider(provider);
 * ```
 */
export interface DatabaseProvider {
  /** The engine this provider serves. */
  readonly type: DatabaseType;
  /** The npm package it comes from; two copies of one package count as the same provider. */
  readonly packageName: string;
  /** The URL schemes it accepts, lower case, without `://`. */
  readonly schemes: readonly string[];
  /** What the engine can do, with a reason for what it cannot. */
  readonly capabilities: Capabilities;
  /** Opens a connection from a URL or a config object. */
  connect(target: string | ConnectionConfig): Promise<DatabaseConnection>;
  /** Makes the Database object for `name` (no server round trip); `metadata` seeds its cache. */
  createDatabase(connection: DatabaseConnection, name: string, metadata?: DatabaseMetadata): Database;
  /** Lists the databases on the server. */
  listDatabases(connection: DatabaseConnection, options: ListDatabasesOptions): Promise<DatabaseListing[]>;
  /** Whether the engine supports `feature`. */
  supportsFeature(feature: Feature): boolean;
  /** Server-level facts. */
  getServerMetadata(connection: DatabaseConnection, options?: ReadOptions): Promise<ServerMetadata>;
  /** Maps a driver error into the gds hierarchy (the engine's one error table). */
  mapError(error: unknown, operation: string): GdsError;
}
