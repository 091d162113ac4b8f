/**
 * SQL Server database metadata: the type, the three catalog queries (databases with their
 * availability group and user sessions; files from sys.master_files; the last backups from
 * msdb), used unchanged for one database and for all of them (so `listDatabases({ withMetadata:
 * true })` costs three queries whatever the count), and the mapping of their rows.
 *
 * Rules from Microsoft's documentation (test/evidence/docs.json):
 * - `datetime` columns (`create_date`, `backup_finish_date`) hold the server's local time and
 *   tedious (useUTC) reads them as UTC: each row carries the server's offset
 *   (`DATEPART(TZOFFSET, SYSDATETIMEOFFSET())`), and msdb rows their own `time_zone` (15-minute
 *   units, 127 unknown), and the mapping turns them into true instants.
 * - msdb is read by its own query: a login without access to msdb (229) still lists databases,
 *   with the backup times unknown.
 * - sessions count user processes only (`is_user_process = 1`); without VIEW SERVER STATE
 *   sys.dm_exec_sessions shows only the caller's own session, so the count is unknown then.
 * - `lastFullBackup` leaves COPY_ONLY backups out (they do not start a backup chain).
 * - `max_size` 0 means the file may not grow (its size is its maximum), -1 unlimited.
 *
 * Corrections to the original design: the size is summed as bigint (`size` is in 8 KB pages and
 * overflows int on large databases) and reported in bytes; filegroup names live in each
 * database's own catalog, so they are read only for one online database (`fetchFilegroups`).
 *
 * @module
 */
import { AccessMode, DatabaseState, type DatabaseMetadata } from '@gds/database';
import type { MSSQLConnection } from './mssql-connection.js';
import { classifyMssqlError } from './mssql-errors.js';
import { tsql, type MssqlStatement } from './mssql-statements.js';
import { quoteIdentifier } from './mssql-quote.js';

/** A data or log file of a database. */
export interface MSSQLFileInfo {
  /** File id. */
  fileId: number;
  /** Logical name. */
  name: string;
  /** Path on the server. */
  physicalName: string;
  /** `ROWS`, `LOG`, `FILESTREAM`... */
  type: string;
  /** Size in bytes. */
  sizeBytes: number;
  /** Maximum size in bytes; `undefined` for unlimited. */
  maxSizeBytes?: number;
  /** Growth: `'64MB'` or `'10%'`; `'none'` when it does not grow. */
  growth: string;
  /** Filegroup (data space) id; 0 for log files. */
  dataSpaceId: number;
  /** ONLINE, OFFLINE... */
  state: string;
}

/** A filegroup. */
export interface MSSQLFilegroupInfo {
  /** Data space id. */
  id: number;
  /** Its name (PRIMARY...). */
  name: string;
  /** ROWS_FILEGROUP, FILESTREAM_DATA_FILEGROUP, MEMORY_OPTIMIZED_DATA_FILEGROUP. */
  type: string;
  /** Whether it is the default. */
  isDefault: boolean;
  /** Whether it is read-only. */
  isReadOnly: boolean;
}

/**
 * What gds reports about a SQL Server database.
 *
 * ### Examples
 * ```ts
 * const m = (await db.getMetadata()) as MSSQLDatabaseMetadata;
 * console.log(m.recoveryModel, m.compatibilityLevel, m.lastFullBackup, m.availabilityGroup);
 * ```
 */
export interface MSSQLDatabaseMetadata extends DatabaseMetadata {
  type: 'mssql';
  /** database_id. */
  databaseId: number;
  /** SIMPLE, FULL or BULK_LOGGED. */
  recoveryModel: string;
  /** Compatibility level (160 for 2022). */
  compatibilityLevel: number;
  /** CHECKSUM, TORN_PAGE_DETECTION or NONE. */
  pageVerify: string;
  /** AUTO_CLOSE. */
  isAutoCloseOn: boolean;
  /** AUTO_SHRINK. */
  isAutoShrinkOn: boolean;
  /** READ_ONLY. */
  isReadOnly: boolean;
  /** NONE or PARTIAL. */
  containment?: string;
  /** state_desc as SQL Server reports it (ONLINE, RECOVERY_PENDING...). */
  stateDescription: string;
  /** Data files (ROWS, FILESTREAM...). */
  dataFiles: MSSQLFileInfo[];
  /** Log files. */
  logFiles: MSSQLFileInfo[];
  /** Filegroups (read for one online database; empty in listings). */
  filegroups: MSSQLFilegroupInfo[];
  /** When the last full backup finished (msdb history of this server). */
  lastFullBackup?: Date;
  /** When the last differential backup finished. */
  lastDifferentialBackup?: Date;
  /** When the last log backup finished. */
  lastLogBackup?: Date;
  /** The availability group it belongs to. */
  availabilityGroup?: string;
  /** Other user sessions in it when the metadata was read; `undefined` when the login may not see them (no VIEW SERVER STATE). */
  sessions: number | undefined;
}

