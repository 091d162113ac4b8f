/**
 * The option schemas of the SQLite operations (validated on entry; the docs' option tables are
 * generated from them).
 *
 * @module
 */
import {
  BackupOptionsSchema,
  CreateOptionsSchema,
  MAX_TIMER_MS,
  MutationOptionsSchema,
  ReadOptionsSchema,
  RestoreOptionsSchema,
  extendOptions,
  type ProgressEvent,
  type RuntimeOptions,
} from '@gds/database';
import { Type, type Static } from '@gds/database/schema';

const int32 = (description: string) => Type.Integer({ minimum: -2147483648, maximum: 2147483647, description });
const pagesPerStep = Type.Optional(
  Type.Integer({ minimum: 1, maximum: MAX_TIMER_MS, description: 'Pages copied per step of the online backup API (progress is reported and cancellation checked between steps). Defaults to 4 MiB worth of pages.' }),
);

/** The page sizes SQLite accepts: powers of two from 512 to 65536. */
export const PAGE_SIZES = Object.freeze([512, 1024, 2048, 4096, 8192, 16384, 32768, 65536] as const);

/**
 * Schema of `create()` options: the settings a new file gets before its first page is written.
 *
 * ### Examples
 * ```ts
 * await db.create({ pageSize: 8192, journalMode: 'wal', autoVacuum: 'incremental', applicationId: 0x47445321 });
 * ```
 */
export const SQLiteCreateOptionsSchema = extendOptions(CreateOptionsSchema, {
  pageSize: Type.Optional(Type.Enum([...PAGE_SIZES], { description: 'Page size in bytes (PRAGMA page_size). Defaults to SQLite\'s (4096).' })),
  journalMode: Type.Optional(Type.Enum(['delete', 'wal'], { description: "'wal' makes it a WAL database (kept in the file); 'delete' the rollback journal. Defaults to 'delete'." })),
  autoVacuum: Type.Optional(Type.Enum(['none', 'full', 'incremental'], { description: "PRAGMA auto_vacuum. Defaults to 'none'." })),
  encoding: Type.Optional(Type.Enum(['UTF-8', 'UTF-16le', 'UTF-16be'], { description: "Text encoding (PRAGMA encoding). Defaults to 'UTF-8'." })),
  applicationId: Type.Optional(int32('PRAGMA application_id: a 32-bit number naming the application file format. Defaults to 0.')),
  userVersion: Type.Optional(int32('PRAGMA user_version. Defaults to 0.')),
});
/** Options of `create()`. */
export type SQLiteCreateOptions = Static<typeof SQLiteCreateOptionsSchema> & RuntimeOptions;

/**
 * Schema of `backup()` options.
 *
 * ### Examples
 * ```ts
 * await db.backup('/backups/app.db', { method: 'vacuum-into', overwrite: true });
 * await db.backup('/backups/app-fast.db', { mmap: true }); // faster reads; an I/O error crashes the process
 * ```
 */
export const SQLiteBackupOptionsSchema = extendOptions(BackupOptionsSchema, {
  method: Type.Optional(
    Type.Enum(['backup-api', 'vacuum-into'], {
      description: "'backup-api': SQLite's online backup API, page by page, with progress and cancellation between steps; 'vacuum-into': VACUUM INTO, a compacted copy in one statement (no progress, not cancellable while it runs). Defaults to 'backup-api'.",
    }),
  ),
  pagesPerStep,
  mmap: Type.Optional(
    Type.Boolean({
      description:
        "Read the database through memory-mapped I/O while it is copied (PRAGMA mmap_size, up to 2 GiB of the file): one copy of each page fewer, 10-20% faster in bench/sqlite.mjs. But an I/O error while reading the file then ends the process with SIGBUS instead of failing the backup (https://www.sqlite.org/mmap.html), so it is off by default. Defaults to false.",
    }),
  ),
  overwrite: Type.Optional(Type.Boolean({ description: 'Replace an existing regular file at the target (by rename once the copy is complete); links, devices and folders are refused. Defaults to false.' })),
  verify: Type.Optional(Type.Enum(['none', 'quick', 'full'], { description: "Check the copy before it is moved into place: PRAGMA quick_check or integrity_check. Defaults to 'none'." })),
});
/** Options of `backup()`. */
export type SQLiteBackupOptions = Static<typeof SQLiteBackupOptionsSchema> & RuntimeOptions & { onProgress?: (event: ProgressEvent) => void };

