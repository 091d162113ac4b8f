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
 *   Views, stored routines, triggers and events cannot be renamed across databases (and a table
 *   with triggers cannot be renamed at all across them): they are read with SHOW CREATE (from
 *   inside their database, so unqualified, with the sql_mode, client character set, collation and
 *   time zone they were made with; mysql-objects.ts), the old ones dropped, the restored ones made
 *   again in the database after the RENAME, and every step undone if a later one fails or the
 *   operation was cancelled meanwhile. A definition that cannot be carried exactly is refused
 *   before anything changes. Limit: only the RENAME TABLE is atomic; for the few statements
 *   around it the database lacks its views, routines, triggers and events (a session connecting
 *   in that moment could write without the triggers). Other sessions using the database make
 *   `replace` a DatabaseInUseError unless `force` (they are killed right before the swap).
 * - Side databases of restores whose process is gone (this host) are dropped by the next restore;
 *   a `gds_replaced_*` one (old tables an interrupted swap moved aside) is only reported.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import { DatabaseInUseError, DatabaseNotFoundError, RestoreOptionsSchema, ValidationError, extendOptions, type ProgressEvent, type RuntimeOptions } from '@gds/database';
import { hostTag, processAlive, statement, type OperationContext, type OperationOutcome, type Statement } from '@gds/database/engine';
import { Type, type Static } from '@gds/database/schema';
import { readDump } from './mysql-compress.js';
import { createDefinitions, describeDefinitions, dropStatements, readDefinitions, type ObjectDefinition } from './mysql-objects.js';
import type { MySQLConnection } from './mysql-connection.js';
import { DumpRefusal, DumpScanner, SANDBOX_LINE } from './mysql-dump-scan.js';
import { quoteIdentifier, quoteString, sameName, validateIdentifier } from './mysql-quote.js';
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

/**
 * The dump for the client's standard input, scanned again as it is read: only whole lines the
 * scanner accepted are passed on (an unfinished last line is held until it ends and is judged),
 * MariaDB's sandbox line blanked. Exported for tests, not by the package.
 */
