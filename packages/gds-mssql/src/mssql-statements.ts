/**
 * The statements gds sends to SQL Server, built by pure functions as statement objects: the
 * object a dry run describes ({@link describeMssqlStatement}) is the one that runs. Values are parameters (`@db`, `@path`...) wherever
 * T-SQL takes a variable; identifiers and the literals of DDL go through `mssql-quote.ts`.
 *
 * @module
 */
import type { Statement } from '@gds/database/engine';
import { namedParams, VarChar, type SqlValue } from './mssql-connection.js';
import type { FileSpec, MSSQLBackupOptions, MSSQLCreateOptions, RecoveryModel } from './mssql-options.js';
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
 * `BACKUP DATABASE|LOG @db TO DISK = @path ...` with the database and every path as parameters.
 *
 * ### Examples
 * ```ts
 * backupDatabase('app', ['/b/app.bak'], { type: 'differential', checksum: true }).text;
 * // 'BACKUP DATABASE @db TO DISK = @path0 WITH DIFFERENTIAL, CHECKSUM, NOINIT, STATS = 10'
 * ```
 */
export function backupDatabase(name: string, paths: readonly string[], o: MSSQLBackupOptions = {}): MssqlStatement {
  const params: Record<string, SqlValue> = { db: name };
  const disks = paths.map((p, i) => {
    params[`path${i}`] = p;
    return `DISK = @path${i}`;
  });
  const withs: string[] = [];
  if (o.type === 'differential') withs.push('DIFFERENTIAL');
  if (o.copyOnly) withs.push('COPY_ONLY');
  if (o.compression === true) withs.push('COMPRESSION');
  if (o.compression === false) withs.push('NO_COMPRESSION');
  if (o.checksum) withs.push('CHECKSUM');
  if (o.format) withs.push('FORMAT');
  withs.push(o.init || o.format ? 'INIT' : 'NOINIT');
  if (o.name !== undefined) {
    withs.push('NAME = @name');
    params.name = o.name;
  }
  if (o.description !== undefined) {
    withs.push('DESCRIPTION = @description');
    params.description = o.description;
  }
  withs.push(`STATS = ${Math.trunc(o.stats ?? 10)}`);
  const what = o.type === 'transaction_log' ? 'LOG' : 'DATABASE';
  return tsql(`BACKUP ${what} @db TO ${disks.join(', ')} WITH ${withs.join(', ')}`, params);
}

/**
 * Whether a file (or its folder) exists on the server: `xp_fileexist`.
 *
 * ### Examples
 * ```ts
 * fileExists('/b/app.bak').text; // 'EXEC master.dbo.xp_fileexist @path'
 * ```
 */
export function fileExists(path: string): MssqlStatement {
  return tsql('EXEC master.dbo.xp_fileexist @path', { path });
}

/**
 * `RESTORE FILELISTONLY` of one backup set.
 *
 * ### Examples
 * ```ts
 * fileListOnly('/b/app.bak', 1).text; // 'RESTORE FILELISTONLY FROM DISK = @path WITH FILE = @file'
 * ```
 */
export function fileListOnly(path: string, file = 1): MssqlStatement {
  return tsql('RESTORE FILELISTONLY FROM DISK = @path WITH FILE = @file', { path, file });
}

/**
 * `RESTORE HEADERONLY`: one row per backup set in the file.
 *
 * ### Examples
 * ```ts
 * headerOnly('/b/app.bak').text; // 'RESTORE HEADERONLY FROM DISK = @path'
 * ```
 */
export function headerOnly(path: string): MssqlStatement {
  return tsql('RESTORE HEADERONLY FROM DISK = @path', { path });
}

/**
 * `RESTORE VERIFYONLY`.
 *
 * ### Examples
 * ```ts
 * verifyOnly('/b/app.bak', 1, true).text; // 'RESTORE VERIFYONLY FROM DISK = @path WITH FILE = @file, CHECKSUM'
 * ```
 */
export function verifyOnly(path: string, file = 1, checksum = false): MssqlStatement {
  return tsql(`RESTORE VERIFYONLY FROM DISK = @path WITH FILE = @file${checksum ? ', CHECKSUM' : ''}`, { path, file });
}

/** What {@link restoreDatabase} takes besides the paths. */
export interface RestoreSpec {
  /** `DATABASE` for a full/differential backup, `LOG` for a log backup. */
  kind: 'DATABASE' | 'LOG';
  /** FILE = n. */
  file?: number;
  /** MOVE logical TO physical, for each file. */
  moves?: ReadonlyArray<{ logical: string; physical: string }>;
  replace?: boolean;
  /** RECOVERY (false) or NORECOVERY (true). */
  norecovery?: boolean;
  /** STOPAT: the server's local time as varchar (the only kinds of variable STOPAT takes are varchar, char, smalldatetime and datetime). */
  stopAt?: VarChar;
  checksum?: boolean;
  stats?: number;
}

