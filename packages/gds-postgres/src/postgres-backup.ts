/**
 * Backup, restore and verification with pg_dump, pg_restore and psql.
 *
 * - A backup is written beside the target under a temporary name and renamed into place only
 *   when pg_dump succeeded: a failed or cancelled backup leaves nothing at the target path.
 *   An existing target is refused unless `overwrite` is set.
 * - Progress: pg_dump/pg_restore run with `--verbose`; each table they report advances the
 *   percentage (out of the tables counted first), and the bytes written are sampled twice a second.
 * - pg_dump is a logical dump of one database: differential, incremental and log backups are not
 *   what it does (the capability table says so and the core rejects them first).
 * - Restoring over a database that holds objects is refused unless `replace` (drop and recreate,
 *   shown in dry runs) or `clean` (pg_restore drops each object it restores) is set.
 *
 * @module
 */
import { promises as fs } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { DatabaseNotFoundError, ValidationError, partialPath, sizeOnDisk, type BackupInfo, type BackupVerification, type OperationContext, type OperationOutcome } from '@gds/database';
import type { PostgreSQLConnection } from './postgres-connection.js';
import type { PostgreSQLBackupOptions, PostgreSQLRestoreOptions } from './postgres-options.js';
import { commandLine, conninfo, findTool, runTool, toolEnv, type PgTool } from './postgres-tools.js';
import { createDatabase, describeStatement, dropDatabase, HAS_USER_OBJECTS_SQL, terminateSessions } from './postgres-statements.js';

/** The formats pg_dump writes. */
export type DumpFormat = 'custom' | 'directory' | 'tar' | 'plain';

const COUNT_TABLES_SQL = `select count(*) as n from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
where c.relkind in ('r', 'p', 'm') and n.nspname !~ '^pg_' and n.nspname <> 'information_schema'`;

/**
 * Tells the format of a dump by looking at it: a folder with `toc.dat` is `directory`, a file
 * starting with `PGDMP` is `custom`, a tar header is `tar`, anything else is `plain` SQL.
 *
 * ### Examples
 * ```ts
 * await detectDumpFormat('/backups/app.dump'); // 'custom'
 * ```
 */
export async function detectDumpFormat(path: string): Promise<DumpFormat> {
  const stat = await fs.stat(path).catch(() => undefined);
  if (!stat) throw new ValidationError('Invalid backup source', [{ path: '/source', message: `${path} does not exist` }], { engine: 'postgresql' });
  if (stat.isDirectory()) {
    await fs.access(join(path, 'toc.dat')).catch(() => {
      throw new ValidationError('Invalid backup source', [{ path: '/source', message: `${path} is a folder without toc.dat, not a pg_dump directory dump` }]);
    });
    return 'directory';
  }
  const handle = await fs.open(path, 'r');
  try {
    const head = Buffer.alloc(512);
    const { bytesRead } = await handle.read(head, 0, 512, 0);
    if (bytesRead >= 5 && head.subarray(0, 5).toString('latin1') === 'PGDMP') return 'custom';
    if (bytesRead >= 262 && head.subarray(257, 262).toString('latin1') === 'ustar') return 'tar';
    return 'plain';
  } finally {
    await handle.close();
  }
}

function sampleBytes(path: string, ctx: OperationContext, progress: () => number | undefined): () => void {
  const timer = setInterval(() => {
    void sizeOnDisk(path).then((bytes) => ctx.progress({ bytes, percent: progress() }));
  }, 500);
  timer.unref();
  return () => clearInterval(timer);
}

/** pg_dump's arguments for `options` (the connection and file come separately). */
export function pgDumpArgs(options: PostgreSQLBackupOptions, format: DumpFormat): string[] {
  const args = [`--format=${format}`, '--verbose'];
  if (options.compress !== undefined) args.push(`--compress=${options.compress}`);
  if (options.jobs !== undefined) args.push(`--jobs=${options.jobs}`);
  for (const s of options.schemas ?? []) args.push(`--schema=${s}`);
  for (const s of options.excludeSchemas ?? []) args.push(`--exclude-schema=${s}`);
  for (const t of options.tables ?? []) args.push(`--table=${t}`);
  if (options.noOwner) args.push('--no-owner');
  if (options.schemaOnly) args.push('--schema-only');
  if (options.dataOnly) args.push('--data-only');
  return args;
}

