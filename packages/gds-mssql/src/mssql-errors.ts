/**
 * SQL Server's error table: server error numbers and tedious/socket codes to the gds error
 * hierarchy, with a hint per kind. The driver error is kept as `cause`. A server number wins
 * over the driver's code (a RequestError carries both); a failed login carries the number of
 * the first ERROR token of the login reply (the connection attaches it, tedious does not).
 *
 * A statement that raised several errors (every failed BACKUP/RESTORE: 3201 then 3013; every
 * failed ALTER DATABASE: 5070 then 5069; DBCC CHECKDB with corruption) reaches us from tedious
 * as an `AggregateError` with an empty message: every server message is kept in the gds error's
 * message (with its number), and the first number that is not a generic "statement failed"
 * trailer ({@link MSSQL_TRAILER_NUMBERS}) decides the kind. Numbers and texts are from
 * MicrosoftDocs/sql-docs `docs/relational-databases/errors-events/` (see
 * test/evidence/docs.json).
 *
 * @module
 */
import type { ErrorKind } from '@gds/database';
import { mapErrorWith, type ErrorClassification } from '@gds/database/engine';

/**
 * Server error numbers to error kinds.
 *
 * ### Examples
 * ```ts
 * MSSQL_ERROR_NUMBERS[3702]; // 'DATABASE_IN_USE'
 * ```
 */
export const MSSQL_ERROR_NUMBERS: Readonly<Record<number, ErrorKind>> = Object.freeze({
  18456: 'AUTHENTICATION', // login failed
  18452: 'AUTHENTICATION', // login from an untrusted domain
  18470: 'AUTHENTICATION', // account disabled
  18486: 'AUTHENTICATION', // account locked out
  18487: 'AUTHENTICATION', // password expired
  18488: 'AUTHENTICATION', // password must be changed
  4060: 'DATABASE_NOT_FOUND', // cannot open database requested by the login
  911: 'DATABASE_NOT_FOUND', // database does not exist
  3701: 'DATABASE_NOT_FOUND', // cannot drop: does not exist or no permission
  15010: 'DATABASE_NOT_FOUND', // the database does not exist
  229: 'PERMISSION_DENIED', // permission denied on object
  230: 'PERMISSION_DENIED', // permission denied on column
  262: 'PERMISSION_DENIED', // permission denied in database (CREATE DATABASE...)
  300: 'PERMISSION_DENIED', // VIEW SERVER STATE permission denied
  916: 'PERMISSION_DENIED', // server principal cannot access the database
  3110: 'PERMISSION_DENIED', // user lacks permission to RESTORE
  5011: 'PERMISSION_DENIED', // no permission to alter the database, or it does not exist
  15247: 'PERMISSION_DENIED', // user does not have permission
  3118: 'DATABASE_NOT_FOUND', // RESTORE LOG/DIFFERENTIAL: the database does not exist
  5002: 'DATABASE_NOT_FOUND', // database does not exist (ALTER DATABASE)
  1801: 'DATABASE_ALREADY_EXISTS', // database already exists
  3702: 'DATABASE_IN_USE', // cannot drop: currently in use
  3101: 'DATABASE_IN_USE', // exclusive access could not be obtained (RESTORE)
  3102: 'DATABASE_IN_USE', // RESTORE: in use by this session (the connection sits in it)
  5070: 'DATABASE_IN_USE', // state cannot be changed while other users are using the database (NO_WAIT)
  5030: 'DATABASE_IN_USE', // the database could not be exclusively locked
  5006: 'DATABASE_IN_USE', // could not get exclusive use
  5061: 'DATABASE_IN_USE', // ALTER DATABASE failed: a lock could not be placed
  5064: 'DATABASE_IN_USE', // changes cannot be made now: in single-user mode and in use
  924: 'DATABASE_IN_USE', // database already open, one user at a time
  1205: 'DEADLOCK', // chosen as deadlock victim
  1222: 'OPERATION_TIMEOUT', // lock request time out period exceeded
  3980: 'OPERATION_CANCELLED', // request aborted (attention)
  3204: 'OPERATION_CANCELLED', // the backup or restore was aborted
  1468: 'UNSUPPORTED_OPERATION', // involved in a database mirroring session / availability group
  3104: 'UNSUPPORTED_OPERATION', // RESTORE: configured for database mirroring
  3752: 'UNSUPPORTED_OPERATION', // DROP: joined to an availability group (not in the current docs table)
  3743: 'UNSUPPORTED_OPERATION', // DROP: enabled for database mirroring
  3147: 'UNSUPPORTED_OPERATION', // backup and restore are not allowed on tempdb
  40517: 'UNSUPPORTED_OPERATION', // keyword or statement option not supported in this version (Azure SQL)
});

