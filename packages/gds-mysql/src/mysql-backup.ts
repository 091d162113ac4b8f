/**
 * Backups with mariadb-dump / mysqldump: one database, as SQL, optionally gzip or zstd.
 *
 * - Consistency: `--single-transaction` (one InnoDB snapshot; tables of other engines are not
 *   covered by it), with `--routines --triggers --events`; `--no-tablespaces` (MySQL 8.0.21+
 *   would otherwise need PROCESS); `--default-character-set=utf8mb4`. The database is named after
 *   `--` so that no name is read as an option, and without `--databases`, so the dump holds no
 *   `CREATE DATABASE` / `USE` and restores under any name.
 * - The connection (and password) goes to the tool in a temporary option file (mysql-tools.ts),
 *   never in argv or the environment.
 * - The dump is written beside the target under a temporary name carrying this process's pid and
 *   renamed into place only when the tool succeeded (and the compressor, if any, finished): a
 *   failed or cancelled backup leaves nothing at the target path, and cancelling kills the tool.
 *   An existing target is refused unless `overwrite` (only a regular file is replaced).
 * - Progress: bytes of SQL written against the tables' data size (information_schema.TABLES
 *   DATA_LENGTH), sampled twice a second; 100 once the backup is in place.
 *
 * @module
 */
import { createWriteStream, promises as fs } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BackupOptionsSchema, DatabaseNotFoundError, ValidationError, extendOptions, type BackupInfo, type ProgressEvent, type RuntimeOptions } from '@gds/database';
import { inspectOverwrite, moveIntoPlace, partialPath, removeStalePartials, sizeOnDisk, statement, type OperationContext, type OperationOutcome, type Statement } from '@gds/database/engine';
import { Type, type Static } from '@gds/database/schema';
import { compressor, zstdIsProgram, zstdToFile, type Codec } from './mysql-compress.js';
import type { MySQLConnection } from './mysql-connection.js';
import { sameName, validateIdentifier } from './mysql-quote.js';
import { commandLine, findTool, runTool, writeDefaultsFile, type MySQLTool } from './mysql-tools.js';

const tableName = Type.String({ minLength: 1, maxLength: 64 });

/**
 * Schema of `backup()` options.
 *
 * ### Examples
 * ```ts
 * await db.backup('/backups/app.sql.zst', { compress: 'zstd', excludeTables: ['sessions'] });
 * ```
 */
export const MySQLBackupOptionsSchema = extendOptions(BackupOptionsSchema, {
  compress: Type.Optional(Type.Enum(['none', 'gzip', 'zstd'], { description: "Compress the SQL: 'gzip' (node:zlib) or 'zstd' (node:zlib on Node 22.15+, else the zstd program). Defaults to 'none'." })),
  tables: Type.Optional(Type.Array(tableName, { minItems: 1, maxItems: 10_000, description: 'Dump only these tables (exact names). Defaults to all.' })),
  excludeTables: Type.Optional(Type.Array(tableName, { maxItems: 10_000, description: 'Leave these tables out (--ignore-table). Defaults to none.' })),
  singleTransaction: Type.Optional(Type.Boolean({ description: 'Dump from one consistent InnoDB snapshot (--single-transaction). Defaults to true.' })),
  routines: Type.Optional(Type.Boolean({ description: 'Include stored procedures and functions (--routines). Defaults to true.' })),
  triggers: Type.Optional(Type.Boolean({ description: 'Include triggers (--triggers). Defaults to true.' })),
  events: Type.Optional(Type.Boolean({ description: 'Include scheduled events (--events). Defaults to true.' })),
  overwrite: Type.Optional(Type.Boolean({ description: 'Replace an existing regular file at the target (by rename once the dump succeeded); links, devices and folders are refused. Defaults to false: the backup is refused.' })),
  binDir: Type.Optional(Type.String({ minLength: 1, description: 'Folder of mariadb-dump / mysqldump. Defaults to the connection\'s binDir, GDS_MYSQL_BIN_DIR, then PATH.' })),
});
/** Options of `backup()`. */
export type MySQLBackupOptions = Static<typeof MySQLBackupOptionsSchema> & RuntimeOptions & { onProgress?: (event: ProgressEvent) => void };

