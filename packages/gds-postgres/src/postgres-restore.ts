/**
 * Restores with pg_restore, or psql for a plain SQL dump.
 *
 * - Restoring over a database that holds objects is refused unless `replace` (restore into a
 *   side database, then swap names; shown in dry runs; postgres-restore-swap.ts) or `clean`
 *   (pg_restore drops each object it restores, in place) is set. The whole source is read before
 *   anything changes (postgres-dump-source.ts); plain dumps are scanned for psql meta-commands
 *   (postgres-plain-dump.ts) and run with psql restricted.
 * - A replacement keeps the database's own properties (owner, locales, tablespace, ACL, settings,
 *   connection limit, comment, security labels, allow_connections, is_template), which pg_dump
 *   without --create does not carry: postgres-db-properties.ts gives them to the side database
 *   after the restore and checks them before the swap. A template stays a template.
 * - Progress: pg_restore runs with `--verbose`; each table it reports advances the percentage
 *   (out of the tables the read of the source counted); a custom or tar archive restored by one
 *   process on Linux goes by the bytes of it pg_restore has read, a plain dump by the bytes fed
 *   to psql.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import { join, resolve } from 'node:path';
import { DatabaseNotFoundError, UnsupportedOperationError, ValidationError } from '@gds/database';
import type { OperationContext, OperationOutcome } from '@gds/database/engine';
import type { PostgreSQLConnection } from './postgres-connection.js';
import type { PostgreSQLRestoreOptions } from './postgres-options.js';
import { carryOverStatements, freshProperties, isTemplate, propertyDifferences, readDatabaseProperties, sideCreateOptions, type DatabaseProperties } from './postgres-db-properties.js';
import { detectDumpFormat, readWholeDump, recordReads } from './postgres-dump-source.js';
import { requirePsqlRestrict, type PlainDumpScan } from './postgres-plain-dump.js';
import { dropLeftovers, inUse, otherSessions, sideName, swap } from './postgres-restore-swap.js';
import { commandLine, conninfo, findTool, runTool, toolEnv } from './postgres-tools.js';
import { createDatabase, describeStatement, dropDatabaseIfExists, HAS_USER_OBJECTS_SQL, terminateSessions, type Statement } from './postgres-statements.js';

/**
 * How far a tool has read `file`: the position of its open descriptor on it (Linux
 * `/proc/<pid>/fdinfo`), or undefined where that cannot be seen (another system, a closed file).
 */
async function readPosition(pid: number, file: string): Promise<number | undefined> {
  const fdDir = `/proc/${pid}/fd`;
  const fds = await fs.readdir(fdDir).catch(() => [] as string[]);
  for (const fd of fds) {
    const target = await fs.readlink(join(fdDir, fd)).catch(() => undefined);
    if (target !== file) continue;
    const info = await fs.readFile(`/proc/${pid}/fdinfo/${fd}`, 'utf8').catch(() => '');
    const pos = /^pos:\s*(\d+)/m.exec(info)?.[1];
    if (pos !== undefined) return Number(pos);
  }
  return undefined;
}

/**
 * A restore's progress by the bytes of the source the tool has read (a custom or tar archive is
 * read front to back), sampled twice a second; undefined until the first sample.
 */
function sampleSourceRead(file: string, size: number, ctx: OperationContext): { onStart: (pid: number) => void; stop: () => void; percent: () => number | undefined } {
  let timer: NodeJS.Timeout | undefined;
  let last: number | undefined;
  return {
    onStart: (pid) => {
      timer = setInterval(() => {
        void readPosition(pid, file).then((pos) => {
          if (pos === undefined || size <= 0) return;
          last = Math.max(last ?? 0, Math.min(99, Math.floor((pos / size) * 100)));
          ctx.progress({ percent: last, bytes: pos });
        });
      }, 500);
      timer.unref();
    },
    stop: () => {
      if (timer) clearInterval(timer);
    },
    // undefined until a sample came, or when pg_restore's descriptor cannot be seen (parallel workers, not Linux)
    percent: () => last,
  };
}

async function hasUserObjects(conn: PostgreSQLConnection, database: string, signal: AbortSignal): Promise<boolean> {
  const rows = await conn.query<{ has_objects: boolean }>(HAS_USER_OBJECTS_SQL, [], { database, signal });
  await conn.release(database);
  return rows[0]?.has_objects === true;
}

