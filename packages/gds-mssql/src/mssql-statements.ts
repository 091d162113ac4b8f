/**
 * The statements gds sends to SQL Server, built by pure functions as statement objects: the
 * object a dry run describes ({@link describeMssqlStatement}) is the one that runs. Values are parameters (`@db`, `@path`...) wherever
 * T-SQL takes a variable; identifiers and the literals of DDL go through `mssql-quote.ts`.
 * The BACKUP and RESTORE statements are in `mssql-backup-statements.ts`, the availability group
 * ones in `mssql-ha-statements.ts`.
 *
 * @module
 */
import type { Statement } from '@gds/database/engine';
import { namedParams, VarChar, type SqlValue } from './mssql-connection.js';
import type { FileSpec, MSSQLCreateOptions, RecoveryModel } from './mssql-options.js';
import { quoteIdentifier as q, quoteString as lit } from './mssql-quote.js';

/** A named parameter: `@name` in the text, and its value. */
export type MssqlParam = readonly [name: string, value: SqlValue];

/**
 * A T-SQL statement: the text with `@name` placeholders, its named parameters (as
 * `[name, value]` pairs, the core's `params`) and, when it runs on another server than the
 * database's own (a failover runs on the target), that server's endpoint.
 */
export interface MssqlStatement extends Statement {
  /** The named parameters. */
  readonly params: readonly MssqlParam[];
  /** The endpoint it runs on, when not the database's connection. */
  readonly on?: string;
}

/**
 * Makes a {@link MssqlStatement}.
 *
 * ### Examples
 * ```ts
 * tsql('SELECT name FROM sys.databases WHERE name = @db', { db: 'app' }).params; // [['db', 'app']]
 * ```
 */
export function tsql(text: string, params: Readonly<Record<string, SqlValue>> = {}, on?: string): MssqlStatement {
  const pairs = Object.freeze(Object.entries(params).map(([k, v]) => Object.freeze([k, v] as const)));
  return Object.freeze(on === undefined ? { text, params: pairs } : { text, params: pairs, on });
}

function show(value: SqlValue): string {
  if (value === null) return 'NULL';
  if (typeof value === 'string') return lit(value);
  if (value instanceof VarChar) return `'${value.value.replaceAll("'", "''")}'`;
  if (value instanceof Date) return lit(value.toISOString());
  if (Buffer.isBuffer(value)) return `0x${value.toString('hex')}`;
  return String(value);
}

/**
 * The statement as a dry run shows it (the engine's `describeStatement`): the text, then the
 * parameters as a comment, then the server it runs on when that is not the database's.
 *
 * ### Examples
 * ```ts
 * describeMssqlStatement(tsql('DBCC CHECKDB (@db)', { db: 'app' })); // "DBCC CHECKDB (@db) -- @db = N'app'"
 * ```
 */
export function describeMssqlStatement(s: Statement): string {
  const entries = Object.entries(namedParams(s));
  const on = typeof (s as MssqlStatement).on === 'string' ? ` -- on ${(s as MssqlStatement).on}` : '';
  if (entries.length === 0) return `${s.text}${on}`;
  // display only (never executed): line breaks are escaped so the comment stays one line
  return `${s.text} -- ${entries.map(([k, v]) => `@${k} = ${show(v).replace(/\r?\n/g, '\\n')}`).join(', ')}${on}`;
}

function fileSpec(f: FileSpec): string {
  const parts = [`NAME = ${q(f.name, 'logical file name')}`, `FILENAME = ${lit(f.path)}`];
  if (f.size !== undefined) parts.push(`SIZE = ${f.size}`);
  if (f.maxSize !== undefined) parts.push(`MAXSIZE = ${f.maxSize}`);
  if (f.growth !== undefined) parts.push(`FILEGROWTH = ${f.growth}`);
  return `(${parts.join(', ')})`;
}

/**
 * `CREATE DATABASE` with containment, files, filegroups and collation. The recovery model and
 * compatibility level are separate ALTERs ({@link setRecoveryModel}, {@link setCompatibilityLevel}).
 *
 * ### Examples
 * ```ts
 * createDatabase('app', { collation: 'Latin1_General_100_CI_AS' }).text;
 * // 'CREATE DATABASE [app] COLLATE Latin1_General_100_CI_AS'
 * ```
 */
