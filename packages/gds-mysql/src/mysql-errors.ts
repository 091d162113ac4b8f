/**
 * The MySQL/MariaDB error table: server error numbers (`errno`), client error numbers
 * (2002/2003/2006/2013) and mysql2's / the socket's codes to the gds error hierarchy, with a
 * hint per kind. The driver error is kept as `cause`; the core redacts secrets.
 *
 * @module
 */
import type { ErrorKind } from '@gds/database';
import { mapErrorWith, type ErrorClassification } from '@gds/database/engine';

/**
 * Error number (as a string) or driver code to error kind.
 *
 * ### Examples
 * ```ts
 * MYSQL_ERROR_TABLE['1049']; // 'DATABASE_NOT_FOUND'
 * ```
 */
export const MYSQL_ERROR_TABLE: Readonly<Record<string, ErrorKind>> = Object.freeze({
  '1044': 'PERMISSION_DENIED', // ER_DBACCESS_DENIED_ERROR
  '1045': 'AUTHENTICATION', // ER_ACCESS_DENIED_ERROR
  '1698': 'AUTHENTICATION', // ER_ACCESS_DENIED_NO_PASSWORD_ERROR
  '1251': 'AUTHENTICATION', // ER_NOT_SUPPORTED_AUTH_MODE
  '1142': 'PERMISSION_DENIED', // ER_TABLEACCESS_DENIED_ERROR
  '1143': 'PERMISSION_DENIED', // ER_COLUMNACCESS_DENIED_ERROR
  '1227': 'PERMISSION_DENIED', // ER_SPECIFIC_ACCESS_DENIED_ERROR
  '1095': 'PERMISSION_DENIED', // ER_KILL_DENIED_ERROR
  '1049': 'DATABASE_NOT_FOUND', // ER_BAD_DB_ERROR
  '1008': 'DATABASE_NOT_FOUND', // ER_DB_DROP_EXISTS
  '1007': 'DATABASE_ALREADY_EXISTS', // ER_DB_CREATE_EXISTS
  '1213': 'DEADLOCK', // ER_LOCK_DEADLOCK
  '1205': 'OPERATION_TIMEOUT', // ER_LOCK_WAIT_TIMEOUT
  '3024': 'OPERATION_TIMEOUT', // ER_QUERY_TIMEOUT (MySQL max_execution_time)
  '1969': 'OPERATION_TIMEOUT', // ER_STATEMENT_TIMEOUT (MariaDB max_statement_time)
  '1317': 'OPERATION_CANCELLED', // ER_QUERY_INTERRUPTED
  '1040': 'CONNECTION', // ER_CON_COUNT_ERROR
  '1203': 'CONNECTION', // ER_TOO_MANY_USER_CONNECTIONS
  '1053': 'CONNECTION', // ER_SERVER_SHUTDOWN
  '1927': 'CONNECTION', // ER_CONNECTION_KILLED (MariaDB)
  '2002': 'CONNECTION', // CR_CONNECTION_ERROR (socket)
  '2003': 'CONNECTION', // CR_CONN_HOST_ERROR
  '2005': 'CONNECTION', // CR_UNKNOWN_HOST
  '2006': 'CONNECTION', // CR_SERVER_GONE_ERROR
  '2013': 'CONNECTION', // CR_SERVER_LOST
  ECONNREFUSED: 'CONNECTION',
  ECONNRESET: 'CONNECTION',
  ENOTFOUND: 'CONNECTION',
  ENOENT: 'CONNECTION', // a socket path that does not exist
  ETIMEDOUT: 'CONNECTION',
  EHOSTUNREACH: 'CONNECTION',
  ENETUNREACH: 'CONNECTION',
  EPIPE: 'CONNECTION',
  EAI_AGAIN: 'CONNECTION',
  PROTOCOL_CONNECTION_LOST: 'CONNECTION',
  PROTOCOL_SEQUENCE_TIMEOUT: 'CONNECTION',
  ER_CON_COUNT_ERROR: 'CONNECTION',
});

