/**
 * Small helpers every provider needs, kept in one place: checking that a connection handed to a
 * provider is its own kind, and opening a connection that is verified with one round trip (and
 * closed again when that fails, so a wrong password leaves no socket open).
 *
 * @module
 */
import type { DatabaseConnection } from './connection.js';
import { UnsupportedOperationError, ValidationError } from './errors.js';
import { unsupportedReason, type Feature } from './features.js';
import type { DatabaseProvider } from './provider.js';

/**
 * Returns `connection` typed as the engine's class, or throws ValidationError naming both kinds.
 *
 * ### Examples
 * ```ts
 * const pg = expectConnection(connection, PostgreSQLConnection, 'PostgreSQL');
 * ```
 */
export function expectConnection<C extends DatabaseConnection>(connection: DatabaseConnection, Class: abstract new (...args: never[]) => C, engine: string): C {
  if (!(connection instanceof Class)) {
    throw new ValidationError(`Not a ${engine} connection`, [{ path: '', message: `expected a ${Class.name}, got a ${connection?.type ?? typeof connection} connection` }]);
  }
  return connection;
}

/**
 * Runs `verify` on a new connection and returns it; when `verify` fails the connection is closed
 * before the error is rethrown.
 *
 * ### Examples
 * ```ts
 * return openVerified(new PostgreSQLConnection(url), (c) => c.serverVersion());
 * ```
 */
export async function openVerified<C extends DatabaseConnection>(connection: C, verify: (connection: C) => Promise<unknown>): Promise<C> {
  try {
    await verify(connection);
  } catch (error) {
    await connection.close().catch(() => undefined);
    throw error;
  }
  return connection;
}

/**
 * Throws UnsupportedOperationError (naming the engine, the operation and why) unless `engine`
 * supports `feature`. Shared by the Database and HA templates.
 *
 * ### Examples
 * ```ts
 * requireFeatureOf(getProvider('mongodb'), 'profiling', 'getProfilingLevel');
 * ```
 */
export function requireFeatureOf(engine: DatabaseProvider, feature: Feature, operation: string): void {
  const reason = unsupportedReason(engine.capabilities, feature);
  if (reason !== undefined) {
    throw new UnsupportedOperationError(`${engine.type} does not support ${operation} (${feature}): ${reason}`, { engine: engine.type, operation });
  }
}
