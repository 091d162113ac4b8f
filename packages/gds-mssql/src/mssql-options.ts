/**
 * The options of SQL Server operations, as TypeBox schemas extending the core's (validated on
 * entry; a misspelt option is refused). Sizes are SQL Server's own notation (`'100MB'`).
 *
 * @module
 */
import {
  BackupOptionsSchema,
  CreateOptionsSchema,
  extendOptions,
  MutationOptionsSchema,
  ReadOptionsSchema,
  RestoreOptionsSchema,
  type ProgressEvent,
  type RuntimeOptions,
} from '@gds/database';
import { Type, type Static } from '@gds/database/schema';

/**
 * The highest backup set number `FILE = n` can name: RESTORE HEADERONLY reports a backup set's
 * position as a smallint (test/evidence/option-limits.json).
 *
 * ### Examples
 * ```ts
 * await db.restore('/b/app.bak', { fileNumber: MAX_BACKUP_SET_NUMBER }); // the last possible set
 * ```
 */
export const MAX_BACKUP_SET_NUMBER = 32_767;

const sysname = (description: string) => Type.String({ minLength: 1, maxLength: 128, description });
const path = (description: string) => Type.String({ minLength: 1, maxLength: 260, description });
const size = (description: string) => Type.String({ pattern: '^[0-9]+(KB|MB|GB|TB)$', description });

/** Schema of one data or log file of `create()`. */
export const FileSpecSchema = Type.Object(
  {
    name: sysname('Logical file name.'),
    path: path("Physical file path on the server, e.g. 'D:\\\\data\\\\app.mdf' or '/var/opt/mssql/data/app.mdf'."),
    size: Type.Optional(size("Initial size, e.g. '100MB'.")),
    maxSize: Type.Optional(Type.String({ pattern: '^([0-9]+(KB|MB|GB|TB)|UNLIMITED)$', description: "Maximum size, e.g. '10GB', or 'UNLIMITED'." })),
    growth: Type.Optional(Type.String({ pattern: '^[0-9]+(KB|MB|GB|TB|%)$', description: "Growth increment, e.g. '64MB' or '10%'." })),
  },
  { additionalProperties: false },
);
/** One data or log file of `create()`. */
export type FileSpec = Static<typeof FileSpecSchema>;

/**
 * Schema of `create()` options.
 *
 * ### Examples
 * ```ts
 * await db.create({ collation: 'Latin1_General_100_CI_AS_SC_UTF8', recoveryModel: 'full',
 *   dataFiles: [{ name: 'app', path: '/var/opt/mssql/data/app.mdf', size: '100MB', growth: '64MB' }] });
 * ```
 */
export const MSSQLCreateOptionsSchema = extendOptions(CreateOptionsSchema, {
  collation: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_]{1,128}$', description: "Default collation, e.g. 'Latin1_General_100_CI_AS'. Defaults to the server's." })),
  recoveryModel: Type.Optional(Type.Enum(['simple', 'full', 'bulk_logged'], { description: "Recovery model set right after creation. Defaults to model's." })),
  containment: Type.Optional(Type.Enum(['none', 'partial'], { description: "Containment. Defaults to 'none'." })),
  compatibilityLevel: Type.Optional(Type.Enum([100, 110, 120, 130, 140, 150, 160, 170], { description: "Compatibility level set after creation. Defaults to the server's." })),
  dataFiles: Type.Optional(Type.Array(FileSpecSchema, { minItems: 1, description: 'Files of the PRIMARY filegroup (the first is the primary data file).' })),
  logFiles: Type.Optional(Type.Array(FileSpecSchema, { minItems: 1, description: 'Log files.' })),
  filegroups: Type.Optional(
    Type.Array(
      Type.Object(
        {
          name: sysname('Filegroup name.'),
          contains: Type.Optional(Type.Enum(['rows', 'filestream', 'memory_optimized_data'], { description: "What it holds. Defaults to 'rows'." })),
          default: Type.Optional(Type.Boolean({ description: 'Make it the default filegroup. Defaults to false.' })),
          files: Type.Array(FileSpecSchema, { minItems: 1 }),
        },
        { additionalProperties: false },
      ),
      { description: 'Secondary filegroups and their files (needs dataFiles for PRIMARY).' },
    ),
  ),
});
/** Options of `create()`. */
export type MSSQLCreateOptions = Static<typeof MSSQLCreateOptionsSchema> & RuntimeOptions;