export async function* clientFeed(check: DumpCheck, signal: AbortSignal, onRead: (bytes: number) => void): AsyncGenerator<Buffer> {
  const scanner = new DumpScanner();
  let first = true;
  let carry: Buffer = Buffer.alloc(0);
  const refusal = (error: unknown) =>
    error instanceof DumpRefusal ? new ValidationError('Invalid backup source', [{ path: '/source', message: `${check.path} changed while it was restored: ${error.message}` }], { engine: 'mysql', operation: 'restore' }) : error;
  /** Blanks MariaDB's sandbox line (keeping its newline, so line numbers stay those of the file). */
  const strip = (piece: Buffer): Buffer => {
    if (!first) return piece;
    first = false;
    if (!piece.subarray(0, SANDBOX_LINE.length).toString('latin1').startsWith(SANDBOX_LINE)) return piece;
    const nl = piece.indexOf(0x0a);
    return nl < 0 ? Buffer.alloc(0) : piece.subarray(nl);
  };
  for await (const raw of readDump(check.path, check.compression, signal, onRead)) {
    try {
      scanner.push(raw); // judges every complete line of raw; a line cut at the chunk's end waits for the next
    } catch (error) {
      throw refusal(error);
    }
    // only lines the scanner has judged reach the client: the unfinished last line is held back
    const data = carry.length ? Buffer.concat([carry, raw]) : raw;
    const nl = data.lastIndexOf(0x0a);
    if (nl < 0) {
      carry = data;
      continue;
    }
    carry = Buffer.from(data.subarray(nl + 1));
    yield strip(data.subarray(0, nl + 1));
  }
  try {
    scanner.end();
  } catch (error) {
    throw refusal(error);
  }
  if (carry.length) yield strip(carry);
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
  )).find((r) => sameName(r.name, database, info.lowerCaseTableNames));
  if (info.lowerCaseTableNames === 1 && database !== database.toLowerCase()) {
    throw new ValidationError('Invalid database name', [{ path: '', message: `the server has lower_case_table_names = 1 and stores '${database.toLowerCase()}': use the lower-case name` }], { engine: 'mysql', operation: 'restore' });
  }
  const before = schema ? await inventory(conn, database, ctx.signal) : undefined;
  const holds = before ? before.tables.length + before.views.length + before.routines.length + before.events.length + before.triggers.length : 0;
  if (holds > 0 && !options.replace) {
    throw new ValidationError(`Refusing to restore into '${database}', which already holds objects`, [{ path: '/replace', message: 'pass replace: true to replace its tables (restored aside, then swapped)' }], { engine: 'mysql', operation: 'restore' });
  }
  if (!schema && options.create === false) throw new DatabaseNotFoundError(`Database '${database}' does not exist and create is false`, { engine: 'mysql', operation: 'restore' });
  const replacing = holds > 0;
  // what the swap must make again by definition: refused now, before the long restore, if it cannot be exact
  if (replacing) await readDefinitions(conn, database, ctx.signal);
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

  const defaults = writeDefaultsFile(conn.config, client.flavor);
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

  // 2. the side restore is complete: read what must be made again by definition (refused here, before any change, if it cannot be exact)
  let side: Inventory;
  let newDefs: ObjectDefinition[];
  try {
    side = await inventory(conn, into, ctx.signal);
    newDefs = await readDefinitions(conn, into, ctx.signal);
  } catch (error) {
    return failWith(error);
  }
  // 3. the swap: one RENAME TABLE (atomic). Progress 100 is said first: a callback that cancels on it cancels a restore not yet swapped.
  ctx.progress({ percent: 100 });
  if (ctx.signal.aborted) return failWith(ctx.signal.reason);
  const aside = sideName('replaced');
  let killed = 0;
  let oldDefs: ObjectDefinition[];
  try {
    const current = await inventory(conn, database);
    oldDefs = await readDefinitions(conn, database);
    await conn.release(database);
    const sessions = await conn.run<{ id: number }>(sessionsIn(database));
    if (sessions.length && !options.force) throw inUse(database, sessions.length);
    for (const s of sessions) {
      const k = killConnection(Number(s.id));
      ctx.record(describeStatement(k));
      await conn.run(k).catch(() => undefined); // gone meanwhile
      killed++;
    }
    const exec = async (st: Statement) => {
      ctx.record(describeStatement(st));
      await conn.run(st);
    };
    const record = (st: Statement) => ctx.record(describeStatement(st));
    await exec(createLike(aside, schema!.charset, schema!.collation));
    const swap = renameTables([
      [database, aside, current.tables],
      [into, database, side.tables],
    ]);
    const unswap = renameTables([
      [database, into, side.tables],
      [aside, database, current.tables],
    ]);
    // From here no signal: each step is undone below if a later one fails or the operation was cancelled meanwhile.
    // Views, routines, triggers and events cannot move across databases (a table with triggers cannot even be
    // renamed): the old ones are dropped, the restored ones' triggers taken off their tables, and all made again.
    for (const st of dropStatements(database, oldDefs)) await exec(st);
    for (const st of dropStatements(into, newDefs.filter((d) => d.kind === 'TRIGGER'))) await exec(st);
    try {
      await exec(swap);
    } catch (error) {
      await createDefinitions(conn, database, oldDefs, record).catch(() => undefined);
      await conn.run(dropDatabaseIfExists(aside)).catch(() => undefined);
      throw error;
    }
    let failure: unknown = ctx.signal.aborted ? ctx.signal.reason : undefined;
    if (failure === undefined) await createDefinitions(conn, database, newDefs, record).catch((error: unknown) => (failure = error));
    if (failure === undefined && ctx.signal.aborted) failure = ctx.signal.reason;
    if (failure !== undefined) {
      for (const st of dropStatements(database, newDefs)) await exec(st);
      await exec(unswap);
      await createDefinitions(conn, database, oldDefs, record);
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
    message: `restored ${database} from ${check.path}, replacing its ${before!.tables.length} tables${oldDefs.length ? ` and ${describeDefinitions(oldDefs)}` : ''} with ${side.tables.length}${newDefs.length ? ` and ${describeDefinitions(newDefs)}` : ''}${killed ? `; killed ${killed} other session${killed === 1 ? '' : 's'}` : ''}${notes.length ? `; ${notes.join('; ')}` : ''}`,
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
