/**
 * Restores of mariadb-dump / mysqldump files with the `mariadb` / `mysql` client.
 *
 * - Nothing changes until the whole file was read and accepted (mysql-verify.ts: complete, not
 *   corrupt, no client commands); while it is fed to the client it is scanned again, chunk by
 *   chunk, and a chunk reaches the client only once accepted (the file may change in between).
 *   The client runs with `--binary-mode` (every client command but `\C` and DELIMITER is off),
 *   `--sandbox` where it has it, `--local-infile=0`, and the connection in a temporary option
 *   file. MariaDB's sandbox first line is left out of what the client reads (MySQL's client
 *   refuses it; the sandbox is switched on by option instead).
 * - A database that does not exist is created and restored into; if the restore fails or is
 *   cancelled it is dropped again. An existing empty one is restored into in place and emptied
 *   again on failure. One that holds objects is refused unless `replace`.
 * - `replace`: MySQL has no RENAME DATABASE. The dump is restored into a side database
 *   `gds_restore_<pid>_<host>_<hex>` (same default character set and collation), then one atomic
 *   `RENAME TABLE` moves the old tables to `gds_replaced_...` and the restored ones in; the old
 *   ones are dropped last. The database itself (its character set, collation, grants) stays.
 *   Views cannot be renamed across databases: the old ones are dropped and the restored ones made
 *   again from SHOW CREATE VIEW (read from inside the side database, so unqualified; with their
 *   client character set and collation, algorithm, definer and security), and everything is
 *   undone if one fails. Triggers, stored routines and events are not carried (recreating them
 *   exactly needs their sql_mode, character sets and definers, which is not implemented): a
 *   replacement is refused, before anything changes, when the database holds any, and after the
 *   side restore (the side database dropped, the database untouched) when the dump brought any. Other sessions using the database make
 *   `replace` a DatabaseInUseError unless `force` (they are killed right before the swap).
 * - Side databases of restores whose process is gone (this host) are dropped by the next restore;
 *   a `gds_replaced_*` one (old tables an interrupted swap moved aside) is only reported.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import { DatabaseInUseError, DatabaseNotFoundError, RestoreOptionsSchema, UnsupportedOperationError, ValidationError, extendOptions, type ProgressEvent, type RuntimeOptions } from '@gds/database';
import { hostTag, processAlive, statement, type OperationContext, type OperationOutcome, type Statement } from '@gds/database/engine';
import { Type, type Static } from '@gds/database/schema';
import { readDump } from './mysql-compress.js';
import type { MySQLConnection } from './mysql-connection.js';
import { DumpRefusal, DumpScanner, SANDBOX_LINE } from './mysql-dump-scan.js';
import { quoteIdentifier, quoteString, validateIdentifier } from './mysql-quote.js';
import { describeStatement, killConnection, sessionsIn } from './mysql-statements.js';
import { clientHasSandbox, commandLine, findTool, runTool, writeDefaultsFile, type MySQLTool } from './mysql-tools.js';
import { checkDumpFile, type DumpCheck } from './mysql-verify.js';

/**
 * Schema of `restore()` options.
 *
 * ### Examples
 * ```ts
 * await db.restore('/backups/app.sql.gz', { replace: true, force: true });
 * ```
 */
export const MySQLRestoreOptionsSchema = extendOptions(RestoreOptionsSchema, {
  create: Type.Optional(Type.Boolean({ description: 'Create the database when it does not exist. Defaults to true.' })),
  binDir: Type.Optional(Type.String({ minLength: 1, description: "Folder of the mariadb / mysql client. Defaults to the connection's binDir, GDS_MYSQL_BIN_DIR, then PATH." })),
});
/** Options of `restore()`. */
export type MySQLRestoreOptions = Static<typeof MySQLRestoreOptionsSchema> & RuntimeOptions & { onProgress?: (event: ProgressEvent) => void };

/** What a database holds, by kind. */
interface Inventory {
  tables: string[];
  views: string[];
  routines: string[];
  events: string[];
  triggers: string[];
}

const q = (name: string) => quoteIdentifier(name);

