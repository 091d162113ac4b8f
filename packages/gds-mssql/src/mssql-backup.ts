/**
 * BACKUP and RESTORE on SQL Server. Every path is on the SQL Server's own file system (the
 * server reads and writes the files, not the machine gds runs on).
 *
 * - backup: `BACKUP DATABASE|LOG @db TO DISK = @path` with `STATS`; each "n percent processed"
 *   message (3211) becomes an `onProgress` event, the others are kept as messages. An existing
 *   file is refused unless `init` (overwrite its backup sets), `format` or `append` (add a set);
 *   the check is `xp_fileexist` (if the login may not run it, the backup goes on with NOINIT and
 *   says so in a message).
 * - restore: refuses an existing database unless `replace`, and one with other sessions unless
 *   `force`. Restoring under another name than the backup's moves every file (from
 *   `FILELISTONLY`) to the server's default folders, or to `relocate`'s. `logs` are applied in
 *   order with NORECOVERY until the last; `stopAt` (STOPAT) stops them at a point in time.
 * - verify: `RESTORE VERIFYONLY` (rejects when the backup is unreadable); header: `HEADERONLY`.
 *
 * @module
 */
import { DatabaseInUseError, DatabaseNotFoundError, ValidationError, type BackupInfo, type BackupVerification } from '@gds/database';
import { createError, type OperationContext, type OperationOutcome } from '@gds/database/engine';
import { VarChar, type InfoMessage, type MSSQLConnection } from './mssql-connection.js';
import { fromServerTime, msdbOffset, toServerTime } from './mssql-metadata.js';
import type { MSSQLBackupOptions, MSSQLRestoreOptions } from './mssql-options.js';
import { quoteIdentifier } from './mssql-quote.js';
import * as S from './mssql-statements.js';

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

const HEADER_TYPES: Record<number, string> = { 1: 'full', 2: 'transaction_log', 4: 'file', 5: 'differential', 6: 'differential_file', 7: 'partial', 8: 'differential_partial' };
const HISTORY_TYPES: Record<string, string> = { D: 'full', I: 'differential', L: 'transaction_log', F: 'file', G: 'differential_file', P: 'partial', Q: 'differential_partial' };
const HISTORY_CODES: Record<string, string> = { full: 'D', differential: 'I', transaction_log: 'L' };

const num = (v: unknown): number | undefined => (v === null || v === undefined || v === '' ? undefined : Number(v));
const str = (v: unknown): string | undefined => (v === null || v === undefined ? undefined : String(v));
const date = (v: unknown): Date | undefined => (v instanceof Date ? v : undefined);

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

function run(ctx: OperationContext, conn: MSSQLConnection, s: S.MssqlStatement, label?: string): Promise<unknown> {
  return ctx.step(s, (st) => conn.run(st, { signal: ctx.signal, onInfo: progressListener(ctx, label) }));
}

async function exists(conn: MSSQLConnection, name: string, signal: AbortSignal): Promise<boolean> {
  const rows = await conn.run<{ n: number }>(S.databaseExists(name), { signal });
  return Number(rows[0]?.n ?? 0) > 0;
}