/** The data size and count of the tables a dump covers (information_schema.TABLES, one query). */
export function dumpSizeStatement(database: string): Statement {
  return statement("SELECT TABLE_NAME AS name, COALESCE(DATA_LENGTH, 0) AS bytes FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED')", [database]);
}

/**
 * The dump tool's arguments after the option file (which must come first): options, `--`, the
 * database, the tables. Exported for tests, not by the package.
 *
 * ### Examples
 * ```ts
 * dumpArgs('app', { excludeTables: ['log'] }, '/b/.app.sql.gds-partial-1'); // [..., '--ignore-table=app.log', '--result-file=...', '--', 'app']
 * ```
 */
export function dumpArgs(database: string, options: MySQLBackupOptions, resultFile: string | undefined, flavors: { tool: 'mariadb' | 'mysql'; server: 'mariadb' | 'mysql' } = { tool: 'mariadb', server: 'mariadb' }): string[] {
  const args = ['--default-character-set=utf8mb4', '--no-tablespaces'];
  // MySQL's mysqldump: no SET @@GLOBAL.GTID_PURGED / SQL_LOG_BIN lines (a database restore must not change the
  // server's GTID state or skip the binary log); against MariaDB it must not read COLUMN_STATISTICS, which MariaDB lacks
  if (flavors.tool === 'mysql') args.push('--set-gtid-purged=OFF');
  if (flavors.tool === 'mysql' && flavors.server === 'mariadb') args.push('--column-statistics=0');
  if (options.singleTransaction !== false) args.push('--single-transaction');
  if (options.routines !== false) args.push('--routines');
  args.push(options.triggers === false ? '--skip-triggers' : '--triggers');
  if (options.events !== false) args.push('--events');
  for (const t of options.excludeTables ?? []) args.push(`--ignore-table=${database}.${t}`);
  if (resultFile) args.push(`--result-file=${resultFile}`);
  args.push('--', database, ...(options.tables ?? []));
  return args;
}

function checkOptions(database: string, options: MySQLBackupOptions): void {
  const issues: { path: string; message: string }[] = [];
  const names = (list: readonly string[] | undefined, field: string) =>
    list?.forEach((t, i) => {
      try {
        validateIdentifier(t, 'table name');
      } catch (error) {
        issues.push({ path: `/${field}/${i}`, message: (error as Error).message });
      }
    });
  names(options.tables, 'tables');
  names(options.excludeTables, 'excludeTables');
  if (options.tables?.length && options.excludeTables?.length) issues.push({ path: '/excludeTables', message: 'tables and excludeTables exclude each other' });
  validateIdentifier(database, 'database name');
  if (issues.length) throw new ValidationError('Invalid options for backup', issues, { engine: 'mysql', operation: 'backup' });
}

/** Counts the bytes that pass (the SQL before compression). */
function counter(onBytes: (n: number) => void): Transform {
  let n = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      n += chunk.length;
      onBytes(n);
      done(null, chunk);
    },
  });
}

/**
 * Backs `database` up to `targetPath` (see the module comment).
 *
 * ### Examples
 * ```ts
 * await backupDatabase(ctx, conn, 'app', '/backups/app.sql.gz', { compress: 'gzip' });
 * ```
 */
