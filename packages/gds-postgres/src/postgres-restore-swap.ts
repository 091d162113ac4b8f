/**
 * The side databases of a restore (see postgres-restore.ts) and the swap of names that puts the
 * restored copy in place. A side database's name carries the owning process and host, so that a
 * later restore can drop what an interrupted one left behind ({@link dropLeftovers}) and leave a
 * running one alone. {@link swap} renames the database being replaced aside and the copy in,
 * then drops the old one; a cancel during the renames undoes them. With other sessions connected
 * it is refused ({@link inUse}) unless `force` ends them right before.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import { DatabaseInUseError } from '@gds/database';
import { hostTag, processAlive, type OperationContext } from '@gds/database/engine';
import type { PostgreSQLConnection } from './postgres-connection.js';
import type { PostgreSQLRestoreOptions } from './postgres-options.js';
import { isTemplate } from './postgres-db-properties.js';
import { countSessions, describeStatement, dropDatabase, dropDatabaseIfExists, renameDatabase, terminateSessions, type Statement } from './postgres-statements.js';

/**
 * How many other sessions are connected to `database` (this connection's own pool to it is closed first).
 *
 * ### Examples
 * ```ts
 * await otherSessions(conn, 'app', ctx.signal); // 2
 * ```
 */
export async function otherSessions(conn: PostgreSQLConnection, database: string, signal?: AbortSignal): Promise<number> {
  await conn.release(database);
  const s = countSessions(database);
  const rows = await conn.query<{ n: string }>(s.text, s.params, { signal });
  return Number(rows[0]?.n ?? 0);
}

/**
 * The error of a `replace` (or `clean`) refused because other sessions are connected to `database`.
 *
 * ### Examples
 * ```ts
 * throw inUse('app', 2); // DatabaseInUseError: 2 other sessions are connected to 'app'; restore with replace would end them
 * ```
 */
export function inUse(database: string, sessions: number, how: 'replace' | 'clean' = 'replace'): DatabaseInUseError {
  return new DatabaseInUseError(`${sessions} other session${sessions === 1 ? ' is' : 's are'} connected to '${database}'; restore with ${how} would ${how === 'replace' ? 'end them' : 'drop objects they use'}`, {
    sessions,
    engine: 'postgresql',
    operation: 'restore',
    hint: 'close them, or pass force: true to end them',
  });
}

/**
 * A fresh name for a side database: `gds_restore_<pid>_<host>_<hex>` (the copy being restored) or
 * `gds_replaced_<pid>_<host>_<hex>` (the database it replaces, between the two renames), naming the
 * owning process so that a later restore can tell an interrupted one from a running one.
 *
 * ### Examples
 * ```ts
 * sideName('restore'); // 'gds_restore_4242_0a1b2c3d_9f8e7d'
 * ```
 */
export const sideName = (kind: 'restore' | 'replaced'): string => `gds_${kind}_${process.pid}_${hostTag()}_${randomBytes(3).toString('hex')}`;
const SIDE_NAME = /^gds_(restore|replaced)_(\d+)_([0-9a-f]{8})_[0-9a-f]{6}$/;

/**
 * Side databases left by restores whose process is gone (`kill -9`, a crash): a `gds_restore_*`
 * copy made on this host by a dead process is dropped (it never held anything but a partial
 * restore); a `gds_replaced_*` one holds the data an interrupted swap renamed aside and is only
 * reported, as are those of live processes and other hosts.
 *
 * ### Examples
 * ```ts
 * await dropLeftovers(ctx, conn, 160004); // before a restore: each leftover dropped or named in ctx.message
 * ```
 */
export async function dropLeftovers(ctx: OperationContext, conn: PostgreSQLConnection, num: number): Promise<void> {
  const rows = await conn.query<{ datname: string }>("select datname from pg_catalog.pg_database where datname ~ '^gds_(restore|replaced)_' order by 1", [], { signal: ctx.signal });
  for (const { datname } of rows) {
    const m = SIDE_NAME.exec(datname);
    const pid = Number(m?.[2]);
    const here = m?.[3] === hostTag();
    const running = here && (pid === process.pid || processAlive(pid));
    if (!m) ctx.message(`database '${datname}' looks like a side database of an older gds restore; left alone (drop it if no restore is running)`);
    else if (running) continue; // a restore in progress
    else if (m[1] === 'replaced') ctx.message(`database '${datname}' holds the data an interrupted restore (process ${pid}${here ? '' : ' on another host'}) renamed aside: rename it back, or drop it`);
    else if (!here) ctx.message(`left database '${datname}' alone: the side database of a restore on another host (process ${pid} there)`);
    else if (ctx.dryRun) ctx.message(`would drop '${datname}', the side database of an interrupted restore (process ${pid} is gone)`);
    else {
      const s = dropDatabaseIfExists(datname, num >= 130000);
      ctx.record(describeStatement(s));
      await conn.query(s.text, s.params, { signal: ctx.signal }).then(
        () => ctx.message(`dropped '${datname}', the side database of an interrupted restore (process ${pid} is gone)`),
        (error: unknown) => ctx.message(`could not drop '${datname}', the side database of an interrupted restore: ${(error as Error).message}`),
      );
    }
  }
}

