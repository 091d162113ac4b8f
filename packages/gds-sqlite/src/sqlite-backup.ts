/**
 * Backup, verification and restore of SQLite database files.
 *
 * - backup: SQLite's online backup API (better-sqlite3's `backup()`), from a read transaction
 *   held on the source for the whole copy, so that the copy is ONE snapshot even while other
 *   processes write (in WAL mode they go on writing; with a rollback journal they wait, up to
 *   their busy timeout, for the copy to end); without that transaction the API restarts after
 *   every write by another connection and may never finish. Progress is reported by pages after
 *   each step and cancellation is checked between steps. Or `VACUUM INTO ?` (a compacted copy in
 *   one statement). The copy is written under a temporary name next to the target and renamed
 *   into place (`moveIntoPlace`) only when it is complete.
 * - verify: the header checked (magic, page size, length against the recorded page count), then
 *   the file opened read-only and `PRAGMA integrity_check` (or `quick_check`) run.
 * - restore: the source verified first, copied with the backup API to a temporary file next to
 *   the target, then renamed over it while an exclusive lock on the old file proves that no
 *   connection uses it (refused with DatabaseInUseError otherwise). Nothing is left behind on
 *   failure: the target is untouched until the rename.
 *
 * @module
 */
import { promises as fs } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { ValidationError, type BackupInfo, type BackupVerification } from '@gds/database';
import { inspectOverwrite, moveIntoPlace, partialPath, removeStalePartials, type OperationContext, type OperationOutcome } from '@gds/database/engine';
import type { DriverHandle, SQLiteConnection } from './sqlite-connection.js';
import { execute, lockExclusive, readHeader, removeWithCompanions, withReadOnly, type FileHeader } from './sqlite-files.js';
import type { SQLiteBackupOptions, SQLiteRestoreOptions, SQLiteVerifyOptions } from './sqlite-options.js';
import * as S from './sqlite-statements.js';

/** Bytes copied per backup step when `pagesPerStep` is not given. */
export const DEFAULT_STEP_BYTES = 4 * 1024 * 1024;

/** Pages per step for a page size. */
const stepPages = (pageSize: number, given?: number) => given ?? Math.max(1, Math.floor(DEFAULT_STEP_BYTES / pageSize));

/**
 * Copies `source` to `destination` with the online backup API from one read transaction
 * (one snapshot), reporting progress after each step and stopping between steps when the
 * operation is cancelled. Runs the statements as steps of `ctx` (a dry run records them).
 */
export async function copyOnline(
  ctx: OperationContext,
  conn: SQLiteConnection,
  source: string,
  destination: string,
  options: { pagesPerStep?: number; live: boolean; pageSize: number; mmap?: boolean },
): Promise<{ pages: number }> {
  const copy = async (h: DriverHandle | undefined): Promise<{ pages: number }> => {
    // this handle is gds's own, opened for the copy and closed after it: the setting ends with it
    if (options.mmap) await ctx.step(S.mmapSize(S.MAX_MMAP_BYTES, source), async (s) => execute(h!, s));
    await ctx.step(S.beginRead(source), async (s) => execute(h!, s));
    await ctx.step(S.snapshotRead(source), async (s) => execute(h!, s));
    const rate = stepPages(options.pageSize, options.pagesPerStep);
    ctx.record(`sqlite3_backup_step(${rate}) from ${source} to ${destination}, repeated until done`);
    if (!h) return { pages: 0 };
    try {
      const done = await h.backup(destination, {
        progress: ({ totalPages, remainingPages }) => {
          ctx.throwIfAborted();
          const copied = totalPages - remainingPages;
          ctx.progress({ percent: totalPages ? (100 * copied) / totalPages : 100, bytes: copied * options.pageSize, message: `${copied}/${totalPages} pages` });
          return rate;
        },
      });
      ctx.progress({ percent: 100, bytes: done.totalPages * options.pageSize, message: `${done.totalPages}/${done.totalPages} pages` });
      return { pages: done.totalPages };
    } finally {
      if (h.inTransaction) execute(h, S.commit(source));
    }
  };
  if (ctx.dryRun) return copy(undefined);
  // a live database is opened as any connection would (its -wal/-shm are SQLite's to manage);
  // a backup file read-only, and left with the companions it had
  return options.live ? conn.use(source, {}, copy) : withReadOnly(conn, source, copy);
}

/**
 * Runs integrity_check / quick_check on `file`; the problems SQLite reports ([] when it says ok).
 * A backup file (`live` false) is opened read-only and left with the companions it had; a live
 * database is opened as any connection would, since removing the -shm of a file that another
 * process may open meanwhile would be unsafe.
 */
