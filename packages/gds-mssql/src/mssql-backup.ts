/**
 * BACKUP on SQL Server, and the msdb backup history. Every path is on the SQL Server's own file
 * system (the server reads and writes the files, not the machine gds runs on).
 *
 * - backup: `BACKUP DATABASE|LOG @db TO DISK = @path` with `STATS`; each "n percent processed"
 *   message (3211) becomes an `onProgress` event, the others are kept as messages. An existing
 *   file is refused unless `init` (overwrite its backup sets), `format` or `append` (add a set);
 *   the check is `xp_fileexist` (if the login may not run it, the backup goes on with NOINIT and
 *   says so in a message).
 * - history: msdb's `backupset`/`backupmediafamily`, one entry per backup set.
 *
 * Restore is in `mssql-restore.ts`, verification and HEADERONLY in `mssql-verify.ts`.
 *
 * @module
 */
import { DatabaseNotFoundError, ValidationError, type BackupInfo } from '@gds/database';
import type { OperationContext, OperationOutcome } from '@gds/database/engine';
import { VarChar, type InfoMessage, type MSSQLConnection } from './mssql-connection.js';
import { fromServerTime, msdbOffset, toServerTime } from './mssql-metadata.js';
import type { MSSQLBackupOptions } from './mssql-options.js';
import * as B from './mssql-backup-statements.js';
import * as S from './mssql-statements.js';

/** One backup set of the msdb history. */
export interface BackupHistoryEntry {
  /** backup_set_id. */
  id: number;
  /** full, differential, transaction_log, file... */
  type: string;
  started?: Date;
  finished?: Date;
  /** Size in bytes, and compressed size. */
  sizeBytes?: number;
  compressedSizeBytes?: number;
  /** Whether it was copy-only. */
  isCopyOnly: boolean;
  /** Files (devices) it was written to. */
  devices: string[];
  /** Position in its media (FILE = n). */
  position?: number;
  firstLsn?: string;
  lastLsn?: string;
  name?: string;
  description?: string;
  userName?: string;
  serverName?: string;
  recoveryModel?: string;
  hasChecksums: boolean;
}

const HISTORY_TYPES: Record<string, string> = { D: 'full', I: 'differential', L: 'transaction_log', F: 'file', G: 'differential_file', P: 'partial', Q: 'differential_partial' };
const HISTORY_CODES: Record<string, string> = { full: 'D', differential: 'I', transaction_log: 'L' };

/**
 * Column readers shared by the backup-set mappers (here and `mssql-verify.ts`): a number, a
 * string or a date, `undefined` for NULL (and, for numbers, an empty string).
 *
 * ### Examples
 * ```ts
 * num(null); // undefined
 * str(5); // '5'
 * ```
 */
export const num = (v: unknown): number | undefined => (v === null || v === undefined || v === '' ? undefined : Number(v));
/** See {@link num}. */
export const str = (v: unknown): string | undefined => (v === null || v === undefined ? undefined : String(v));
/** See {@link num}. */
export const date = (v: unknown): Date | undefined => (v instanceof Date ? v : undefined);

/**
 * The msdb history query; `@limit` most recent sets of `@db`, `@type` and `@since` optional.
 * msdb's dates are the server's local time: `@since` is sent as the server's local wall clock,
 * and each row's `time_zone` (15-minute units) turns its dates back into instants.
 */
export const BACKUP_HISTORY_SQL = `SELECT bs.backup_set_id, bs.type, bs.backup_start_date, bs.backup_finish_date, bs.backup_size, bs.compressed_backup_size,
  bs.is_copy_only, bs.position, CAST(bs.first_lsn AS nvarchar(30)) AS first_lsn, CAST(bs.last_lsn AS nvarchar(30)) AS last_lsn, bs.name, bs.description, bs.user_name, bs.server_name, bs.recovery_model,
  bs.has_backup_checksums, bs.time_zone, bmf.physical_device_name
FROM msdb.dbo.backupset bs
LEFT JOIN msdb.dbo.backupmediafamily bmf ON bmf.media_set_id = bs.media_set_id
WHERE bs.backup_set_id IN (
  SELECT TOP (@limit) b.backup_set_id FROM msdb.dbo.backupset b
  WHERE b.database_name = @db AND (@type IS NULL OR b.type = @type) AND (@since IS NULL OR b.backup_finish_date >= CAST(@since AS datetime2))
  ORDER BY b.backup_finish_date DESC, b.backup_set_id DESC)
ORDER BY bs.backup_finish_date DESC, bs.backup_set_id DESC, bmf.family_sequence_number`;