export function createDatabase(name: string, o: MSSQLCreateOptions = {}): MssqlStatement {
  let text = `CREATE DATABASE ${q(name)}`;
  if (o.containment === 'partial') text += ' CONTAINMENT = PARTIAL';
  if (o.dataFiles?.length) {
    const groups = (o.filegroups ?? []).map((g) => {
      const contains = g.contains === 'filestream' ? ' CONTAINS FILESTREAM' : g.contains === 'memory_optimized_data' ? ' CONTAINS MEMORY_OPTIMIZED_DATA' : '';
      return `FILEGROUP ${q(g.name, 'filegroup name')}${contains}${g.default ? ' DEFAULT' : ''} ${g.files.map(fileSpec).join(', ')}`;
    });
    text += ` ON PRIMARY ${[o.dataFiles.map(fileSpec).join(', '), ...groups].join(', ')}`;
  }
  if (o.logFiles?.length) text += ` LOG ON ${o.logFiles.map(fileSpec).join(', ')}`;
  if (o.collation !== undefined) text += ` COLLATE ${o.collation}`;
  return tsql(text);
}

/**
 * `DROP DATABASE`.
 *
 * ### Examples
 * ```ts
 * dropDatabase('a]b').text; // 'DROP DATABASE [a]]b]'
 * ```
 */
export function dropDatabase(name: string): MssqlStatement {
  return tsql(`DROP DATABASE ${q(name)}`);
}

type Termination = 'ROLLBACK IMMEDIATE' | 'NO_WAIT' | undefined;

/**
 * `ALTER DATABASE ... SET <option>`, with `WITH ROLLBACK IMMEDIATE` (end other sessions) or
 * `WITH NO_WAIT` (fail at once instead of waiting for them).
 *
 * ### Examples
 * ```ts
 * alterSet('app', 'SINGLE_USER', 'ROLLBACK IMMEDIATE').text; // 'ALTER DATABASE [app] SET SINGLE_USER WITH ROLLBACK IMMEDIATE'
 * ```
 */
export function alterSet(name: string, option: 'ONLINE' | 'OFFLINE' | 'SINGLE_USER' | 'MULTI_USER' | 'RESTRICTED_USER', termination?: Termination): MssqlStatement {
  return tsql(`ALTER DATABASE ${q(name)} SET ${option}${termination ? ` WITH ${termination}` : ''}`);
}

/**
 * `ALTER DATABASE ... SET RECOVERY`.
 *
 * ### Examples
 * ```ts
 * setRecoveryModel('app', 'bulk_logged').text; // 'ALTER DATABASE [app] SET RECOVERY BULK_LOGGED'
 * ```
 */
export function setRecoveryModel(name: string, model: RecoveryModel): MssqlStatement {
  return tsql(`ALTER DATABASE ${q(name)} SET RECOVERY ${model.toUpperCase()}`);
}

/**
 * `ALTER DATABASE ... SET COMPATIBILITY_LEVEL`.
 *
 * ### Examples
 * ```ts
 * setCompatibilityLevel('app', 160).text; // 'ALTER DATABASE [app] SET COMPATIBILITY_LEVEL = 160'
 * ```
 */
export function setCompatibilityLevel(name: string, level: number): MssqlStatement {
  return tsql(`ALTER DATABASE ${q(name)} SET COMPATIBILITY_LEVEL = ${Math.trunc(level)}`);
}

/**
 * Counts the other sessions in a database.
 *
 * ### Examples
 * ```ts
 * countSessions('app').params; // { db: 'app' }
 * ```
 */
export function countSessions(name: string): MssqlStatement {
  // user sessions only (background tasks are no one to disconnect); without VIEW SERVER STATE
  // the DMV shows only the caller's own session, so the count is unknown, not 0
  return tsql(
    "SELECT COUNT(*) AS n, HAS_PERMS_BY_NAME(NULL, NULL, 'VIEW SERVER STATE') AS sees FROM sys.dm_exec_sessions WHERE database_id = DB_ID(@db) AND is_user_process = 1 AND session_id <> @@SPID",
    { db: name },
  );
}

/**
 * The state of a database: `state_desc`, `user_access_desc`, and whether it is in an
 * availability group (`group_database_id` set).
 *
 * ### Examples
 * ```ts
 * databaseState('app').params; // { db: 'app' }
 * ```
 */
export function databaseState(name: string): MssqlStatement {
  return tsql('SELECT d.state_desc, d.user_access_desc, CASE WHEN d.group_database_id IS NULL THEN 0 ELSE 1 END AS in_ag FROM sys.databases d WHERE d.name = @db', { db: name });
}

