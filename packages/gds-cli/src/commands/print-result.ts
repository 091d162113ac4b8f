/**
 * How the outcome of a change is printed: in JSON the whole OperationResult; for people the
 * message and what ran (or, in a dry run, what would run).
 *
 * @module
 */
import type { OperationResult } from '@gds/database';
import type { CliContext } from '../context.js';
import { formatDuration, printJson, printLine } from '../output.js';

/**
 * Prints `result`.
 *
 * ### Examples
 * ```ts
 * printResult(ctx, await db.drop(ctx.changeOptions()));
 * ```
 */
export function printResult(ctx: CliContext, result: OperationResult): void {
  if (ctx.output.json) {
    printJson(ctx.output, { ok: true, result: result.toJSON() });
    return;
  }
  if (result.dryRun) {
    printLine(ctx.output, `dry run, nothing changed. Would run:`);
    for (const s of result.statements) printLine(ctx.output, `  ${s}`);
    return;
  }
  printLine(ctx.output, `${result.message} (${formatDuration(result.durationMs)})`);
  for (const s of result.statements) printLine(ctx.output, `  ran: ${s}`);
  // what the server said (VACUUM VERBOSE's INFO lines, notices), as it said it
  for (const m of result.messages) printLine(ctx.output, m);
}
