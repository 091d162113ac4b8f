/**
 * Snowflake's error table: the server's six-digit codes (strings) and the driver's own numeric
 * codes to the gds hierarchy, with a hint per kind. The driver error is kept as `cause`.
 *
 * Snowflake says "does not exist or not authorized" (002003) and "already exists" (002002) with
 * one code for every kind of object: gds maps them to the database errors unless the message names
 * another kind of object (`Schema 'D.S' does not exist...`), which is a QueryError: a missing
 * schema is not a missing database. ("Object 'X' already exists" from CREATE DATABASE is the database.)
 *
 * @module
 */
import type { ErrorKind } from '@gds/database';
import { mapErrorWith, type ErrorClassification } from '@gds/database/engine';

/**
 * Code to error kind. Server codes are six-digit strings; the driver's are numbers (kept here as
 * their decimal strings).
 *
 * ### Examples
 * ```ts
 * SNOWFLAKE_ERROR_TABLE['002002']; // 'DATABASE_ALREADY_EXISTS'
 * ```
 */
export const SNOWFLAKE_ERROR_TABLE: Readonly<Record<string, ErrorKind>> = Object.freeze({
  '390100': 'AUTHENTICATION', // incorrect username or password
  '390101': 'AUTHENTICATION', // user not found / disabled
  '390102': 'AUTHENTICATION', // user temporarily locked
  '390104': 'AUTHENTICATION', // session token invalid
  '390111': 'CONNECTION', // session gone: a new login is needed
  '390112': 'CONNECTION', // session token expired (the driver renews it)
  '390114': 'AUTHENTICATION', // master token expired: log in again
  '390144': 'AUTHENTICATION', // JWT token invalid (key pair)
  '390201': 'AUTHENTICATION', // requested database/role/warehouse does not exist or not authorised at login
  '390303': 'AUTHENTICATION', // OAuth access token invalid
  '390318': 'AUTHENTICATION', // OAuth access token expired
  '002003': 'DATABASE_NOT_FOUND', // object does not exist or not authorised (refined by the message)
  '002002': 'DATABASE_ALREADY_EXISTS', // object already exists
  '003001': 'PERMISSION_DENIED', // insufficient privileges
  '003540': 'PERMISSION_DENIED', // not authorised to perform (replication)
  '000604': 'OPERATION_CANCELLED', // SQL execution canceled
  '000630': 'OPERATION_TIMEOUT', // statement reached its STATEMENT_TIMEOUT_IN_SECONDS
  '000625': 'DEADLOCK', // statement aborted because of a deadlock
  '000606': 'QUERY', // no active warehouse
  '401001': 'CONNECTION', // driver: could not connect
  '401002': 'CONNECTION', // driver: request failed
  '401003': 'CONNECTION', // driver: reply was not JSON
  '405503': 'CONNECTION', // driver: connect on a terminated connection
  '407002': 'CONNECTION', // driver: request on a terminated connection
  ECONNREFUSED: 'CONNECTION',
  ECONNRESET: 'CONNECTION',
  ENOTFOUND: 'CONNECTION',
  ETIMEDOUT: 'CONNECTION',
  EHOSTUNREACH: 'CONNECTION',
});

const HINTS: Partial<Record<ErrorKind, string>> = {
  AUTHENTICATION: 'check the account, user and credentials (password, private key and passphrase, or OAuth token); an expired session needs a new login',
  PERMISSION_DENIED: 'use a role with the needed privilege (CREATE DATABASE, OWNERSHIP, or ACCOUNTADMIN for replication)',
  DATABASE_NOT_FOUND: "Snowflake says 'does not exist or not authorized' for both: check the name's exact case (gds quotes names; unquoted names are upper case in Snowflake) and the role's privileges",
  DATABASE_ALREADY_EXISTS: 'choose another name, drop the existing database first, or create with mode: ifNotExists',
  CONNECTION: 'check the account identifier, the network path to Snowflake, and that the session was not closed',
  OPERATION_TIMEOUT: 'raise timeoutMs or the STATEMENT_TIMEOUT_IN_SECONDS parameter',
};

/** Messages of 002002/002003 about an object that is not a database ("Schema 'D.S' does not exist..."). */
const OTHER_OBJECT = /\b(schema|table|view|warehouse|stage|function|procedure|role|user|share|integration|file format|sequence|stream|task|pipe|column)\s+'/i;

function codeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && code.length > 0) return code;
  if (typeof code === 'number') return String(code);
  return undefined;
}

/**
 * The kind for a code and message: the table's entry, with 002003 refined by the message.
 *
 * ### Examples
 * ```ts
 * snowflakeErrorKind('002003', "Database 'X' does not exist or not authorized."); // 'DATABASE_NOT_FOUND'
 * snowflakeErrorKind('002003', "Schema 'D.S' does not exist or not authorized."); // 'QUERY'
 * ```
 */
export function snowflakeErrorKind(code: string | undefined, message = ''): ErrorKind {
  if (!code) return 'QUERY';
  const kind = SNOWFLAKE_ERROR_TABLE[code] ?? 'QUERY';
  if ((code === '002003' || code === '002002') && OTHER_OBJECT.test(message)) return 'QUERY';
  return kind;
}

/**
 * The engine's one error table (the definition's `classifyError`): the kind for the error's
 * code (refined by its message), with the kind's hint. Connection and deadlock errors are
 * retryable by their class.
 *
 * ### Examples
 * ```ts
 * classifySnowflakeError(Object.assign(new Error('Incorrect username or password'), { code: '390100' })); // { kind: 'AUTHENTICATION', code: '390100', hint: ... }
 * ```
 */
export function classifySnowflakeError(error: unknown): ErrorClassification {
  const code = codeOf(error);
  const raw = typeof error === 'object' && error !== null ? (error as { message?: unknown }).message : undefined;
  const kind = snowflakeErrorKind(code, error instanceof Error ? error.message : typeof raw === 'string' ? raw : String(error));
  return { kind, code, hint: HINTS[kind] };
}

/**
 * Maps any error from snowflake-sdk or a socket into the gds hierarchy (the core's tail around
 * {@link classifySnowflakeError}), for code outside the operation template.
 *
 * ### Examples
 * ```ts
 * try { await conn.query('SHOW DATABASES'); } catch (e) { throw mapSnowflakeError(e, 'listDatabases'); }
 * ```
 */
export const mapSnowflakeError = mapErrorWith('snowflake', classifySnowflakeError);
