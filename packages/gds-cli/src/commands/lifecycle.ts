/**
 * Changes to a database's existence and state: `create`, `drop`, `state`. Destructive ones ask
 * for confirmation (see confirm.ts): `drop` asks to type the database's name and shows its size
 * and open sessions; offline, single-user and restricted-user (reversible) ask for yes. A guarded
 * `--opt` key of `create` (e.g. `replace=true`) asks too, and `--opt dry-run=true` is `--dry-run`.
 *
 * @module
 */
import type { CliContext } from '../context.js';
import { printJson, printLine, printRecord } from '../output.js';
import { checkEngineOptions } from './engine-options.js';
import { describeGuarded } from '../guard.js';
import { UsageError } from '../usage-error.js';
import { atStake } from './at-stake.js';
import { printResult } from './print-result.js';

/**
 * `gds create <db> [--opt key=value ...]`.
 *
 * ### Examples
 * ```ts
 * await createCommand(ctx, 'app', { opt: ['template=template0'] });
 * ```
 */
export async function createCommand(ctx: CliContext, name: string, options: { opt?: string[]; ifNotExists?: boolean }): Promise<void> {
  const { options: engineOptions, guarded, irreversible } = ctx.takeOptions(options.opt);
  await checkEngineOptions(ctx, 'create', engineOptions); // before connecting: a bad --opt is a usage error
  const manager = await ctx.manager();
  const db = manager.getDatabase(name);
  if (guarded.length > 0) {
    const { losing } = await atStake(ctx, db);
    await ctx.confirm(`create ${JSON.stringify(name)} on ${manager.connection.endpoint} and ${describeGuarded(guarded)}`, irreversible ? { typeToConfirm: name, losing } : { losing });
  }
  if (options.ifNotExists && !ctx.dryRun && (await db.exists(ctx.readOptions()))) return alreadyThere(ctx, name);
  try {
    printResult(ctx, await db.create({ ...engineOptions, ...ctx.changeOptions() }));
  } catch (error) {
    // created by someone else between the check and the CREATE
    if (options.ifNotExists && (error as { code?: unknown }).code === 'DATABASE_ALREADY_EXISTS') return alreadyThere(ctx, name);
    throw error;
  }
}

function alreadyThere(ctx: CliContext, name: string): void {
  const message = `database ${JSON.stringify(name)} already exists: nothing changed (--if-not-exists)`;
  if (ctx.output.json) printJson(ctx.output, { ok: true, created: false, database: name, message });
  else printLine(ctx.output, message);
}

/**
 * `gds drop <db> [--force]`.
 *
 * ### Examples
 * ```ts
 * await dropCommand(ctx, 'app', { force: true });
 * ```
 */
export async function dropCommand(ctx: CliContext, name: string, options: { force?: boolean }): Promise<void> {
  const manager = await ctx.manager();
  const db = manager.getDatabase(name);
  const { losing } = await atStake(ctx, db, options);
  await ctx.confirm(`drop database ${JSON.stringify(name)} on ${manager.connection.endpoint}${options.force ? ', ending its sessions' : ''}`, { typeToConfirm: name, losing });
  printResult(ctx, await db.drop({ force: Boolean(options.force), ...ctx.changeOptions() }));
}

const STATES = ['online', 'offline', 'single-user', 'multi-user', 'restricted-user'] as const;
type StateArg = (typeof STATES)[number];

/**
 * `gds state <db> [online|offline|single-user|multi-user|restricted-user] [--force]`; without a
 * state it prints the current state and access mode.
 *
 * ### Examples
 * ```ts
 * await stateCommand(ctx, 'app', 'offline', { force: true });
 * ```
 */
export async function stateCommand(ctx: CliContext, name: string, state: string | undefined, options: { force?: boolean }): Promise<void> {
  const manager = await ctx.manager();
  const db = manager.getDatabase(name);
  if (state === undefined) {
    const meta = await db.getMetadata(ctx.readOptions());
    if (ctx.output.json) printJson(ctx.output, { ok: true, database: name, state: meta.state, accessMode: meta.accessMode });
    else printRecord(ctx.output, { database: name, state: meta.state, accessMode: meta.accessMode });
    return;
  }
  if (!(STATES as readonly string[]).includes(state)) throw new UsageError(`unknown state '${state}': use one of ${STATES.join(', ')}`);
  const force = { force: Boolean(options.force) };
  const where = `${JSON.stringify(name)} on ${manager.connection.endpoint}`;
  switch (state as StateArg) {
    case 'online':
      return printResult(ctx, await db.setOnline(ctx.changeOptions()));
    case 'multi-user':
      return printResult(ctx, await db.setMultiUserMode(ctx.changeOptions()));
    case 'offline':
      await ctx.confirm(`take ${where} offline${options.force ? ', ending its sessions' : ''}`);
      return printResult(ctx, await db.setOffline({ ...force, ...ctx.changeOptions() }));
    case 'single-user':
      await ctx.confirm(`put ${where} in single-user mode${options.force ? ', ending other sessions' : ''}`);
      return printResult(ctx, await db.setSingleUserMode({ ...force, ...ctx.changeOptions() }));
    case 'restricted-user':
      await ctx.confirm(`restrict ${where} to privileged users${options.force ? ', ending other sessions' : ''}`);
      return printResult(ctx, await db.setRestrictedUserMode({ ...force, ...ctx.changeOptions() }));
  }
}
