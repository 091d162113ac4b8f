/**
 * The BACKUP and RESTORE statements gds sends to SQL Server (and `xp_fileexist`, the check
 * before a backup), built as {@link MssqlStatement} objects like the rest of
 * `mssql-statements.ts`: the database, every path and every logical file name are parameters.
 *
 * @module
 */
import type { SqlValue, VarChar } from './mssql-connection.js';
import type { MSSQLBackupOptions } from './mssql-options.js';
import { tsql, type MssqlStatement } from './mssql-statements.js';

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