/** One query per kind of object in `database` (information_schema). */
async function inventory(conn: MySQLConnection, database: string, signal?: AbortSignal): Promise<Inventory> {
  const names = async (sql: string) => (await conn.query<{ name: string }>(sql, [database], { signal })).map((r) => String(r.name));
  return {
    tables: await names("SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE <> 'VIEW' ORDER BY TABLE_NAME"),
    views: await names("SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'VIEW' ORDER BY TABLE_NAME"),
    routines: await names("SELECT CONCAT(ROUTINE_TYPE, ' ', ROUTINE_NAME) AS name FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ? ORDER BY 1"),
    events: await names('SELECT EVENT_NAME AS name FROM information_schema.EVENTS WHERE EVENT_SCHEMA = ? ORDER BY 1'),
    triggers: await names('SELECT TRIGGER_NAME AS name FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ? ORDER BY 1'),
  };
}

/** The objects gds cannot carry across databases exactly (triggers, routines, events), as a phrase; empty when none. */
function unmovable(inv: Inventory): string {
  const parts = (
    [
      ['trigger', inv.triggers],
      ['stored routine', inv.routines],
      ['event', inv.events],
    ] as const
  )
    .filter(([, list]) => list.length > 0)
    .map(([kind, list]) => `${list.length} ${kind}${list.length === 1 ? '' : 's'} (${list.slice(0, 5).join(', ')}${list.length > 5 ? ', ...' : ''})`);
  return parts.join(', ');
}

/**
 * `RENAME TABLE a.t TO b.t, ...` for every table: one statement, atomic on MySQL and MariaDB.
 * Exported for tests, not by the package.
 *
 * ### Examples
 * ```ts
 * renameTables([['app', 'gds_replaced_1', ['t']], ['gds_restore_1', 'app', ['t']]]).text;
 * // 'RENAME TABLE `app`.`t` TO `gds_replaced_1`.`t`, `gds_restore_1`.`t` TO `app`.`t`'
 * ```
 */
export function renameTables(moves: readonly (readonly [from: string, to: string, tables: readonly string[]])[]): Statement {
  const pairs = moves.flatMap(([from, to, tables]) => tables.map((t) => `${q(from)}.${q(t)} TO ${q(to)}.${q(t)}`));
  return statement(`RENAME TABLE ${pairs.join(', ')}`);
}

const createLike = (name: string, charset: string, collation: string): Statement =>
  statement(`CREATE DATABASE ${q(name)} CHARACTER SET ${quoteString(charset)} COLLATE ${quoteString(collation)}`);
const dropDatabaseIfExists = (name: string): Statement => statement(`DROP DATABASE IF EXISTS ${q(name)}`);

/** A side database's name, naming its owner process and host (so a later restore can tell an interrupted one from a running one). */
const sideName = (kind: 'restore' | 'replaced'): string => `gds_${kind}_${process.pid}_${hostTag()}_${randomBytes(3).toString('hex')}`;
const SIDE_NAME = /^gds_(restore|replaced)_(\d+)_([0-9a-f]{8})_[0-9a-f]{6}$/;

/** Drops the side databases of dead restores on this host; reports the rest. */
async function dropLeftovers(ctx: OperationContext, conn: MySQLConnection): Promise<void> {
  const rows = await conn.query<{ name: string }>("SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 'gds\\_restore\\_%' OR SCHEMA_NAME LIKE 'gds\\_replaced\\_%'", [], { signal: ctx.signal });
  for (const { name } of rows) {
    const m = SIDE_NAME.exec(name);
    const pid = Number(m?.[2]);
    const here = m?.[3] === hostTag();
    if (!m || (here && (pid === process.pid || processAlive(pid)))) continue;
    if (m[1] === 'replaced') ctx.message(`database '${name}' holds the tables an interrupted restore (process ${pid}) moved aside: move them back (RENAME TABLE), or drop it`);
    else if (!here) ctx.message(`left database '${name}' alone: the side database of a restore on another host`);
    else if (ctx.dryRun) ctx.message(`would drop '${name}', the side database of an interrupted restore (process ${pid} is gone)`);
    else {
      const s = dropDatabaseIfExists(name);
      ctx.record(describeStatement(s));
      await conn.run(s, { signal: ctx.signal }).then(
        () => ctx.message(`dropped '${name}', the side database of an interrupted restore (process ${pid} is gone)`),
        (error: unknown) => ctx.message(`could not drop '${name}': ${(error as Error).message}`),
      );
    }
  }
}