/**
 * The history statement.
 *
 * ### Examples
 * ```ts
 * backupHistoryStatement('app', { limit: 5 }).params; // [['db', 'app'], ['limit', 5], ['type', null], ['since', null]]
 * ```
 */
export function backupHistoryStatement(name: string, o: { limit?: number; type?: string; since?: string } = {}, offsetMinutes = 0): S.MssqlStatement {
  const since = o.since !== undefined ? new VarChar(toServerTime(o.since, offsetMinutes)) : null;
  return S.tsql(BACKUP_HISTORY_SQL, { db: name, limit: o.limit ?? 50, type: o.type ? (HISTORY_CODES[o.type] ?? null) : null, since });
}

/**
 * Maps history rows (one per device) to one entry per backup set, devices gathered.
 *
 * ### Examples
 * ```ts
 * rowsToHistory(rows)[0].devices; // ['/b/app_1.bak', '/b/app_2.bak']
 * ```
 */
export function rowsToHistory(rows: ReadonlyArray<Record<string, unknown>>, offsetMinutes = 0): BackupHistoryEntry[] {
  const byId = new Map<number, BackupHistoryEntry>();
  for (const r of rows) {
    const id = Number(r.backup_set_id);
    let entry = byId.get(id);
    if (!entry) {
      const zone = msdbOffset(typeof r.time_zone === 'number' ? r.time_zone : null, offsetMinutes);
      entry = {
        id,
        type: HISTORY_TYPES[String(r.type)] ?? String(r.type),
        started: fromServerTime(date(r.backup_start_date), zone),
        finished: fromServerTime(date(r.backup_finish_date), zone),
        sizeBytes: num(r.backup_size),
        compressedSizeBytes: num(r.compressed_backup_size),
        isCopyOnly: r.is_copy_only === true,
        devices: [],
        position: num(r.position),
        firstLsn: str(r.first_lsn),
        lastLsn: str(r.last_lsn),
        name: str(r.name),
        description: str(r.description),
        userName: str(r.user_name),
        serverName: str(r.server_name),
        recoveryModel: str(r.recovery_model),
        hasChecksums: r.has_backup_checksums === true,
      };
      byId.set(id, entry);
    }
    if (typeof r.physical_device_name === 'string') entry.devices.push(r.physical_device_name);
  }
  return [...byId.values()];
}

/**
 * Turns the server's messages into progress events (3211: "n percent processed.") and messages.
 *
 * ### Examples
 * ```ts
 * await conn.query(sql, params, { onInfo: progressListener(ctx) });
 * ```
 */
export function progressListener(ctx: OperationContext, label?: string): (m: InfoMessage) => void {
  return (m) => {
    const match = /^(\d+) percent processed/.exec(m.message);
    if (match) ctx.progress({ percent: Number(match[1]), message: label ? `${label}: ${m.message}` : m.message });
    else ctx.message(m.message);
  };
}

/**
 * Runs `s` as a step of the operation, its progress messages turned into events ({@link progressListener}).
 *
 * ### Examples
 * ```ts
 * await run(ctx, conn, B.verifyOnly('/b/app.bak'), '/b/app.bak');
 * ```
 */
export function run(ctx: OperationContext, conn: MSSQLConnection, s: S.MssqlStatement, label?: string): Promise<unknown> {
  return ctx.step(s, (st) => conn.run(st, { signal: ctx.signal, onInfo: progressListener(ctx, label) }));
}

/**
 * Whether database `name` exists on the connection's server.
 *
 * ### Examples
 * ```ts
 * if (!(await exists(conn, 'app', ctx.signal))) throw new DatabaseNotFoundError('...');
 * ```
 */
export async function exists(conn: MSSQLConnection, name: string, signal: AbortSignal): Promise<boolean> {
  const rows = await conn.run<{ n: number }>(S.databaseExists(name), { signal });
  return Number(rows[0]?.n ?? 0) > 0;
}

