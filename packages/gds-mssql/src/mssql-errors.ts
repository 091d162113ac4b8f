/**
 * SQL Server's error table: server error numbers and tedious/socket codes to the gds error
 * hierarchy, with a hint per kind. The driver error is kept as `cause`. A server number wins
 * over the driver's code (a RequestError carries both); a failed login carries the number of
 * the first ERROR token of the login reply (the connection attaches it, tedious does not).
 *
 * @module
 */
import { createError, GdsError, type ErrorKind } from '@gds/database';

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
  15247: 'PERMISSION_DENIED', // user does not have permission
  1801: 'DATABASE_ALREADY_EXISTS', // database already exists
  3702: 'DATABASE_IN_USE', // cannot drop: currently in use
  3101: 'DATABASE_IN_USE', // exclusive access could not be obtained (RESTORE)
  5061: 'DATABASE_IN_USE', // ALTER DATABASE failed: a lock could not be placed
  5064: 'DATABASE_IN_USE', // changes cannot be made now: in single-user mode and in use
  924: 'DATABASE_IN_USE', // database already open, one user at a time
  1205: 'DEADLOCK', // chosen as deadlock victim
  1222: 'OPERATION_TIMEOUT', // lock request time out period exceeded
  3980: 'OPERATION_CANCELLED', // request aborted (attention)
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
  if (typeof e.number !== 'number' && typeof e.code !== 'string' && Array.isArray(e.errors) && e.errors.length > 0) return errorCodesOf(e.errors[0]);
  return {
    number: typeof e.number === 'number' ? e.number : undefined,
    code: typeof e.code === 'string' ? e.code : undefined,
    name: typeof e.name === 'string' ? e.name : undefined,
  };
}

/**
 * The kind of an error: its server number's entry, else its driver code's (a tedious
 * ConnectionError with ETIMEOUT is a connection that could not be made, not a slow statement),
 * else QUERY.
 *
 * ### Examples
 * ```ts
 * mssqlErrorKind({ number: 1801 }); // 'DATABASE_ALREADY_EXISTS'
 * mssqlErrorKind({ code: 'ESOCKET' }); // 'CONNECTION'
 * ```
 */
export function mssqlErrorKind(error: unknown): ErrorKind {
  const { number, code, name } = errorCodesOf(error);
  if (number !== undefined && MSSQL_ERROR_NUMBERS[number]) return MSSQL_ERROR_NUMBERS[number];
  if (code === 'ETIMEOUT' && name === 'ConnectionError') return 'CONNECTION';
  if (code !== undefined && MSSQL_DRIVER_CODES[code]) return MSSQL_DRIVER_CODES[code];
  return 'QUERY';
}

/**
 * Maps any error from tedious, a socket or the server into the gds hierarchy.
 *
 * ### Examples
 * ```ts
 * try { await conn.query('select 1'); } catch (e) { throw mapMssqlError(e, 'exists'); }
 * ```
 */
export function mapMssqlError(error: unknown, operation: string): GdsError {
  if (GdsError.isInstance(error)) return error;
  const kind = mssqlErrorKind(error);
  const { number, code } = errorCodesOf(error);
  const raw = typeof error === 'object' && error !== null ? (error as DriverLike).message : undefined;
  const message = error instanceof Error ? error.message : typeof raw === 'string' ? raw : String(error);
  return createError(kind, `${operation}: ${message}`, {
    engine: 'mssql',
    operation,
    cause: error,
    serverCode: number !== undefined ? String(number) : code,
    hint: HINTS[kind],
    retryable: kind === 'CONNECTION' || kind === 'DEADLOCK' || kind === 'OPERATION_TIMEOUT' ? true : undefined,
  });
}
