/**
 * SQL Server database metadata: the type, the two catalog queries (databases with their last
 * backups and availability group; files from sys.master_files), used unchanged for one database
 * and for all of them (so `listDatabases({ withMetadata: true })` costs two queries whatever the
 * count), and the mapping of their rows.
 *
 * Corrections to the original design: the size is summed as bigint (`size` is in 8 KB pages and
 * overflows int on large databases) and reported in bytes; filegroup names live in each
 * database's own catalog, so they are read only for one online database (`fetchFilegroups`).
 *
 * @module
 */
import { AccessMode, DatabaseState, type DatabaseMetadata } from '@gds/database';
import type { Statement } from './mssql-statements.js';
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
  /** Other sessions in it when the metadata was read. */
  sessions: number;
}

/**
 * The databases query: `@name` one database or NULL for all; `@all` = 1 includes master, model,
 * msdb and tempdb.
 */
export const DATABASES_SQL = `SELECT d.name, d.database_id, SUSER_SNAME(d.owner_sid) AS owner, d.create_date, d.collation_name,
  d.state_desc, d.user_access_desc, d.is_read_only, d.recovery_model_desc, d.compatibility_level, d.page_verify_option_desc,
  d.is_auto_close_on, d.is_auto_shrink_on, d.containment_desc,
  (SELECT SUM(CAST(mf.size AS bigint)) * 8192 FROM sys.master_files mf WHERE mf.database_id = d.database_id) AS size_bytes,
  (SELECT MAX(b.backup_finish_date) FROM msdb.dbo.backupset b WHERE b.database_name = d.name AND b.type = 'D') AS last_full_backup,
  (SELECT MAX(b.backup_finish_date) FROM msdb.dbo.backupset b WHERE b.database_name = d.name AND b.type = 'I') AS last_diff_backup,
  (SELECT MAX(b.backup_finish_date) FROM msdb.dbo.backupset b WHERE b.database_name = d.name AND b.type = 'L') AS last_log_backup,
  ag.name AS availability_group,
  (SELECT COUNT(*) FROM sys.dm_exec_sessions s WHERE s.database_id = d.database_id AND s.session_id <> @@SPID) AS sessions
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
 * The statements that read metadata: for `name`, or every database when undefined.
 *
 * ### Examples
 * ```ts
 * const [dbs, files] = metadataStatements('app', false);
 * ```
 */
export function metadataStatements(name: string | undefined, includeSystem: boolean): [Statement, Statement] {
  return [
    { text: DATABASES_SQL, params: { name: name ?? null, all: includeSystem } },
    { text: FILES_SQL, params: { name: name ?? null } },
  ];
}

/**
 * The filegroups query of one database (run only when it is online).
 *
 * ### Examples
 * ```ts
 * filegroupsStatement('app').text;
 * ```
 */
export function filegroupsStatement(name: string): Statement {
  return { text: `SELECT data_space_id, name, type_desc, is_default, is_read_only FROM ${quoteIdentifier(name)}.sys.filegroups ORDER BY data_space_id`, params: {} };
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
  last_full_backup: Date | null;
  last_diff_backup: Date | null;
  last_log_backup: Date | null;
  availability_group: string | null;
  sessions: number | null;
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
 * Maps a files row: sizes from 8 KB pages to bytes; `max_size` -1 is unlimited; growth in pages
 * or percent.
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
    maxSizeBytes: r.max_size === -1 || r.max_size === 0 ? undefined : r.max_size * 8192,
    growth,
    dataSpaceId: r.data_space_id,
    state: r.state_desc,
  };
}

/**
 * Maps a databases row and its files (and filegroups, when read) to metadata.
 *
 * ### Examples
 * ```ts
 * const meta = rowToMetadata(rows[0], files);
 * ```
 */
export function rowToMetadata(r: DatabaseRow, files: readonly FileRow[] = [], filegroups: readonly FilegroupRow[] = []): MSSQLDatabaseMetadata {
  const mine = files.filter((f) => f.database_id === r.database_id).map(rowToFile);
  const stateDescription = r.state_desc ?? 'UNKNOWN';
  return {
    name: r.name,
    type: 'mssql',
    databaseId: r.database_id,
    owner: r.owner ?? undefined,
    created: r.create_date ?? undefined,
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
    lastFullBackup: r.last_full_backup ?? undefined,
    lastDifferentialBackup: r.last_diff_backup ?? undefined,
    lastLogBackup: r.last_log_backup ?? undefined,
    availabilityGroup: r.availability_group ?? undefined,
    sessions: Number(r.sessions ?? 0),
    additionalAttributes: {},
  };
}