async function fileState(ctx: OperationContext, conn: MSSQLConnection, path: string): Promise<{ exists: boolean; folder: boolean } | undefined> {
  try {
    const rows = await conn.run<Record<string, unknown>>(B.fileExists(path), { signal: ctx.signal });
    const r = rows[0] ?? {};
    return { exists: r['File Exists'] === 1 || r['File Exists'] === true, folder: r['Parent Directory Exists'] === 1 || r['Parent Directory Exists'] === true };
  } catch (error) {
    ctx.throwIfAborted();
    ctx.message(`could not check whether ${path} exists (${error instanceof Error ? error.message : String(error)}); backing up with NOINIT, which appends to an existing file`);
    return undefined;
  }
}

/**
 * Backs `name` up to `target` (plus `files` for striping), see the module comment.
 *
 * ### Examples
 * ```ts
 * await backupDatabase(ctx, conn, 'app', '/var/opt/mssql/backup/app.bak', { checksum: true });
 * ```
 */
export async function backupDatabase(ctx: OperationContext, conn: MSSQLConnection, name: string, target: string, o: MSSQLBackupOptions): Promise<OperationOutcome<BackupInfo>> {
  if (o.append && (o.init || o.format)) {
    throw new ValidationError('Invalid options for backup', [{ path: '/append', message: 'append adds a backup set; init and format overwrite: choose one' }], { engine: 'mssql', operation: 'backup' });
  }
  const paths = [target, ...(o.files ?? [])];
  if (new Set(paths).size !== paths.length) throw new ValidationError('Invalid options for backup', [{ path: '/files', message: 'a file appears twice' }], { engine: 'mssql', operation: 'backup' });
  if (!(await exists(conn, name, ctx.signal))) throw new DatabaseNotFoundError(`Database '${name}' does not exist on ${conn.endpoint}`, { engine: 'mssql', operation: 'backup' });
  if (!o.init && !o.format && !o.append) {
    for (const p of paths) {
      const state = await fileState(ctx, conn, p);
      if (state && !state.folder) throw new ValidationError('Invalid backup target', [{ path: '/target', message: `the folder of ${p} does not exist on the server` }], { engine: 'mssql', operation: 'backup' });
      if (state?.exists) {
        throw new ValidationError('Invalid backup target', [{ path: '/target', message: `${p} exists on the server; pass init: true to overwrite it, or append: true to add a backup set` }], {
          engine: 'mssql',
          operation: 'backup',
          hint: 'choose a new file name, or pass init or append',
        });
      }
    }
  }
  const type = o.type ?? 'full';
  const data: BackupInfo = { target, type, format: 'bak', details: { files: paths } };
  await run(ctx, conn, B.backupDatabase(name, paths, o));
  if (ctx.dryRun) return { message: `would back up ${name} to ${paths.join(', ')} (${type})`, data };
  const last = await conn.query<Record<string, unknown>>(
    'SELECT TOP (1) backup_size, compressed_backup_size, CAST(first_lsn AS nvarchar(30)) AS first_lsn, CAST(last_lsn AS nvarchar(30)) AS last_lsn, backup_finish_date, time_zone, DATEPART(TZOFFSET, SYSDATETIMEOFFSET()) AS utc_offset FROM msdb.dbo.backupset WHERE database_name = @db ORDER BY backup_set_id DESC',
    { db: name },
    { signal: ctx.signal },
  );
  const r = last[0];
  const sizeBytes = num(r?.compressed_backup_size) ?? num(r?.backup_size);
  ctx.progress({ percent: 100, bytes: sizeBytes });
  return {
    message: `backed up ${name} to ${paths.join(', ')} (${type}${sizeBytes !== undefined ? `, ${sizeBytes} bytes` : ''})`,
    data: { ...data, sizeBytes, details: { files: paths, backupSizeBytes: num(r?.backup_size), firstLsn: str(r?.first_lsn), lastLsn: str(r?.last_lsn), finished: fromServerTime(date(r?.backup_finish_date), msdbOffset(typeof r?.time_zone === 'number' ? r.time_zone : null, Number(r?.utc_offset ?? 0))) } },
  };
}