/**
 * Puts the side database `into` in place of `database`: renames the old one aside, the new one
 * in, drops the old one; with `force`, ends the other sessions right before. Runs without the
 * cancellation signal once started, undoes the first rename if the second fails, and undoes both
 * renames (then throws) if the operation was cancelled while they ran; only a cancel during the
 * final DROP of the old database comes too late (the result's messages say so). A template
 * (`asideIsTemplate`) is made an ordinary database right before that DROP (PostgreSQL refuses to
 * drop a template), and made a template again if the DROP fails.
 *
 * ### Examples
 * ```ts
 * const { ended, note } = await swap(ctx, conn, 'app', sideName('restore'), true, { force: true }, 160004, false, false);
 * ```
 */
export async function swap(
  ctx: OperationContext,
  conn: PostgreSQLConnection,
  database: string,
  into: string,
  replacing: boolean,
  options: PostgreSQLRestoreOptions,
  num: number,
  dryRun: boolean,
  asideIsTemplate: boolean,
): Promise<{ ended: number; note?: string }> {
  if (into === database) return { ended: 0 };
  const exec = async (s: Statement): Promise<void> => {
    ctx.record(describeStatement(s));
    if (!dryRun) await conn.query(s.text, s.params);
  };
  await conn.release(into);
  const aside = sideName('replaced');
  // The caller is told "cancelled" as soon as the signal aborts, so a cancel that came while the
  // names were being swapped must find the databases as they were: undo, then throw.
  const undoIfCancelled = async (undo: Statement[]): Promise<void> => {
    if (dryRun || !ctx.signal.aborted) return;
    for (const s of undo) {
      ctx.record(describeStatement(s));
      try {
        await conn.query(s.text, s.params); // no signal: the undo must run after the cancel
      } catch (error) {
        const left = `cancelled during the swap, and undoing it failed (${(error as Error).message}): '${database}' may hold the restored data${replacing ? `, the previous database is named '${aside}'` : ''}`;
        ctx.message(left);
        if (error instanceof Error) error.message = left;
        throw error;
      }
    }
    ctx.throwIfAborted();
  };
  if (!replacing) {
    await exec(renameDatabase(into, database));
    await undoIfCancelled([renameDatabase(database, into)]);
    return { ended: 0 };
  }
  let ended = 0;
  for (let attempt = 0; ; attempt++) {
    const sessions = dryRun ? 0 : await otherSessions(conn, database);
    if (sessions > 0 && !options.force) throw inUse(database, sessions);
    if (sessions > 0 || (dryRun && options.force)) {
      await exec(terminateSessions(database));
      ended += sessions;
    }
    try {
      await exec(renameDatabase(database, aside));
      break;
    } catch (error) {
      // a session connected between the count and the rename (55006): count again
      if ((error as { code?: string }).code !== '55006' || attempt >= 4) throw error;
    }
  }
  try {
    await exec(renameDatabase(into, database));
  } catch (error) {
    const undo = await conn.query(renameDatabase(aside, database).text).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    if (undo && error instanceof Error) error.message = `${error.message}; the previous database is now named '${aside}' (renaming it back failed: ${undo.message})`;
    throw error;
  }
  await undoIfCancelled([renameDatabase(database, into), renameDatabase(aside, database)]);
  let untemplated = false;
  try {
    if (asideIsTemplate) {
      await exec(isTemplate(aside, false));
      untemplated = true;
    }
    await exec(dropDatabase(aside, num >= 130000));
    // past the point of no return: a cancel now cannot stop it, so the failed result says so
    if (!dryRun && ctx.signal.aborted) ctx.message(`the cancel came after the swap: '${database}' was restored and the previous database dropped`);
    return { ended };
  } catch (error) {
    if (untemplated) await conn.query(isTemplate(aside, true).text).catch(() => undefined); // as it was
    const note = `the previous database is kept as '${aside}' (dropping it failed: ${(error as Error).message}); drop it when no longer needed`;
    ctx.message(note);
    return { ended, note };
  }
}
