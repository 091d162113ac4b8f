/**
 * Backup, restore and clone on Snowflake: all three are zero-copy clones.
 *
 * - `backup(target)` creates the database `target` as a clone of this one (now, or at/before a
 *   Time Travel point). The target is a database NAME, not a file path: Snowflake cannot write a
 *   database to a file, so a target that looks like a path is refused. The clone shares storage
 *   with its source until either changes; it is a full, independent database.
 * - `restore(source)` clones `source` (a backup clone, or this database itself at a Time Travel
 *   point) into this database. When this database exists the restore is refused unless `replace`
 *   is set; then gds clones into a temporary database and swaps it in with one atomic
 *   `ALTER DATABASE ... SWAP WITH ...`, so the name never points at a half-restored database.
 *   The replaced content is then dropped last (recoverable with UNDROP under the temporary name
 *   within its retention time) or, with `keepPrevious`, kept under that name. A restore that
 *   fails or is cancelled before the swap leaves the database exactly as it was (the clone is
 *   dropped); when the swap's reply is lost after the server swapped, the creation times tell,
 *   and the previous content is kept rather than dropped; a failed final drop is reported, not
 *   turned into a failed restore. A cancel or timeout (which the caller is told about) that
 *   arrives after the swap is honoured by undoing it: swapped back (the previous content
 *   undropped first if the final drop had run), the clone dropped. A restore into a new name
 *   whose clone the server made although the client saw a failure drops that clone (or fails
 *   with an error naming it). A swap exchanges database-level grants too: the restored database has the clone's grants, not the old ones.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import { ValidationError, type BackupInfo, type GdsError } from '@gds/database';
import type { OperationContext, OperationOutcome, Statement } from '@gds/database/engine';
import type { SnowflakeConnection } from './snowflake-connection.js';
import { exactRows, showDatabasesSql, type ShowDatabasesRow } from './snowflake-metadata.js';
import type { CloneOptions, SnowflakeBackupOptions, SnowflakeRestoreOptions } from './snowflake-options.js';
import { mapSnowflakeError } from './snowflake-errors.js';
import { MAX_IDENTIFIER_LENGTH, quoteIdentifier, validateIdentifier } from './snowflake-quote.js';
import { createDatabase, dropDatabase, swapDatabases, timeTravelClause, undropDatabase, type TimeTravel } from './snowflake-statements.js';

/** Records `s` as a step of `ctx` and runs that same statement (skipped in a dry run). */
function run(ctx: OperationContext, conn: SnowflakeConnection, s: Statement): Promise<unknown> {
  return ctx.step(s, (st) => conn.run(st, { signal: ctx.signal }));
}

/**
 * Whether a database of exactly that name exists (one SHOW statement, no warehouse).
 *
 * ### Examples
 * ```ts
 * if (await databaseExists(conn, 'SALES', signal)) console.log('found');
 * ```
 */
export async function databaseExists(conn: SnowflakeConnection, name: string, signal?: AbortSignal): Promise<boolean> {
  const rows = await conn.query<ShowDatabasesRow>(showDatabasesSql(name), [], { signal });
  return exactRows(rows, name).length > 0;
}

/**
 * After a clone into `name` (a name that did not exist before) failed on the client side, drops
 * the clone if the server made it anyway; when that drop fails, throws an error that names it.
 */
async function removeLeftover(ctx: OperationContext, conn: SnowflakeConnection, name: string, error: unknown): Promise<void> {
  let left = false;
  try {
    left = await databaseExists(conn, name);
    if (!left) return;
    await conn.run(dropDatabase(name, { ifExists: true }));
    ctx.message(`removed ${name}: the server had made the clone before the restore failed (${error instanceof Error ? error.message : String(error)})`);
    return;
  } catch (cleanup) {
    if (!left) return; // could not even look: nothing known to be left
    const mapped = mapSnowflakeError(error, 'restore');
    const Kind = mapped.constructor as new (message: string, options: ConstructorParameters<typeof GdsError>[1]) => GdsError;
    throw new Kind(`${mapped.message}; the clone ${name} was left behind (dropping it failed: ${cleanup instanceof Error ? cleanup.message : String(cleanup)})`, {
      engine: 'snowflake',
      operation: 'restore',
      cause: error,
      serverCode: mapped.serverCode,
      hint: `drop ${name} yourself: DROP DATABASE ${quoteIdentifier(name)}`,
    });
  }
}

