/**
 * What a destructive command puts at stake, for its confirmation (size, open sessions), and what
 * a cancelled or timed-out restore or backup left behind, for its error report.
 *
 * @module
 */
import { existsSync, readdirSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Database, DatabaseMetadata } from '@gds/database';
import type { CliContext } from '../context.js';
import { formatBytes } from '../output.js';

/** The number of other sessions in an engine's metadata, when it reports one. */
function sessionsOf(meta: DatabaseMetadata): number | undefined {
  const top = (meta as unknown as Record<string, unknown>).sessions;
  const attr = meta.additionalAttributes?.sessions;
  const n = typeof top === 'number' ? top : typeof attr === 'number' ? attr : undefined;
  return n !== undefined && Number.isFinite(n) ? n : undefined;
}

/**
 * Whether `db` exists and, when the user will be asked, what it holds: `['12.0 MiB of data', '2 open sessions']`.
 *
 * ### Examples
 * ```ts
 * const { losing } = await atStake(ctx, db, { force: true });
 * await ctx.confirm(`drop database "app"`, { typeToConfirm: 'app', losing });
 * ```
 */
export async function atStake(ctx: CliContext, db: Database, options: { force?: boolean } = {}): Promise<{ exists: boolean; losing: string[] }> {
  if (!ctx.willAsk) return { exists: true, losing: [] };
  const meta = await db.getMetadata(ctx.readOptions()).catch(() => undefined);
  if (!meta) return { exists: false, losing: [] };
  const losing: string[] = [];
  if (typeof meta.sizeBytes === 'number') losing.push(`${formatBytes(meta.sizeBytes)} of data`);
  const sessions = sessionsOf(meta);
  if (sessions !== undefined && sessions > 0) {
    losing.push(`${sessions} open session${sessions === 1 ? '' : 's'}${options.force ? ' (ended, their open transactions rolled back)' : ' (refused while connected, unless --force)'}`);
  }
  return { exists: true, losing };
}

const WAS_CUT_SHORT = new Set(['OPERATION_CANCELLED', 'OPERATION_TIMEOUT']);

/** Whether `error` (or the context) says the operation was cut short rather than refused. */
export function cutShort(ctx: CliContext, error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return ctx.interrupted || (typeof code === 'string' && WAS_CUT_SHORT.has(code));
}

/**
 * After a restore was cut short: whether the database is there, compared with before.
 *
 * ### Examples
 * ```ts
 * ctx.leftBehind.push(await restoreLeftovers(db, existedBefore));
 * ```
 */
export async function restoreLeftovers(db: Database, existedBefore: boolean): Promise<string> {
  // the command's signal is aborted by now: this read gets a time limit of its own instead
  const now = await db.exists({ timeoutMs: 10_000 }).catch(() => undefined);
  const name = JSON.stringify(db.name);
  if (now === undefined) return `unknown: could not check whether database ${name} exists`;
  if (existedBefore && now) return `database ${name} still exists (it existed before the restore)`;
  if (existedBefore && !now) return `database ${name} no longer exists (it existed before the restore)`;
  if (now) return `database ${name} was created by the restore and may be incomplete: check it, or drop it with gds drop ${name}`;
  return `nothing: database ${name} does not exist, as before the restore`;
}

/**
 * After a backup to a local path was cut short: what is at the target and next to it.
 *
 * ### Examples
 * ```ts
 * ctx.leftBehind.push(backupLeftovers('/backups/app.dump'));
 * ```
 */
export function backupLeftovers(target: string): string | undefined {
  if (!target.includes('/') && !target.includes('\\')) return undefined; // a name (a Snowflake clone), not a path
  const partials = (() => {
    try {
      return readdirSync(dirname(target)).filter((f) => f.startsWith(`.${basename(target)}.gds-partial-`));
    } catch {
      return [];
    }
  })();
  const parts: string[] = [];
  if (existsSync(target)) parts.push(`${target} exists`);
  if (partials.length > 0) parts.push(`partial files ${partials.join(', ')} in ${dirname(target)}`);
  return parts.length > 0 ? parts.join('; ') : `nothing: no file at ${target} and no partial file next to it`;
}