export async function backupDatabase(ctx: OperationContext, conn: MySQLConnection, database: string, targetPath: string, options: MySQLBackupOptions): Promise<OperationOutcome<BackupInfo>> {
  checkOptions(database, options);
  const target = resolve(targetPath);
  const parent = await fs.stat(dirname(target)).catch(() => undefined);
  if (!parent?.isDirectory()) throw new ValidationError('Invalid backup target', [{ path: '/target', message: `folder ${dirname(target)} does not exist` }], { engine: 'mysql', operation: 'backup' });
  const plan = await inspectOverwrite(target, { overwrite: options.overwrite, isBackupFolder: async () => false, engine: 'mysql', folderKind: 'dump file' });
  const info = await conn.serverInfo(ctx.signal);
  const tool: MySQLTool = await findTool('dump', { flavor: info.flavor, binDir: options.binDir ?? conn.config.binDir });
  const exists = await conn.query<{ name: string }>('SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [database], { signal: ctx.signal });
  if (!exists.some((r) => sameName(r.name, database, info.lowerCaseTableNames))) throw new DatabaseNotFoundError(`Database '${database}' does not exist on ${conn.endpoint}`, { engine: 'mysql', operation: 'backup' });

  const compress = options.compress ?? 'none';
  const temp = partialPath(target);
  const args = dumpArgs(database, options, compress === 'none' ? temp : undefined, { tool: tool.flavor, server: info.flavor });
  const pipeTo = compress === 'none' ? '' : ` | ${compress} > ${commandLine(temp, [])}`;
  const sizes = await conn.run<{ name: string; bytes: number | string }>(dumpSizeStatement(database), { signal: ctx.signal });
  const covered = sizes.filter((t) => (options.tables ? options.tables.includes(t.name) : !(options.excludeTables ?? []).includes(t.name)));
  const totalBytes = covered.reduce((sum, t) => sum + Number(t.bytes), 0);
  const data: BackupInfo = {
    target,
    type: 'full',
    format: compress === 'none' ? 'sql' : `sql+${compress}`,
    details: { tool: tool.name, toolRelease: tool.release, server: info.version, compress, tables: covered.length, ...(plan.kind === 'none' ? {} : { replaces: { kind: plan.kind, path: target, sizeBytes: plan.sizeBytes } }) },
  };
  const stale = await removeStalePartials(dirname(target), { dryRun: ctx.dryRun });
  for (const line of stale.messages) ctx.message(line);
  if (ctx.dryRun) {
    // the option file is written only for a run: a dry run shows where it goes
    ctx.record(commandLine(tool.path, ['--defaults-file=<temporary option file: user, password, host>', ...args]) + pipeTo);
    if (plan.kind !== 'none') ctx.message(`would remove ${target}: the backup ${plan.description} once the dump succeeds`);
    return { message: `would back up ${database} to ${target} with ${tool.name} ${tool.release}${plan.kind === 'none' ? '' : `; ${plan.description}`}`, data };
  }

  const defaults = writeDefaultsFile(conn.config, tool.flavor);
  ctx.record(commandLine(tool.path, [defaults.argument, ...args]) + pipeTo);
  let written = 0;
  const percent = () => (totalBytes > 0 ? Math.min(99, Math.floor((written / totalBytes) * 100)) : undefined);
  const timer = setInterval(() => {
    const report = (bytes: number) => {
      written = Math.max(written, bytes);
      ctx.progress({ bytes: written, percent: percent() });
    };
    if (compress === 'none') void fs.stat(temp).then((s) => report(s.size), () => undefined);
    else report(written);
  }, 500);
  timer.unref();
  let codec: Codec | undefined;
  try {
    await runTool(tool, [defaults.argument, ...args], {
      signal: ctx.signal,
      onStderrLine: (line) => ctx.message(line),
      stdout:
        compress === 'none'
          ? undefined
          : async (stdout) => {
              if (compress === 'zstd' && zstdIsProgram()) {
                // the zstd program writes the file itself: one copy of the SQL through this process instead of two
                const handle = await fs.open(temp, 'wx');
                try {
                  codec = zstdToFile(handle.fd);
                  await pipeline(stdout, counter((n) => (written = n)), codec.stream);
                  await codec.done;
                } finally {
                  await handle.close();
                }
                return;
              }
              codec = compressor(compress);
              await pipeline(stdout, counter((n) => (written = n)), codec.stream, createWriteStream(temp, { flags: 'wx' }));
              await codec.done;
            },
    });
  } catch (error) {
    codec?.kill();
    await fs.rm(temp, { force: true });
    throw error;
  } finally {
    clearInterval(timer);
    defaults.remove();
  }
  if (ctx.signal.aborted) {
    // cancelled after the tool finished but before the rename: nothing is put in place
    await fs.rm(temp, { force: true });
    ctx.throwIfAborted();
  }
  await moveIntoPlace(temp, plan).catch(async (error: unknown) => {
    // a changed target keeps the new backup at its partial path (the error names it)
    if (!ValidationError.isInstance(error)) await fs.rm(temp, { force: true });
    throw error;
  });
  if (plan.kind !== 'none') ctx.message(`replaced the file ${target} (${plan.sizeBytes} bytes before)`);
  const sizeBytes = await sizeOnDisk(target);
  ctx.progress({ percent: 100, bytes: sizeBytes });
  return { message: `backed up ${database} to ${target} (${data.format}, ${sizeBytes} bytes, ${covered.length} tables)`, data: { ...data, sizeBytes } };
}
