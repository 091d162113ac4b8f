/**
 * The closed vocabularies of gds: engines, database states, access modes, backup types and the
 * high-availability roles, states and synchronisation modes. Each is a frozen `const` object
 * (for runtime use and iteration) plus a union type of its values (for the type checker).
 *
 * @module
 */

/**
 * The database engines gds knows by name (the design's list). An engine is usable only when its
 * package is installed and imported; any other engine registered with `defineEngine` is a
 * {@link DatabaseType} too (the type is open).
 *
 * ### Examples
 * ```ts
 * import { DatabaseType } from '@gds/database';
 * if (db.type === DatabaseType.POSTGRESQL) console.log('a PostgreSQL database');
 * ```
 */
export const DatabaseType = Object.freeze({
  MSSQL: 'mssql',
  SNOWFLAKE: 'snowflake',
  POSTGRESQL: 'postgresql',
  MONGODB: 'mongodb',
  MYSQL: 'mysql',
  ORACLE: 'oracle',
  SQLITE: 'sqlite',
} as const);
/** One of the known engine names of {@link DatabaseType}, e.g. `'postgresql'`. */
export type KnownEngine = (typeof DatabaseType)[keyof typeof DatabaseType];
/** An engine's name: a known one, or any other registered engine's (`KnownEngine | (string & {})`). */
export type DatabaseType = KnownEngine | (string & {});

/**
 * The operational state of a database, as reported by {@link Database.getState}.
 * Engines without a notion of a state (MongoDB, Snowflake) report `online` for a database that exists.
 *
 * ### Examples
 * ```ts
 * if ((await db.getState()) === DatabaseState.OFFLINE) await db.setOnline();
 * ```
 */
export const DatabaseState = Object.freeze({
  ONLINE: 'online',
  OFFLINE: 'offline',
  RESTORING: 'restoring',
  RECOVERING: 'recovering',
  SUSPECT: 'suspect',
  EMERGENCY: 'emergency',
  SINGLE_USER: 'single_user',
  MULTI_USER: 'multi_user',
  UNKNOWN: 'unknown',
} as const);
/** One of the values of {@link DatabaseState}, e.g. `'offline'`. */
export type DatabaseState = (typeof DatabaseState)[keyof typeof DatabaseState];

/**
 * Who may connect to a database: everyone, one session, or privileged users only.
 *
 * ### Examples
 * ```ts
 * const { accessMode } = await db.getMetadata();
 * if (accessMode === AccessMode.SINGLE_USER) await db.setMultiUserMode();
 * ```
 */
export const AccessMode = Object.freeze({
  MULTI_USER: 'multi_user',
  SINGLE_USER: 'single_user',
  RESTRICTED_USER: 'restricted_user',
} as const);
/** One of the values of {@link AccessMode}. */
export type AccessMode = (typeof AccessMode)[keyof typeof AccessMode];

/**
 * The kinds of backup. Which ones an engine can take is told by `db.supports('backup.<kind>')`.
 *
 * ### Examples
 * ```ts
 * await db.backup('/backups/app.bak', { type: BackupType.DIFFERENTIAL });
 * ```
 */
export const BackupType = Object.freeze({
  FULL: 'full',
  DIFFERENTIAL: 'differential',
  INCREMENTAL: 'incremental',
  TRANSACTION_LOG: 'transaction_log',
} as const);
/** One of the values of {@link BackupType}. */
export type BackupType = (typeof BackupType)[keyof typeof BackupType];

/**
 * The role of a node in a high-availability configuration.
 *
 * ### Examples
 * ```ts
 * const standbys = (await db.ha!.getAllNodes()).filter((n) => n.role === HARole.STANDBY);
 * ```
 */
export const HARole = Object.freeze({
  PRIMARY: 'primary',
  SECONDARY: 'secondary',
  ARBITER: 'arbiter',
  WITNESS: 'witness',
  STANDBY: 'standby',
  REPLICA: 'replica',
  UNKNOWN: 'unknown',
} as const);
/** One of the values of {@link HARole}. */
export type HARole = (typeof HARole)[keyof typeof HARole];

/**
 * The health or synchronisation state of a node or of a whole HA configuration.
 *
 * ### Examples
 * ```ts
 * if ((await db.ha!.getStatus()) !== HAState.HEALTHY) alert('replication degraded');
 * ```
 */
export const HAState = Object.freeze({
  HEALTHY: 'healthy',
  SYNCHRONIZING: 'synchronizing',
  SYNCED: 'synced',
  NOT_SYNCHRONIZED: 'not_synchronized',
  SUSPENDED: 'suspended',
  DISCONNECTED: 'disconnected',
  RESOLVING: 'resolving',
  FAILOVER_IN_PROGRESS: 'failover_in_progress',
  UNKNOWN: 'unknown',
} as const);
/** One of the values of {@link HAState}. */
export type HAState = (typeof HAState)[keyof typeof HAState];

/**
 * How a primary waits for its replicas before acknowledging a commit.
 *
 * ### Examples
 * ```ts
 * await db.ha!.setSyncMode(SyncMode.SYNCHRONOUS, { dryRun: true });
 * ```
 */
export const SyncMode = Object.freeze({
  SYNCHRONOUS: 'synchronous',
  ASYNCHRONOUS: 'asynchronous',
  SEMI_SYNCHRONOUS: 'semi_synchronous',
} as const);
/** One of the values of {@link SyncMode}. */
export type SyncMode = (typeof SyncMode)[keyof typeof SyncMode];
