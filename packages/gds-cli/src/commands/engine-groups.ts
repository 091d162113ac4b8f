/**
 * The engines' command groups: `gds <cliName> options [command]` for every installed engine,
 * and `gds <cliName> <command> <db>` for each command of the engine's definition (`commands`,
 * see `EngineCommand` in `@gds/database/engine`).
 *
 * How the CLI knows them without loading every engine (start-up): a group's name and
 * description come from the engine package's package.json (`gds.engine`, read by
 * engine-loader.ts without importing anything), which is all `gds --help` shows. The group's
 * commands come from the engine's definition, so the package is imported only when the command
 * word (or the word after `help`) is that engine's CLI name: `gds postgres vacuum app`,
 * `gds postgres --help`, `gds help postgres`. One engine is imported, never all of them.
 *
 * @module
 */
import type { Command } from 'commander';
import type { EngineCommand } from '@gds/database/engine';
import type { CliContext } from '../context.js';
import { importEngine, type InstalledEngine } from '../engine-loader.js';
import { engineOperationCommand } from './engine-run.js';

/**
 * An installed engine's group; `commands` is set once its package was imported.
 *
 * ### Examples
 * ```ts
 * const group: EngineGroup = { installed: discoverEngines()[0]!, commands: undefined };
 * ```
 */
export interface EngineGroup {
  /** The package.json facts. */
  installed: InstalledEngine;
  /** The definition's commands, when the package was imported. */
  commands?: readonly EngineCommand[];
}

/**
 * The commands of an installed engine: imports its package (registering the engine) and reads
 * the registered engine's `commands`.
 *
 * ### Examples
 * ```ts
 * const commands = await loadEngineCommands(discoverEngines()[0]!);
 * ```
 */
export async function loadEngineCommands(installed: InstalledEngine): Promise<readonly EngineCommand[]> {
  await importEngine(installed);
  const core = await import('@gds/database');
  return core.getProvider(installed.type).commands;
}

type Act = (body: (ctx: CliContext, ...args: never[]) => Promise<void>) => (...args: unknown[]) => Promise<void>;

/**
 * Adds `gds <cliName>` with its `options` command and the engine's commands (when loaded).
 *
 * ### Examples
 * ```ts
 * defineEngineGroup(program, act, { installed, commands: await loadEngineCommands(installed) });
 * ```
 */
export function defineEngineGroup(program: Command, act: Act, { installed, commands }: EngineGroup): void {
  const engine = installed.type;
  const group = program.command(installed.cliName).description(`${engine}-specific operations`);
  group
    .command('options [command]')
    .description(`the --opt keys of each command on ${engine}, with type and default (from the engine's option schemas)`)
    .action(act(async (ctx, command: string | undefined) => (await import('./engine-options.js')).optionsCommand(ctx, installed, command)));
  for (const op of commands ?? []) {
    const sub = group.command(`${op.name} <db> ${(op.args ?? []).join(' ')}`.trim()).description(op.description);
    for (const [flags, description] of op.options ?? []) sub.option(flags, description);
    sub.action(
      act((ctx, ...rest: unknown[]) => {
        const options = rest[rest.length - 1] as Record<string, unknown>;
        const [db, ...args] = rest.slice(0, -1) as string[];
        return engineOperationCommand(ctx, engine, op, db as string, args, options);
      }),
    );
  }
}
