/**
 * Backup, restore and verification with pg_dump, pg_restore and psql.
 *
 * - A backup is written beside the target under a temporary name carrying this process's pid
 *   and renamed into place only when pg_dump succeeded: a failed or cancelled backup leaves
 *   nothing at the target path. An existing target is refused unless `overwrite` is set, and even
 *   then only a regular file or a pg_dump directory backup is replaced (by rename). Each backup
 *   first removes the partials in its folder whose owner process is gone.
 * - Progress: pg_dump/pg_restore run with `--verbose`; each table they report advances the
 *   percentage (out of the tables counted first), and the bytes written are sampled twice a second.
 * - pg_dump is a logical dump of one database: differential, incremental and log backups are not
 *   what it does (the capability table says so and the core rejects them first).
 * - Restoring over a database that holds objects is refused unless `replace` (restore into a
 *   side database, then swap names; shown in dry runs) or `clean` (pg_restore drops each object
 *   it restores, in place) is set. The whole source is read before anything changes; plain dumps
 *   are scanned for psql meta-commands (postgres-plain-dump.ts) and run with psql restricted.
 * - A replacement keeps the database's own properties (owner, locales, tablespace, ACL, settings,
 *   connection limit, comment, security labels, allow_connections, is_template), which pg_dump
 *   without --create does not carry: postgres-db-properties.ts gives them to the side database
 *   after the restore and checks them before the swap. A template stays a template.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { DatabaseInUseError, DatabaseNotFoundError, ExternalToolError, UnsupportedOperationError, ValidationError, type BackupInfo, type BackupVerification } from '@gds/database';
import { hostTag, inspectOverwrite, moveIntoPlace, processAlive, partialPath, removeStalePartials, sizeOnDisk, type OperationContext, type OperationOutcome } from '@gds/database/engine';
import type { PostgreSQLConnection } from './postgres-connection.js';
import type { PostgreSQLBackupOptions, PostgreSQLRestoreOptions } from './postgres-options.js';
import { carryOverStatements, freshProperties, isTemplate, propertyDifferences, readDatabaseProperties, sideCreateOptions, type DatabaseProperties } from './postgres-db-properties.js';
import { PlainDumpRefusal, requirePsqlRestrict, scanPlainDump, type PlainDumpScan } from './postgres-plain-dump.js';
import { checkDirectoryDump, checkTarDump, DumpStructureError } from './postgres-verify.js';
import { commandLine, conninfo, findTool, runTool, toolEnv, type PgTool } from './postgres-tools.js';
import { countSessions, createDatabase, describeStatement, dropDatabase, dropDatabaseIfExists, HAS_USER_OBJECTS_SQL, renameDatabase, terminateSessions, type Statement } from './postgres-statements.js';

/** `ALTER DATABASE ... RENAME TO ...` (the swap at the end of a restore). */

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

const DIRECTORY_DUMP_FILE = /^(toc\.dat|\d+\.dat(\.gz|\.lz4|\.zst)?|blobs(_\d+)?\.toc|blob_\d+\.dat(\.gz|\.lz4|\.zst)?)$/;

/**
 * Whether `path` is a folder pg_dump wrote with `--format=directory`: a `toc.dat` starting with
 * `PGDMP`, and nothing but pg_dump's own files (`<id>.dat[.gz|.lz4|.zst]`, `blobs*.toc`,
 * `blob_<oid>.dat`): only such a folder may be replaced by `overwrite`.
 *
 * ### Examples
 * ```ts
 * await isDirectoryDump('/backups/app.dir'); // true
 * ```
 */
export async function isDirectoryDump(path: string): Promise<boolean> {
  const entries = await fs.readdir(path, { withFileTypes: true }).catch(() => undefined);
  if (!entries?.some((e) => e.name === 'toc.dat')) return false;
  if (!entries.every((e) => e.isFile() && DIRECTORY_DUMP_FILE.test(e.name))) return false;
  const handle = await fs.open(join(path, 'toc.dat'), 'r');
  try {
    const head = Buffer.alloc(5);
    await handle.read(head, 0, 5, 0);
    return head.toString('latin1') === 'PGDMP';
  } finally {
    await handle.close();
  }
}

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

/**
 * How far a tool has read `file`: the position of its open descriptor on it (Linux
 * `/proc/<pid>/fdinfo`), or undefined where that cannot be seen (another system, a closed file).
 */