/**
 * Schema of `backup()` options. Paths are on the SQL Server's file system.
 *
 * ### Examples
 * ```ts
 * await db.backup('/var/opt/mssql/backup/app.bak', { compression: true, checksum: true, stats: 5 });
 * ```
 */
export const MSSQLBackupOptionsSchema = extendOptions(BackupOptionsSchema, {
  compression: Type.Optional(Type.Boolean({ description: "WITH COMPRESSION (true) or NO_COMPRESSION (false). Defaults to the server's setting." })),
  checksum: Type.Optional(Type.Boolean({ description: 'Verify page checksums and write a backup checksum. Defaults to false.' })),
  init: Type.Optional(Type.Boolean({ description: 'Overwrite the backup sets of an existing file (WITH INIT). Defaults to false: an existing file is refused unless append.' })),
  append: Type.Optional(Type.Boolean({ description: 'Add a backup set to an existing file (NOINIT). Defaults to false.' })),
  format: Type.Optional(Type.Boolean({ description: 'Write a new media header (WITH FORMAT, implies INIT). Defaults to false.' })),
  copyOnly: Type.Optional(Type.Boolean({ description: 'A copy-only backup that leaves the backup chain alone. Defaults to false.' })),
  stats: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, description: 'Report progress every n percent. Defaults to 10.' })),
  description: Type.Optional(Type.String({ maxLength: 255, description: 'Backup set description.' })),
  name: Type.Optional(Type.String({ maxLength: 128, description: 'Backup set name.' })),
  files: Type.Optional(Type.Array(path('Another backup file (striping).'), { description: 'More files to stripe the backup over, besides target.' })),
});
/** Options of `backup()`. */
export type MSSQLBackupOptions = Static<typeof MSSQLBackupOptionsSchema> & RuntimeOptions & { onProgress?: (event: ProgressEvent) => void };

/**
 * Schema of `restore()` options. Paths are on the SQL Server's file system.
 *
 * ### Examples
 * ```ts
 * await db.restore('/b/app.bak', { replace: true, relocate: { dataFolder: '/data', logFolder: '/log' } });
 * await db.restore('/b/app.bak', { logs: ['/b/app_1.trn', '/b/app_2.trn'], stopAt: '2025-01-31T12:00:00Z' });
 * ```
 */
export const MSSQLRestoreOptionsSchema = extendOptions(RestoreOptionsSchema, {
  force: Type.Optional(Type.Boolean({ description: 'With replace: end other sessions of the database first (SET OFFLINE WITH ROLLBACK IMMEDIATE). Defaults to false.' })),
  norecovery: Type.Optional(Type.Boolean({ description: 'Leave the database restoring, to apply more backups later. Defaults to false.' })),
  stopAt: Type.Optional(Type.String({ format: 'date-time', description: "Point in time to stop at (STOPAT, sent as the server's local time), applied to the log backups: needs logs, or a log backup as the source." })),
  logs: Type.Optional(Type.Array(path('A log backup.'), { description: 'Transaction log backups to apply after the full backup, in order.' })),
  relocate: Type.Optional(
    Type.Object(
      {
        dataFolder: path('Folder for the data files.'),
        logFolder: Type.Optional(path('Folder for the log files. Defaults to dataFolder.')),
      },
      { additionalProperties: false, description: "Move every file (read with FILELISTONLY) into these folders. Defaults: none when restoring under the backup's own name, else the server's default data and log folders." },
    ),
  ),
  fileNumber: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_BACKUP_SET_NUMBER, description: 'Which backup set of the file (FILE = n). Defaults to 1.' })),
  checksum: Type.Optional(Type.Boolean({ description: 'Verify backup checksums while restoring. Defaults to false.' })),
  stats: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, description: 'Report progress every n percent. Defaults to 10.' })),
});
/** Options of `restore()`. */
export type MSSQLRestoreOptions = Static<typeof MSSQLRestoreOptionsSchema> & RuntimeOptions & { onProgress?: (event: ProgressEvent) => void };

