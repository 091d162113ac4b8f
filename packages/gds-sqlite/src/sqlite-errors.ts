/**
 * SQLite's error table: SQLite result codes (better-sqlite3's `SqliteError.code`, e.g.
 * `SQLITE_BUSY_SNAPSHOT`, matched by their primary code `SQLITE_BUSY`) and the file system's
 * errno names to the gds hierarchy, with a hint per code. The driver error is kept as `cause`.
 *
 * @module
 */
import type { ErrorKind } from '@gds/database';
import { mapErrorWith, type ErrorClassification } from '@gds/database/engine';

/**
 * Primary result code or errno name to error kind, with the hint for it.
 *
 * ### Examples
 * ```ts
 * SQLITE_ERROR_TABLE.SQLITE_BUSY.kind; // 'DATABASE_IN_USE'
 * ```
 */
export const SQLITE_ERROR_TABLE: Readonly<Record<string, { kind: ErrorKind; hint: string; retryable?: boolean }>> = Object.freeze({
  SQLITE_BUSY: { kind: 'DATABASE_IN_USE', hint: 'another connection (possibly another process) holds a lock on the file: wait for it, or raise busyTimeoutMs' },
  SQLITE_LOCKED: { kind: 'DATABASE_IN_USE', hint: 'a table is locked by another statement of the same connection' },
  SQLITE_READONLY: { kind: 'PERMISSION_DENIED', hint: 'the file, its folder or the connection is read-only: check the permissions of the file and of its folder' },
  SQLITE_PERM: { kind: 'PERMISSION_DENIED', hint: 'the operating system refused access: check the permissions of the file and of its folder' },
  SQLITE_AUTH: { kind: 'PERMISSION_DENIED', hint: 'an authorizer refused the statement' },
  SQLITE_CANTOPEN: { kind: 'CONNECTION', hint: 'the file cannot be opened: check that the folder exists and is readable and writable', retryable: false },
  SQLITE_NOTADB: { kind: 'QUERY', hint: 'the file is not an SQLite database (or is encrypted)' },
  SQLITE_CORRUPT: { kind: 'QUERY', hint: 'the database file is damaged: run an integrity check, and restore it from a backup' },
  SQLITE_FULL: { kind: 'QUERY', hint: 'the disk (or the folder\'s quota) is full' },
  SQLITE_IOERR: { kind: 'QUERY', hint: 'the operating system reported an I/O error: check the disk and the file system' },
  SQLITE_INTERRUPT: { kind: 'OPERATION_CANCELLED', hint: 'the statement was interrupted' },
  SQLITE_CONSTRAINT: { kind: 'QUERY', hint: 'a constraint failed' },
  ENOENT: { kind: 'DATABASE_NOT_FOUND', hint: 'the file does not exist: check the name and the connection\'s folder' },
  EEXIST: { kind: 'DATABASE_ALREADY_EXISTS', hint: 'a file of that name exists already' },
  EACCES: { kind: 'PERMISSION_DENIED', hint: 'check the permissions of the file and of its folder' },
  EPERM: { kind: 'PERMISSION_DENIED', hint: 'check the permissions of the file and of its folder' },
  EROFS: { kind: 'PERMISSION_DENIED', hint: 'the file system is mounted read-only' },
  EBUSY: { kind: 'DATABASE_IN_USE', hint: 'the operating system says the file is in use' },
  ENOSPC: { kind: 'QUERY', hint: 'the disk is full' },
  ENOTDIR: { kind: 'CONNECTION', hint: 'a part of the folder path is not a folder', retryable: false },
});

/** The code of a driver or file system error (`SQLITE_BUSY_SNAPSHOT`, `ENOENT`). */
export function errorCodeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * The table entry for a code: exact, else its primary SQLite code (`SQLITE_IOERR_SHORT_READ`
 * is an `SQLITE_IOERR`).
 *
 * ### Examples
 * ```ts
 * sqliteEntry('SQLITE_BUSY_SNAPSHOT')?.kind; // 'DATABASE_IN_USE'
 * ```
 */
export function sqliteEntry(code: string | undefined): (typeof SQLITE_ERROR_TABLE)[string] | undefined {
  if (!code) return undefined;
  const primary = /^(SQLITE_[A-Z]+)/.exec(code)?.[1];
  return SQLITE_ERROR_TABLE[code] ?? (primary ? SQLITE_ERROR_TABLE[primary] : undefined);
}

/**
 * The SQLite error table as the core reads it.
 *
 * ### Examples
 * ```ts
 * classifySQLiteError({ code: 'SQLITE_BUSY', message: 'database is locked' });
 * // { kind: 'DATABASE_IN_USE', code: 'SQLITE_BUSY', hint: 'another connection ...' }
 * ```
 */
export function classifySQLiteError(error: unknown): ErrorClassification {
  const code = errorCodeOf(error);
  const entry = sqliteEntry(code);
  if (!entry) return { kind: 'QUERY', code };
  return entry.retryable === undefined ? { kind: entry.kind, code, hint: entry.hint } : { kind: entry.kind, code, hint: entry.hint, retryable: entry.retryable };
}

/**
 * Maps any error from better-sqlite3 or the file system into the gds hierarchy, for code
 * outside the operation template.
 *
 * ### Examples
 * ```ts
 * throw mapSQLiteError(e, 'backup');
 * ```
 */
export const mapSQLiteError = mapErrorWith('sqlite', classifySQLiteError);