/** Drops every object in `database` (tables, views, routines, events), leaving it empty. */
async function emptyDatabase(conn: MySQLConnection, database: string): Promise<void> {
  const inv = await inventory(conn, database);
  await conn.withSession(async (s) => {
    await s.query('SET SESSION foreign_key_checks = 0');
    for (const v of inv.views) await s.query(`DROP VIEW IF EXISTS ${q(database)}.${q(v)}`);
    for (const t of inv.tables) await s.query(`DROP TABLE IF EXISTS ${q(database)}.${q(t)}`);
    for (const r of inv.routines) {
      const [kind = 'PROCEDURE', ...rest] = r.split(' ');
      await s.query(`DROP ${kind === 'FUNCTION' ? 'FUNCTION' : 'PROCEDURE'} IF EXISTS ${q(database)}.${q(rest.join(' '))}`);
    }
    for (const e of inv.events) await s.query(`DROP EVENT IF EXISTS ${q(database)}.${q(e)}`);
  });
}

/** A view's definition as SHOW CREATE VIEW gives it from inside its database (unqualified names), with the session settings it was made with. */
interface ViewDefinition {
  name: string;
  sql: string;
  charset: string;
  collation: string;
}

const UTF8_CLIENTS = new Set(['utf8', 'utf8mb3', 'utf8mb4']);

/**
 * The definitions of `views` of `database`, read from inside it so that its own tables are not
 * qualified; refused when a definition still names the database (it would not be moved exactly)
 * or was made with a non-UTF-8 client character set and holds non-ASCII text (mysql2 sends UTF-8).
 */
async function viewDefinitions(conn: MySQLConnection, database: string, views: readonly string[], signal?: AbortSignal): Promise<ViewDefinition[]> {
  const defs: ViewDefinition[] = [];
  for (const name of views) {
    const rows = await conn.query<Record<string, string>>(`SHOW CREATE VIEW ${q(name)}`, [], { database, signal });
    const row = rows[0] ?? {};
    const def = { name, sql: String(row['Create View'] ?? ''), charset: String(row.character_set_client ?? ''), collation: String(row.collation_connection ?? '') };
    if (!def.sql) throw new UnsupportedOperationError(`Cannot read the definition of view '${name}'`, { engine: 'mysql', operation: 'restore' });
    if (def.sql.includes(q(database))) throw new UnsupportedOperationError(`Cannot move view '${name}' exactly: its definition names its own database`, { engine: 'mysql', operation: 'restore', hint: 'restore under a new name' });
    if (!UTF8_CLIENTS.has(def.charset.toLowerCase()) && /[^ -~\t\r\n]/.test(def.sql)) {
      throw new UnsupportedOperationError(`Cannot move view '${name}' exactly: it was made with the client character set ${def.charset} and holds non-ASCII text`, { engine: 'mysql', operation: 'restore', hint: 'restore under a new name' });
    }
    defs.push(def);
  }
  return defs;
}

/** Creates `defs` in `database` (each with its client character set and collation), retrying until those depending on others can be made. */
async function createViews(conn: MySQLConnection, database: string, defs: readonly ViewDefinition[], record: (s: Statement) => void): Promise<void> {
  await conn.withSession(
    async (s) => {
      let left = [...defs];
      let lastError: unknown;
      while (left.length) {
        const failed: ViewDefinition[] = [];
        for (const def of left) {
          const settings = statement('SET SESSION character_set_client = ?, collation_connection = ?', [def.charset, def.collation]);
          const create = statement(def.sql);
          record(create);
          try {
            await s.run(settings);
            await s.run(create);
          } catch (error) {
            lastError = error;
            failed.push(def);
          }
        }
        if (failed.length === left.length) throw lastError;
        left = failed;
      }
    },
    { database },
  );
}

