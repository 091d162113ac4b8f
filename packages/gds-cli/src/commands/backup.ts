/**
 * `backup`, `restore` and `verify`, with a progress bar on a terminal (quiet when piped or with
 * `--json`). Ctrl-C, SIGTERM or SIGHUP abort the operation's signal: the engine kills its tool or
 * cancels its request, and no partial backup stays at the target; the error then says what the
 * command left behind.
 *
 * @module
 */
import { basename } from 'node:path';
import type { CliContext } from '../context.js';
import { databaseOfUrl, serverDatabaseOf } from '../target-url.js';
import { UsageError } from '../usage-error.js';
import { describeGuarded } from '../guard.js';
import { printJson, printRecord } from '../output.js';
import { ProgressRenderer } from '../progress.js';
import { atStake, backupLeftovers, cutShort, restoreLeftovers } from './at-stake.js';
import { restoreHow } from './restore-how.js';
import { printResult } from './print-result.js';

function progressFor(ctx: CliContext, label: string): ProgressRenderer {
  const progress = new ProgressRenderer(ctx.output.err as NodeJS.WritableStream & { isTTY?: boolean }, label, { quiet: ctx.output.json || ctx.dryRun });
  // a signal stops the bar before the "cancelling" notice is written, so nothing draws over it
  ctx.onInterrupt(() => progress.stop());
  return progress;
}

/**
 * `gds backup <db> <target> [--type t] [--opt key=value ...]`. `--opt overwrite=true` asks first
 * (type the target's name); `--opt dry-run=true` is `--dry-run`. A backup cut short says what
 * it left at the target.
 *
 * ### Examples
 * ```ts
 * await backupCommand(ctx, 'app', '/backups/app.dump', { type: 'full' });
 * ```
 */
export async function backupCommand(ctx: CliContext, name: string, target: string, options: { type?: string; opt?: string[] }): Promise<void> {
  const { options: engineOptions, guarded } = ctx.takeOptions(options.opt);
  const manager = await ctx.manager();
  if (guarded.length > 0) {
    await ctx.confirm(`back ${JSON.stringify(name)} up to ${target} and ${describeGuarded(guarded)}`, { typeToConfirm: basename(target) || target });
  }
  const progress = progressFor(ctx, `backup ${name}`);
  try {
    const result = await manager.getDatabase(name).backup(target, {
      ...engineOptions,
      ...(options.type ? { type: options.type as 'full' } : {}),
      ...ctx.changeOptions(),
      onProgress: (e) => progress.update(e),
    });
    progress.stop();
    printResult(ctx, result);
  } catch (error) {
    progress.stop();
    if (cutShort(ctx, error) && !ctx.dryRun) {
      const left = backupLeftovers(target);
      if (left) ctx.leftBehind.push(left);
    }
    throw error;
  } finally {
    progress.stop();
  }
}

/**
 * `gds restore <db> <source> [--replace] [--force] [--opt key=value ...]`. `--replace`,
 * `--force`, `--opt replace=true`, `--opt clean=true`, `--opt drop=true` and `--opt force=true`
 * all ask first (type the database's name; its size and open sessions are shown, and how the
 * engine replaces it); `--opt dry-run=true` is `--dry-run`. Without `--force`, other sessions on
 * the database refuse a replace (DatabaseInUseError). A restore cut short says what it left behind.
 *
 * ### Examples
 * ```ts
 * await restoreCommand(ctx, 'app_copy', '/backups/app.dump', { replace: false });
 * await restoreCommand(ctx, 'app', '/backups/app.dump', { replace: true, force: true });
 * ```
 */
export async function restoreCommand(ctx: CliContext, name: string, source: string, options: { replace?: boolean; force?: boolean; opt?: string[] }): Promise<void> {
  const flags = { ...(options.replace ? { replace: true } : {}), ...(options.force ? { force: true } : {}) };
  const { options: engineOptions, guarded, irreversible } = ctx.takeOptions(options.opt, flags);
  const manager = await ctx.manager();
  const db = manager.getDatabase(name);
  if (guarded.length > 0) {
    const stake = await atStake(ctx, db, { force: guarded.includes('force') });
    const how = restoreHow(manager.connection.type, guarded.includes('replace'));
    const action = `restore ${JSON.stringify(name)} on ${manager.connection.endpoint} from ${source} and ${describeGuarded(guarded)}${how ? ` (${how})` : ''}`;
    await ctx.confirm(action, irreversible ? { typeToConfirm: name, losing: stake.losing } : { losing: stake.losing });
  }
  const existedBefore = ctx.dryRun ? false : await db.exists(ctx.readOptions());
  const progress = progressFor(ctx, `restore ${name}`);
  try {
    const result = await db.restore(source, {
      ...engineOptions,
      ...ctx.changeOptions(),
      onProgress: (e) => progress.update(e),
    });
    progress.stop();
    printResult(ctx, result);
  } catch (error) {
    progress.stop();
    if (cutShort(ctx, error) && !ctx.dryRun) ctx.leftBehind.push(await restoreLeftovers(db, existedBefore));
    throw error;
  } finally {
    progress.stop();
  }
}

/**
 * `gds verify <source> [--db name]`: checks a backup without restoring it.
 *
 * ### Examples
 * ```ts
 * await verifyCommand(ctx, '/backups/app.dump', {});
 * ```
 */
export async function verifyCommand(ctx: CliContext, source: string, options: { db?: string }): Promise<void> {
  const manager = await ctx.manager();
  // the URL's database, else the engine's own maintenance database (not `postgres` on every engine)
  const name = options.db ?? databaseOfUrl(ctx.url()) ?? serverDatabaseOf((await ctx.engine()).engine);
  if (!name) throw new UsageError(`name the database to verify against: gds verify <source> --db <name>`);
  const result = await manager.getDatabase(name).verifyBackup(source, ctx.readOptions());
  if (ctx.output.json) printJson(ctx.output, { ok: true, result: result.toJSON() });
  else printRecord(ctx.output, { source: result.data?.source, valid: result.data?.valid, entries: result.data?.entries, message: result.message });
}