/**
 * The databases query: `@name` one database or NULL for all; `@all` = 1 includes master, model,
 * msdb and tempdb.
 */
export const DATABASES_SQL = `SELECT d.name, d.database_id, SUSER_SNAME(d.owner_sid) AS owner, d.create_date, d.collation_name,
  d.state_desc, d.user_access_desc, d.is_read_only, d.recovery_model_desc, d.compatibility_level, d.page_verify_option_desc,
  d.is_auto_close_on, d.is_auto_shrink_on, d.containment_desc,
  (SELECT SUM(CAST(mf.size AS bigint)) * 8192 FROM sys.master_files mf WHERE mf.database_id = d.database_id) AS size_bytes,
  ag.name AS availability_group,
  (SELECT COUNT(*) FROM sys.dm_exec_sessions s WHERE s.database_id = d.database_id AND s.is_user_process = 1 AND s.session_id <> @@SPID) AS sessions,
  HAS_PERMS_BY_NAME(NULL, NULL, 'VIEW SERVER STATE') AS sees_sessions,
  DATEPART(TZOFFSET, SYSDATETIMEOFFSET()) AS utc_offset
FROM sys.databases d
LEFT JOIN sys.availability_databases_cluster adc ON adc.group_database_id = d.group_database_id
LEFT JOIN sys.availability_groups ag ON ag.group_id = adc.group_id
WHERE (@name IS NULL OR d.name = @name) AND (@all = 1 OR d.database_id > 4)
ORDER BY d.name`;

/** The files query: `@name` one database or NULL for all. */
export const FILES_SQL = `SELECT mf.database_id, mf.file_id, mf.name, mf.physical_name, mf.type_desc, CAST(mf.size AS bigint) * 8192 AS size_bytes,
  mf.max_size, mf.growth, mf.is_percent_growth, mf.data_space_id, mf.state_desc
FROM sys.master_files mf
WHERE @name IS NULL OR mf.database_id = DB_ID(@name)
ORDER BY mf.database_id, mf.file_id`;

/**
 * The last backup of each kind per database from msdb (`@name` one database or NULL for all):
 * the newest non-COPY_ONLY set of each type, with its `time_zone`.
 */
export const LAST_BACKUPS_SQL = `SELECT x.database_name, x.type, x.backup_finish_date, x.time_zone
FROM (SELECT b.database_name, b.type, b.backup_finish_date, b.time_zone,
    ROW_NUMBER() OVER (PARTITION BY b.database_name, b.type ORDER BY b.backup_finish_date DESC, b.backup_set_id DESC) AS rn
  FROM msdb.dbo.backupset b
  WHERE (@name IS NULL OR b.database_name = @name) AND b.is_copy_only = 0 AND b.type IN ('D', 'I', 'L')) x
WHERE x.rn = 1`;

/**
 * The statements that read metadata: for `name`, or every database when undefined.
 *
 * ### Examples
 * ```ts
 * const [dbs, files, backups] = metadataStatements('app', false);
 * ```
 */
export function metadataStatements(name: string | undefined, includeSystem: boolean): [MssqlStatement, MssqlStatement, MssqlStatement] {
  return [
    tsql(DATABASES_SQL, { name: name ?? null, all: includeSystem }),
    tsql(FILES_SQL, { name: name ?? null }),
    tsql(LAST_BACKUPS_SQL, { name: name ?? null }),
  ];
}

/** A row of {@link LAST_BACKUPS_SQL}. */
export interface LastBackupRow {
  database_name: string;
  type: string;
  backup_finish_date: Date | null;
  time_zone: number | null;
}

/**
 * The true instant of a `datetime` value the server wrote in its local time, which tedious
 * (useUTC) read as if it were UTC. `offsetMinutes` is the server's offset from UTC.
 *
 * ### Examples
 * ```ts
 * fromServerTime(new Date('2024-01-01T13:00:00Z'), 60); // 2024-01-01T12:00:00Z
 * ```
 */
export function fromServerTime(value: Date | null | undefined, offsetMinutes: number): Date | undefined {
  return value instanceof Date ? new Date(value.getTime() - offsetMinutes * 60_000) : undefined;
}