async function readPosition(pid: number, file: string): Promise<number | undefined> {
  const fdDir = `/proc/${pid}/fd`;
  const fds = await fs.readdir(fdDir).catch(() => [] as string[]);
  for (const fd of fds) {
    const target = await fs.readlink(join(fdDir, fd)).catch(() => undefined);
    if (target !== file) continue;
    const info = await fs.readFile(`/proc/${pid}/fdinfo/${fd}`, 'utf8').catch(() => '');
    const pos = /^pos:\s*(\d+)/m.exec(info)?.[1];
    if (pos !== undefined) return Number(pos);
  }
  return undefined;
}

/**
 * A restore's progress by the bytes of the source the tool has read (a custom or tar archive is
 * read front to back), sampled twice a second; undefined until the first sample.
 */
function sampleSourceRead(file: string, size: number, ctx: OperationContext): { onStart: (pid: number) => void; stop: () => void; percent: () => number | undefined } {
  let timer: NodeJS.Timeout | undefined;
  let last: number | undefined;
  return {
    onStart: (pid) => {
      timer = setInterval(() => {
        void readPosition(pid, file).then((pos) => {
          if (pos === undefined || size <= 0) return;
          last = Math.max(last ?? 0, Math.min(99, Math.floor((pos / size) * 100)));
          ctx.progress({ percent: last, bytes: pos });
        });
      }, 500);
      timer.unref();
    },
    stop: () => {
      if (timer) clearInterval(timer);
    },
    // undefined until a sample came, or when pg_restore's descriptor cannot be seen (parallel workers, not Linux)
    percent: () => last,
  };
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

async function hasUserObjects(conn: PostgreSQLConnection, database: string, signal: AbortSignal): Promise<boolean> {
  const rows = await conn.query<{ has_objects: boolean }>(HAS_USER_OBJECTS_SQL, [], { database, signal });
  await conn.release(database);
  return rows[0]?.has_objects === true;
}

async function otherSessions(conn: PostgreSQLConnection, database: string, signal?: AbortSignal): Promise<number> {
  await conn.release(database);
  const s = countSessions(database);
  const rows = await conn.query<{ n: string }>(s.text, s.params, { signal });
  return Number(rows[0]?.n ?? 0);
}

function inUse(database: string, sessions: number, how: 'replace' | 'clean' = 'replace'): DatabaseInUseError {
  return new DatabaseInUseError(`${sessions} other session${sessions === 1 ? ' is' : 's are'} connected to '${database}'; restore with ${how} would ${how === 'replace' ? 'end them' : 'drop objects they use'}`, {
    sessions,
    engine: 'postgresql',
    operation: 'restore',
    hint: 'close them, or pass force: true to end them',
  });
}

/**
 * A fresh name for a side database: `gds_restore_<pid>_<host>_<hex>` (the copy being restored) or
 * `gds_replaced_<pid>_<host>_<hex>` (the database it replaces, between the two renames), naming the
 * owning process so that a later restore can tell an interrupted one from a running one.
 */
const sideName = (kind: 'restore' | 'replaced'): string => `gds_${kind}_${process.pid}_${hostTag()}_${randomBytes(3).toString('hex')}`;
const SIDE_NAME = /^gds_(restore|replaced)_(\d+)_([0-9a-f]{8})_[0-9a-f]{6}$/;

/**
 * Side databases left by restores whose process is gone (`kill -9`, a crash): a `gds_restore_*`
 * copy made on this host by a dead process is dropped (it never held anything but a partial
 * restore); a `gds_replaced_*` one holds the data an interrupted swap renamed aside and is only
 * reported, as are those of live processes and other hosts.
 */
async function dropLeftovers(ctx: OperationContext, conn: PostgreSQLConnection, num: number): Promise<void> {
  const rows = await conn.query<{ datname: string }>("select datname from pg_catalog.pg_database where datname ~ '^gds_(restore|replaced)_' order by 1", [], { signal: ctx.signal });
  for (const { datname } of rows) {
    const m = SIDE_NAME.exec(datname);
    const pid = Number(m?.[2]);
    const here = m?.[3] === hostTag();
    const running = here && (pid === process.pid || processAlive(pid));
    if (!m) ctx.message(`database '${datname}' looks like a side database of an older gds restore; left alone (drop it if no restore is running)`);
    else if (running) continue; // a restore in progress
    else if (m[1] === 'replaced') ctx.message(`database '${datname}' holds the data an interrupted restore (process ${pid}${here ? '' : ' on another host'}) renamed aside: rename it back, or drop it`);
    else if (!here) ctx.message(`left database '${datname}' alone: the side database of a restore on another host (process ${pid} there)`);
    else if (ctx.dryRun) ctx.message(`would drop '${datname}', the side database of an interrupted restore (process ${pid} is gone)`);
    else {
      const s = dropDatabaseIfExists(datname, num >= 130000);
      ctx.record(describeStatement(s));
      await conn.query(s.text, s.params, { signal: ctx.signal }).then(
        () => ctx.message(`dropped '${datname}', the side database of an interrupted restore (process ${pid} is gone)`),
        (error: unknown) => ctx.message(`could not drop '${datname}', the side database of an interrupted restore: ${(error as Error).message}`),
      );
    }
  }
}

/**
 * Reads the whole dump before anything changes: a plain dump is scanned (no psql meta-commands,
 * pg_dump's header and completion line); any other format is read by `pg_restore --list` and
 * `pg_restore --file=/dev/null` (every data block, so a truncated or corrupted file fails here).
 */
async function readWholeDump(ctx: OperationContext, conn: PostgreSQLConnection, path: string, format: DumpFormat, tool: PgTool): Promise<{ entries: number; tables: number; scan?: PlainDumpScan }> {
  if (format === 'plain') {
    const scan = await checkPlainDump(path, ctx.operation);
    return { entries: scan.entries, tables: scan.copyBlocks, scan };
  }
  const argv = recordReads(ctx, tool, path);
  const entries = await listEntries(tool, argv.list, conn, ctx.signal).catch((error: unknown) => {
    throw unreadable(path, error, ctx.operation);
  });
  // the structure first: pg_restore can wait for ever on a tar dump cut inside a member
  await checkStructure(path, format, entries, ctx.operation);
  await runTool(tool, argv.readAll, { env: toolEnv(conn.config), signal: ctx.signal }).catch((error: unknown) => {
    throw unreadable(path, error, ctx.operation);
  });
  return { entries: entries.length, tables: entries.filter((l) => / TABLE DATA /.test(l)).length };
}

/** The checks pg_restore does not make (postgres-verify.ts): a truncated tar or directory dump is refused. */
async function checkStructure(path: string, format: DumpFormat, entries: readonly string[], operation: string): Promise<void> {
  try {
    if (format === 'tar') await checkTarDump(path, entries);
    else if (format === 'directory') await checkDirectoryDump(path, entries);
  } catch (error) {
    if (error instanceof DumpStructureError) throw new ValidationError('Invalid backup source', [{ path: '/source', message: `${path}: ${error.message}` }], { engine: 'postgresql', operation });
    throw error;
  }
}

function unreadable(path: string, error: unknown, operation: string): unknown {
  if (!ExternalToolError.isInstance(error)) return error;
  return new ExternalToolError(`${path} is not a readable pg_dump backup: ${error.message}`, { tool: error.tool, engine: 'postgresql', operation, exitCode: error.exitCode, stderr: error.stderr, cause: error });
}

/** Scans a plain dump (see postgres-plain-dump.ts) and checks pg_dump's completion line. */
async function checkPlainDump(path: string, operation: string): Promise<PlainDumpScan> {
  const invalid = (message: string) => new ValidationError('Invalid backup source', [{ path: '/source', message }], { engine: 'postgresql', operation });
  let scan: PlainDumpScan;
  try {
    scan = await scanPlainDump(path);
  } catch (error) {
    if (error instanceof PlainDumpRefusal) throw invalid(error.message);
    throw error;
  }
  const handle = await fs.open(path, 'r');
  try {
    const { size } = await handle.stat();
    const tail = Buffer.alloc(Math.min(size, 1_024));
    await handle.read(tail, 0, tail.length, size - tail.length);
    // the completion comment is followed by '--', blank lines and, since the 2025 security releases, \unrestrict
    const text = tail.toString('utf8');
    const at = text.lastIndexOf('-- PostgreSQL database dump complete\n');
    const after = at < 0 ? undefined : text.slice(at + '-- PostgreSQL database dump complete\n'.length);
    if (after === undefined || !after.split('\n').every((l) => l === '' || l === '--' || /^\\unrestrict [A-Za-z0-9]+$/.test(l))) throw invalid(`${path} is a plain SQL dump without pg_dump's completion line: it is incomplete`);
  } finally {
    await handle.close();
  }
  return scan;
}

/**
 * The plain dump for psql's standard input: gds's own `\restrict KEY` first (when psql knows it),
 * pg_dump's restrict lines (found by the scan) left out. Exported for tests, not by the package.
 *
 * ### Examples
 * ```ts
 * await runTool(psql, ['-X', '-f', '-', target], { env, stdin: plainFeed(path, scan, key, () => {}) });
 * ```
 */
export async function* plainFeed(path: string, scan: PlainDumpScan, key: string | undefined, onBytes: (n: number) => void): AsyncGenerator<Buffer> {
  if (key) yield Buffer.from(`\\restrict ${key}\n`);
  let offset = 0;
  const skip = [...scan.restrictLines];
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    const start = offset;
    offset += chunk.length;
    let from = 0;
    while (skip.length && skip[0]![0] < offset) {
      const [a, b] = skip[0]!;
      if (a - start > from) yield chunk.subarray(from, a - start);
      if (b > offset) {
        skip[0] = [offset, b];
        from = chunk.length;
        break;
      }
      from = Math.max(from, b - start);
      skip.shift();
    }
    if (from < chunk.length) yield chunk.subarray(from);
    onBytes(offset);
  }
}