/**
 * The plain dump for psql's standard input: gds's own `\restrict KEY` first (when psql knows it),
 * pg_dump's restrict lines (found by the scan) left out. Exported for tests, not by the package.
 *
 * ### Examples
 * ```ts
 * await runTool(psql, ['-X', '-f', '-', target], { env, stdin: plainFeed(path, scan, key, () => {}) });
 * ```
 */
export async function* plainFeed(path: string, scan: PlainDumpScan, key: string | undefined, onBytes: (n: number) => void): AsyncGenerator<Buffer> {
  if (key) yield Buffer.from(`\\restrict ${key}\n`);
  let offset = 0;
  const skip = [...scan.restrictLines];
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    const start = offset;
    offset += chunk.length;
    let from = 0;
    while (skip.length && skip[0]![0] < offset) {
      const [a, b] = skip[0]!;
      if (a - start > from) yield chunk.subarray(from, a - start);
      if (b > offset) {
        skip[0] = [offset, b];
        from = chunk.length;
        break;
      }
      from = Math.max(from, b - start);
      skip.shift();
    }
    if (from < chunk.length) yield chunk.subarray(from);
    onBytes(offset);
  }
}

/**
 * Restores `database` from `source` with pg_restore (or psql for a plain dump). Nothing changes
 * until the whole source was read and accepted (see {@link readWholeDump}). A new database, or one
 * being replaced, is restored into a side database (`gds_restore_<hex>`) and renamed into place
 * only when the restore succeeded; the database it replaces is renamed aside and dropped last. A
 * failed or cancelled restore drops the side database (or names it, if that fails). `replace` with
 * other sessions connected is refused unless `force`, which ends them just before the swap.
 *
 * ### Examples
 * ```ts
 * await restoreDatabase(ctx, conn, 'app_copy', '/backups/app.dump', { replace: true });
 * ```
 */
