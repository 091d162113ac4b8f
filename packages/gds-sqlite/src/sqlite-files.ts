/**
 * The file-level steps of SQLite operations: reading a database file's header, opening a file
 * read-only without leaving companions behind, taking the lock that proves no other connection
 * uses a file, running one statement object, and removing a file with its companions.
 *
 * @module
 */
import { promises as fs } from 'node:fs';
import { DatabaseInUseError } from '@gds/database';
import type { OperationContext } from '@gds/database/engine';
import type { DriverHandle, SQLiteConnection } from './sqlite-connection.js';
import { errorCodeOf } from './sqlite-errors.js';
import { COMPANIONS } from './sqlite-metadata.js';
import * as S from './sqlite-statements.js';

/** The first 16 bytes of every SQLite 3 database file. */
export const MAGIC = Buffer.from('SQLite format 3\u0000', 'latin1');

/** What the 100-byte header of a database file says. */
export interface FileHeader {
  /** Page size in bytes. */
  pageSize: number;
  /** The page count the header records, when valid (SQLite 3.7.0+ writers). */
  pageCount?: number;
  /** Whether the file is a WAL database (write/read versions 2). */
  wal: boolean;
  /** The file's size in bytes. */
  size: number;
}

/**
 * Reads and checks a file's SQLite header; returns the problems instead when it is not a whole
 * SQLite database file (missing, empty, another format, a page size SQLite never writes, shorter
 * than its header says). `live`: a database other connections may be using, whose length is not
 * checked: a checkpoint (or a commit) writes page 1 with the new page count before the file has
 * grown, so a header ahead of the length is normal there (a backup read it so 100 times in 102
 * while another process checkpointed); SQLite itself reads such a file right.
 *
 * ### Examples
 * ```ts
 * const h = await readHeader('/b/app.db');                      // a backup file: whole or refused
 * const live = await readHeader('/data/app.db', { live: true }); // a database in use
 * if ('problems' in h) console.log(h.problems);
 * ```
 */
export async function readHeader(file: string, options: { live?: boolean } = {}): Promise<FileHeader | { problems: string[] }> {
  const stat = await fs.lstat(file).catch(() => undefined);
  if (!stat) return { problems: [`${file} does not exist`] };
  if (!stat.isFile()) return { problems: [`${file} is not a regular file`] };
  if (stat.size < 100) return { problems: [`${file} is ${stat.size} bytes long: too short for an SQLite database (a header is 100 bytes)`] };
  const buf = Buffer.alloc(100);
  const fd = await fs.open(file, 'r');
  try {
    await fd.read(buf, 0, 100, 0);
  } finally {
    await fd.close();
  }
  if (!buf.subarray(0, 16).equals(MAGIC)) return { problems: [`${file} is not an SQLite 3 database (its first bytes are not "SQLite format 3")`] };
  const raw = buf.readUInt16BE(16);
  const pageSize = raw === 1 ? 65536 : raw;
  if (pageSize < 512 || (pageSize & (pageSize - 1)) !== 0) return { problems: [`${file} has an invalid page size (${raw})`] };
  const counted = buf.readUInt32BE(24) === buf.readUInt32BE(92) ? buf.readUInt32BE(28) : undefined;
  const pageCount = counted !== undefined && counted > 0 ? counted : undefined;
  const wal = buf[18] === 2 && buf[19] === 2;
  if (!options.live && pageCount !== undefined && stat.size < pageCount * pageSize) {
    return { problems: [`${file} is ${stat.size} bytes long but its header records ${pageCount} pages of ${pageSize} bytes (${pageCount * pageSize}): it is truncated`] };
  }
  return { pageSize, ...(pageCount === undefined ? {} : { pageCount }), wal, size: stat.size };
}

/** Runs one statement object on a handle: rows for a statement that returns them. */
export function execute(handle: DriverHandle, s: S.Statement): unknown[] {
  const prepared = handle.prepare(s.text);
  if (prepared.reader) return prepared.all(...s.params);
  prepared.run(...s.params);
  return [];
}

/**
 * Opens `file` read-only, runs `body`, closes it, and removes the `-wal`/`-shm` files the
 * opening created (a read-only connection to a WAL file makes them and leaves them): the file is
 * left with exactly the companions it had.
 */
export async function withReadOnly<T>(conn: SQLiteConnection, file: string, body: (h: DriverHandle) => T | Promise<T>): Promise<T> {
  const had = new Set<string>();
  for (const suffix of COMPANIONS) if (await exists(`${file}${suffix}`)) had.add(suffix);
  try {
    return await conn.use(file, { readonly: true }, body);
  } finally {
    for (const suffix of ['-wal', '-shm'] as const) {
      if (had.has(suffix)) continue;
      const s = await fs.stat(`${file}${suffix}`).catch(() => undefined);
      if (s && (suffix === '-shm' || s.size === 0)) await fs.rm(`${file}${suffix}`, { force: true });
    }
  }
}

async function exists(path: string): Promise<boolean> {
  return (await fs.lstat(path).catch(() => undefined)) !== undefined;
}

/** How long the lock steps wait for a transient reader before calling the file in use. */
export const LOCK_WAIT_MS = 250;

/** The DatabaseInUseError for a file another connection holds. */
export function inUse(name: string, file: string, operation: string, cause?: unknown): DatabaseInUseError {
  return new DatabaseInUseError(`'${name}' is in use: another connection holds a lock on ${file}`, {
    engine: 'sqlite',
    operation,
    cause,
    hint: 'close it in the process that holds it; gds cannot end another process\'s connection, and force does not break a lock',
  });
}

/**
 * A handle on `file` holding an exclusive lock (`BEGIN EXCLUSIVE`, after leaving WAL mode for a
 * WAL file: SQLite refuses that while any other connection has the file open), proving no other
 * connection (of any process) reads or writes it; DatabaseInUseError otherwise. `undefined` in a
 * dry run (the steps recorded). `restore()` undoes a WAL switch if it fails later.
 */
export async function lockExclusive(ctx: OperationContext, conn: SQLiteConnection, name: string, file: string, wal: boolean): Promise<DriverHandle | undefined> {
  const h = ctx.dryRun ? undefined : await conn.open(file, { busyTimeoutMs: LOCK_WAIT_MS });
  const busy = <T>(work: () => T): T => {
    try {
      return work();
    } catch (error) {
      const code = errorCodeOf(error) ?? '';
      if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) throw inUse(name, file, ctx.operation, error);
      throw error;
    }
  };
  try {
    if (wal) {
      const rows = await ctx.step(S.leaveWal(file), async (s) => busy(() => execute(h!, s)));
      const mode = (rows?.[0] as { journal_mode?: string } | undefined)?.journal_mode;
      if (rows && mode !== 'delete') throw inUse(name, file, ctx.operation);
    }
    await ctx.step(S.beginExclusive(file), async (s) => busy(() => execute(h!, s)));
    return h;
  } catch (error) {
    if (h) conn.closeHandle(h);
    throw error;
  }
}

/** Removes `file` and its companions (missing ones ignored); returns what it removed. */
export async function removeWithCompanions(file: string): Promise<string[]> {
  const removed: string[] = [];
  for (const path of [file, ...COMPANIONS.map((c) => `${file}${c}`)]) {
    if (await exists(path)) {
      await fs.rm(path, { force: true });
      removed.push(path);
    }
  }
  return removed;
}