/**
 * Restores `database` from `source` with pg_restore (or psql for a plain dump). Nothing changes
 * until the whole source was read and accepted (see {@link readWholeDump}). A new database, or one
 * being replaced, is restored into a side database (`gds_restore_<hex>`) and renamed into place
 * only when the restore succeeded; the database it replaces is renamed aside and dropped last. A
 * failed or cancelled restore drops the side database (or names it, if that fails). `replace` with
 * other sessions connected is refused unless `force`, which ends them just before the swap.
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
  await dropLeftovers(ctx, conn, num);
  const serverMajor = Math.floor(num / 10000);
  const tool = await findTool(format === 'plain' ? 'psql' : 'pg_restore', { binDir: options.binDir ?? conn.config.binDir, serverMajor });
  const reader = format === 'plain' ? tool : await findTool('pg_restore', { binDir: options.binDir ?? conn.config.binDir, serverMajor });
  if (format === 'plain') {
    // psql without \restrict would run a meta-command the scan missed: refused, before anything changes
    try {
      requirePsqlRestrict(tool.version);
    } catch (error) {
      throw new ValidationError('Invalid restore tool', [{ path: '/binDir', message: (error as Error).message }], { engine: 'postgresql', operation: 'restore' });
    }
  }
  const existsRows = await conn.query<{ n: string }>('select count(*) as n from pg_catalog.pg_database where datname = $1', [database], { signal: ctx.signal });
  const exists = Number(existsRows[0]?.n) > 0;

  if (exists && !options.replace && !options.clean && (await hasUserObjects(conn, database, ctx.signal))) {
    throw new ValidationError(`Refusing to restore into '${database}', which already holds objects`, [
      { path: '/replace', message: 'pass replace: true to replace the database (restored aside, then swapped), or clean: true to drop each restored object first' },
    ], { engine: 'postgresql', operation: 'restore' });
  }
  if (!exists && options.create === false) {
    throw new DatabaseNotFoundError(`Database '${database}' does not exist and create is false`, { engine: 'postgresql', operation: 'restore' });
  }
  const replacing = exists && options.replace === true;
  // clean drops objects in place under the other sessions' feet: the same rule as replace and drop
  if (replacing || (exists && options.clean)) {
    const sessions = await otherSessions(conn, database, ctx.signal);
    if (sessions > 0 && !options.force) throw inUse(database, sessions, options.clean ? 'clean' : 'replace');
    if (sessions > 0 && options.clean) await ctx.step(terminateSessions(database), (st) => conn.query(st.text, st.params, { signal: ctx.signal }));
  }

  // 1. read the whole source: a bad file is refused before anything changes
  const read = ctx.dryRun && format !== 'plain' ? undefined : await readWholeDump(ctx, conn, path, format, reader);
  if (ctx.dryRun && format !== 'plain') {
    recordReads(ctx, reader, path);
  }
  ctx.throwIfAborted();

  // 2. restore into the side database (or in place into an existing empty one, or with clean)
  const inPlace = exists && !replacing;
  const into = inPlace ? database : sideName('restore');
  const run = async (s: Statement) => ctx.step(s, (st) => conn.query(st.text, st.params, { signal: ctx.signal }));
  const old = replacing ? await readDatabaseProperties(conn, database, num, ctx.signal) : undefined;
  const createSide = createDatabase(into, old ? sideCreateOptions(old, num) : { template: 'template0' });
  let templated = false; // the side database was made a template (it must be made ordinary again to be dropped)
  const restrictKey = format === 'plain' ? randomBytes(24).toString('hex') : undefined;
  const target = `--dbname=${conninfo(conn.config, into)}`;
  const args =
    format === 'plain'
      ? ['-X', '-q', '-v', 'ON_ERROR_STOP=1', ...(options.singleTransaction ? ['--single-transaction'] : []), '-f', '-', target]
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
  const recordTool = () => ctx.record(format === 'plain' ? `${commandLine(tool.path, args)} < ${commandLine(path, [])}` : commandLine(tool.path, args));

  const dropSide = async (): Promise<string | undefined> => {
    if (inPlace || ctx.dryRun) return undefined;
    // IF EXISTS: a cancel may have come before (or while) CREATE DATABASE ran
    const s = dropDatabaseIfExists(into, num >= 130000);
    try {
      if (templated) {
        const t = isTemplate(into, false);
        ctx.record(describeStatement(t));
        await conn.query(t.text, t.params).catch(() => undefined); // the DROP below says what remains
      }
      ctx.record(describeStatement(s));
      await conn.release(into);
      await conn.query(s.text, s.params); // no signal: the cleanup must run after a cancel too
      return undefined;
    } catch (error) {
      return `the partial restore remains as database '${into}' (dropping it failed: ${(error as Error).message}); drop it by hand`;
    }
  };
  const failWith = async (error: unknown): Promise<never> => {
    const left = await dropSide();
    const note = left ?? (inPlace ? inPlaceNote(database, options) : undefined);
    if (note) {
      ctx.message(note);
      if (error instanceof Error) error.message = `${error.message}; ${note}`;
    }
    throw error;
  };

  /** Gives the side database the properties of the one it replaces, and checks them (see postgres-db-properties.ts). */
  const carryOver = async (): Promise<void> => {
    if (!old) return;
    const wanted = ctx.dryRun ? old : await readDatabaseProperties(conn, database, num, ctx.signal);
    const current = ctx.dryRun ? freshProperties(old) : await readDatabaseProperties(conn, into, num, ctx.signal);
    if (!wanted || !current) throw new DatabaseNotFoundError(`Database '${wanted ? into : database}' disappeared during the restore`, { engine: 'postgresql', operation: 'restore' });
    templated = wanted.isTemplate; // before: a failure half-way must still find the side database droppable
    for (const s of carryOverStatements(into, wanted, current)) await run(s);
    if (ctx.dryRun) return;
    const now = await readDatabaseProperties(conn, into, num, ctx.signal);
    const differ = now ? propertyDifferences(wanted, now) : ['all'];
    if (differ.length) {
      throw new UnsupportedOperationError(`Cannot replace '${database}': the restored copy could not be given its ${differ.join(', ')} (${differ.map((k) => shown(wanted, k)).join('; ')})`, {
        engine: 'postgresql',
        operation: 'restore',
        hint: 'restore under a new name, set these properties on it, then rename',
      });
    }
  };

  if (ctx.dryRun) {
    if (!inPlace) await run(createSide);
    recordTool();
    await carryOver();
    await swap(ctx, conn, database, into, replacing, options, num, true, old?.isTemplate === true);
    return { message: `would restore ${database} from ${path} (${format}) with ${tool.name} ${tool.version}${inPlace ? '' : ` into ${into}, then rename it to ${database}`}` };
  }
  try {
    if (!inPlace) await run(createSide);
    recordTool();
    const total = read?.tables ?? 0;
    let done = 0;
    const size = format === 'plain' || format === 'custom' || format === 'tar' ? (await fs.stat(path)).size : 0;
    // a custom or tar archive: by the bytes pg_restore has read of it (a table counts only once read)
    const seesFds = await fs.access('/proc/self/fdinfo').then(() => true, () => false); // Linux
    const sourceRead = (format === 'custom' || format === 'tar') && (options.jobs ?? 1) <= 1 && seesFds ? sampleSourceRead(await fs.realpath(path), size, ctx) : undefined;
    await runTool(tool, args, {
      env: toolEnv(conn.config),
      signal: ctx.signal,
      onStart: sourceRead?.onStart,
      stdin: read?.scan ? plainFeed(path, read.scan, restrictKey, (n) => ctx.progress({ percent: size ? Math.min(99, Math.round((n / size) * 100)) : undefined, bytes: n })) : undefined,
      onStderrLine: (line) => {
        if (/processing data for table/.test(line)) {
          done++;
          const byTables = total ? Math.min(99, Math.round((done / total) * 100)) : undefined;
          // with the archive's read position known, the table count (which says 99% when the last, maybe biggest, table starts) is not used
          ctx.progress({ percent: sourceRead ? sourceRead.percent() : byTables, message: line });
        } else if (!/^pg_restore: (creating|processing|connecting|executing|launching|finished)/.test(line)) {
          ctx.message(line);
        }
      },
    }).finally(() => sourceRead?.stop());
    ctx.throwIfAborted();
    await carryOver();
  } catch (error) {
    return failWith(error);
  }

  // 3. swap names (not cancellable half-way; a cancel that came during the renames undoes them).
  // Progress 100 is reported before: a callback that cancels on it cancels a restore not yet swapped.
  ctx.progress({ percent: 100 });
  let swapped: { ended: number; note?: string };
  try {
    swapped = await swap(ctx, conn, database, into, replacing, options, num, false, old?.isTemplate === true);
  } catch (error) {
    return failWith(error);
  }
  const extra = [swapped.ended ? `ended ${swapped.ended} other session${swapped.ended === 1 ? '' : 's'}` : '', swapped.note ?? ''].filter(Boolean);
  return { message: `restored ${database} from ${path} (${format})${replacing ? ', replacing the previous database' : ''}${extra.length ? `; ${extra.join('; ')}` : ''}` };
}