/**
 * An instant as the server's local wall clock (`YYYY-MM-DDTHH:mm:ss.SSS`, no zone), for
 * statements that take a local `datetime` (STOPAT, msdb comparisons).
 *
 * ### Examples
 * ```ts
 * toServerTime('2024-07-01T12:00:00Z', 120); // '2024-07-01T14:00:00.000'
 * ```
 */
export function toServerTime(instant: string | Date, offsetMinutes: number): string {
  const t = (instant instanceof Date ? instant : new Date(instant)).getTime() + offsetMinutes * 60_000;
  return new Date(t).toISOString().replace(/Z$/, '');
}

/**
 * The offset of an msdb `time_zone` (15-minute intervals from UTC; 127 unknown), or `fallback`.
 *
 * ### Examples
 * ```ts
 * msdbOffset(4, 0); // 60
 * ```
 */
export function msdbOffset(timeZone: number | null | undefined, fallback: number): number {
  return typeof timeZone === 'number' && timeZone >= -48 && timeZone <= 48 ? timeZone * 15 : fallback;
}

/** The last backups of each database: name to { full, differential, log }. */
export type LastBackups = Map<string, { D?: Date; I?: Date; L?: Date }>;

/**
 * Groups {@link LAST_BACKUPS_SQL} rows by database, as instants.
 *
 * ### Examples
 * ```ts
 * lastBackups(rows, 0).get('app')?.D;
 * ```
 */
export function lastBackups(rows: readonly LastBackupRow[], fallbackOffset: number): LastBackups {
  const out: LastBackups = new Map();
  for (const r of rows) {
    const entry = out.get(r.database_name) ?? {};
    const when = fromServerTime(r.backup_finish_date, msdbOffset(r.time_zone, fallbackOffset));
    if (when && (r.type === 'D' || r.type === 'I' || r.type === 'L')) entry[r.type] = when;
    out.set(r.database_name, entry);
  }
  return out;
}

/**
 * The filegroups query of one database (run only when it is online).
 *
 * ### Examples
 * ```ts
 * filegroupsStatement('app').text;
 * ```
 */
export function filegroupsStatement(name: string): MssqlStatement {
  return tsql(`SELECT data_space_id, name, type_desc, is_default, is_read_only FROM ${quoteIdentifier(name)}.sys.filegroups ORDER BY data_space_id`);
}

/** A row of {@link DATABASES_SQL}. */
export interface DatabaseRow {
  name: string;
  database_id: number;
  owner: string | null;
  create_date: Date | null;
  collation_name: string | null;
  state_desc: string | null;
  user_access_desc: string | null;
  is_read_only: boolean | null;
  recovery_model_desc: string | null;
  compatibility_level: number | null;
  page_verify_option_desc: string | null;
  is_auto_close_on: boolean | null;
  is_auto_shrink_on: boolean | null;
  containment_desc: string | null;
  size_bytes: string | number | null;
  availability_group: string | null;
  sessions: number | null;
  sees_sessions: number | null;
  utc_offset: number | null;
}

/** A row of {@link FILES_SQL}. */
export interface FileRow {
  database_id: number;
  file_id: number;
  name: string;
  physical_name: string;
  type_desc: string;
  size_bytes: string | number;
  max_size: number;
  growth: number;
  is_percent_growth: boolean;
  data_space_id: number;
  state_desc: string;
}

/** A row of {@link filegroupsStatement}. */
export interface FilegroupRow {
  data_space_id: number;
  name: string;
  type_desc: string;
  is_default: boolean;
  is_read_only: boolean;
}

const STATES: Record<string, DatabaseState> = {
  ONLINE: DatabaseState.ONLINE,
  OFFLINE: DatabaseState.OFFLINE,
  OFFLINE_SECONDARY: DatabaseState.OFFLINE,
  RESTORING: DatabaseState.RESTORING,
  COPYING: DatabaseState.RESTORING,
  RECOVERING: DatabaseState.RECOVERING,
  RECOVERY_PENDING: DatabaseState.RECOVERING,
  SUSPECT: DatabaseState.SUSPECT,
  EMERGENCY: DatabaseState.EMERGENCY,
};

const ACCESS: Record<string, AccessMode> = {
  MULTI_USER: AccessMode.MULTI_USER,
  SINGLE_USER: AccessMode.SINGLE_USER,
  RESTRICTED_USER: AccessMode.RESTRICTED_USER,
};

/**
 * Maps a files row: sizes from 8 KB pages to bytes; `max_size` -1 is unlimited and 0 means no
 * growth (the maximum is the current size); growth in pages or percent.
 *
 * ### Examples
 * ```ts
 * rowToFile(row).growth; // '64MB'
 * ```
 */