const dropViews = (database: string, views: readonly string[]): Statement | undefined =>
  views.length ? statement(`DROP VIEW IF EXISTS ${views.map((v) => `${q(database)}.${q(v)}`).join(', ')}`) : undefined;

/**
 * The dump for the client's standard input: scanned again chunk by chunk (a chunk is yielded only
 * once the scanner accepted it), MariaDB's sandbox line blanked. Exported for tests, not by the package.
 */
export async function* clientFeed(check: DumpCheck, signal: AbortSignal, onRead: (bytes: number) => void): AsyncGenerator<Buffer> {
  const scanner = new DumpScanner();
  let first = true;
  for await (const raw of readDump(check.path, check.compression, signal, onRead)) {
    let chunk = raw;
    scanner.push(chunk);
    if (first) {
      first = false;
      const head = chunk.subarray(0, SANDBOX_LINE.length + 2).toString('latin1');
      if (head.startsWith(SANDBOX_LINE)) {
        const nl = chunk.indexOf(0x0a);
        chunk = nl < 0 ? Buffer.alloc(0) : chunk.subarray(nl); // keep the newline: line numbers stay those of the file
      }
    }
    yield chunk;
  }
  try {
    scanner.end();
  } catch (error) {
    if (error instanceof DumpRefusal) throw new ValidationError('Invalid backup source', [{ path: '/source', message: `${check.path} changed while it was restored: ${error.message}` }], { engine: 'mysql', operation: 'restore' });
    throw error;
  }
}

/** The client's arguments after the option file. Exported for tests, not by the package. */
export function clientArgs(into: string, sandbox: boolean, initCommand: string | undefined): string[] {
  const args = ['--binary-mode', '--batch', '--local-infile=0', '--default-character-set=utf8mb4', '--no-auto-rehash'];
  if (sandbox) args.push('--sandbox');
  if (initCommand) args.push(`--init-command=${initCommand}`);
  args.push(`--database=${into}`);
  return args;
}

/**
 * Restores `database` from `source` (see the module comment).
 *
 * ### Examples
 * ```ts
 * await restoreDatabase(ctx, conn, 'app', '/backups/app.sql.gz', { replace: true });
 * ```
 */