function checkBackupOptions(options: PostgreSQLBackupOptions, format: DumpFormat): void {
  const issues = [];
  if (options.jobs !== undefined && options.jobs > 1 && format !== 'directory') issues.push({ path: '/jobs', message: "parallel jobs need format: 'directory'" });
  if (options.schemaOnly && options.dataOnly) issues.push({ path: '/dataOnly', message: 'schemaOnly and dataOnly exclude each other' });
  if (options.compress !== undefined && format === 'tar') issues.push({ path: '/compress', message: 'the tar format is not compressed by pg_dump' });
  if (issues.length) throw new ValidationError('Invalid options for backup', issues, { engine: 'postgresql', operation: 'backup' });
}

/**
 * Backs `database` up to `target` with pg_dump (see the module comment).
 *
 * ### Examples
 * ```ts
 * await backupDatabase(ctx, conn, 'app', '/backups/app.dump', { format: 'custom' });
 * ```
 */
export async function backupDatabase(
  ctx: OperationContext,
  conn: PostgreSQLConnection,
  database: string,
  targetPath: string,
  options: PostgreSQLBackupOptions,
): Promise<OperationOutcome<BackupInfo>> {
  const format: DumpFormat = options.format ?? 'custom';
  checkBackupOptions(options, format);
  const target = resolve(targetPath);
  const parent = await fs.stat(dirname(target)).catch(() => undefined);
  if (!parent?.isDirectory()) throw new ValidationError('Invalid backup target', [{ path: '/target', message: `folder ${dirname(target)} does not exist` }], { engine: 'postgresql' });
  const existing = await fs.stat(target).catch(() => undefined);
  if (existing && !options.overwrite) {
    throw new ValidationError('Invalid backup target', [{ path: '/target', message: `${target} exists; pass overwrite: true to replace it` }], { engine: 'postgresql', hint: 'choose a new file name, or pass overwrite: true' });
  }
  const { num } = await conn.serverVersion(ctx.signal);
  const serverMajor = Math.floor(num / 10000);
  const pgDump = await findTool('pg_dump', { binDir: options.binDir ?? conn.config.binDir, serverMajor, minMajor: serverMajor });
  const exists = await conn.query<{ n: string }>('select count(*) as n from pg_catalog.pg_database where datname = $1', [database], { signal: ctx.signal });
  if (Number(exists[0]?.n) === 0) throw new DatabaseNotFoundError(`Database '${database}' does not exist on ${conn.endpoint}`, { engine: 'postgresql' });

  const temp = partialPath(target);
  const args = [...pgDumpArgs(options, format), `--file=${temp}`, `--dbname=${conninfo(conn.config, database)}`];
  ctx.record(commandLine(pgDump.path, args));
  const data: BackupInfo = { target, type: 'full', format, details: { pgDump: pgDump.version, server: num } };
  if (ctx.dryRun) return { message: `would back up ${database} to ${target} with pg_dump ${pgDump.version}`, data };

  const tables = Number((await conn.query<{ n: string }>(COUNT_TABLES_SQL, [], { database, signal: ctx.signal }))[0]?.n ?? 0);
  let done = 0;
  const percent = () => (tables > 0 ? Math.min(99, Math.round((done / tables) * 100)) : undefined);
  const stopSampling = sampleBytes(temp, ctx, percent);
  try {
    await runTool(pgDump, args, {
      env: toolEnv(conn.config),
      signal: ctx.signal,
      onStderrLine: (line) => {
        if (/dumping contents of table/.test(line)) {
          done++;
          ctx.progress({ percent: percent(), message: line });
        }
      },
    });
    stopSampling();
    if (existing) await fs.rm(target, { recursive: true, force: true });
    await fs.rename(temp, target);
  } catch (error) {
    stopSampling();
    await fs.rm(temp, { recursive: true, force: true });
    throw error;
  }
  const sizeBytes = await sizeOnDisk(target);
  ctx.progress({ percent: 100, bytes: sizeBytes });
  return { message: `backed up ${database} to ${target} (${format}, ${sizeBytes} bytes, ${tables} tables)`, data: { ...data, sizeBytes, details: { ...data.details, tables } } };
}

