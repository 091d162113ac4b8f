/**
 * Backups with pg_dump (restores: postgres-restore.ts; verification: postgres-dump-source.ts).
 *
 * - A backup is written beside the target under a temporary name carrying this process's pid
 *   and renamed into place only when pg_dump succeeded: a failed or cancelled backup leaves
 *   nothing at the target path. An existing target is refused unless `overwrite` is set, and even
 *   then only a regular file or a pg_dump directory backup is replaced (by rename). Each backup
 *   first removes the partials in its folder whose owner process is gone.
 * - Progress: pg_dump runs with `--verbose`; each table it reports and each sample of its COPY
 *   statements advances the percentage by the tables' sizes ({@link DumpProgress}), and the bytes
 *   written are sampled twice a second.
 * - pg_dump is a logical dump of one database: differential, incremental and log backups are not
 *   what it does (the capability table says so and the core rejects them first).
 *
 * @module
 */
import { promises as fs } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { DatabaseNotFoundError, ValidationError, type BackupInfo } from '@gds/database';
import { inspectOverwrite, moveIntoPlace, partialPath, removeStalePartials, sizeOnDisk, type OperationContext, type OperationOutcome } from '@gds/database/engine';
import type { PostgreSQLConnection } from './postgres-connection.js';
import type { PostgreSQLBackupOptions } from './postgres-options.js';
import { isDirectoryDump, type DumpFormat } from './postgres-dump-source.js';
import { commandLine, conninfo, findTool, runTool, toolEnv } from './postgres-tools.js';

const COUNT_TABLES_SQL = `select count(*) as n from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
where c.relkind in ('r', 'p', 'm') and n.nspname !~ '^pg_' and n.nspname <> 'information_schema'`;

/** The tables pg_dump dumps the data of, with their size on disk (heap and TOAST, no indexes) and row estimate. */
const TABLE_SIZES_SQL = `select c.oid::bigint as oid, n.nspname as schema, c.relname as name, pg_catalog.pg_table_size(c.oid)::bigint as bytes, c.reltuples::float8 as rows
from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
where c.relkind in ('r', 'm') and n.nspname !~ '^pg_' and n.nspname <> 'information_schema'`;

/** pg_dump's COPY statements running now (PostgreSQL 14+: pg_stat_progress_copy), by table. */
const COPY_PROGRESS_SQL = `select p.relid::bigint as oid, p.tuples_processed::bigint as rows, p.bytes_processed::bigint as bytes
from pg_catalog.pg_stat_progress_copy p join pg_catalog.pg_stat_activity a on a.pid = p.pid
where p.datname = $1 and p.command = 'COPY TO' and a.application_name = $2`;

interface TableSize {
  key: string;
  bytes: number;
  rows: number;
}

/**
 * A backup's progress by bytes: each table weighs its size on disk (pg_table_size), a table
 * counts as done when its COPY has ended (it left pg_stat_progress_copy, or, without that view
 * or in a serial dump, when pg_dump starts the next one), and a table being copied counts by its
 * rows copied against its row estimate (or COPY bytes against its size). So a run spent in one
 * big table moves with it instead of sitting at 99% once every table has started.
 *
 * ### Examples
 * ```ts
 * const p = await DumpProgress.start(conn, 'app', 15, ctx.signal);
 * p.started('public.orders'); p.percent(); // 0..99
 * ```
 */
export class DumpProgress {
  readonly #byOid = new Map<string, TableSize>();
  readonly #byName = new Map<string, TableSize>();
  readonly #done = new Set<string>();
  readonly #active = new Map<string, number>();
  readonly #total: number;
  #current: string | undefined;

  private constructor(tables: readonly { oid: string; schema: string; name: string; bytes: string; rows: number }[]) {
    let total = 0;
    for (const t of tables) {
      const size: TableSize = { key: `${t.schema}.${t.name}`, bytes: Math.max(Number(t.bytes), 1), rows: t.rows };
      this.#byOid.set(String(t.oid), size);
      this.#byName.set(size.key, size);
      total += size.bytes;
    }
    this.#total = total;
  }

  /** Reads the tables' sizes (one query on the database being dumped). */
  static async start(conn: PostgreSQLConnection, database: string, signal: AbortSignal): Promise<DumpProgress> {
    const rows = await conn.query<{ oid: string; schema: string; name: string; bytes: string; rows: number }>(TABLE_SIZES_SQL, [], { database, signal });
    return new DumpProgress(rows);
  }

  /** The bytes the tables weigh in all. */
  get totalBytes(): number {
    return this.#total;
  }