export async function restoreDatabase(ctx: OperationContext, conn: MySQLConnection, database: string, source: string, options: MySQLRestoreOptions): Promise<OperationOutcome> {
  validateIdentifier(database, 'database name');
  const info = await conn.serverInfo(ctx.signal);
  const client: MySQLTool = await findTool('client', { flavor: info.flavor, binDir: options.binDir ?? conn.config.binDir });
  const sandbox = await clientHasSandbox(client);
  await dropLeftovers(ctx, conn);
  const schema = (await conn.query<{ name: string; charset: string; collation: string }>(
    'SELECT SCHEMA_NAME AS name, DEFAULT_CHARACTER_SET_NAME AS charset, DEFAULT_COLLATION_NAME AS collation FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?',
    [database],
    { signal: ctx.signal },
  )).find((r) => r.name === database);
  const before = schema ? await inventory(conn, database, ctx.signal) : undefined;
  const holds = before ? before.tables.length + before.views.length + before.routines.length + before.events.length + before.triggers.length : 0;
  if (holds > 0 && !options.replace) {
    throw new ValidationError(`Refusing to restore into '${database}', which already holds objects`, [{ path: '/replace', message: 'pass replace: true to replace its tables (restored aside, then swapped)' }], { engine: 'mysql', operation: 'restore' });
  }
  if (!schema && options.create === false) throw new DatabaseNotFoundError(`Database '${database}' does not exist and create is false`, { engine: 'mysql', operation: 'restore' });
  const replacing = holds > 0;
  if (replacing && before && unmovable(before)) {
    throw new UnsupportedOperationError(`Cannot replace '${database}' exactly: it holds ${unmovable(before)}, which RENAME TABLE cannot move between databases; nothing was changed`, {
      engine: 'mysql',
      operation: 'restore',
      hint: 'restore under a new name and switch the application over, or drop those objects first',
    });
  }
  if (replacing && !options.force) {
    await conn.release(database);
    const sessions = await conn.run<{ id: number; db: string }>(sessionsIn(database), { signal: ctx.signal });
    if (sessions.length) throw inUse(database, sessions.length);
  }

  // 1. read the whole source: a bad file is refused before anything changes
  const check = await checkDumpFile(source, 'restore', ctx.signal);
  ctx.throwIfAborted();

  const into = replacing ? sideName('restore') : database;
  const globalMode = (await conn.query<{ mode: string }>('SELECT @@GLOBAL.sql_mode AS mode', [], { signal: ctx.signal }))[0]?.mode ?? '';
  // the scan reads strings with backslash escapes from the start: make the session agree
  const initCommand = /NO_BACKSLASH_ESCAPES/i.test(globalMode) ? `SET SESSION sql_mode = ${quoteString(globalMode.split(',').filter((m) => m.toUpperCase() !== 'NO_BACKSLASH_ESCAPES').join(','))}` : undefined;
  const args = clientArgs(into, sandbox, initCommand);
  const run = (s: Statement) => ctx.step(s, (st) => conn.run(st, { signal: ctx.signal }));
  const createFirst = replacing ? createLike(into, schema!.charset, schema!.collation) : !schema ? statement(`CREATE DATABASE ${q(database)}`) : undefined;

  if (ctx.dryRun) {
    if (createFirst) await run(createFirst);
    ctx.record(`${commandLine(client.path, ['--defaults-file=<temporary option file: user, password, host>', ...args])} < ${commandLine(check.path, [])}`);
    if (replacing) ctx.record(describeStatement(renameTables([[database, '<gds_replaced_...>', before!.tables], [into, database, ['<each restored table>']]])));
    return { message: `would restore ${database} from ${check.path}${replacing ? ` into ${into}, then move its tables in (RENAME TABLE)` : ''}` };
  }

  let created = false;
  const cleanUp = async (): Promise<string | undefined> => {
    try {
      if (replacing || (!schema && created)) {
        const s = dropDatabaseIfExists(into);
        ctx.record(describeStatement(s));
        await conn.release(into);
        await conn.run(s); // no signal: the clean-up must run after a cancel too
      } else if (schema) {
        await emptyDatabase(conn, database);
      }
      return undefined;
    } catch (error) {
      return `the partial restore remains in database '${into}' (cleaning up failed: ${(error as Error).message}); drop it by hand`;
    }
  };
  const failWith = async (error: unknown): Promise<never> => {
    const left = await cleanUp();
    if (left) {
      ctx.message(left);
      if (error instanceof Error) error.message = `${error.message}; ${left}`;
    }
    throw error;
  };

  const defaults = writeDefaultsFile(conn.config);
  try {
    if (createFirst) {
      await run(createFirst);
      created = true;
    }
    ctx.record(`${commandLine(client.path, [defaults.argument, ...args])} < ${commandLine(check.path, [])}`);
    let read = 0;
    const timer = setInterval(() => ctx.progress({ bytes: read, percent: Math.min(99, Math.floor((read / check.fileBytes) * 100)) }), 500);
    timer.unref();
    try {
      await runTool(client, [defaults.argument, ...args], {
        signal: ctx.signal,
        stdin: clientFeed(check, ctx.signal, (n) => (read = n)),
        onStderrLine: (line) => ctx.message(line),
      });
    } finally {
      clearInterval(timer);
    }
    ctx.throwIfAborted();
  } catch (error) {
    defaults.remove();
    return failWith(error);
  }
  defaults.remove();

  if (!replacing) {
    ctx.progress({ percent: 100 });
    const inv = await inventory(conn, database);
    return { message: `restored ${database} from ${check.path} (${inv.tables.length} tables${schema ? ', into the existing empty database' : ''})` };
  }

  // 2. the side restore is complete: can its objects be moved exactly?
  let side: Inventory;
  try {
    side = await inventory(conn, into, ctx.signal);
    const extra = unmovable(side);
    if (extra) {
      throw new UnsupportedOperationError(`Cannot replace '${database}' exactly: the backup holds ${extra}, which RENAME TABLE cannot move between databases; '${database}' was not changed`, {
        engine: 'mysql',
        operation: 'restore',
        hint: `restore under a new name (e.g. restore into '${database}_new' without replace)`,
      });
    }
  } catch (error) {
    return failWith(error);
  }
  // 3. the swap: one RENAME TABLE (atomic). Progress 100 is said first: a callback that cancels on it cancels a restore not yet swapped.
  ctx.progress({ percent: 100 });
  if (ctx.signal.aborted) return failWith(ctx.signal.reason);
  const aside = sideName('replaced');
  let killed = 0;
  try {
    const current = await inventory(conn, database);
    if (unmovable(current)) throw new UnsupportedOperationError(`Cannot replace '${database}': ${unmovable(current)} appeared in it during the restore; '${database}' was not changed`, { engine: 'mysql', operation: 'restore' });
    await conn.release(database);
    const sessions = await conn.run<{ id: number }>(sessionsIn(database));
    if (sessions.length && !options.force) throw inUse(database, sessions.length);
    for (const s of sessions) {
      const k = killConnection(Number(s.id));
      ctx.record(describeStatement(k));
      await conn.run(k).catch(() => undefined); // gone meanwhile
      killed++;
    }
    // views cannot be renamed across databases: they are dropped and made again from their definitions
    const oldViews = await viewDefinitions(conn, database, current.views);
    const newViews = await viewDefinitions(conn, into, side.views);
    const makeAside = createLike(aside, schema!.charset, schema!.collation);
    ctx.record(describeStatement(makeAside));
    await conn.run(makeAside);
    const exec = async (st: Statement | undefined) => {
      if (!st) return;
      ctx.record(describeStatement(st));
      await conn.run(st);
    };
    const swap = renameTables([
      [database, aside, current.tables],
      [into, database, side.tables],
    ]);
    const unswap = renameTables([
      [database, into, side.tables],
      [aside, database, current.tables],
    ]);
    // from here no signal: the steps are undone below if one fails or the operation was cancelled meanwhile
    await exec(dropViews(database, current.views));
    try {
      await exec(swap);
    } catch (error) {
      await createViews(conn, database, oldViews, (st) => ctx.record(describeStatement(st))).catch(() => undefined);
      await conn.run(dropDatabaseIfExists(aside)).catch(() => undefined);
      throw error;
    }
    let failure: unknown = ctx.signal.aborted ? ctx.signal.reason : undefined;
    if (failure === undefined) await createViews(conn, database, newViews, (st) => ctx.record(describeStatement(st))).catch((error: unknown) => (failure = error));
    if (!failure && ctx.signal.aborted) failure = ctx.signal.reason;
    if (failure !== undefined) {
      await exec(dropViews(database, side.views));
      await exec(unswap);
      await createViews(conn, database, oldViews, (st) => ctx.record(describeStatement(st)));
      await conn.run(dropDatabaseIfExists(aside));
      throw failure;
    }
  } catch (error) {
    return failWith(error);
  }
  const notes: string[] = [];
  for (const name of [aside, into]) {
    const s = dropDatabaseIfExists(name);
    ctx.record(describeStatement(s));
    await conn.run(s).catch((error: unknown) => notes.push(`'${name}' could not be dropped (${(error as Error).message}); drop it when no longer needed`));
  }
  for (const n of notes) ctx.message(n);
  return {
    message: `restored ${database} from ${check.path}, replacing its ${before!.tables.length} tables and ${before!.views.length} views with ${side.tables.length} and ${side.views.length}${killed ? `; killed ${killed} other session${killed === 1 ? '' : 's'}` : ''}${notes.length ? `; ${notes.join('; ')}` : ''}`,
  };
}

function inUse(database: string, sessions: number): DatabaseInUseError {
  return new DatabaseInUseError(`${sessions} other session${sessions === 1 ? ' is' : 's are'} using '${database}'; restore with replace would swap its tables under them`, {
    sessions,
    engine: 'mysql',
    operation: 'restore',
    hint: 'close them, or pass force: true to kill them right before the swap',
  });
}
