/**
 * The engine-neutral view of a connection to a server. Each engine's connection class
 * (`PostgreSQLConnection`, `MSSQLConnection`...) implements it and adds its own query methods.
 *
 * @module
 */
import type { DatabaseType } from './enums.js';

/**
 * A connection to one server (or cluster) of one engine.
 *
 * ### Examples
 * ```ts
 * const conn: DatabaseConnection = await getProvider('postgresql').connect('postgres://localhost/postgres');
 * console.log(conn.endpoint); // 'postgresql://localhost:5432/postgres', never with the password
 * await conn.close();
 * ```
 */
export interface DatabaseConnection {
  /** The engine. */
  readonly type: DatabaseType;
  /** Where it points, for messages: host, port, database; never a secret. */
  readonly endpoint: string;
  /** Ends every session and pool this connection opened. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * A connection described as an object instead of a URL: the engine's `type` plus that engine's
 * own fields (host, port, user, password...).
 *
 * ### Examples
 * ```ts
 * await DatabaseManager.connect({ type: 'postgresql', host: '127.0.0.1', port: 5432, user: 'postgres' });
 * ```
 */
export interface ConnectionConfig {
  /** The engine. */
  type: DatabaseType;
  /** The engine's own fields. */
  [key: string]: unknown;
}

/**
 * Server-level facts from `DatabaseManager.getServerMetadata()`.
 *
 * ### Examples
 * ```ts
 * const { version, versionNumber } = await manager.getServerMetadata();
 * ```
 */
export interface ServerMetadata {
  /** The engine. */
  type: DatabaseType;
  /** The server's version string, e.g. `'15.18'`. */
  version: string;
  /** The version as one comparable number where the engine has one (e.g. 150018). */
  versionNumber?: number;
  /** Where the connection points. */
  endpoint: string;
  /** Whether this server is a read-only replica or standby, when known. */
  isReplica?: boolean;
  /** Engine facts without a field of their own. */
  additionalAttributes: Record<string, unknown>;
}
