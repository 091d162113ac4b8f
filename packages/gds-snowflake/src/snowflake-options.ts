/**
 * The option schemas of the Snowflake operations (validated on entry; the docs' option tables
 * are generated from them), including the Time Travel point (`at`/`before`) shared by clone,
 * backup and restore.
 *
 * @module
 */
import { Type, type Static } from '@gds/database/schema';
import {
  BackupOptionsSchema,
  CreateOptionsSchema,
  DropOptionsSchema,
  MutationOptionsSchema,
  RestoreOptionsSchema,
  extendOptions,
  type ProgressEvent,
  type RuntimeOptions,
} from '@gds/database';

/** An ISO 8601 timestamp with an explicit zone (so that Snowflake cannot read it in another zone). */
const TIMESTAMP_PATTERN = '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,9})?)?(Z|[+-]\\d{2}:\\d{2})$';

/**
 * Schema of a Time Travel point: exactly one of a timestamp, an offset in seconds before now
 * (0 or negative, as Snowflake writes it), or a statement's query id.
 *
 * ### Examples
 * ```ts
 * const point: TimeTravelPoint = { offset: -3600 }; // an hour ago
 * ```
 */
export const TimeTravelPointSchema = Type.Object(
  {
    timestamp: Type.Optional(Type.String({ pattern: TIMESTAMP_PATTERN, description: "An ISO 8601 time with its zone, e.g. '2026-03-01T08:00:00Z' (new Date().toISOString())." })),
    offset: Type.Optional(Type.Integer({ minimum: -7_776_000, maximum: 0, description: 'Seconds relative to now, 0 or negative: -3600 is an hour ago (Time Travel reaches at most 90 days back).' })),
    statement: Type.Optional(Type.String({ pattern: '^[0-9A-Za-z-]{8,64}$', description: 'A query id: the state just at (AT) or before (BEFORE) that statement ran.' })),
  },
  { additionalProperties: false },
);
/** A Time Travel point. */
export type TimeTravelPoint = Static<typeof TimeTravelPointSchema>;

const timeTravel = {
  at: Type.Optional(TimeTravelPointSchema),
  before: Type.Optional(TimeTravelPointSchema),
};

/**
 * Schema of `create()` options.
 *
 * ### Examples
 * ```ts
 * await db.create({ transient: true, dataRetentionTimeInDays: 0, comment: 'scratch' });
 * await db.create({ clone: { source: 'SALES', at: { offset: -3600 } } });
 * await db.create({ mode: 'orReplace', replace: true }); // drops an existing database: explicit on purpose
 * ```
 */
export const SnowflakeCreateOptionsSchema = extendOptions(CreateOptionsSchema, {
  mode: Type.Optional(
    Type.Enum(['errorIfExists', 'orReplace', 'ifNotExists'], {
      description: "errorIfExists (default) fails when it exists; ifNotExists leaves an existing one alone; orReplace (CREATE OR REPLACE) drops an existing one and needs replace: true.",
    }),
  ),
  replace: Type.Optional(Type.Boolean({ description: 'Confirms that mode orReplace may drop an existing database (it stays recoverable with UNDROP only under another name). Defaults to false: refused.' })),
  transient: Type.Optional(Type.Boolean({ description: 'Create a TRANSIENT database (no Fail-safe, at most 1 day of Time Travel). Defaults to false.' })),
  clone: Type.Optional(
    Type.Object({ source: Type.String({ minLength: 1, description: 'The database to clone (exact name).' }), ...timeTravel }, { additionalProperties: false, description: 'Create as a zero-copy clone of another database, optionally as it was at a Time Travel point.' }),
  ),
  dataRetentionTimeInDays: Type.Optional(Type.Integer({ minimum: 0, maximum: 90, description: "Days of Time Travel. Defaults to the account's (1)." })),
  maxDataExtensionTimeInDays: Type.Optional(Type.Integer({ minimum: 0, maximum: 90, description: 'Days Snowflake may extend retention to keep streams readable. Defaults to 14.' })),
  comment: Type.Optional(Type.String({ maxLength: 1024, description: 'A comment stored with the database.' })),
});
/** Options of `create()`. */
export type SnowflakeCreateOptions = Static<typeof SnowflakeCreateOptionsSchema> & RuntimeOptions;

/**
 * Schema of `drop()` options.
 *
 * ### Examples
 * ```ts
 * await db.drop({ ifExists: true, restrict: true });
 * ```
 */
