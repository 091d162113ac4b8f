/**
 * The types around {@link Database}: what `listTables`, `backup` and `verifyBackup` report, the
 * type parameters engines narrow (metadata and option types) and the schemas they validate with.
 *
 * @module
 */
import type { TSchema } from 'typebox';
import type { BackupType } from './enums.js';
import type { HighAvailabilityManager } from './ha.js';
import type { DatabaseMetadata } from './metadata.js';
import type { BackupOptions, CreateOptions, DropOptions, MutationOptions, ProgressEvent, RestoreOptions } from './options.js';

/**
 * The kinds of table-like objects `listTables()` reports.
 *
 * ### Examples
 * ```ts
 * const views = (await db.listTables()).filter((t) => t.kind === 'view');
 * ```
 */
export type TableKind = 'table' | 'partitioned_table' | 'view' | 'materialized_view' | 'foreign_table' | 'collection' | 'timeseries' | 'external_table' | 'other';

/**
 * A table (or collection) in a database.
 *
 * ### Examples
 * ```ts
 * for (const t of await db.listTables('public')) console.log(`${t.schema}.${t.name} (${t.kind})`);
 * ```
 */
export interface TableInfo {
  /** The schema it is in; `undefined` for engines without schemas (MongoDB). */
  schema?: string;
  /** Its name. */
  name: string;
  /** What it is. */
  kind: TableKind;
}

/**
 * What a successful `backup()` reports in `result.data`.
 *
 * ### Examples
 * ```ts
 * const { data } = await db.backup('/b/app.dump');
 * console.log(data?.sizeBytes);
 * ```
 */
export interface BackupInfo {
  /** Where the backup is: a path, or for Snowflake the clone's name. */
  target: string;
  /** The kind of backup. */
  type: BackupType;
  /** Its size in bytes, when it is a file or folder gds can measure. */
  sizeBytes?: number;
  /** The engine's format name (`custom`, `bak`, `bson`...). */
  format?: string;
  /** Engine facts (LSNs, snapshot time...). */
  details?: Record<string, unknown>;
}

/**
 * What `verifyBackup()` reports in `result.data`.
 *
 * ### Examples
 * ```ts
 * const { data } = await db.verifyBackup('/b/app.dump');
 * console.log(data?.entries);
 * ```
 */
export interface BackupVerification {
  /** The backup checked. */
  source: string;
  /** Whether it is readable and complete. */
  valid: boolean;
  /** How many entries (objects, files, documents) it holds, where the engine counts them. */
  entries?: number;
  /** Engine facts. */
  details?: Record<string, unknown>;
}

/**
 * The type parameters of a Database: its metadata and its option types. Engines narrow them.
 *
 * ### Examples
 * ```ts
 * class PostgreSQLDatabase extends Database<{ metadata: PostgreSQLDatabaseMetadata; create: PostgreSQLCreateOptions;
 *   drop: DropOptions; backup: PostgreSQLBackupOptions; restore: PostgreSQLRestoreOptions }> {}
 * ```
 */
export interface DatabaseTypes {
  /** The metadata type. */
  metadata: DatabaseMetadata;
  /** The options of `create()`. */
  create: CreateOptions;
  /** The options of `drop()`. */
  drop: DropOptions;
  /** The options of `backup()`. */
  backup: BackupOptions;
  /** The options of `restore()`. */
  restore: RestoreOptions;
  /** The engine's HA manager class (what `db.ha` is), when it has one (unconstrained here: the manager refers back to its Database). */
  ha?: unknown;
}

/**
 * The type of `db.ha` for the types `T`: the engine's HA manager when `T` names one.
 *
 * ### Examples
 * ```ts
 * type PgHa = HaOf<PostgreSQLDatabaseTypes>; // PostgreSQLReplicationManager
 * ```
 */
export type HaOf<T extends DatabaseTypes> = T extends { ha: infer H } ? H : HighAvailabilityManager;

/** The schemas an engine validates its options with; defaults to the core's. */
export interface DatabaseSchemas {
  /** Options of `create()`. */
  create: TSchema;
  /** Options of `drop()`. */
  drop: TSchema;
  /** Options of `backup()`. */
  backup: TSchema;
  /** Options of `restore()`. */
  restore: TSchema;
}

/**
 * The options every change accepts in the template (`Database.change`): the mutation options
 * plus a progress callback.
 *
 * ### Examples
 * ```ts
 * const options: ChangeOptions = { dryRun: true, onProgress: (e) => console.log(e.percent) };
 * ```
 */
export type ChangeOptions = MutationOptions & { onProgress?: (e: ProgressEvent) => void };