async function fileState(ctx: OperationContext, conn: MSSQLConnection, path: string): Promise<{ exists: boolean; folder: boolean } | undefined> {
  try {
    const rows = await conn.run<Record<string, unknown>>(S.fileExists(path), { signal: ctx.signal });
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
  await run(ctx, conn, S.backupDatabase(name, paths, o));
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

// characters Windows refuses in file names, and control characters
// eslint-disable-next-line no-control-regex
const UNSAFE_FILE_CHARS = /[\\/:*?"<>|\u0000-\u001f]/g;

/**
 * Where a relocated file goes: `<folder>/<database>_<logical><ext>`, the extension kept from
 * the original file, characters a file name cannot hold replaced by `_`.
 *
 * ### Examples
 * ```ts
 * relocatedPath('/var/opt/mssql/data/', 'copy', 'app_log', '/old/app_log.ldf'); // '/var/opt/mssql/data/copy_app_log.ldf'
 * ```
 */
export function relocatedPath(folder: string, database: string, logical: string, original: string): string {
  const sep = folder.includes('\\') || /^[A-Za-z]:/.test(folder) ? '\\' : '/';
  const base = folder.replace(/[\\/]+$/, '');
  const file = original.split(/[\\/]/).pop() ?? '';
  const dot = file.lastIndexOf('.');
  const ext = dot > 0 ? file.slice(dot) : '';
  return `${base}${sep}${database.replace(UNSAFE_FILE_CHARS, '_')}_${logical.replace(UNSAFE_FILE_CHARS, '_')}${ext}`;
}

async function moves(ctx: OperationContext, conn: MSSQLConnection, name: string, source: string, o: MSSQLRestoreOptions): Promise<Array<{ logical: string; physical: string }>> {
  let dataFolder = o.relocate?.dataFolder;
  let logFolder = o.relocate?.logFolder ?? dataFolder;
  if (!dataFolder) {
    const rows = await conn.query<{ data_path: string | null; log_path: string | null }>(
      "SELECT CAST(SERVERPROPERTY('InstanceDefaultDataPath') AS nvarchar(4000)) AS data_path, CAST(SERVERPROPERTY('InstanceDefaultLogPath') AS nvarchar(4000)) AS log_path",
      {},
      { signal: ctx.signal },
    );
    dataFolder = rows[0]?.data_path ?? undefined;
    logFolder = rows[0]?.log_path ?? dataFolder;
    if (!dataFolder) throw new ValidationError('Invalid options for restore', [{ path: '/relocate', message: 'the server reports no default data folder: pass relocate.dataFolder' }], { engine: 'mssql', operation: 'restore' });
  }
  const files = await conn.run<{ LogicalName: string; PhysicalName: string; Type: string }>(S.fileListOnly(source, o.fileNumber ?? 1), { signal: ctx.signal });
  return files.map((f) => ({ logical: f.LogicalName, physical: relocatedPath(f.Type === 'L' ? (logFolder ?? dataFolder) : dataFolder, name, f.LogicalName, f.PhysicalName) }));
}

async function headersOf(conn: MSSQLConnection, path: string, offsetMinutes: number, signal: AbortSignal): Promise<BackupHeader[]> {
  return (await conn.run<Record<string, unknown>>(S.headerOnly(path), { signal })).map((r) => rowToHeader(r, offsetMinutes));
}

async function stateOf(conn: MSSQLConnection, name: string, signal: AbortSignal): Promise<string | undefined> {
  return (await fullStateOf(conn, name, signal))?.state;
}

async function fullStateOf(conn: MSSQLConnection, name: string, signal: AbortSignal): Promise<{ state: string; inAg: boolean } | undefined> {
  const r = (await conn.run<{ state_desc: string; in_ag: number | null }>(S.databaseState(name), { signal }))[0];
  return r ? { state: r.state_desc, inAg: Number(r.in_ag) === 1 } : undefined;
}

function invalid(path: string, message: string, title = 'Invalid options for restore'): ValidationError {
  return new ValidationError(title, [{ path, message }], { engine: 'mssql', operation: 'restore' });
}

/**
 * Restores `name` from `source` (and `logs`), see the module comment.
 *
 * ### Examples
 * ```ts
 * await restoreDatabase(ctx, conn, 'app_copy', '/b/app.bak', {});
 * ```
 */
export async function restoreDatabase(ctx: OperationContext, conn: MSSQLConnection, name: string, source: string, o: MSSQLRestoreOptions): Promise<OperationOutcome> {
  if (o.force && !o.replace) throw invalid('/force', 'force ends the sessions of a database being replaced: it needs replace: true');
  const offset = await conn.utcOffsetMinutes(ctx.signal);
  const file = o.fileNumber ?? 1;
  const headers = await headersOf(conn, source, offset, ctx.signal);
  const header = headers.find((x) => x.position === file);
  if (!header) throw invalid('/fileNumber', `${source} has no backup set ${file} (it has ${headers.length})`, 'Invalid backup source');
  // RESTORE DATABASE takes full and differential sets; a log set needs RESTORE LOG (else 3135)
  const kind = header.backupType === 'transaction_log' ? 'LOG' : header.backupType === 'full' || header.backupType === 'differential' ? 'DATABASE' : undefined;
  if (!kind) throw invalid('/source', `backup set ${file} of ${source} is a ${header.backupType} backup: gds restores full, differential and log backups`, 'Invalid backup source');
  const logs = o.logs ?? [];
  if (o.stopAt !== undefined && kind === 'DATABASE' && logs.length === 0) {
    throw invalid('/stopAt', "stopAt needs the log backups that reach it (logs): STOPAT on a full or differential restore does not stop at that time, it only checks that the backup is not newer");
  }
  for (const log of logs) {
    const set = (await headersOf(conn, log, offset, ctx.signal))[0];
    if (set?.backupType !== 'transaction_log') throw invalid('/logs', `${log} holds a ${set?.backupType ?? 'no'} backup, not a transaction log backup`, 'Invalid backup source');
  }
  const present = await exists(conn, name, ctx.signal);
  const current = present ? await fullStateOf(conn, name, ctx.signal) : undefined;
  const before = current?.state;
  if (current?.inAg) {
    // RESTORE refuses a database joined to an availability group (1468)
    throw invalid('/replace', `${name} is joined to an availability group: remove it from the group first (ALTER AVAILABILITY GROUP ... REMOVE DATABASE)`, `Refusing to restore over '${name}'`);
  }
  if (kind === 'LOG' && before !== 'RESTORING') {
    throw invalid('/source', `${source} is a log backup: it applies only to a database left RESTORING (restore its full backup with norecovery first)${present ? `; ${name} is ${before ?? 'in an unknown state'}` : `; ${name} does not exist`}`, 'Invalid backup source');
  }
  if (present && kind === 'DATABASE' && !o.replace) {
    throw new ValidationError(`Refusing to restore over the existing database '${name}'`, [{ path: '/replace', message: 'pass replace: true to overwrite it (WITH REPLACE)' }], { engine: 'mssql', operation: 'restore' });
  }
  let sessions: number | undefined = 0;
  if (present && before === 'ONLINE') {
    const r = (await conn.run<{ n: number; sees: number | null }>(S.countSessions(name), { signal: ctx.signal }))[0];
    sessions = r?.sees === 0 ? undefined : Number(r?.n ?? 0);
    if (sessions !== undefined && sessions > 0 && !o.force) {
      throw new DatabaseInUseError(`${sessions} other session(s) use '${name}'`, { engine: 'mssql', operation: 'restore', sessions, hint: 'close them, or pass force: true to end them' });
    }
  }
  if (conn.currentDatabase?.toLowerCase() === name.toLowerCase()) await run(ctx, conn, S.useMaster());
  const replacing = present && kind === 'DATABASE';
  // SQL Server cannot restore aside and swap names: RESTORE ... WITH REPLACE overwrites in place.
  // So every backup set is read in full first (VERIFYONLY, and FILELISTONLY below), and nothing
  // of the existing database is touched until they all pass.
  if (replacing) {
    await run(ctx, conn, S.verifyOnly(source, file, o.checksum === true));
    for (const log of logs) await run(ctx, conn, S.verifyOnly(log, 1, o.checksum === true));
  }
  const relocate = kind === 'DATABASE' && (o.relocate !== undefined || header.databaseName !== name);
  const moved = relocate ? await moves(ctx, conn, name, source, o) : [];
  if (replacing && !relocate) {
    await conn.run(S.fileListOnly(source, file), { signal: ctx.signal });
  }
  // force: OFFLINE WITH ROLLBACK IMMEDIATE ends the sessions and lets no one in before the
  // RESTORE (a SINGLE_USER slot could be taken by another client in between)
  const takenOffline = replacing && o.force === true && before === 'ONLINE' && sessions !== 0;
  if (takenOffline) await run(ctx, conn, S.alterSet(name, 'OFFLINE', 'ROLLBACK IMMEDIATE'));
  const stopAt = o.stopAt !== undefined ? new VarChar(toServerTime(o.stopAt, offset)) : undefined;
  const steps: Array<[string, S.MssqlStatement]> = [
    [
      source,
      S.restoreDatabase(name, source, {
        kind,
        file,
        moves: moved,
        replace: replacing,
        norecovery: logs.length > 0 || o.norecovery === true,
        // on RESTORE DATABASE, STOPAT only makes the server refuse a data backup newer than the
        // target (the whole backup is restored either way); the logs stop at it, each with the same STOPAT
        stopAt,
        checksum: o.checksum,
        stats: o.stats,
      }),
    ],
    ...logs.map((log, i): [string, S.MssqlStatement] => [log, S.restoreDatabase(name, log, { kind: 'LOG', norecovery: i < logs.length - 1 || o.norecovery === true, stopAt, checksum: o.checksum, stats: o.stats })]),
  ];
  try {
    for (const [label, statement] of steps) await run(ctx, conn, statement, label);
  } catch (error) {
    // also after a cancel (the ATTENTION ended the RESTORE; the connection still works): the
    // clean-up runs without the operation's signal, recorded, within the cancel grace
    if (!ctx.dryRun) {
      // recorded and run from the same object (not a step: the operation may be aborted already)
      const undo = async (s: S.MssqlStatement) => {
        ctx.record(S.describeMssqlStatement(s));
        await conn.run(s);
      };
      const after = await stateOf(conn, name, new AbortController().signal).catch(() => undefined);
      if (!present && after !== undefined) {
        // it did not exist before: a half-restored database is removed, or the error names it
        const dropped = await undo(S.dropDatabase(name)).then(() => true, () => false);
        if (!dropped && !ctx.signal.aborted) throw createError('QUERY', `restore: failed, and the half-restored database '${name}' (${after}) could not be dropped: drop it yourself`, { engine: 'mssql', operation: 'restore', cause: error });
      } else if (takenOffline && after === 'OFFLINE') {
        // the RESTORE failed before touching it: bring it back as it was
        await undo(S.alterSet(name, 'ONLINE')).catch(() => undefined);
      }
    }
    throw error;
  }
  const expected = o.norecovery === true ? 'RESTORING' : 'ONLINE';
  if (!ctx.dryRun) {
    const after = await stateOf(conn, name, ctx.signal);
    if (after !== expected) {
      throw createError('QUERY', `restore: ${name} is ${after ?? 'missing'} after the restore, not ${expected}${o.stopAt ? `: stopAt (${o.stopAt}) may lie after the last log backup` : ''}`, {
        engine: 'mssql',
        operation: 'restore',
        hint: after === 'RESTORING' ? `apply the next log backup (restore(log) without replace), or recover it as it is: RESTORE DATABASE ${quoteIdentifier(name)} WITH RECOVERY` : undefined,
      });
    }
    ctx.progress({ percent: 100 });
  }
  const where = moved.length ? `, files moved to ${[...new Set(moved.map((m) => m.physical.replace(/[\\/][^\\/]*$/, '')))].join(' and ')}` : '';
  const verified = replacing ? `; every backup set was verified (RESTORE VERIFYONLY) before ${name} was overwritten in place (SQL Server restores WITH REPLACE, it cannot restore aside and swap)` : '';
  return {
    message: `${ctx.dryRun ? 'would restore' : 'restored'} ${name} from ${source} (${header.backupType} backup of ${header.databaseName}${logs.length ? ` + ${logs.length} log backup(s)` : ''}${o.stopAt ? ` stopped at ${o.stopAt}` : ''}${where})${o.norecovery ? '; left RESTORING (norecovery)' : ''}${verified}`,
  };
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
  await run(ctx, conn, S.verifyOnly(source, file, o.checksum === true));
  const data: BackupVerification = { source, valid: !ctx.dryRun, entries: 1, details: { fileNumber: file, checksum: o.checksum === true } };
  return { message: ctx.dryRun ? `would verify backup set ${file} of ${source}` : `backup set ${file} of ${source} is valid`, data };
}