/** One property of `p`, as an error message shows it. */
function shown(p: DatabaseProperties, key: string): string {
  const value = (p as unknown as Record<string, unknown>)[key];
  return `${key} ${JSON.stringify(value)}`;
}

function inPlaceNote(database: string, options: PostgreSQLRestoreOptions): string | undefined {
  if (options.singleTransaction) return undefined;
  return options.clean
    ? `'${database}' was restored in place with clean: objects dropped and recreated before the failure stay so (replace restores aside and swaps)`
    : `'${database}' was empty: objects restored before the failure remain in it (singleTransaction makes it all or nothing)`;
}

/**
 * Puts the side database `into` in place of `database`: renames the old one aside, the new one
 * in, drops the old one; with `force`, ends the other sessions right before. Runs without the
 * cancellation signal once started, undoes the first rename if the second fails, and undoes both
 * renames (then throws) if the operation was cancelled while they ran; only a cancel during the
 * final DROP of the old database comes too late (the result's messages say so). A template
 * (`asideIsTemplate`) is made an ordinary database right before that DROP (PostgreSQL refuses to
 * drop a template), and made a template again if the DROP fails.
 */
async function swap(
  ctx: OperationContext,
  conn: PostgreSQLConnection,
  database: string,
  into: string,
  replacing: boolean,
  options: PostgreSQLRestoreOptions,
  num: number,
  dryRun: boolean,
  asideIsTemplate: boolean,
): Promise<{ ended: number; note?: string }> {
  if (into === database) return { ended: 0 };
  const exec = async (s: Statement): Promise<void> => {
    ctx.record(describeStatement(s));
    if (!dryRun) await conn.query(s.text, s.params);
  };
  await conn.release(into);
  const aside = sideName('replaced');
  // The caller is told "cancelled" as soon as the signal aborts, so a cancel that came while the
  // names were being swapped must find the databases as they were: undo, then throw.
  const undoIfCancelled = async (undo: Statement[]): Promise<void> => {
    if (dryRun || !ctx.signal.aborted) return;
    for (const s of undo) {
      ctx.record(describeStatement(s));
      try {
        await conn.query(s.text, s.params); // no signal: the undo must run after the cancel
      } catch (error) {
        const left = `cancelled during the swap, and undoing it failed (${(error as Error).message}): '${database}' may hold the restored data${replacing ? `, the previous database is named '${aside}'` : ''}`;
        ctx.message(left);
        if (error instanceof Error) error.message = left;
        throw error;
      }
    }
    ctx.throwIfAborted();
  };
  if (!replacing) {
    await exec(renameDatabase(into, database));
    await undoIfCancelled([renameDatabase(database, into)]);
    return { ended: 0 };
  }
  let ended = 0;
  for (let attempt = 0; ; attempt++) {
    const sessions = dryRun ? 0 : await otherSessions(conn, database);
    if (sessions > 0 && !options.force) throw inUse(database, sessions);
    if (sessions > 0 || (dryRun && options.force)) {
      await exec(terminateSessions(database));
      ended += sessions;
    }
    try {
      await exec(renameDatabase(database, aside));
      break;
    } catch (error) {
      // a session connected between the count and the rename (55006): count again
      if ((error as { code?: string }).code !== '55006' || attempt >= 4) throw error;
    }
  }
  try {
    await exec(renameDatabase(into, database));
  } catch (error) {
    const undo = await conn.query(renameDatabase(aside, database).text).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    if (undo && error instanceof Error) error.message = `${error.message}; the previous database is now named '${aside}' (renaming it back failed: ${undo.message})`;
    throw error;
  }
  await undoIfCancelled([renameDatabase(database, into), renameDatabase(aside, database)]);
  let untemplated = false;
  try {
    if (asideIsTemplate) {
      await exec(isTemplate(aside, false));
      untemplated = true;
    }
    await exec(dropDatabase(aside, num >= 130000));
    // past the point of no return: a cancel now cannot stop it, so the failed result says so
    if (!dryRun && ctx.signal.aborted) ctx.message(`the cancel came after the swap: '${database}' was restored and the previous database dropped`);
    return { ended };
  } catch (error) {
    if (untemplated) await conn.query(isTemplate(aside, true).text).catch(() => undefined); // as it was
    const note = `the previous database is kept as '${aside}' (dropping it failed: ${(error as Error).message}); drop it when no longer needed`;
    ctx.message(note);
    return { ended, note };
  }
}