/**
 * Generic trailers that follow the real error of a statement ("BACKUP DATABASE is terminating
 * abnormally.", "ALTER DATABASE statement failed.", "Problems were identified while planning
 * for the RESTORE statement."): they never decide the kind.
 *
 * ### Examples
 * ```ts
 * MSSQL_TRAILER_NUMBERS.includes(3013); // true
 * ```
 */
export const MSSQL_TRAILER_NUMBERS: readonly number[] = Object.freeze([3013, 5069, 3119, 3621]);

/**
 * Hints for numbers whose remedy is more specific than their kind's.
 *
 * ### Examples
 * ```ts
 * MSSQL_NUMBER_HINTS[3201]; // 'the path is on the SQL Server machine: ...'
 * ```
 */
export const MSSQL_NUMBER_HINTS: Readonly<Record<number, string>> = Object.freeze({
  3102: 'the connection itself uses the database: connect to master (gds switches with USE master first)',
  3201: "the path is on the SQL Server machine: check that it exists there and that the SQL Server service account may read/write it",
  3135: 'the backup set is of another type (a log backup cannot be restored with RESTORE DATABASE): read it with readBackupHeader()',
  3241: 'the file is not a readable SQL Server backup (truncated, damaged, or another format)',
  3159: 'the tail of the log was not backed up: back it up (BACKUP LOG ... WITH NORECOVERY) or pass replace: true',
  5052: 'the change is not allowed in the database\'s current state (OFFLINE, RESTORING...): bring it ONLINE first',
  1468: 'the database is in an availability group or mirroring session: remove it from the group first',
  3752: 'the database is joined to an availability group: ALTER AVAILABILITY GROUP ... REMOVE DATABASE first',
  15048: 'this server does not know that compatibility level: use one its version supports',
  12824: "contained databases need sp_configure 'contained database authentication', 1 (then RECONFIGURE)",
  229: 'the login lacks a permission on an object (msdb history needs SELECT on msdb.dbo.backupset)',
  300: 'grant VIEW SERVER STATE to see other sessions',
});

/**
 * tedious and socket codes to error kinds.
 *
 * ### Examples
 * ```ts
 * MSSQL_DRIVER_CODES.ESOCKET; // 'CONNECTION'
 * ```
 */
export const MSSQL_DRIVER_CODES: Readonly<Record<string, ErrorKind>> = Object.freeze({
  ELOGIN: 'AUTHENTICATION',
  ETIMEOUT: 'OPERATION_TIMEOUT',
  ECANCEL: 'OPERATION_CANCELLED',
  ESOCKET: 'CONNECTION',
  ECLOSE: 'CONNECTION',
  ECONNCLOSED: 'CONNECTION',
  EINVALIDSTATE: 'CONNECTION',
  EINSTLOOKUP: 'CONNECTION',
  ETLS: 'CONNECTION',
  EENCRYPT: 'CONNECTION',
  ECONNREFUSED: 'CONNECTION',
  ECONNRESET: 'CONNECTION',
  ENOTFOUND: 'CONNECTION',
  ETIMEDOUT: 'CONNECTION',
  EHOSTUNREACH: 'CONNECTION',
  EPIPE: 'CONNECTION',
});

const HINTS: Partial<Record<ErrorKind, string>> = {
  AUTHENTICATION: 'check the login and password, and that SQL Server authentication is enabled on the server',
  PERMISSION_DENIED: 'connect as a login with the needed permission (dbcreator, sysadmin, db_owner, VIEW SERVER STATE...)',
  DATABASE_NOT_FOUND: 'check the name: gds passes names exactly',
  DATABASE_ALREADY_EXISTS: 'choose another name, or drop the existing database first',
  DATABASE_IN_USE: 'close the other sessions, or pass force: true to end them (WITH ROLLBACK IMMEDIATE)',
  CONNECTION: 'check that the server is running and reachable, and the encrypt / trustServerCertificate settings',
  DEADLOCK: 'retry the operation',
  OPERATION_TIMEOUT: 'raise timeoutMs, or look for blocking sessions',
};

interface DriverLike {
  message?: unknown;
  code?: unknown;
  number?: unknown;
  name?: unknown;
  errors?: unknown;
}