/** Whether `name` now holds the fresher clone made as `tmp` (both exist and `name` was created later). */
async function swapped(conn: SnowflakeConnection, name: string, tmp: string): Promise<boolean> {
  try {
    const created = async (n: string) => {
      const v = exactRows(await conn.query<ShowDatabasesRow>(showDatabasesSql(n)), n)[0]?.created_on;
      return v instanceof Date ? v.getTime() : typeof v === 'string' ? Date.parse(v) : Number.NaN;
    };
    const [a, b] = [await created(name), await created(tmp)];
    return a > b;
  } catch {
    return false;
  }
}

function describePoint(t: TimeTravel): string {
  return timeTravelClause(t).trim() || 'now';
}

function checkTargetName(target: string, source: string, operation: string): void {
  validateIdentifier(target, `${operation} target`);
  if (/[\\/]/.test(target)) {
    throw new ValidationError(`Invalid ${operation} target`, [
      { path: '/target', message: `'${target}' looks like a file path: a Snowflake ${operation} is a zero-copy clone, so pass the name of the database to create` },
    ], { engine: 'snowflake', operation });
  }
  if (target === source) throw new ValidationError(`Invalid ${operation} target`, [{ path: '/target', message: 'is the database itself' }], { engine: 'snowflake', operation });
}

/**
 * Clones `source` into the new database `target` (the body of `clone()` and `backup()`).
 *
 * ### Examples
 * ```ts
 * await cloneDatabase(ctx, conn, 'SALES', 'SALES_COPY', { at: { offset: -60 } }, 'clone');
 * ```
 */
export async function cloneDatabase(
  ctx: OperationContext,
  conn: SnowflakeConnection,
  source: string,
  target: string,
  options: CloneOptions | SnowflakeBackupOptions,
  operation: 'clone' | 'backup',
): Promise<OperationOutcome<BackupInfo>> {
  checkTargetName(target, source, operation);
  const tt: TimeTravel = { at: options.at, before: options.before };
  const comment = options.comment ?? (operation === 'backup' ? `gds backup: zero-copy clone of ${source} (${describePoint(tt)})` : undefined);
  await run(ctx, conn, createDatabase(target, { transient: options.transient, clone: { source, ...tt }, comment }));
  return {
    message: `${operation === 'backup' ? 'backed up' : 'cloned'} ${source} as ${target} (zero-copy clone, ${describePoint(tt)})`,
    data: { target, type: 'full', format: 'zero-copy clone', details: { source, at: options.at, before: options.before, transient: options.transient ?? false } },
  };
}

/**
 * A temporary name beside `name`, unique to this call (time to the millisecond and a random
 * part: two restores in one second must not share it), within Snowflake's 255 characters.
 *
 * ### Examples
 * ```ts
 * temporaryName('SALES', 'restore', new Date('2026-03-01T08:09:10.123Z'), 'a1b2'); // 'SALES_gds_restore_20260301080910123_a1b2'
 * ```
 */
export function temporaryName(name: string, purpose: string, now: Date = new Date(), unique: string = randomBytes(2).toString('hex')): string {
  const suffix = `_gds_${purpose}_${now.toISOString().replace(/[-:.TZ]/g, '').slice(0, 17)}_${unique}`;
  const chars = [...name];
  return chars.slice(0, MAX_IDENTIFIER_LENGTH - suffix.length).join('') + suffix;
}

/**
 * Restores `name` from the database `source` (see the module comment).
 *
 * ### Examples
 * ```ts
 * await restoreDatabase(ctx, conn, 'SALES', 'SALES_BACKUP', { replace: true });
 * ```
 */