async function hasUserObjects(conn: PostgreSQLConnection, database: string, signal: AbortSignal): Promise<boolean> {
  const rows = await conn.query<{ has_objects: boolean }>(HAS_USER_OBJECTS_SQL, [], { database, signal });
  await conn.release(database);
  return rows[0]?.has_objects === true;
}

/**
 * Restores `database` from `source` with pg_restore (or psql for a plain dump), creating the
 * database when missing and refusing to write over one with objects unless `replace` or `clean`.
 *
 * ### Examples
 * ```ts
 * await restoreDatabase(ctx, conn, 'app_copy', '/backups/app.dump', { replace: true });
 * ```
 */
export async function restoreDatabase(
  ctx: OperationContext,
  conn: PostgreSQLConnection,
  database: string,
  source: string,
  options: PostgreSQLRestoreOptions,
): Promise<OperationOutcome> {
  const path = resolve(source);
  const format = await detectDumpFormat(path);
  const issues = [];
  if (options.jobs !== undefined && options.jobs > 1 && options.singleTransaction) issues.push({ path: '/jobs', message: 'parallel jobs cannot run in a single transaction' });
  if (options.jobs !== undefined && options.jobs > 1 && format === 'plain') issues.push({ path: '/jobs', message: 'a plain SQL dump is restored by psql, one statement at a time' });
  if (options.clean && options.replace) issues.push({ path: '/clean', message: 'clean and replace exclude each other' });
  if (issues.length) throw new ValidationError('Invalid options for restore', issues, { engine: 'postgresql', operation: 'restore' });

  const { num } = await conn.serverVersion(ctx.signal);
  const serverMajor = Math.floor(num / 10000);
  const tool = await findTool(format === 'plain' ? 'psql' : 'pg_restore', { binDir: options.binDir ?? conn.config.binDir, serverMajor });
  const existsRows = await conn.query<{ n: string }>('select count(*) as n from pg_catalog.pg_database where datname = $1', [database], { signal: ctx.signal });
  const exists = Number(existsRows[0]?.n) > 0;

  if (exists && !options.replace && !options.clean && (await hasUserObjects(conn, database, ctx.signal))) {
    throw new ValidationError(`Refusing to restore into '${database}', which already holds objects`, [
      { path: '/replace', message: 'pass replace: true to drop and recreate the database, or clean: true to drop each restored object first' },
    ], { engine: 'postgresql', operation: 'restore' });
  }
  if (!exists && options.create === false) {
    throw new DatabaseNotFoundError(`Database '${database}' does not exist and create is false`, { engine: 'postgresql', operation: 'restore' });
  }
  const serverSupportsForce = num >= 130000;
  const run = async (s: { text: string; params: unknown[] }) => ctx.step(describeStatement(s), () => conn.query(s.text, s.params, { signal: ctx.signal }));
  if (exists && options.replace) {
    await conn.release(database);
    if (!serverSupportsForce) await run(terminateSessions(database));
    await run(dropDatabase(database, serverSupportsForce));
  }
  if (!exists || options.replace) await run(createDatabase(database, { template: 'template0' }));

  const target = `--dbname=${conninfo(conn.config, database)}`;
  const args =
    format === 'plain'
      ? ['-X', '-q', '-v', 'ON_ERROR_STOP=1', ...(options.singleTransaction ? ['--single-transaction'] : []), '-f', path, target]
      : [
          target,
          '--exit-on-error',
          '--verbose',
          ...(options.jobs !== undefined ? [`--jobs=${options.jobs}`] : []),
          ...(options.noOwner ? ['--no-owner'] : []),
          ...(options.singleTransaction ? ['--single-transaction'] : []),
          ...(options.clean ? ['--clean', '--if-exists'] : []),
          path,
        ];
  ctx.record(commandLine(tool.path, args));
  if (ctx.dryRun) return { message: `would restore ${database} from ${path} (${format}) with ${tool.name} ${tool.version}` };

  const total = format === 'plain' ? 0 : await countDataEntries(tool, path, conn);
  let done = 0;
  await runTool(tool, args, {
    env: toolEnv(conn.config),
    signal: ctx.signal,
    onStderrLine: (line) => {
      if (/processing data for table/.test(line)) {
        done++;
        ctx.progress({ percent: total ? Math.min(99, Math.round((done / total) * 100)) : undefined, message: line });
      } else if (!/^pg_restore: (creating|processing|connecting|executing|launching|finished)/.test(line)) {
        ctx.message(line);
      }
    },
  });
  ctx.progress({ percent: 100 });
  return { message: `restored ${database} from ${path} (${format})` };
}

