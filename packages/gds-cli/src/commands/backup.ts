/**
 * `backup`, `restore` and `verify`, with a progress bar on a terminal (quiet when piped or with
 * `--json`). Ctrl-C aborts the operation's signal: the engine kills its tool or cancels its
 * request, and no partial backup stays at the target.
 *
 * @module
 */
import type { CliContext } from '../context.js';
import { printJson, printRecord } from '../output.js';
import { ProgressRenderer } from '../progress.js';
import { parseOptionPairs } from './parse-options.js';
import { printResult } from './print-result.js';

function progressFor(ctx: CliContext, label: string): ProgressRenderer {
  return new ProgressRenderer(ctx.output.err as NodeJS.WritableStream & { isTTY?: boolean }, label, { quiet: ctx.output.json || Boolean(ctx.flags.dryRun) });
}

/**
 * `gds backup <db> <target> [--type t] [--opt key=value ...]`.
 *
 * ### Examples
 * ```ts
 * await backupCommand(ctx, 'app', '/backups/app.dump', { type: 'full' });
 * ```
 */
export async function backupCommand(ctx: CliContext, name: string, target: string, options: { type?: string; opt?: string[] }): Promise<void> {
  const manager = await ctx.manager();
  const progress = progressFor(ctx, `backup ${name}`);
  try {
    const result = await manager.getDatabase(name).backup(target, {
      ...parseOptionPairs(options.opt),
      ...(options.type ? { type: options.type as 'full' } : {}),
      ...ctx.changeOptions(),
      onProgress: (e) => progress.update(e),
    });
    progress.stop();
    printResult(ctx, result);
  } finally {
    progress.stop();
  }
}

/**
 * `gds restore <db> <source> [--replace] [--opt key=value ...]`; `--replace` asks first.
 *
 * ### Examples
 * ```ts
 * await restoreCommand(ctx, 'app_copy', '/backups/app.dump', { replace: false });
 * ```
 */
export async function restoreCommand(ctx: CliContext, name: string, source: string, options: { replace?: boolean; opt?: string[] }): Promise<void> {
  const manager = await ctx.manager();
  if (options.replace) await ctx.confirm(`replace database ${JSON.stringify(name)} on ${manager.connection.endpoint} with ${source}`);
  const progress = progressFor(ctx, `restore ${name}`);
  try {
    const result = await manager.getDatabase(name).restore(source, {
      ...parseOptionPairs(options.opt),
      ...(options.replace ? { replace: true } : {}),
      ...ctx.changeOptions(),
      onProgress: (e) => progress.update(e),
    });
    progress.stop();
    printResult(ctx, result);
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
  const name = options.db ?? (decodeURIComponent(new URL(ctx.url()).pathname.replace(/^\//, '')) || 'postgres');
  const result = await manager.getDatabase(name).verifyBackup(source, ctx.readOptions());
  if (ctx.output.json) printJson(ctx.output, { ok: true, result: result.toJSON() });
  else printRecord(ctx.output, { source: result.data?.source, valid: result.data?.valid, entries: result.data?.entries, message: result.message });
}