  /** pg_dump said it starts `qualified` (`schema.table`): in a serial dump the one before is done. */
  started(qualified: string, serial: boolean): void {
    if (serial && this.#current) this.#done.add(this.#current);
    this.#current = qualified;
  }

  /** Takes one sample of pg_stat_progress_copy: tables no longer copied are done. */
  sample(copies: readonly { oid: string; rows: string; bytes: string }[]): void {
    const now = new Map<string, number>();
    for (const c of copies) {
      const t = this.#byOid.get(String(c.oid));
      if (!t) continue;
      const fraction = t.rows > 0 ? Number(c.rows) / t.rows : Number(c.bytes) / t.bytes;
      now.set(t.key, Math.min(0.99, Math.max(0, fraction)));
    }
    for (const key of this.#active.keys()) if (!now.has(key)) this.#done.add(key);
    this.#active.clear();
    for (const [k, v] of now) if (!this.#done.has(k)) this.#active.set(k, v);
  }

  /** Percent done, 0 to 99 (100 is said once the backup is in place); undefined without tables. */
  percent(): number | undefined {
    if (this.#total <= 0) return undefined;
    let done = 0;
    for (const key of this.#done) done += this.#byName.get(key)?.bytes ?? 0;
    for (const [key, fraction] of this.#active) done += (this.#byName.get(key)?.bytes ?? 0) * fraction;
    return Math.min(99, Math.floor((done / this.#total) * 100));
  }
}

/** Samples pg_stat_progress_copy twice a second (PostgreSQL 14+); errors only skip a sample. */
function sampleCopies(conn: PostgreSQLConnection, database: string, progress: DumpProgress, signal: AbortSignal): () => void {
  let busy = false;
  const timer = setInterval(() => {
    if (busy || signal.aborted) return;
    busy = true;
    conn
      .query<{ oid: string; rows: string; bytes: string }>(COPY_PROGRESS_SQL, [database, `${conn.config.applicationName}-tools`], { signal })
      .then((rows) => progress.sample(rows))
      .catch(() => undefined)
      .finally(() => (busy = false));
  }, 250);
  timer.unref();
  return () => clearInterval(timer);
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
  const plan = await inspectOverwrite(target, { overwrite: options.overwrite, isBackupFolder: isDirectoryDump, engine: 'postgresql', folderKind: 'pg_dump directory-format backup' });
  const { num } = await conn.serverVersion(ctx.signal);
  const serverMajor = Math.floor(num / 10000);
  const pgDump = await findTool('pg_dump', { binDir: options.binDir ?? conn.config.binDir, serverMajor, minMajor: serverMajor });
  const exists = await conn.query<{ n: string }>('select count(*) as n from pg_catalog.pg_database where datname = $1', [database], { signal: ctx.signal });
  if (Number(exists[0]?.n) === 0) throw new DatabaseNotFoundError(`Database '${database}' does not exist on ${conn.endpoint}`, { engine: 'postgresql' });

  const temp = partialPath(target);
  const args = [...pgDumpArgs(options, format), `--file=${temp}`, `--dbname=${conninfo(conn.config, database)}`];
  ctx.record(commandLine(pgDump.path, args));
  const data: BackupInfo = { target, type: 'full', format, details: { pgDump: pgDump.version, server: num, ...(plan.kind === 'none' ? {} : { replaces: { kind: plan.kind, path: target, sizeBytes: plan.sizeBytes } }) } };
  const stale = await removeStalePartials(dirname(target), { dryRun: ctx.dryRun });
  for (const line of stale.messages) ctx.message(line);
  if (ctx.dryRun) {
    if (plan.kind !== 'none') ctx.message(`would remove ${target}: the backup ${plan.description} once pg_dump succeeds`);
    return { message: `would back up ${database} to ${target} with pg_dump ${pgDump.version}${plan.kind === 'none' ? '' : `; ${plan.description}`}`, data };
  }

  const tables = Number((await conn.query<{ n: string }>(COUNT_TABLES_SQL, [], { database, signal: ctx.signal }))[0]?.n ?? 0);
  const progress = await DumpProgress.start(conn, database, ctx.signal);
  const serial = (options.jobs ?? 1) <= 1;
  const percent = () => progress.percent();
  const stopSampling = sampleBytes(temp, ctx, percent);
  const stopCopies = serverMajor >= 14 ? sampleCopies(conn, database, progress, ctx.signal) : () => undefined;
  const stopAll = () => {
    stopSampling();
    stopCopies();
  };
  try {
    await runTool(pgDump, args, {
      env: toolEnv(conn.config),
      signal: ctx.signal,
      onStderrLine: (line) => {
        const started = /dumping contents of table "(.*)"\s*$/.exec(line);
        if (started) {
          progress.started(started[1] ?? '', serial);
          ctx.progress({ percent: percent(), message: line });
        }
      },
    });
    stopAll();
  } catch (error) {
    stopAll();
    await fs.rm(temp, { recursive: true, force: true });
    throw error;
  }
  await moveIntoPlace(temp, plan).catch(async (error: unknown) => {
    // a changed target keeps the new backup at its partial path (the error names it)
    if (!ValidationError.isInstance(error)) await fs.rm(temp, { recursive: true, force: true });
    throw error;
  });
  if (plan.kind !== 'none') ctx.message(`replaced ${plan.kind === 'file' ? 'the file' : 'the directory-format backup'} ${target} (${plan.sizeBytes} bytes before)`);
  const sizeBytes = await sizeOnDisk(target);
  ctx.progress({ percent: 100, bytes: sizeBytes });
  return { message: `backed up ${database} to ${target} (${format}, ${sizeBytes} bytes, ${tables} tables)`, data: { ...data, sizeBytes, details: { ...data.details, tables } } };
}