export async function checkIntegrityOf(ctx: OperationContext, conn: SQLiteConnection, file: string, quick: boolean, maxErrors: number, live = false): Promise<string[] | undefined> {
  const run = async (h: DriverHandle | undefined) => {
    const rows = await ctx.step(S.integrityCheck(quick, maxErrors, file), async (s) => execute(h!, s));
    if (!rows) return undefined;
    const lines = rows.map((r) => String(Object.values(r as Record<string, unknown>)[0]));
    return lines.length === 1 && lines[0] === 'ok' ? [] : lines;
  };
  if (ctx.dryRun) return run(undefined);
  return live ? conn.use(file, {}, run) : withReadOnly(conn, file, run);
}

/**
 * Verifies a backup file: its header, then integrity_check (or quick_check) on it opened
 * read-only. A file that is missing or not a regular file is a ValidationError; a damaged one is
 * reported `valid: false` with SQLite's problems in `details.problems`.
 */
export async function verifyFile(ctx: OperationContext, conn: SQLiteConnection, source: string, options: SQLiteVerifyOptions): Promise<OperationOutcome<BackupVerification>> {
  const header = await readHeader(source);
  if ('problems' in header && !(await fs.lstat(source).then((s) => s.isFile()).catch(() => false))) {
    throw new ValidationError('Invalid backup source', header.problems.map((message) => ({ path: '/source', message })), { engine: 'sqlite', operation: ctx.operation });
  }
  const invalid = (problems: string[]) => ({ message: `${source} is not a valid SQLite backup: ${problems[0]}`, data: { source, valid: false, details: { problems } } });
  if ('problems' in header) return invalid(header.problems);
  let problems: string[] | undefined;
  let entries: number | undefined;
  try {
    problems = await checkIntegrityOf(ctx, conn, source, options.quick ?? false, options.maxErrors ?? 100);
    if (!ctx.dryRun) entries = await withReadOnly(conn, source, (h) => Number((execute(h, S.readMetadata(source))[0] as { tableCount: number }).tableCount));
  } catch (error) {
    return invalid([`SQLite refused it: ${(error as Error).message}`]);
  }
  if (problems === undefined) return { message: `would check ${source}`, data: { source, valid: true } };
  if (problems.length > 0) return invalid(problems);
  const check = options.quick ? 'quick_check' : 'integrity_check';
  return { message: `${source} is a valid SQLite database (${check} ok, ${entries} tables)`, data: { source, valid: true, ...(entries === undefined ? {} : { entries }), details: { check, pageSize: header.pageSize, wal: header.wal, sizeBytes: header.size } } };
}

/** Whether `target` is `file` or one of its companions (by real path, so links and `..` do not hide it). */
async function sameFile(target: string, file: string): Promise<boolean> {
  const real = async (p: string) => join(await fs.realpath(dirname(resolve(p))).catch(() => dirname(resolve(p))), basename(p));
  const [t, f] = [await real(target), await real(file)];
  return t === f || ['-wal', '-shm', '-journal'].some((c) => t === `${f}${c}`);
}

/** Backs the database file `file` up to `target`. */
export async function backupDatabase(ctx: OperationContext, conn: SQLiteConnection, file: string, target: string, options: SQLiteBackupOptions): Promise<OperationOutcome<BackupInfo>> {
  const header = await readHeader(file, { live: true });
  if ('problems' in header) throw new ValidationError('Invalid database file', header.problems.map((message) => ({ path: '/file', message })), { engine: 'sqlite', operation: 'backup' });
  if (await sameFile(target, file)) {
    throw new ValidationError('Invalid backup target', [{ path: '/target', message: `${target} is the database file itself (or one of its -wal/-shm/-journal files)` }], { engine: 'sqlite', operation: 'backup', hint: 'back up to another path; restore() replaces a database file safely' });
  }
  const plan = await inspectOverwrite(target, { overwrite: options.overwrite, isBackupFolder: async () => false, engine: 'sqlite', folderKind: 'SQLite backup' });
  for (const line of (await removeStalePartials(dirname(target), { dryRun: ctx.dryRun })).messages) ctx.message(line);
  const temp = partialPath(target);
  const method = options.method ?? 'backup-api';
  let pages: number;
  try {
    if (method === 'vacuum-into') {
      const vacuumInto = async (h: DriverHandle | undefined) => {
        if (options.mmap) await ctx.step(S.mmapSize(S.MAX_MMAP_BYTES, file), async (s) => execute(h!, s));
        return ctx.step(S.vacuumInto(temp, file), async (s) => execute(h!, s));
      };
      await (ctx.dryRun ? vacuumInto(undefined) : conn.use(file, {}, vacuumInto));
      pages = ctx.dryRun ? 0 : Math.ceil((await fs.stat(temp)).size / header.pageSize);
      ctx.progress({ percent: 100, bytes: pages * header.pageSize, message: `${pages} pages (VACUUM INTO)` });
    } else {
      ({ pages } = await copyOnline(ctx, conn, file, temp, { pagesPerStep: options.pagesPerStep, live: true, pageSize: header.pageSize, mmap: options.mmap }));
    }
    if (options.verify && options.verify !== 'none') {
      const problems = await checkIntegrityOf(ctx, conn, temp, options.verify === 'quick', 100);
      if (problems && problems.length > 0) throw new ValidationError('The backup copy failed its check', problems.map((message) => ({ path: '/target', message })), { engine: 'sqlite', operation: 'backup' });
    }
    ctx.throwIfAborted();
    ctx.record(`rename ${temp} to ${target}${plan.kind === 'none' ? '' : ` (${plan.description})`}`);
    if (ctx.dryRun) return { message: `would back up ${file} to ${target}`, data: { target, type: 'full', format: 'sqlite3' } };
    await moveIntoPlace(temp, plan);
  } catch (error) {
    await removeWithCompanions(temp).catch(() => undefined);
    throw error;
  }
  const sizeBytes = (await fs.stat(target)).size;
  return {
    message: `backed up ${file} to ${target} (${pages} pages, ${sizeBytes} bytes, ${method})`,
    data: { target, type: 'full', sizeBytes, format: 'sqlite3', details: { method, pages, pageSize: header.pageSize, wal: header.wal, source: file } },
  };
}