export async function restoreDatabase(ctx: OperationContext, conn: SnowflakeConnection, name: string, source: string, options: SnowflakeRestoreOptions): Promise<OperationOutcome> {
  validateIdentifier(source, 'restore source');
  const tt: TimeTravel = { at: options.at, before: options.before };
  const when = describePoint(tt);
  if (source === name && !tt.at && !tt.before) {
    throw new ValidationError('Invalid restore source', [{ path: '/source', message: 'restoring a database from itself needs a Time Travel point (at or before)' }], { engine: 'snowflake', operation: 'restore' });
  }
  timeTravelClause(tt); // validates before anything runs
  if (!(await databaseExists(conn, name, ctx.signal))) {
    try {
      await run(ctx, conn, createDatabase(name, { clone: { source, ...tt } }));
    } catch (error) {
      // cancelled or timed out after the server made the clone: `name` did not exist before
      if (!ctx.dryRun) await removeLeftover(ctx, conn, name, error);
      throw error;
    }
    return { message: `restored ${name} as a zero-copy clone of ${source} (${when})` };
  }
  if (!options.replace) {
    throw new ValidationError('Refusing to restore over an existing database', [{ path: '/replace', message: `'${name}' exists: pass replace: true to swap the restored copy in (the current content is dropped, recoverable with UNDROP)` }], {
      engine: 'snowflake',
      operation: 'restore',
      hint: 'pass replace: true, or restore into a new database name',
    });
  }
  const tmp = temporaryName(name, 'restore');
  // the clone must succeed before anything touches `name`; a failed clone leaves it as it was
  try {
    await run(ctx, conn, createDatabase(tmp, { clone: { source, ...tt } }));
  } catch (error) {
    if (!ctx.dryRun) await removeLeftover(ctx, conn, tmp, error);
    throw error;
  }
  // a cancel or timeout the caller is told about must leave `name` as it was, even when it arrives
  // after the swap went through: then the swap is undone (statements without the aborted signal)
  const aborted = () => ctx.signal.aborted;
  const undoSwap = async (cause: unknown): Promise<never> => {
    await conn.run(swapDatabases(name, tmp));
    await conn.run(dropDatabase(tmp)).catch(() => ctx.message(`could not drop ${tmp} (the restored copy, swapped back out): drop it yourself`));
    ctx.message(`cancelled after the swap: swapped back, ${name} holds its previous content again`);
    throw cause;
  };
  try {
    await run(ctx, conn, swapDatabases(name, tmp));
  } catch (error) {
    if (ctx.dryRun) throw error;
    // the reply may be lost (cancel, timeout, network) after the server swapped: the newer
    // creation time tells which name holds the fresh clone; only an unswapped clone is dropped
    if (await swapped(conn, name, tmp)) {
      if (aborted()) return undoSwap(error);
      ctx.message(`the swap was reported as failed (${error instanceof Error ? error.message : String(error)}) but had happened: ${name} is restored; the previous content is kept as ${tmp}`);
      return { message: `restored ${name} from ${source} (${when}); the previous content is kept as ${tmp}` };
    }
    await conn.run(dropDatabase(tmp, { ifExists: true })).catch(() => undefined);
    throw error;
  }
  if (aborted()) return undoSwap(ctx.signal.reason);
  ctx.message(`database-level grants were swapped with the content: re-grant on ${name} what the old database had (the old one is now ${tmp})`);
  if (options.keepPrevious) return { message: `restored ${name} from ${source} (${when}); the previous content is kept as ${tmp}` };
  try {
    await run(ctx, conn, dropDatabase(tmp));
  } catch (error) {
    if (aborted()) {
      // the drop may have gone through before the cancel: bring the previous content back first
      if (!(await databaseExists(conn, tmp))) await conn.run(undropDatabase(tmp));
      return undoSwap(error);
    }
    // the restore itself is done: a failed clean-up must not report it as failed
    ctx.message(`could not drop the previous content ${tmp} (${error instanceof Error ? error.message : String(error)}): drop it yourself when it is no longer needed`);
    return { message: `restored ${name} from ${source} (${when}); the previous content is kept as ${tmp}` };
  }
  if (aborted()) {
    await conn.run(undropDatabase(tmp));
    return undoSwap(ctx.signal.reason);
  }
  return { message: `restored ${name} from ${source} (${when}); the previous content was dropped as ${tmp} (UNDROP DATABASE within its retention time brings it back)` };
}
