/**
 * The `gds` command line: the commands and their options (commander), each action importing
 * its implementation only when it runs. `--help` and `--version` load nothing but commander.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { EXIT, runCommand, type CliContext, type GlobalFlags } from './context.js';
import { ENGINE_OPERATIONS } from './commands/engine-ops.js';

const ENGINE_COMMAND_NAMES: Record<string, string> = { postgresql: 'postgres', mssql: 'mssql', mongodb: 'mongodb', snowflake: 'snowflake' };

/** The version in @gds/cli's package.json, found upwards from this file (bundled or not). */
function version(): string {
  for (const up of ['../package.json', '../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(up, import.meta.url), 'utf8')) as { name?: string; version: string };
      if (pkg.name === '@gds/cli') return pkg.version;
    } catch {
      // not there: look one folder up
    }
  }
  return 'unknown';
}

/**
 * Builds the program; `exit` receives the exit code of an action.
 *
 * ### Examples
 * ```ts
 * const program = buildProgram((code) => (process.exitCode = code));
 * await program.parseAsync(process.argv);
 * ```
 */
export function buildProgram(exit: (code: number) => void): Command {
  const program = new Command('gds')
    .description('Databases as first-class objects on PostgreSQL, SQL Server, Snowflake and MongoDB: inventory, create, drop, state, backup, restore and HA.')
    .version(version(), '-V, --version')
    .option('--url <url>', 'target server (default: $GDS_URL), e.g. postgres://user@host:5432/postgres')
    .option('--json', 'print one JSON document on stdout and nothing else there')
    .option('--dry-run', 'print the statements or commands that would run; change nothing')
    .option('-y, --yes', 'do not ask before destructive commands (required when not on a terminal)')
    .option('--timeout <ms>', 'give up on an operation after this many milliseconds')
    .showHelpAfterError('(run gds help <command> for its usage)')
    .addHelpText('after', '\nExit codes: 0 success, 1 the operation failed, 2 usage error, 130 interrupted (Ctrl-C).\nJSON output shapes: see the @gds/cli README.')
    .exitOverride();

  const act =
    (body: (ctx: CliContext, ...args: never[]) => Promise<void>) =>
    async (...args: unknown[]): Promise<void> => {
      const cmd = args[args.length - 1] as Command;
      const flags = cmd.optsWithGlobals() as GlobalFlags;
      exit(await runCommand(flags, (ctx) => body(ctx, ...(args.slice(0, -1) as never[]))));
    };

  program
    .command('ls')
    .description('list the databases with size, owner, state and access mode')
    .option('--system', 'include system and template databases')
    .action(act(async (ctx, options: { system?: boolean }) => (await import('./commands/inventory.js')).listCommand(ctx, options)));
  program
    .command('info <db>')
    .description("show a database's metadata")
    .action(act(async (ctx, db: string) => (await import('./commands/inventory.js')).infoCommand(ctx, db)));
  program
    .command('create <db>')
    .description('create a database; engine options as --opt key=value (e.g. --opt template=template0)')
    .option('--opt <key=value...>', 'an engine option (repeatable)')
    .action(act(async (ctx, db: string, options: { opt?: string[] }) => (await import('./commands/lifecycle.js')).createCommand(ctx, db, options)));
  program
    .command('drop <db>')
    .description('drop a database (asks first); refused while others are connected unless --force')
    .option('--force', 'end other sessions first')
    .action(act(async (ctx, db: string, options: { force?: boolean }) => (await import('./commands/lifecycle.js')).dropCommand(ctx, db, options)));
  program
    .command('state <db> [state]')
    .description('show the state, or set it: online | offline | single-user | multi-user | restricted-user')
    .option('--force', 'end other sessions (offline, single-user, restricted-user)')
    .action(
      act(async (ctx, db: string, state: string | undefined, options: { force?: boolean }) => (await import('./commands/lifecycle.js')).stateCommand(ctx, db, state, options)),
    );
  program
    .command('backup <db> <target>')
    .description('back a database up (a path, or for Snowflake a clone name), with progress')
    .addOption(new Option('--type <type>', 'backup type').choices(['full', 'differential', 'incremental', 'transaction_log']))
    .option('--opt <key=value...>', 'an engine option (repeatable), e.g. --opt format=directory')
    .action(act(async (ctx, db: string, target: string, options: { type?: string; opt?: string[] }) => (await import('./commands/backup.js')).backupCommand(ctx, db, target, options)));
  program
    .command('restore <db> <source>')
    .description('restore a database from a backup; --replace drops and recreates an existing one (asks first)')
    .option('--replace', 'replace an existing database that holds data')
    .option('--opt <key=value...>', 'an engine option (repeatable), e.g. --opt jobs=4')
    .action(act(async (ctx, db: string, source: string, options: { replace?: boolean; opt?: string[] }) => (await import('./commands/backup.js')).restoreCommand(ctx, db, source, options)));
  program
    .command('verify <source>')
    .description('check a backup without restoring it')
    .option('--db <name>', 'database to verify for (default: the URL path)')
    .action(act(async (ctx, source: string, options: { db?: string }) => (await import('./commands/backup.js')).verifyCommand(ctx, source, options)));
  program
    .command('schemas <db>')
    .description('list the schemas of a database')
    .option('--system', 'include system schemas')
    .action(act(async (ctx, db: string, options: { system?: boolean }) => (await import('./commands/inventory.js')).schemasCommand(ctx, db, options)));
  program
    .command('tables <db>')
    .description('list the tables of a database')
    .option('--schema <schema>', 'only this schema')
    .action(act(async (ctx, db: string, options: { schema?: string }) => (await import('./commands/inventory.js')).tablesCommand(ctx, db, options)));

  const ha = program.command('ha').description('high availability: status, lag, failover');
  ha.command('status [db]')
    .description('HA configuration, nodes, status and health')
    .action(act(async (ctx, db: string | undefined) => (await import('./commands/ha.js')).haStatusCommand(ctx, db)));
  ha.command('lag [db]')
    .description('replication lag in seconds per secondary')
    .action(act(async (ctx, db: string | undefined) => (await import('./commands/ha.js')).haLagCommand(ctx, db)));
  ha.command('failover [db]')
    .description('fail over to --target (asks first)')
    .option('--target <url|node>', 'the node to promote (PostgreSQL: the standby\'s URL)')
    .option('--force', 'allow data loss')
    .action(
      act(async (ctx, db: string | undefined, options: { target?: string; force?: boolean }) => (await import('./commands/ha.js')).haFailoverCommand(ctx, db, options)),
    );

  program
    .command('demo')
    .description('run the main job end to end on a throwaway local PostgreSQL primary + standby')
    .action(act(async (ctx) => (await import('./commands/demo.js')).demoCommand(ctx)));

  const groups = new Map<string, Command>();
  for (const op of ENGINE_OPERATIONS) {
    const groupName = ENGINE_COMMAND_NAMES[op.engine] ?? op.engine;
    let group = groups.get(groupName);
    if (!group) {
      group = program.command(groupName).description(`${op.engine}-specific operations`);
      groups.set(groupName, group);
    }
    const sub = group.command(`${op.name} <db> ${(op.args ?? []).join(' ')}`.trim()).description(op.description);
    for (const [flags, description] of op.options ?? []) sub.option(flags, description);
    sub.action(
      act(async (ctx, ...rest: unknown[]) => {
        const options = rest[rest.length - 1] as Record<string, unknown>;
        const [db, ...args] = rest.slice(0, -1) as string[];
        return (await import('./commands/engine-run.js')).engineOperationCommand(ctx, op, db as string, args, options);
      }),
    );
  }
  return program;
}

/**
 * Runs the CLI with `argv` and resolves with the exit code.
 *
 * ### Examples
 * ```ts
 * process.exitCode = await main(process.argv);
 * ```
 */
export async function main(argv: string[]): Promise<number> {
  let code: number = EXIT.OK;
  const program = buildProgram((c) => (code = c));
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return EXIT.OK;
      return EXIT.USAGE;
    }
    throw error;
  }
  return code;
}
