/**
 * PostgreSQL's error table: SQLSTATE codes (and postgres.js / socket codes) to the gds error
 * hierarchy, with a hint per kind. The driver error is kept as `cause`.
 *
 * @module
 */
import { createError, GdsError, type ErrorKind } from '@gds/database';

/**
 * SQLSTATE or driver code to error kind. Classes (`08`) match every code that starts with them.
 *
 * ### Examples
 * ```ts
 * POSTGRES_ERROR_TABLE['3D000']; // 'DATABASE_NOT_FOUND'
 * ```
 */
export const POSTGRES_ERROR_TABLE: Readonly<Record<string, ErrorKind>> = Object.freeze({
  '28P01': 'AUTHENTICATION',
  '28000': 'AUTHENTICATION',
  '42501': 'PERMISSION_DENIED',
  '3D000': 'DATABASE_NOT_FOUND',
  '42P04': 'DATABASE_ALREADY_EXISTS',
  '55006': 'DATABASE_IN_USE',
  '57014': 'OPERATION_CANCELLED',
  '53300': 'CONNECTION',
  '57P01': 'CONNECTION',
  '57P02': 'CONNECTION',
  '57P03': 'CONNECTION',
  '08': 'CONNECTION',
  '40P01': 'DEADLOCK',
  ECONNREFUSED: 'CONNECTION',
  ECONNRESET: 'CONNECTION',
  ENOTFOUND: 'CONNECTION',
  ETIMEDOUT: 'CONNECTION',
  EHOSTUNREACH: 'CONNECTION',
  EPIPE: 'CONNECTION',
  CONNECT_TIMEOUT: 'CONNECTION',
  CONNECTION_CLOSED: 'CONNECTION',
  CONNECTION_ENDED: 'CONNECTION',
  CONNECTION_DESTROYED: 'CONNECTION',
});

const HINTS: Partial<Record<ErrorKind, string>> = {
  AUTHENTICATION: 'check the user and password (and pg_hba.conf on the server)',
  PERMISSION_DENIED: 'connect as the database owner or a role with the needed privilege (CREATEDB, superuser...)',
  DATABASE_NOT_FOUND: 'check the name: gds passes names exactly, with their case',
  DATABASE_ALREADY_EXISTS: 'choose another name, or drop the existing database first',
  DATABASE_IN_USE: 'close the other sessions, or pass force: true to end them',
  CONNECTION: 'check that the server is running and reachable, and its max_connections',
  DEADLOCK: 'retry the operation',
};

/** The code of a driver or socket error: SQLSTATE, postgres.js code or errno name. */
export function errorCodeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * The kind for a code: an exact entry, else its SQLSTATE class (first two characters).
 *
 * ### Examples
 * ```ts
 * postgresErrorKind('08006'); // 'CONNECTION'
 * postgresErrorKind('22012'); // 'QUERY'
 * ```
 */
export function postgresErrorKind(code: string | undefined): ErrorKind {
  if (!code) return 'QUERY';
  return POSTGRES_ERROR_TABLE[code] ?? (code.length === 5 ? POSTGRES_ERROR_TABLE[code.slice(0, 2)] : undefined) ?? 'QUERY';
}

/**
 * Maps any error from postgres.js, a socket or a tool into the gds hierarchy.
 *
 * ### Examples
 * ```ts
 * try { await sql`select 1`; } catch (e) { throw mapPostgresError(e, 'exists'); }
 * ```
 */
export function mapPostgresError(error: unknown, operation: string): GdsError {
  if (GdsError.isInstance(error)) return error;
  const code = errorCodeOf(error);
  const kind = postgresErrorKind(code);
  const raw = typeof error === 'object' && error !== null ? (error as { message?: unknown }).message : undefined;
  const message = error instanceof Error ? error.message : typeof raw === 'string' ? raw : String(error);
  return createError(kind, `${operation}: ${message}`, {
    engine: 'postgresql',
    operation,
    cause: error,
    serverCode: code,
    hint: HINTS[kind],
    retryable: code === '53300' || kind === 'CONNECTION' || kind === 'DEADLOCK' ? true : undefined,
  });
}
