/**
 * MongoDB's one error table: server error codes (and the driver's error classes, and socket
 * codes) to the gds error kinds, with a hint per kind ({@link classifyMongoError}). The core's
 * tail (`mapErrorWith`) keeps the driver error as `cause` and the code as `serverCode`.
 *
 * @module
 */
import type { ErrorKind } from '@gds/database';
import { mapErrorWith, type ErrorClassification } from '@gds/database/engine';

/**
 * Server code (as a string), driver error name, or socket code, to error kind.
 *
 * ### Examples
 * ```ts
 * MONGODB_ERROR_TABLE['13'];                        // 'PERMISSION_DENIED' (Unauthorized)
 * MONGODB_ERROR_TABLE.MongoServerSelectionError;    // 'CONNECTION'
 * ```
 */
export const MONGODB_ERROR_TABLE: Readonly<Record<string, ErrorKind>> = Object.freeze({
  '13': 'PERMISSION_DENIED', // Unauthorized
  '8000': 'PERMISSION_DENIED', // AtlasError: "user is not allowed to do action"
  '18': 'AUTHENTICATION', // AuthenticationFailed
  '26': 'DATABASE_NOT_FOUND', // NamespaceNotFound
  '48': 'DATABASE_ALREADY_EXISTS', // NamespaceExists
  '6': 'CONNECTION', // HostUnreachable
  '7': 'CONNECTION', // HostNotFound
  '89': 'CONNECTION', // NetworkTimeout
  '91': 'CONNECTION', // ShutdownInProgress
  '189': 'CONNECTION', // PrimarySteppedDown
  '9001': 'CONNECTION', // SocketException
  '10107': 'CONNECTION', // NotWritablePrimary
  '11600': 'CONNECTION', // InterruptedAtShutdown
  '11602': 'CONNECTION', // InterruptedDueToReplStateChange
  '13435': 'CONNECTION', // NotPrimaryNoSecondaryOk
  '13436': 'CONNECTION', // NotPrimaryOrSecondary
  '11601': 'OPERATION_CANCELLED', // Interrupted (killOp)
  '50': 'OPERATION_TIMEOUT', // MaxTimeMSExpired
  '262': 'OPERATION_TIMEOUT', // ExceededTimeLimit
  '112': 'DEADLOCK', // WriteConflict
  '59': 'UNSUPPORTED_OPERATION', // CommandNotFound
  '115': 'UNSUPPORTED_OPERATION', // CommandNotSupported
  '76': 'UNSUPPORTED_OPERATION', // NoReplicationEnabled
  MongoServerSelectionError: 'CONNECTION',
  MongoNetworkError: 'CONNECTION',
  MongoNetworkTimeoutError: 'CONNECTION',
  MongoTopologyClosedError: 'CONNECTION',
  MongoNotConnectedError: 'CONNECTION',
  MongoOperationTimeoutError: 'OPERATION_TIMEOUT',
  AbortError: 'OPERATION_CANCELLED',
  ECONNREFUSED: 'CONNECTION',
  ECONNRESET: 'CONNECTION',
  ENOTFOUND: 'CONNECTION',
  ETIMEDOUT: 'CONNECTION',
  EHOSTUNREACH: 'CONNECTION',
  EPIPE: 'CONNECTION',
});

const HINTS: Partial<Record<ErrorKind, string>> = {
  AUTHENTICATION: 'check the user, password, authSource and authMechanism',
  PERMISSION_DENIED: 'connect as a user with the needed role (dbAdmin, backup/restore, clusterManager...)',
  DATABASE_NOT_FOUND: 'check the name: gds passes names exactly, with their case',
  DATABASE_ALREADY_EXISTS: 'choose another name, or drop the existing one first',
  CONNECTION: 'check that the server is running and reachable (hosts, replicaSet, tls, directConnection), and retry after an election',
  OPERATION_TIMEOUT: 'raise timeoutMs, or look for a slow or overloaded server',
  DEADLOCK: 'retry the operation',
  UNSUPPORTED_OPERATION: 'this server (its version, or a standalone / mongos) does not offer the command',
};

