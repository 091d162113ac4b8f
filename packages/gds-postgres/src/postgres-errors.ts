/**
 * PostgreSQL's error table: SQLSTATE codes (and postgres.js / socket codes) to the gds error
 * hierarchy, with a hint per kind. The driver error is kept as `cause`.
 *
 * @module
 */
import type { ErrorKind } from '@gds/database';
import { mapErrorWith, type ErrorClassification } from '@gds/database/engine';

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
  ENETUNREACH: 'CONNECTION',
  EAI_AGAIN: 'CONNECTION',
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
  CONNECTION: 'check that the server is running and reachable',
  DEADLOCK: 'retry the operation',
};

/**
 * Hints by the exact code, where the kind alone would mislead (a refused connection is not a
 * connection limit). Checked before {@link HINTS}.
 *
 * ### Examples
 * ```ts
 * CODE_HINTS.ECONNREFUSED; // 'nothing listens at that host and port: ...'
 * ```
 */
export const CODE_HINTS: Readonly<Record<string, string>> = Object.freeze({
  ECONNREFUSED: 'nothing listens at that host and port: check that the server is running, the port, and listen_addresses',
  ENOTFOUND: 'the host name does not resolve: check its spelling and DNS',
  EAI_AGAIN: 'the host name could not be resolved now: check DNS',
  EHOSTUNREACH: 'the host is unreachable: check the address, routing and firewalls',
  ENETUNREACH: 'the network is unreachable: check the address, routing and firewalls',
  ETIMEDOUT: 'the server did not answer in time: check the address, firewalls, or raise --timeout / connectTimeoutMs',
  CONNECT_TIMEOUT: 'the server did not answer in time: check the address, firewalls, or raise --timeout / connectTimeoutMs',
  ECONNRESET: 'the server closed the connection: check TLS settings (sslmode) and the server log',
  '53300': 'the server (or this role or database) has no connection slot left: raise max_connections or the CONNECTION LIMIT, or close idle sessions',
  '57P03': 'the server is starting up, shutting down or in recovery: retry shortly',
  '28P01': 'the password is wrong for this user: check it (and pg_hba.conf on the server)',
  '28000': 'the server refused this user from this host: check pg_hba.conf and the user name',
  '25006': 'the server is read-only: a standby (SELECT pg_is_in_recovery() is true; its primary is in primary_conninfo) or default_transaction_read_only is on: run changes on the primary',
});

/** The hint for a code, else for its kind; TLS failures (the driver's messages) get a TLS hint. */
function hintFor(code: string | undefined, kind: ErrorKind, message: string): string | undefined {
  // a TLS failure first: the socket error it comes with (ECONNRESET) would otherwise name another cause
  if (/\b(ssl|tls|certificate|self[- ]signed)\b/i.test(message) || (code !== undefined && /^(ERR_TLS_|ERR_SSL_|DEPTH_ZERO|UNABLE_TO_VERIFY|CERT_|SELF_SIGNED)/.test(code))) {
    return 'TLS failed: check sslmode (the server may not offer TLS, or its certificate does not verify)';
  }
  if (code && CODE_HINTS[code]) return CODE_HINTS[code];
  return HINTS[kind];
}

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
 * The PostgreSQL error table as the core reads it: the kind for the error's code (exact, else its
 * SQLSTATE class), the code, and the hint for it. `retryable` is the class's default everywhere
 * (connection, deadlock and in-use errors are retryable; 53300, no connection slot, is a
 * connection error).
 *
 * ### Examples
 * ```ts
 * classifyPostgresError({ code: '3D000', message: 'database "x" does not exist' });
 * // { kind: 'DATABASE_NOT_FOUND', code: '3D000', hint: 'check the name: ...' }
 * ```
 */
export function classifyPostgresError(error: unknown): ErrorClassification {
  const code = errorCodeOf(error);
  const kind = postgresErrorKind(code);
  const raw = typeof error === 'object' && error !== null ? (error as { message?: unknown }).message : undefined;
  const message = error instanceof Error ? error.message : typeof raw === 'string' ? raw : String(error);
  return { kind, code, hint: hintFor(code, kind, message) };
}

/**
 * Maps any error from postgres.js, a socket or a tool into the gds hierarchy (the core's tail
 * with {@link classifyPostgresError}): for code outside the operation template.
 *
 * ### Examples
 * ```ts
 * try { await sql`select 1`; } catch (e) { throw mapPostgresError(e, 'exists'); }
 * ```
 */
export const mapPostgresError = mapErrorWith('postgresql', classifyPostgresError);