/**
 * The server error number and driver code of an error (the first of an AggregateError).
 *
 * ### Examples
 * ```ts
 * errorCodesOf(Object.assign(new Error('x'), { number: 1205 })); // { number: 1205, code: undefined }
 * ```
 */
export function errorCodesOf(error: unknown): { number: number | undefined; code: string | undefined; name: string | undefined } {
  if (typeof error !== 'object' || error === null) return { number: undefined, code: undefined, name: undefined };
  const e = error as DriverLike;
  if (typeof e.number !== 'number' && typeof e.code !== 'string' && Array.isArray(e.errors) && e.errors.length > 0) {
    const all = e.errors.map(errorCodesOf);
    return all.find((x) => x.number !== undefined && !MSSQL_TRAILER_NUMBERS.includes(x.number)) ?? all[0] ?? { number: undefined, code: undefined, name: undefined };
  }
  return {
    number: typeof e.number === 'number' ? e.number : undefined,
    code: typeof e.code === 'string' ? e.code : undefined,
    name: typeof e.name === 'string' ? e.name : undefined,
  };
}

/**
 * Every server message an error carries, in order: one for a RequestError, each of an
 * AggregateError's (tedious's way of reporting several ERROR tokens).
 *
 * ### Examples
 * ```ts
 * serverMessages(new AggregateError([e3201, e3013])); // [{ number: 3201, message: 'Cannot open...' }, { number: 3013, ... }]
 * ```
 */
export function serverMessages(error: unknown): Array<{ number: number | undefined; message: string }> {
  if (typeof error !== 'object' || error === null) return [{ number: undefined, message: String(error) }];
  const e = error as DriverLike;
  if (Array.isArray(e.errors) && e.errors.length > 0 && typeof e.number !== 'number') return e.errors.flatMap(serverMessages);
  return [{ number: typeof e.number === 'number' ? e.number : undefined, message: typeof e.message === 'string' ? e.message : String(error) }];
}

/**
 * SQL Server's one error table: the kind (its server number's entry, else its driver code's; a
 * tedious ConnectionError with ETIMEOUT is a connection that could not be made, not a slow
 * statement; else QUERY), the number or code, the hint (the number's own, else the kind's), and
 * for an AggregateError every server message with its number (its own message is empty).
 * `retryable` is the error class's default everywhere.
 *
 * ### Examples
 * ```ts
 * classifyMssqlError({ number: 1801 }).kind; // 'DATABASE_ALREADY_EXISTS'
 * classifyMssqlError({ code: 'ESOCKET' }).kind; // 'CONNECTION'
 * ```
 */
export function classifyMssqlError(error: unknown): ErrorClassification {
  const { number, code, name } = errorCodesOf(error);
  const kind: ErrorKind =
    number !== undefined && MSSQL_ERROR_NUMBERS[number]
      ? MSSQL_ERROR_NUMBERS[number]
      : code === 'ETIMEOUT' && name === 'ConnectionError'
        ? 'CONNECTION'
        : code !== undefined && MSSQL_DRIVER_CODES[code]
          ? MSSQL_DRIVER_CODES[code]
          : 'QUERY';
  const hint = (number !== undefined ? MSSQL_NUMBER_HINTS[number] : undefined) ?? HINTS[kind];
  return { kind, code: number !== undefined ? String(number) : code, hint, message: aggregateMessage(error) };
}

/** The message of an AggregateError (tedious's several ERROR tokens): every server message with its number; `undefined` for any other error. */
function aggregateMessage(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as DriverLike;
  if (!Array.isArray(e.errors) || e.errors.length === 0) return undefined;
  const parts = serverMessages(error).map((m) => (m.number !== undefined ? `${m.message} (${m.number})` : m.message)).filter((m) => m.length > 0);
  return [typeof e.message === 'string' && e.message.length > 0 ? `${e.message}:` : undefined, parts.join(' ')].filter((x) => x !== undefined).join(' ');
}

/**
 * Maps any error from tedious, a socket or the server into the gds hierarchy with
 * {@link classifyMssqlError} (the core's tail: a gds error as it is, `cause` kept, secrets
 * redacted), for code that runs outside the operation template.
 *
 * ### Examples
 * ```ts
 * try { await conn.query('select 1'); } catch (e) { throw mapMssqlError(e, 'exists'); }
 * ```
 */
export const mapMssqlError = mapErrorWith('mssql', classifyMssqlError);