/** Restores database `name` (file `file`, which exists when `existing`) from `source`. */
export async function restoreDatabase(
  ctx: OperationContext,
  conn: SQLiteConnection,
  name: string,
  file: string,
  existing: boolean,
  source: string,
  options: SQLiteRestoreOptions,
): Promise<OperationOutcome> {
  const verdict = await verifyFile(ctx, conn, source, { quick: options.check === 'quick', maxErrors: 20 });
  if (verdict.data && !verdict.data.valid) {
    const problems = (verdict.data.details?.problems as string[] | undefined) ?? ['invalid'];
    throw new ValidationError('Invalid backup source', problems.map((message) => ({ path: '/source', message })), { engine: 'sqlite', operation: 'restore', hint: 'restore from another backup' });
  }
  const header = (await readHeader(source)) as FileHeader;
  const targetHeader = existing ? await readHeader(file, { live: true }) : undefined;
  const targetWal = targetHeader !== undefined && !('problems' in targetHeader) && targetHeader.wal;
  const wantWal = options.journalMode === 'wal' ? true : options.journalMode === 'delete' ? false : existing ? targetWal : header.wal;
  const temp = partialPath(file);
  let lock: DriverHandle | undefined;
  let leftWal = false;
  try {
    const { pages } = await copyOnline(ctx, conn, source, temp, { pagesPerStep: options.pagesPerStep, live: false, pageSize: header.pageSize });
    if (wantWal !== header.wal) {
      const s = wantWal ? S.enterWal(temp) : S.leaveWal(temp);
      if (ctx.dryRun) await ctx.step(s, async () => undefined);
      else await conn.use(temp, {}, (h) => ctx.step(s, async (st) => execute(h, st)));
    }
    ctx.throwIfAborted();
    if (existing) {
      lock = await lockExclusive(ctx, conn, name, file, targetWal);
      leftWal = targetWal && !ctx.dryRun;
      ctx.throwIfAborted();
      ctx.record(`rename ${temp} to ${file} (replaces the database file while holding its exclusive lock)`);
      if (!ctx.dryRun) {
        for (const suffix of ['-wal', '-shm', '-journal']) await fs.rm(`${file}${suffix}`, { force: true });
        await fs.rename(temp, file);
      }
    } else {
      ctx.record(`rename ${temp} to ${file}`);
      if (!ctx.dryRun) await moveIntoPlace(temp, { kind: 'none', path: file, sizeBytes: 0, description: `writes the new ${file}` });
    }
    leftWal = false;
    if (ctx.dryRun) return { message: `would restore ${name} from ${source}` };
    return { message: `restored ${name} from ${source} (${pages} pages${existing ? ', replaced the previous file' : ''})` };
  } catch (error) {
    if (lock && leftWal) {
      try {
        execute(lock, S.rollback(file));
        execute(lock, S.enterWal(file));
      } catch {
        // the lock is released below; the file stays in rollback-journal mode, which loses nothing
      }
    }
    await removeWithCompanions(temp).catch(() => undefined);
    throw error;
  } finally {
    if (lock) conn.closeHandle(lock);
  }
}