/**
 * Schema of `restore()` options.
 *
 * ### Examples
 * ```ts
 * await db.restore('/backups/app.db', { replace: true, check: 'quick' });
 * ```
 */
export const SQLiteRestoreOptionsSchema = extendOptions(RestoreOptionsSchema, {
  check: Type.Optional(Type.Enum(['quick', 'full'], { description: "How the source is checked first: PRAGMA quick_check or integrity_check. Defaults to 'full'." })),
  journalMode: Type.Optional(
    Type.Enum(['keep', 'delete', 'wal'], { description: "The restored database's journal mode: 'keep' is the replaced database's (or the backup's for a new name). Defaults to 'keep'." }),
  ),
  pagesPerStep,
});
/** Options of `restore()`. */
export type SQLiteRestoreOptions = Static<typeof SQLiteRestoreOptionsSchema> & RuntimeOptions & { onProgress?: (event: ProgressEvent) => void };

const checkFields = {
  quick: Type.Optional(Type.Boolean({ description: 'PRAGMA quick_check (skips index contents and UNIQUE checks; much faster) instead of integrity_check. Defaults to false.' })),
  maxErrors: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000, description: 'Stop after this many problems. Defaults to 100.' })),
};

/**
 * Schema of `verifyBackupWith()` options.
 *
 * ### Examples
 * ```ts
 * await db.verifyBackupWith('/backups/app.db', { quick: true });
 * ```
 */
export const SQLiteVerifyOptionsSchema = extendOptions(ReadOptionsSchema, checkFields);
/** Options of `verifyBackupWith()`. */
export type SQLiteVerifyOptions = Static<typeof SQLiteVerifyOptionsSchema> & RuntimeOptions;

/**
 * Schema of `checkIntegrity()` options.
 *
 * ### Examples
 * ```ts
 * const r = await db.checkIntegrity({ quick: true });
 * ```
 */
export const CheckIntegrityOptionsSchema = extendOptions(MutationOptionsSchema, checkFields);
/** Options of `checkIntegrity()`. */
export type CheckIntegrityOptions = Static<typeof CheckIntegrityOptionsSchema> & RuntimeOptions;

/**
 * Schema of `vacuum()`, `analyze()` and `optimize()` options.
 *
 * ### Examples
 * ```ts
 * await db.vacuum({ dryRun: true });
 * ```
 */
export const MaintenanceOptionsSchema = MutationOptionsSchema;
/** Options of `vacuum()`, `analyze()` and `optimize()`. */
export type MaintenanceOptions = Static<typeof MaintenanceOptionsSchema> & RuntimeOptions;

/** The WAL checkpoint modes (PRAGMA wal_checkpoint). */
export const CHECKPOINT_MODES = Object.freeze(['passive', 'full', 'restart', 'truncate'] as const);

/**
 * Schema of `checkpoint()` options.
 *
 * ### Examples
 * ```ts
 * await db.checkpoint({ mode: 'truncate' });
 * ```
 */
export const CheckpointOptionsSchema = extendOptions(MutationOptionsSchema, {
  mode: Type.Optional(
    Type.Enum([...CHECKPOINT_MODES], {
      description: "'passive' copies what it can without waiting; 'full' waits for writers and copies everything; 'restart' also waits for readers so the WAL restarts; 'truncate' also truncates the WAL file to zero bytes. Defaults to 'passive'.",
    }),
  ),
});
/** Options of `checkpoint()`. */
export type CheckpointOptions = Static<typeof CheckpointOptionsSchema> & RuntimeOptions;