/** pg_restore's two reads of a whole dump (its table of contents, then every data block), recorded with the argv that runs. */
function recordReads(ctx: OperationContext, tool: PgTool, path: string): { list: string[]; readAll: string[] } {
  const argv = { list: ['--list', path], readAll: ['--file=/dev/null', path] };
  ctx.record(commandLine(tool.path, argv.list));
  ctx.record(commandLine(tool.path, argv.readAll));
  return argv;
}

async function listEntries(tool: PgTool, argv: readonly string[], conn: PostgreSQLConnection, signal?: AbortSignal): Promise<string[]> {
  const { stdout } = await runTool(tool, argv, { env: toolEnv(conn.config), signal });
  return stdout.split('\n').filter((l) => l.trim() && !l.startsWith(';'));
}


/**
 * Checks a dump without restoring it, and rejects when it is bad (so that a forgotten check of
 * `valid` cannot hide a broken backup): for custom, directory and tar dumps `pg_restore --list`
 * reads the table of contents and `pg_restore --file=/dev/null` reads every data block (a
 * truncated file fails there, though its table of contents is intact); a plain SQL dump must start
 * with pg_dump's header, end with its completion line and hold no psql meta-command.
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
    const scan = await checkPlainDump(path, 'verifyBackup');
    return { message: `${path}: complete plain SQL dump, ${scan.entries} entries, no psql meta-commands`, data: { source: path, valid: true, entries: scan.entries, details: { format, copyBlocks: scan.copyBlocks } } };
  }
  const tool = await findTool('pg_restore', { binDir: options.binDir ?? conn.config.binDir });
  const argv = recordReads(ctx, tool, path);
  const entries = await listEntries(tool, argv.list, conn, ctx.signal);
  await checkStructure(path, format, entries, 'verifyBackup'); // first: see readWholeDump
  await runTool(tool, argv.readAll, { env: toolEnv(conn.config), signal: ctx.signal });
  const tables = entries.filter((l) => / TABLE DATA /.test(l)).length;
  return { message: `${path}: ${entries.length} entries (${tables} with table data), ${format} format, every data block read`, data: { source: path, valid: true, entries: entries.length, details: { format, tablesWithData: tables } } };
}