/**
 * `RESTORE DATABASE|LOG @db FROM DISK = @path WITH ...`, every name and path a parameter.
 *
 * ### Examples
 * ```ts
 * restoreDatabase('copy', '/b/app.bak', { kind: 'DATABASE', moves: [{ logical: 'app', physical: '/d/copy.mdf' }] }).text;
 * // 'RESTORE DATABASE @db FROM DISK = @path WITH FILE = @file, MOVE @move0 TO @to0, RECOVERY, STATS = 10'
 * ```
 */
export function restoreDatabase(name: string, path: string, spec: RestoreSpec): MssqlStatement {
  const params: Record<string, SqlValue> = { db: name, path, file: spec.file ?? 1 };
  const withs = ['FILE = @file'];
  (spec.moves ?? []).forEach((m, i) => {
    withs.push(`MOVE @move${i} TO @to${i}`);
    params[`move${i}`] = m.logical;
    params[`to${i}`] = m.physical;
  });
  if (spec.replace) withs.push('REPLACE');
  if (spec.checksum) withs.push('CHECKSUM');
  withs.push(spec.norecovery ? 'NORECOVERY' : 'RECOVERY');
  if (spec.stopAt !== undefined) {
    withs.push('STOPAT = @stopAt');
    params.stopAt = spec.stopAt;
  }
  withs.push(`STATS = ${Math.trunc(spec.stats ?? 10)}`);
  return tsql(`RESTORE ${spec.kind} @db FROM DISK = @path WITH ${withs.join(', ')}`, params);
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

/**
 * `ALTER AVAILABILITY GROUP ... FAILOVER` (or `FORCE_FAILOVER_ALLOW_DATA_LOSS`), run on the
 * target secondary `on`.
 *
 * ### Examples
 * ```ts
 * agFailover('AG1', false, 'mssql://sql2:1433/master').text; // 'ALTER AVAILABILITY GROUP [AG1] FAILOVER'
 * ```
 */
export function agFailover(group: string, force: boolean, on: string): MssqlStatement {
  return tsql(`ALTER AVAILABILITY GROUP ${q(group, 'availability group name')} ${force ? 'FORCE_FAILOVER_ALLOW_DATA_LOSS' : 'FAILOVER'}`, {}, on);
}

/**
 * `ALTER AVAILABILITY GROUP ... MODIFY REPLICA ON N'<replica>' WITH (<setting>)`.
 *
 * ### Examples
 * ```ts
 * agModifyReplica('AG1', 'SQL2', 'FAILOVER_MODE = MANUAL').text;
 * // "ALTER AVAILABILITY GROUP [AG1] MODIFY REPLICA ON N'SQL2' WITH (FAILOVER_MODE = MANUAL)"
 * ```
 */
export function agModifyReplica(group: string, replica: string, setting: 'FAILOVER_MODE = MANUAL' | 'AVAILABILITY_MODE = SYNCHRONOUS_COMMIT' | 'AVAILABILITY_MODE = ASYNCHRONOUS_COMMIT'): MssqlStatement {
  return tsql(`ALTER AVAILABILITY GROUP ${q(group, 'availability group name')} MODIFY REPLICA ON ${lit(replica)} WITH (${setting})`);
}

/** What {@link agAddReplica} takes. */
export interface ReplicaSpec {
  /** The replica's server name. */
  name: string;
  /** Its mirroring endpoint, `TCP://host:port`. */
  endpointUrl: string;
  availabilityMode: 'synchronous' | 'asynchronous';
  failoverMode: 'manual' | 'automatic';
  seedingMode: 'manual' | 'automatic';
}

/**
 * `ALTER AVAILABILITY GROUP ... ADD REPLICA ON N'<name>' WITH (...)`.
 *
 * ### Examples
 * ```ts
 * agAddReplica('AG1', { name: 'SQL4', endpointUrl: 'TCP://sql4:5022', availabilityMode: 'asynchronous', failoverMode: 'manual', seedingMode: 'automatic' }).text;
 * ```
 */
export function agAddReplica(group: string, r: ReplicaSpec): MssqlStatement {
  return tsql(
    `ALTER AVAILABILITY GROUP ${q(group, 'availability group name')} ADD REPLICA ON ${lit(r.name)} WITH (ENDPOINT_URL = ${lit(r.endpointUrl)}, ` +
      `AVAILABILITY_MODE = ${r.availabilityMode === 'synchronous' ? 'SYNCHRONOUS_COMMIT' : 'ASYNCHRONOUS_COMMIT'}, FAILOVER_MODE = ${r.failoverMode.toUpperCase()}, SEEDING_MODE = ${r.seedingMode.toUpperCase()})`,
  );
}

/**
 * `ALTER AVAILABILITY GROUP ... REMOVE REPLICA ON N'<name>'`.
 *
 * ### Examples
 * ```ts
 * agRemoveReplica('AG1', 'SQL3').text; // "ALTER AVAILABILITY GROUP [AG1] REMOVE REPLICA ON N'SQL3'"
 * ```
 */
export function agRemoveReplica(group: string, replica: string): MssqlStatement {
  return tsql(`ALTER AVAILABILITY GROUP ${q(group, 'availability group name')} REMOVE REPLICA ON ${lit(replica)}`);
}
