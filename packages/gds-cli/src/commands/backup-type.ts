/**
 * `--type` of `gds backup`, checked against the engine of the URL before connecting: a type the
 * engine does not offer is a usage error that lists the ones it does (and says why not).
 *
 * @module
 */
import type { CliContext } from '../context.js';
import { UsageError } from '../usage-error.js';

/** `--type` values to the capability that says whether an engine offers them. */
const FEATURE: Readonly<Record<string, string>> = Object.freeze({ full: 'backup.full', differential: 'backup.differential', transaction_log: 'backup.log' });

/**
 * Throws a UsageError when the URL's engine does not offer backups of `type`.
 *
 * ### Examples
 * ```ts
 * await checkBackupType(ctx, 'differential'); // on PostgreSQL: UsageError "... postgresql offers: full"
 * ```
 */
export async function checkBackupType(ctx: CliContext, type: string): Promise<void> {
  const { engine } = await ctx.engine();
  const provider = (await ctx.core()).getProvider(engine); // registered by the engine's import
  const feature = FEATURE[type];
  if (!feature || provider.supportsFeature(feature)) return;
  const offered = Object.entries(FEATURE).filter(([, f]) => provider.supportsFeature(f)).map(([t]) => t);
  const why: unknown = provider.capabilities[feature];
  throw new UsageError(`--type ${type} is not offered by ${engine}${typeof why === 'string' ? ` (${why})` : ''}; ${engine} offers: ${offered.join(', ')}`);
}