/**
 * Schema of `shrink()` options.
 *
 * ### Examples
 * ```ts
 * await db.shrink({ targetPercent: 10 });
 * ```
 */
export const ShrinkOptionsSchema = extendOptions(MutationOptionsSchema, {
  targetPercent: Type.Optional(Type.Integer({ minimum: 0, maximum: 99, description: 'Free space to leave, in percent of the data. Defaults to 0.' })),
  truncateOnly: Type.Optional(Type.Boolean({ description: 'Only release free space at the end of the files, moving no pages. Defaults to false.' })),
});
/** Options of `shrink()`. */
export type ShrinkOptions = Static<typeof ShrinkOptionsSchema> & RuntimeOptions;

/**
 * Schema of `checkIntegrity()` options.
 *
 * ### Examples
 * ```ts
 * await db.checkIntegrity({ physicalOnly: true });
 * ```
 */
export const CheckIntegrityOptionsSchema = extendOptions(MutationOptionsSchema, {
  physicalOnly: Type.Optional(Type.Boolean({ description: 'Check physical structure only (PHYSICAL_ONLY): much faster. Defaults to false.' })),
  noIndex: Type.Optional(Type.Boolean({ description: 'Skip nonclustered indexes (NOINDEX). Defaults to false.' })),
});
/** Options of `checkIntegrity()`. */
export type CheckIntegrityOptions = Static<typeof CheckIntegrityOptionsSchema> & RuntimeOptions;

/**
 * Schema of `backupHistory()` options.
 *
 * ### Examples
 * ```ts
 * await db.backupHistory({ limit: 5, type: 'transaction_log' });
 * ```
 */
export const BackupHistoryOptionsSchema = extendOptions(ReadOptionsSchema, {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000, description: 'Most recent backup sets to return. Defaults to 50.' })),
  type: Type.Optional(Type.Enum(['full', 'differential', 'transaction_log'], { description: 'Only this kind.' })),
  since: Type.Optional(Type.String({ format: 'date-time', description: 'Only backups finished at or after this time.' })),
});
/** Options of `backupHistory()`. */
export type BackupHistoryOptions = Static<typeof BackupHistoryOptionsSchema> & RuntimeOptions;

/**
 * Schema of `readBackupHeader()` and `verifyBackupWith()` options.
 *
 * ### Examples
 * ```ts
 * await db.readBackupHeader('/b/app.bak');
 * ```
 */
export const BackupFileOptionsSchema = extendOptions(ReadOptionsSchema, {
  fileNumber: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_BACKUP_SET_NUMBER, description: 'Which backup set of the file. Defaults to 1 (verify) or all (header).' })),
  checksum: Type.Optional(Type.Boolean({ description: 'Verify backup checksums too (verify only). Defaults to false.' })),
});
/** Options of `readBackupHeader()` and `verifyBackupWith()`. */
export type BackupFileOptions = Static<typeof BackupFileOptionsSchema> & RuntimeOptions;

/**
 * Schema of `setRecoveryModel()` options.
 *
 * ### Examples
 * ```ts
 * await db.setRecoveryModel('full', { dryRun: true });
 * ```
 */
export const RecoveryModelSchema = Type.Enum(['simple', 'full', 'bulk_logged']);
/** A recovery model. */
export type RecoveryModel = Static<typeof RecoveryModelSchema>;