export async function restoreDatabase(
  ctx: OperationContext,
  conn: PostgreSQLConnection,
  database: string,
  source: string,
  options: PostgreSQLRestoreOptions,
): Promise<OperationOutcome> {
  const path = resolve(source);
  const format = await detectDumpFormat(path);
  const issues = [];
  if (options.jobs !== undefined && options.jobs > 1 && options.singleTransaction) issues.push({ path: '/jobs', message: 'parallel jobs cannot run in a single transaction' });
  if (options.jobs !== undefined && options.jobs > 1 && format === 'plain') issues.push({ path: '/jobs', message: 'a plain SQL dump is restored by psql, one statement at a time' });
  if (options.clean && options.replace) issues.push({ path: '/clean', message: 'clean and replace exclude each other' });
  if (issues.length) throw new ValidationError('Invalid options for restore', issues, { engine: 'postgresql', operation: 'restore' });

  const { num } = await conn.serverVersion(ctx.signal);
  await dropLeftovers(ctx, conn, num);
  const serverMajor = Math.floor(num / 10000);
  const tool = await findTool(format === 'plain' ? 'psql' : 'pg_restore', { binDir: options.binDir ?? conn.config.binDir, serverMajor });
  const reader = format === 'plain' ? tool : await findTool('pg_restore', { binDir: options.binDir ?? conn.config.binDir, serverMajor });
  if (format === 'plain') {
    // psql without \restrict would run a meta-command the scan missed: refused, before anything changes
    try {
      requirePsqlRestrict(tool.version);
    } catch (error) {
      throw new ValidationError('Invalid restore tool', [{ path: '/binDir', message: (error as Error).message }], { engine: 'postgresql', operation: 'restore' });
    }
  }
  const existsRows = await conn.query<{ n: string }>('select count(*) as n from pg_catalog.pg_database where datname = $1', [database], { signal: ctx.signal });
  const exists = Number(existsRows[0]?.n) > 0;

  if (exists && !options.replace && !options.clean && (await hasUserObjects(conn, database, ctx.signal))) {
    throw new ValidationError(`Refusing to restore into '${database}', which already holds objects`, [
      { path: '/replace', message: 'pass replace: true to replace the database (restored aside, then swapped), or clean: true to drop each restored object first' },
    ], { engine: 'postgresql', operation: 'restore' });
  }
  if (!exists && options.create === false) {
    throw new DatabaseNotFoundError(`Database '${database}' does not exist and create is false`, { engine: 'postgresql', operation: 'restore' });
  }
  const replacing = exists && options.replace === true;
  // clean drops objects in place under the other sessions' feet: the same rule as replace and drop
  if (replacing || (exists && options.clean)) {
    const sessions = await otherSessions(conn, database, ctx.signal);
    if (sessions > 0 && !options.force) throw inUse(database, sessions, options.clean ? 'clean' : 'replace');
    if (sessions > 0 && options.clean) await ctx.step(terminateSessions(database), (st) => conn.query(st.text, st.params, { signal: ctx.signal }));
  }

  // 1. read the whole source: a bad file is refused before anything changes
  const read = ctx.dryRun && format !== 'plain' ? undefined : await readWholeDump(ctx, conn, path, format, reader);
  if (ctx.dryRun && format !== 'plain') {
    recordReads(ctx, reader, path);
  }
  ctx.throwIfAborted();

  // 2. restore into the side database (or in place into an existing empty one, or with clean)
  const inPlace = exists && !replacing;
  const into = inPlace ? database : sideName('restore');
  const run = async (s: Statement) => ctx.step(s, (st) => conn.query(st.text, st.params, { signal: ctx.signal }));
  const old = replacing ? await readDatabaseProperties(conn, database, num, ctx.signal) : undefined;
  const createSide = createDatabase(into, old ? sideCreateOptions(old, num) : { template: 'template0' });
  let templated = false; // the side database was made a template (it must be made ordinary again to be dropped)
  const restrictKey = format === 'plain' ? randomBytes(24).toString('hex') : undefined;
  const target = `--dbname=${conninfo(conn.config, into)}`;
  const args =
    format === 'plain'
      ? ['-X', '-q', '-v', 'ON_ERROR_STOP=1', ...(options.singleTransaction ? ['--single-transaction'] : []), '-f', '-', target]
      : [
          target,
          '--exit-on-error',
          '--verbose',
          ...(options.jobs !== undefined ? [`--jobs=${options.jobs}`] : []),
          ...(options.noOwner ? ['--no-owner'] : []),
          ...(options.singleTransaction ? ['--single-transaction'] : []),
          ...(options.clean ? ['--clean', '--if-exists'] : []),
          path,
        ];
  const recordTool = () => ctx.record(format === 'plain' ? `${commandLine(tool.path, args)} < ${commandLine(path, [])}` : commandLine(tool.path, args));

  const dropSide = async (): Promise<string | undefined> => {
    if (inPlace || ctx.dryRun) return undefined;
    // IF EXISTS: a cancel may have come before (or while) CREATE DATABASE ran
    const s = dropDatabaseIfExists(into, num >= 130000);
    try {
      if (templated) {
        const t = isTemplate(into, false);
        ctx.record(describeStatement(t));
        await conn.query(t.text, t.params).catch(() => undefined); // the DROP below says what remains
      }
      ctx.record(describeStatement(s));
      await conn.release(into);
      await conn.query(s.text, s.params); // no signal: the cleanup must run after a cancel too
      return undefined;
    } catch (error) {
      return `the partial restore remains as database '${into}' (dropping it failed: ${(error as Error).message}); drop it by hand`;
    }
  };
  const failWith = async (error: unknown): Promise<never> => {
    const left = await dropSide();
    const note = left ?? (inPlace ? inPlaceNote(database, options) : undefined);
    if (note) {
      ctx.message(note);
      if (error instanceof Error) error.message = `${error.message}; ${note}`;
    }
    throw error;
  };

  /** Gives the side database the properties of the one it replaces, and checks them (see postgres-db-properties.ts). */
  const carryOver = async (): Promise<void> => {
    if (!old) return;
    const wanted = ctx.dryRun ? old : await readDatabaseProperties(conn, database, num, ctx.signal);
    const current = ctx.dryRun ? freshProperties(old) : await readDatabaseProperties(conn, into, num, ctx.signal);
    if (!wanted || !current) throw new DatabaseNotFoundError(`Database '${wanted ? into : database}' disappeared during the restore`, { engine: 'postgresql', operation: 'restore' });
    templated = wanted.isTemplate; // before: a failure half-way must still find the side database droppable
    for (const s of carryOverStatements(into, wanted, current)) await run(s);
    if (ctx.dryRun) return;
    const now = await readDatabaseProperties(conn, into, num, ctx.signal);
    const differ = now ? propertyDifferences(wanted, now) : ['all'];
    if (differ.length) {
      throw new UnsupportedOperationError(`Cannot replace '${database}': the restored copy could not be given its ${differ.join(', ')} (${differ.map((k) => shown(wanted, k)).join('; ')})`, {
        engine: 'postgresql',
        operation: 'restore',
        hint: 'restore under a new name, set these properties on it, then rename',
      });
    }
  };

  if (ctx.dryRun) {
    if (!inPlace) await run(createSide);
    recordTool();
    await carryOver();
    await swap(ctx, conn, database, into, replacing, options, num, true, old?.isTemplate === true);
    return { message: `would restore ${database} from ${path} (${format}) with ${tool.name} ${tool.version}${inPlace ? '' : ` into ${into}, then rename it to ${database}`}` };
  }
  try {
    if (!inPlace) await run(createSide);
    recordTool();
    const total = read?.tables ?? 0;
    let done = 0;
    const size = format === 'plain' || format === 'custom' || format === 'tar' ? (await fs.stat(path)).size : 0;
    // a custom or tar archive: by the bytes pg_restore has read of it (a table counts only once read)
    const seesFds = await fs.access('/proc/self/fdinfo').then(() => true, () => false); // Linux
    const sourceRead = (format === 'custom' || format === 'tar') && (options.jobs ?? 1) <= 1 && seesFds ? sampleSourceRead(await fs.realpath(path), size, ctx) : undefined;
    await runTool(tool, args, {
      env: toolEnv(conn.config),
      signal: ctx.signal,
      onStart: sourceRead?.onStart,
      stdin: read?.scan ? plainFeed(path, read.scan, restrictKey, (n) => ctx.progress({ percent: size ? Math.min(99, Math.round((n / size) * 100)) : undefined, bytes: n })) : undefined,
      onStderrLine: (line) => {
        if (/processing data for table/.test(line)) {
          done++;
          const byTables = total ? Math.min(99, Math.round((done / total) * 100)) : undefined;
          // with the archive's read position known, the table count (which says 99% when the last, maybe biggest, table starts) is not used
          ctx.progress({ percent: sourceRead ? sourceRead.percent() : byTables, message: line });
        } else if (!/^pg_restore: (creating|processing|connecting|executing|launching|finished)/.test(line)) {
          ctx.message(line);
        }
      },
    }).finally(() => sourceRead?.stop());
    ctx.throwIfAborted();
    await carryOver();
  } catch (error) {
    return failWith(error);
  }

  // 3. swap names (not cancellable half-way; a cancel that came during the renames undoes them).
  // Progress 100 is reported before: a callback that cancels on it cancels a restore not yet swapped.
  ctx.progress({ percent: 100 });
  let swapped: { ended: number; note?: string };
  try {
    swapped = await swap(ctx, conn, database, into, replacing, options, num, false, old?.isTemplate === true);
  } catch (error) {
    return failWith(error);
  }
  const extra = [swapped.ended ? `ended ${swapped.ended} other session${swapped.ended === 1 ? '' : 's'}` : '', swapped.note ?? ''].filter(Boolean);
  return { message: `restored ${database} from ${path} (${format})${replacing ? ', replacing the previous database' : ''}${extra.length ? `; ${extra.join('; ')}` : ''}` };
}

/** One property of `p`, as an error message shows it. */
function shown(p: DatabaseProperties, key: string): string {
  const value = (p as unknown as Record<string, unknown>)[key];
  return `${key} ${JSON.stringify(value)}`;
}

function inPlaceNote(database: string, options: PostgreSQLRestoreOptions): string | undefined {
  if (options.singleTransaction) return undefined;
  return options.clean
    ? `'${database}' was restored in place with clean: objects dropped and recreated before the failure stay so (replace restores aside and swaps)`
    : `'${database}' was empty: objects restored before the failure remain in it (singleTransaction makes it all or nothing)`;
}
