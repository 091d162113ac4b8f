/**
 * A statement refused because the server is read-only (SQLSTATE 25006, "cannot execute ... in a
 * read-only transaction"): when the server is a standby, the CLI says so and where its primary
 * is, as the standby itself reports it (its WAL receiver's sender host and port, which come from
 * primary_conninfo; no password is ever part of them).
 *
 * @module
 */
import type { DatabaseManager } from '@gds/database';

/** The SQLSTATE of "read-only transaction". */
export const READ_ONLY_SQLSTATE = '25006';

/**
 * The standby hint for `error`, or undefined when it is not a read-only refusal or the server
 * is not a standby.
 *
 * ### Examples
 * ```ts
 * await standbyHint(manager, error, 'postgres'); // 'this server is a standby (pg_is_in_recovery() is true): run changes on its primary, 127.0.0.1:5432'
 * ```
 */
export async function standbyHint(manager: DatabaseManager | undefined, error: unknown, database: string): Promise<string | undefined> {
  if (!manager || (error as { serverCode?: unknown }).serverCode !== READ_ONLY_SQLSTATE) return undefined;
  try {
    const ha = manager.getDatabase(database).ha;
    const configuration = await ha?.getConfiguration({ timeoutMs: 5000 });
    const self = configuration?.nodes.find((n) => n.metadata.self === true);
    if (!configuration || self?.role !== 'standby') return undefined;
    const primary = configuration.nodes.find((n) => n.role === 'primary' && n !== self);
    return `this server is a standby (pg_is_in_recovery() is true): run changes on its primary${primary?.endpoint ? `, ${primary.endpoint} (from primary_conninfo)` : ''}; gds ha status shows the topology`;
  } catch {
    return undefined;
  }
}