export const SnowflakeDropOptionsSchema = extendOptions(DropOptionsSchema, {
  ifExists: Type.Optional(Type.Boolean({ description: 'Succeed when the database does not exist. Defaults to false: DatabaseNotFoundError.' })),
  cascade: Type.Optional(Type.Boolean({ description: "DROP ... CASCADE: drop even when foreign keys in other databases reference its tables (Snowflake's default)." })),
  restrict: Type.Optional(Type.Boolean({ description: 'DROP ... RESTRICT: refuse when foreign keys in other databases reference its tables.' })),
});
/** Options of `drop()`. */
export type SnowflakeDropOptions = Static<typeof SnowflakeDropOptionsSchema> & RuntimeOptions;

/**
 * Schema of `backup()` options: the backup is a zero-copy clone named by the target.
 *
 * ### Examples
 * ```ts
 * await db.backup('SALES_BACKUP_20260301', { at: { timestamp: '2026-03-01T00:00:00Z' } });
 * ```
 */
export const SnowflakeBackupOptionsSchema = extendOptions(BackupOptionsSchema, {
  ...timeTravel,
  transient: Type.Optional(Type.Boolean({ description: 'Make the clone TRANSIENT (no Fail-safe storage cost). Defaults to false.' })),
  comment: Type.Optional(Type.String({ maxLength: 1024, description: "The clone's comment. Defaults to one naming the source and the time." })),
});
/** Options of `backup()`. */
export type SnowflakeBackupOptions = Static<typeof SnowflakeBackupOptionsSchema> & RuntimeOptions & { onProgress?: (event: ProgressEvent) => void };

/**
 * Schema of `restore()` options: the source is a database (a gds backup clone, or this database
 * itself with a Time Travel point).
 *
 * ### Examples
 * ```ts
 * await db.restore('SALES_BACKUP_20260301', { replace: true });
 * await db.restore(db.name, { replace: true, before: { statement: '01b2c3d4-0000-1111-0000-000000000001' } });
 * ```
 */
export const SnowflakeRestoreOptionsSchema = extendOptions(RestoreOptionsSchema, {
  ...timeTravel,
  keepPrevious: Type.Optional(Type.Boolean({ description: 'With replace: keep the replaced database under a new name instead of dropping it. Defaults to false (dropped, recoverable with UNDROP).' })),
});
/** Options of `restore()`. */
export type SnowflakeRestoreOptions = Static<typeof SnowflakeRestoreOptionsSchema> & RuntimeOptions & { onProgress?: (event: ProgressEvent) => void };

/**
 * Schema of `clone()` options.
 *
 * ### Examples
 * ```ts
 * await db.clone('SALES_DEV', { before: { offset: -600 }, transient: true });
 * ```
 */
export const CloneOptionsSchema = extendOptions(MutationOptionsSchema, {
  ...timeTravel,
  transient: Type.Optional(Type.Boolean({ description: 'Make the clone TRANSIENT. Defaults to false.' })),
  comment: Type.Optional(Type.String({ maxLength: 1024, description: "The clone's comment." })),
});
/** Options of `clone()`. */
export type CloneOptions = Static<typeof CloneOptionsSchema> & RuntimeOptions;

/**
 * Schema of the options of the replication changes (`refresh()`, `createConfiguration()`...).
 *
 * ### Examples
 * ```ts
 * await (db.ha as SnowflakeReplicationManager).createConfiguration({ targetAccounts: ['MYORG.DR'], failover: true });
 * ```
 */
export const ReplicationConfigurationOptionsSchema = extendOptions(MutationOptionsSchema, {
  targetAccounts: Type.Array(Type.String({ minLength: 3 }), { minItems: 1, description: "Accounts that may hold secondaries: 'org.account'." }),
  failover: Type.Optional(Type.Boolean({ description: 'Also ENABLE FAILOVER TO ACCOUNTS (Business Critical): it permits, it does not perform, a failover. Defaults to false.' })),
  ignoreEditionCheck: Type.Optional(Type.Boolean({ description: 'IGNORE EDITION CHECK: allow replicating to a lower edition. Defaults to false.' })),
});
/** Options of `createConfiguration()`. */
export type ReplicationConfigurationOptions = Static<typeof ReplicationConfigurationOptionsSchema> & RuntimeOptions;