const EXTRA_HINTS: Record<string, string> = {
  '239': 'the snapshot is older than the server keeps (minSnapshotHistoryWindowInSeconds, 300 s by default): raise it on the server, back up fewer collections at a time, or pass pointInTime: "none"',
  '246': 'SnapshotUnavailable: before MongoDB 8.0 a capped collection can never be read at a snapshot (back up with pointInTime: "auto" or "none", or exclude it); otherwise the snapshot is not yet available on this member and a retry may work',
  '11000': 'a document with the same unique key exists already: restore into empty collections, or pass drop: true',
};

/** The server code, driver error name or socket code of an error, as the table keys it. */
export function mongoErrorKey(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as { code?: unknown; name?: unknown };
  if (typeof e.code === 'number') return String(e.code);
  if (typeof e.code === 'string' && e.code.length > 0) return e.code;
  return typeof e.name === 'string' ? e.name : undefined;
}

/**
 * The kind for an error: its server code, else its driver class (or an ancestor's name), else QUERY.
 *
 * ### Examples
 * ```ts
 * mongoErrorKind({ code: 18 }); // 'AUTHENTICATION'
 * ```
 */
export function mongoErrorKind(error: unknown): ErrorKind {
  const key = mongoErrorKey(error);
  if (key && MONGODB_ERROR_TABLE[key]) return MONGODB_ERROR_TABLE[key];
  if (typeof error === 'object' && error !== null) {
    const name = (error as { name?: unknown }).name;
    if (typeof name === 'string' && MONGODB_ERROR_TABLE[name]) return MONGODB_ERROR_TABLE[name];
    for (let proto = Object.getPrototypeOf(error) as { constructor?: { name?: string } } | null; proto; proto = Object.getPrototypeOf(proto) as typeof proto) {
      const ctor = proto.constructor?.name;
      if (ctor && MONGODB_ERROR_TABLE[ctor]) return MONGODB_ERROR_TABLE[ctor];
    }
  }
  return 'QUERY';
}

/**
 * Classifies any error from the driver, a socket or the file system: its kind (server code, else
 * driver class, else QUERY), code, hint, and `retryable` where the server labels it
 * (RetryableWriteError); a reply without `message` is described by its `errmsg`.
 *
 * ### Examples
 * ```ts
 * classifyMongoError({ code: 18, message: 'Authentication failed.' }); // { kind: 'AUTHENTICATION', code: '18', hint: '...' }
 * ```
 */
export function classifyMongoError(error: unknown): ErrorClassification {
  const key = mongoErrorKey(error);
  const kind = mongoErrorKind(error);
  const raw = typeof error === 'object' && error !== null ? (error as { message?: unknown; errmsg?: unknown; errorLabels?: unknown }) : undefined;
  const errmsg = !(error instanceof Error) && typeof raw?.message !== 'string' && typeof raw?.errmsg === 'string' ? raw.errmsg : undefined;
  const retryable = Array.isArray(raw?.errorLabels) && raw.errorLabels.includes('RetryableWriteError') ? true : undefined;
  const hint = (key ? EXTRA_HINTS[key] : undefined) ?? HINTS[kind];
  return { kind, ...(key ? { code: key } : {}), ...(hint ? { hint } : {}), ...(retryable ? { retryable } : {}), ...(errmsg ? { message: errmsg } : {}) };
}

/**
 * Maps any error into the gds hierarchy with MongoDB's table (for code outside the operation
 * template, and tests).
 *
 * ### Examples
 * ```ts
 * try { await conn.command('app', { dbStats: 1 }); } catch (e) { throw mapMongoError(e, 'getMetadata'); }
 * ```
 */
export const mapMongoError = mapErrorWith('mongodb', classifyMongoError);
