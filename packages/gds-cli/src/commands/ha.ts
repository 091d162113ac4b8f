/**
 * `gds ha status|lag|failover [db]`: the HA configuration a database belongs to. The database
 * defaults to the one in the URL's path.
 *
 * @module
 */
import type { HighAvailabilityManager } from '@gds/database';
import type { CliContext } from '../context.js';
import { printJson, printLine, printTable } from '../output.js';
import { UsageError } from '../usage-error.js';
import { printResult } from './print-result.js';

async function haOf(ctx: CliContext, db: string | undefined): Promise<{ name: string; ha: HighAvailabilityManager }> {
  const manager = await ctx.manager();
  const name = db ?? decodeURIComponent(new URL(ctx.url()).pathname.replace(/^\//, ''));
  if (!name) throw new UsageError('name the database: gds ha <command> <db>, or put it in the URL path');
  const database = manager.getDatabase(name);
  const ha = database.ha;
  if (!ha) throw new UsageError(`the ${database.type} engine offers no high-availability operations`);
  return { name, ha };
}

/**
 * `gds ha status [db]`: configuration, nodes, status and health.
 *
 * ### Examples
 * ```ts
 * await haStatusCommand(ctx, undefined);
 * ```
 */
export async function haStatusCommand(ctx: CliContext, db: string | undefined): Promise<void> {
  const { name, ha } = await haOf(ctx, db);
  const options = ctx.readOptions();
  const [configuration, status, healthy] = [await ha.getConfiguration(options), await ha.getStatus(options), await ha.isHealthy(options)];
  if (ctx.output.json) {
    printJson(ctx.output, { ok: true, database: name, status, healthy, configuration: configuration ?? null });
    return;
  }
  if (!configuration) {
    printLine(ctx.output, `${name}: no HA configuration (status ${status})`);
    return;
  }
  printLine(ctx.output, `${configuration.type} ${configuration.name}: ${status}, healthy ${healthy}, sync ${configuration.syncMode}, automatic failover ${configuration.automaticFailover}`);
  printTable(
    ctx.output,
    ['node', 'role', 'state', 'endpoint', 'lag s', 'healthy'],
    configuration.nodes.map((n) => [n.nodeName, n.role, n.state, n.endpoint, n.lagSeconds === undefined ? '' : n.lagSeconds.toFixed(3), n.isHealthy]),
  );
}

/**
 * `gds ha lag [db]`: lag in seconds per secondary.
 *
 * ### Examples
 * ```ts
 * await haLagCommand(ctx, 'app');
 * ```
 */
export async function haLagCommand(ctx: CliContext, db: string | undefined): Promise<void> {
  const { name, ha } = await haOf(ctx, db);
  const lag = await ha.monitorLag(ctx.readOptions());
  if (ctx.output.json) printJson(ctx.output, { ok: true, database: name, lag });
  else printTable(ctx.output, ['node', 'lag seconds'], Object.entries(lag).map(([node, s]) => [node, s.toFixed(3)]));
}

/**
 * `gds ha failover [db] --target <url|node> [--force]`; asks first.
 *
 * ### Examples
 * ```ts
 * await haFailoverCommand(ctx, undefined, { target: 'postgres://postgres@standby:5432/postgres' });
 * ```
 */
export async function haFailoverCommand(ctx: CliContext, db: string | undefined, options: { target?: string; force?: boolean }): Promise<void> {
  const { ha } = await haOf(ctx, db);
  if (options.target) {
    try {
      const pw = new URL(options.target).password;
      if (pw) (await import('../redaction.js')).hideValue(decodeURIComponent(pw));
    } catch {
      // a node name, not a URL
    }
  }
  await ctx.confirm(`fail over to ${options.target ?? 'the engine\'s choice'}${options.force ? ', allowing data loss' : ''}`);
  printResult(ctx, await ha.failover({ ...(options.target ? { target: options.target } : {}), ...(options.force ? { force: true } : {}), ...ctx.changeOptions() }));
}