const HINTS: Partial<Record<ErrorKind, string>> = {
  AUTHENTICATION: 'check the user and password, and the host the account is allowed from (user@host)',
  PERMISSION_DENIED: 'grant the needed privilege (CREATE, DROP, ALTER, PROCESS, CONNECTION_ADMIN/SUPER...) or connect as another user',
  DATABASE_NOT_FOUND: 'check the name: gds passes names exactly (case matters when lower_case_table_names = 0)',
  DATABASE_ALREADY_EXISTS: 'choose another name, pass ifNotExists, or drop the existing database first',
  DATABASE_IN_USE: 'close the other sessions, or pass force: true to end them',
  CONNECTION: 'check that the server is running and reachable',
  DEADLOCK: 'retry the operation',
  OPERATION_TIMEOUT: 'a lock or statement timeout expired: retry, or raise innodb_lock_wait_timeout / max_execution_time',
};

/**
 * Hints by the exact code, where the kind alone would mislead. Checked before the kind's hint.
 *
 * ### Examples
 * ```ts
 * CODE_HINTS['1040']; // 'the server has no connection left ...'
 * ```
 */
export const CODE_HINTS: Readonly<Record<string, string>> = Object.freeze({
  ECONNREFUSED: 'nothing listens at that host and port: check that the server is running, the port, and bind_address',
  ENOENT: 'the socket file does not exist: check socketPath (the server\'s socket variable)',
  ENOTFOUND: 'the host name does not resolve: check its spelling and DNS',
  ETIMEDOUT: 'the server did not answer in time: check the address, firewalls, or raise connectTimeoutMs',
  '1040': 'the server has no connection left (max_connections): close idle sessions or raise it',
  '1203': 'this user has no connection left (max_user_connections): close its idle sessions',
  '1290': 'the server runs with an option that prevents this (read_only/super_read_only on a replica, or --secure-file-priv): run changes on the primary',
  '1836': 'the server is read-only (read_only): run changes on the primary',
  '3989': "the schema is read-only (ALTER SCHEMA ... READ ONLY = 1): setOnline() or ALTER SCHEMA ... READ ONLY = 0 first",
  '1045': 'the server refused this user and password from this host: check both, and the account\'s host part',
  '1049': 'no database of that name: check the name (case matters when lower_case_table_names = 0)',
});

/** The code of a driver or socket error: the server's errno as a string, else mysql2's or the socket's code. */
export function errorCodeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { errno, code, sqlState } = error as { errno?: unknown; code?: unknown; sqlState?: unknown };
  // a server error has sqlState and a numeric errno; a socket error has a negative errno and a string code
  if (typeof errno === 'number' && errno > 0 && (typeof sqlState === 'string' || typeof code !== 'string' || code.startsWith('ER_'))) return String(errno);
  return typeof code === 'string' ? code : undefined;
}

/**
 * The MySQL error table as the core reads it: the kind for the error's number or code, the code,
 * and the hint for it. Unknown numbers are query errors.
 *
 * ### Examples
 * ```ts
 * classifyMysqlError({ errno: 1049, code: 'ER_BAD_DB_ERROR', sqlState: '42000', message: "Unknown database 'x'" });
 * // { kind: 'DATABASE_NOT_FOUND', code: '1049', hint: 'no database of that name: ...' }
 * ```
 */
export function classifyMysqlError(error: unknown): ErrorClassification {
  const code = errorCodeOf(error);
  const kind = (code && MYSQL_ERROR_TABLE[code]) || 'QUERY';
  const message = error instanceof Error ? error.message : String((error as { message?: unknown } | null)?.message ?? error);
  const tls = /\b(ssl|tls|certificate|self[- ]signed)\b/i.test(message) || (code !== undefined && /^(ERR_TLS_|ERR_SSL_|DEPTH_ZERO|UNABLE_TO_VERIFY|CERT_|SELF_SIGNED|HANDSHAKE_)/.test(code));
  const hint = tls ? 'TLS failed: check the ssl option (the server may not offer TLS, or its certificate does not verify)' : ((code && CODE_HINTS[code]) ?? HINTS[kind]);
  return { kind, ...(code !== undefined ? { code } : {}), ...(hint ? { hint } : {}) };
}

/**
 * Maps any error from mysql2, a socket or a tool into the gds hierarchy: for code outside the
 * operation template.
 *
 * ### Examples
 * ```ts
 * try { await conn.query('SELECT 1'); } catch (e) { throw mapMysqlError(e, 'exists'); }
 * ```
 */
export const mapMysqlError = mapErrorWith('mysql', classifyMysqlError);