async function listEntries(tool: PgTool, path: string, conn: PostgreSQLConnection, signal?: AbortSignal): Promise<string[]> {
  const { stdout } = await runTool(tool, ['--list', path], { env: toolEnv(conn.config), signal });
  return stdout.split('\n').filter((l) => l.trim() && !l.startsWith(';'));
}

async function countDataEntries(tool: PgTool, path: string, conn: PostgreSQLConnection): Promise<number> {
  return (await listEntries(tool, path, conn)).filter((l) => / TABLE DATA /.test(l)).length;
}

/**
 * Checks a dump without restoring it, and rejects when it is bad (so that a forgotten check of
 * `valid` cannot hide a broken backup): for custom, directory and tar dumps `pg_restore --list`
 * reads the table of contents and `pg_restore --file=/dev/null` reads every data block (a
 * truncated file fails there, though its table of contents is intact); a plain SQL dump must end
 * with pg_dump's completion line.
 *
 * ### Examples
 * ```ts
 * const { data } = await verifyDump(ctx, conn, '/backups/app.dump', {});
 * console.log(data?.entries);
 * ```
 */
export async function verifyDump(ctx: OperationContext, conn: PostgreSQLConnection, source: string, options: { binDir?: string }): Promise<OperationOutcome<BackupVerification>> {
  const path = resolve(source);
  const format = await detectDumpFormat(path);
  if (format === 'plain') {
    const content = await fs.readFile(path, 'utf8');
    const entries = (content.match(/^-- Name: /gm) ?? []).length;
    // the completion comment is followed by '--' and, since the 2025 security releases, by \unrestrict
    if (!content.slice(-1_024).includes('-- PostgreSQL database dump complete')) {
      throw new ValidationError('Invalid backup', [{ path: '/source', message: `${path} is a plain SQL dump without pg_dump's completion line: it is incomplete` }], { engine: 'postgresql', operation: 'verifyBackup' });
    }
    return { message: `${path}: complete plain SQL dump, ${entries} entries`, data: { source: path, valid: true, entries, details: { format } } };
  }
  const tool = await findTool('pg_restore', { binDir: options.binDir ?? conn.config.binDir });
  ctx.record(commandLine(tool.path, ['--list', path]));
  ctx.record(commandLine(tool.path, ['--file=/dev/null', path]));
  const entries = await listEntries(tool, path, conn, ctx.signal);
  await runTool(tool, ['--file=/dev/null', path], { env: toolEnv(conn.config), signal: ctx.signal });
  const tables = entries.filter((l) => / TABLE DATA /.test(l)).length;
  return { message: `${path}: ${entries.length} entries (${tables} with table data), ${format} format, every data block read`, data: { source: path, valid: true, entries: entries.length, details: { format, tablesWithData: tables } } };
}
