/**
 * Runs one engine command (`gds postgres vacuum <db>`, from the engine's definition): checks the
 * target's engine, asks for confirmation when the command is dangerous, runs it, prints.
 *
 * @module
 */
import type { OperationResult } from '@gds/database';
import type { EngineCommand } from '@gds/database/engine';
import type { CliContext } from '../context.js';
import { printJson, printRecord, printTable } from '../output.js';
import { UsageError } from '../usage-error.js';
import { describeGuarded } from '../guard.js';
import { printResult } from './print-result.js';

/**
 * Runs one command of `engine` for `gds <engine> <command> <db> [args]`.
 *
 * ### Examples
 * ```ts
 * await engineOperationCommand(ctx, 'postgresql', vacuumCommand, 'app', [], { full: false });
 * ```
 */
export async function engineOperationCommand(ctx: CliContext, engine: string, op: EngineCommand, name: string, args: string[], options: Record<string, unknown>): Promise<void> {
  const manager = await ctx.manager();
  if (manager.type !== engine) throw new UsageError(`'${op.name}' is a ${engine} operation, but the target is a ${manager.type} server`);
  const db = manager.getDatabase(name);
  const { options: extra, guarded, irreversible } = ctx.takeOptions(Array.isArray(options.opt) ? (options.opt as string[]) : undefined);
  const merged = { ...options, ...extra };
  const dangers = [op.confirm?.(name, args, merged), guarded.length > 0 ? describeGuarded(guarded) : undefined].filter((d): d is string => d !== undefined);
  if (dangers.length > 0) await ctx.confirm(dangers.join('; '), irreversible ? { typeToConfirm: name } : {});
  const result = await op.run(db, args, merged, ctx);
  if (typeof (result as OperationResult).isSuccess === 'function') return printResult(ctx, result as OperationResult);
  if (ctx.output.json) return printJson(ctx.output, { ok: true, database: name, ...result });
  const values = Object.values(result);
  const list = values.length === 1 && Array.isArray(values[0]) ? (values[0] as unknown[]) : undefined;
  if (list && list.every((r) => r !== null && typeof r === 'object')) {
    // a list of records (collections, backup history...): one row each
    const rows = list as Record<string, unknown>[];
    const head = [...new Set(rows.flatMap((r) => Object.keys(r)))];
    const cell = (v: unknown) => (v instanceof Date ? v.toISOString() : v !== null && typeof v === 'object' ? JSON.stringify(v) : (v as string | number | boolean | undefined));
    return printTable(ctx.output, head, rows.map((r) => head.map((h) => cell(r[h]))));
  }
  printRecord(ctx.output, result as Record<string, unknown>);
}