/**
 * `USE master`, as a plain batch (inside sp_executesql a USE does not outlive the call): a
 * session sitting in the database it drops or restores makes the server refuse (3702, 3102).
 *
 * ### Examples
 * ```ts
 * useMaster().text; // 'USE master'
 * ```
 */
export function useMaster(): MssqlStatement {
  return tsql('USE master');
}

/**
 * Drop that ends other sessions: SINGLE_USER WITH ROLLBACK IMMEDIATE and the DROP in one batch
 * (no round trip in between for another client to take the single slot), back to MULTI_USER
 * when the DROP fails (THROW re-raises its error).
 *
 * ### Examples
 * ```ts
 * forcedDrop('app').text.startsWith('ALTER DATABASE [app] SET SINGLE_USER WITH ROLLBACK IMMEDIATE;'); // true
 * ```
 */
export function forcedDrop(name: string): MssqlStatement {
  const n = q(name);
  return tsql(`ALTER DATABASE ${n} SET SINGLE_USER WITH ROLLBACK IMMEDIATE; BEGIN TRY DROP DATABASE ${n}; END TRY BEGIN CATCH ALTER DATABASE ${n} SET MULTI_USER; THROW; END CATCH`);
}

/**
 * Whether a database exists.
 *
 * ### Examples
 * ```ts
 * databaseExists('app').text;
 * ```
 */
export function databaseExists(name: string): MssqlStatement {
  return tsql('SELECT COUNT(*) AS n FROM sys.databases WHERE name = @db', { db: name });
}

/**
 * `DBCC SHRINKDATABASE`.
 *
 * ### Examples
 * ```ts
 * shrinkDatabase('app', { targetPercent: 10 }).text; // 'DBCC SHRINKDATABASE (@db, @target) WITH NO_INFOMSGS'
 * ```
 */
export function shrinkDatabase(name: string, o: { targetPercent?: number; truncateOnly?: boolean } = {}): MssqlStatement {
  if (o.truncateOnly) return tsql('DBCC SHRINKDATABASE (@db, TRUNCATEONLY) WITH NO_INFOMSGS', { db: name });
  return tsql('DBCC SHRINKDATABASE (@db, @target) WITH NO_INFOMSGS', { db: name, target: o.targetPercent ?? 0 });
}

/**
 * `DBCC CHECKDB` reporting every error.
 *
 * ### Examples
 * ```ts
 * checkDb('app', { physicalOnly: true }).text; // 'DBCC CHECKDB (@db) WITH NO_INFOMSGS, ALL_ERRORMSGS, PHYSICAL_ONLY'
 * ```
 */
export function checkDb(name: string, o: { physicalOnly?: boolean; noIndex?: boolean } = {}): MssqlStatement {
  return tsql(`DBCC CHECKDB (@db${o.noIndex ? ', NOINDEX' : ''}) WITH NO_INFOMSGS, ALL_ERRORMSGS${o.physicalOnly ? ', PHYSICAL_ONLY' : ''}`, { db: name });
}

/**
 * The schemas of a database, read through its own catalog (three-part name).
 *
 * ### Examples
 * ```ts
 * listSchemas('app', false).text;
 * ```
 */
export function listSchemas(name: string, includeSystem: boolean): MssqlStatement {
  return tsql(
    `SELECT s.name FROM ${q(name)}.sys.schemas s WHERE @all = 1 OR (s.schema_id < 16384 AND s.name NOT IN (N'sys', N'INFORMATION_SCHEMA', N'guest')) ORDER BY s.name`,
    { all: includeSystem },
  );
}

/**
 * The tables and views of a database (of one schema when given).
 *
 * ### Examples
 * ```ts
 * listTables('app', 'dbo').params; // { schema: 'dbo' }
 * ```
 */
export function listTables(name: string, schema: string | undefined): MssqlStatement {
  return tsql(
    `SELECT s.name AS [schema], o.name, o.type FROM ${q(name)}.sys.objects o JOIN ${q(name)}.sys.schemas s ON s.schema_id = o.schema_id ` +
      `WHERE o.type IN ('U', 'V') AND o.is_ms_shipped = 0 AND (@schema IS NULL OR s.name = @schema) ORDER BY s.name, o.name`,
    { schema: schema ?? null },
  );
}
