/**
 * Reading SQL Server backup files without restoring them. Every path is on the SQL Server's own
 * file system.
 *
 * - verify: `RESTORE VERIFYONLY` (rejects when the backup is unreadable).
 * - header: `RESTORE HEADERONLY`, one {@link BackupHeader} per backup set in the file.
 *
 * @module
 */
import type { BackupVerification } from '@gds/database';
import type { OperationContext, OperationOutcome } from '@gds/database/engine';
import type { MSSQLConnection } from './mssql-connection.js';
import { date, num, run, str } from './mssql-backup.js';
import { fromServerTime } from './mssql-metadata.js';
import * as B from './mssql-backup-statements.js';

/** What HEADERONLY says about one backup set. */
export interface BackupHeader {
  /** Position of the set in the file (FILE = n). */
  position: number;
  /** The database it holds. */
  databaseName: string;
  /** full, differential, transaction_log, file, differential_file, partial or differential_partial. */
  backupType: string;
  /** Server it was taken on. */
  serverName?: string;
  /** Backup set name and description. */
  name?: string;
  description?: string;
  /** When it started and finished. */
  started?: Date;
  finished?: Date;
  /** Sizes in bytes. */
  sizeBytes?: number;
  compressedSizeBytes?: number;
  /** LSNs. tedious reads HEADERONLY's numeric(25,0) LSNs as JavaScript numbers, so past 2^53 their last digits are not exact; msdb history (`backupHistory`) has them exactly. */
  firstLsn?: string;
  lastLsn?: string;
  checkpointLsn?: string;
  databaseBackupLsn?: string;
  /** Recovery model of the database when backed up. */
  recoveryModel?: string;
  /** Flags. */
  isCopyOnly: boolean;
  hasChecksums: boolean;
  isDamaged: boolean;
  compressed: boolean;
  /** Compatibility level and collation of the database. */
  compatibilityLevel?: number;
  collation?: string;
}

const HEADER_TYPES: Record<number, string> = { 1: 'full', 2: 'transaction_log', 4: 'file', 5: 'differential', 6: 'differential_file', 7: 'partial', 8: 'differential_partial' };

/**
 * Maps a HEADERONLY row (SQL Server's documented columns).
 *
 * ### Examples
 * ```ts
 * rowToHeader({ Position: 1, DatabaseName: 'app', BackupType: 1 }).backupType; // 'full'
 * ```
 */
export function rowToHeader(r: Record<string, unknown>, offsetMinutes = 0): BackupHeader {
  return {
    position: Number(r.Position ?? 1),
    databaseName: String(r.DatabaseName ?? ''),
    backupType: HEADER_TYPES[Number(r.BackupType)] ?? `type ${String(r.BackupType)}`,
    serverName: str(r.ServerName),
    name: str(r.BackupName),
    description: str(r.BackupDescription),
    // local time of the server that took it; HEADERONLY carries no zone: the reading server's offset is assumed
    started: fromServerTime(date(r.BackupStartDate), offsetMinutes),
    finished: fromServerTime(date(r.BackupFinishDate), offsetMinutes),
    sizeBytes: num(r.BackupSize),
    compressedSizeBytes: num(r.CompressedBackupSize),
    firstLsn: str(r.FirstLSN),
    lastLsn: str(r.LastLSN),
    checkpointLsn: str(r.CheckpointLSN),
    databaseBackupLsn: str(r.DatabaseBackupLSN),
    recoveryModel: str(r.RecoveryModel),
    isCopyOnly: r.IsCopyOnly === true || r.IsCopyOnly === 1,
    hasChecksums: r.HasBackupChecksums === true || r.HasBackupChecksums === 1,
    isDamaged: r.IsDamaged === true || r.IsDamaged === 1,
    compressed: r.Compressed === true || r.Compressed === 1,
    compatibilityLevel: num(r.CompatibilityLevel),
    collation: str(r.Collation),
  };
}

/**
 * The backup sets of the file `path` (HEADERONLY), dates read with the server's UTC offset.
 *
 * ### Examples
 * ```ts
 * const [first] = await headersOf(conn, '/b/app.bak', await conn.utcOffsetMinutes(), ctx.signal);
 * ```
 */
export async function headersOf(conn: MSSQLConnection, path: string, offsetMinutes: number, signal: AbortSignal): Promise<BackupHeader[]> {
  return (await conn.run<Record<string, unknown>>(B.headerOnly(path), { signal })).map((r) => rowToHeader(r, offsetMinutes));
}

/**
 * `RESTORE VERIFYONLY`: resolves when the backup set is readable, rejects otherwise.
 *
 * ### Examples
 * ```ts
 * const { data } = await verifyBackup(ctx, conn, '/b/app.bak', {});
 * ```
 */
export async function verifyBackup(ctx: OperationContext, conn: MSSQLConnection, source: string, o: { fileNumber?: number; checksum?: boolean }): Promise<OperationOutcome<BackupVerification>> {
  const file = o.fileNumber ?? 1;
  await run(ctx, conn, B.verifyOnly(source, file, o.checksum === true));
  const data: BackupVerification = { source, valid: !ctx.dryRun, entries: 1, details: { fileNumber: file, checksum: o.checksum === true } };
  return { message: ctx.dryRun ? `would verify backup set ${file} of ${source}` : `backup set ${file} of ${source} is valid`, data };
}