export function rowToFile(r: FileRow): MSSQLFileInfo {
  const growth = r.growth === 0 ? 'none' : r.is_percent_growth ? `${r.growth}%` : `${(r.growth * 8) / 1024}MB`;
  return {
    fileId: r.file_id,
    name: r.name,
    physicalName: r.physical_name,
    type: r.type_desc,
    sizeBytes: Number(r.size_bytes),
    // -1: grows until the disk is full; 0: may not grow at all (its size is its maximum)
    maxSizeBytes: r.max_size === -1 ? undefined : r.max_size === 0 ? Number(r.size_bytes) : r.max_size * 8192,
    growth,
    dataSpaceId: r.data_space_id,
    state: r.state_desc,
  };
}

/**
 * Maps a databases row and its files, last backups (`undefined` when msdb could not be read)
 * and filegroups (when read) to metadata.
 *
 * ### Examples
 * ```ts
 * const meta = rowToMetadata(rows[0], files, lastBackups(backupRows, 0));
 * ```
 */
export function rowToMetadata(r: DatabaseRow, files: readonly FileRow[] = [], backups?: LastBackups, filegroups: readonly FilegroupRow[] = []): MSSQLDatabaseMetadata {
  const mine = files.filter((f) => f.database_id === r.database_id).map(rowToFile);
  const offset = Number(r.utc_offset ?? 0);
  const last = backups?.get(r.name) ?? {};
  const stateDescription = r.state_desc ?? 'UNKNOWN';
  return {
    name: r.name,
    type: 'mssql',
    databaseId: r.database_id,
    owner: r.owner ?? undefined,
    created: fromServerTime(r.create_date, offset),
    collation: r.collation_name ?? undefined,
    sizeBytes: r.size_bytes === null ? undefined : Number(r.size_bytes),
    state: STATES[stateDescription] ?? DatabaseState.UNKNOWN,
    stateDescription,
    accessMode: ACCESS[r.user_access_desc ?? ''] ?? AccessMode.MULTI_USER,
    recoveryModel: r.recovery_model_desc ?? 'UNKNOWN',
    compatibilityLevel: Number(r.compatibility_level ?? 0),
    pageVerify: r.page_verify_option_desc ?? 'UNKNOWN',
    isAutoCloseOn: r.is_auto_close_on === true,
    isAutoShrinkOn: r.is_auto_shrink_on === true,
    isReadOnly: r.is_read_only === true,
    containment: r.containment_desc ?? undefined,
    dataFiles: mine.filter((f) => f.type !== 'LOG'),
    logFiles: mine.filter((f) => f.type === 'LOG'),
    filegroups: filegroups.map((g) => ({ id: g.data_space_id, name: g.name, type: g.type_desc, isDefault: g.is_default, isReadOnly: g.is_read_only })),
    lastFullBackup: last.D,
    lastDifferentialBackup: last.I,
    lastLogBackup: last.L,
    availabilityGroup: r.availability_group ?? undefined,
    sessions: r.sees_sessions === 0 ? undefined : Number(r.sessions ?? 0),
    additionalAttributes: backups ? {} : { backupHistory: 'unknown: the login may not read msdb.dbo.backupset' },
  };
}

/**
 * Reads the metadata rows of one database (`name`) or all: databases, files, and the last
 * backups from msdb (left unknown, not failing, when the login may not read msdb).
 *
 * ### Examples
 * ```ts
 * const { rows, files, backups } = await readMetadataRows(conn, undefined, false, signal);
 * ```
 */
export async function readMetadataRows(
  conn: MSSQLConnection,
  name: string | undefined,
  includeSystem: boolean,
  signal?: AbortSignal,
): Promise<{ rows: DatabaseRow[]; files: FileRow[]; backups: LastBackups | undefined }> {
  const [dbs, fileQuery, backupQuery] = metadataStatements(name, includeSystem);
  const rows = await conn.run<DatabaseRow>(dbs, { signal });
  if (rows.length === 0) return { rows, files: [], backups: new Map() };
  const files = await conn.run<FileRow>(fileQuery, { signal });
  let backups: LastBackups | undefined;
  try {
    backups = lastBackups(await conn.run<LastBackupRow>(backupQuery, { signal }), Number(rows[0]?.utc_offset ?? 0));
  } catch (error) {
    if (signal?.aborted || classifyMssqlError(error).kind !== 'PERMISSION_DENIED') throw error;
    backups = undefined;
  }
  return { rows, files, backups };
}
