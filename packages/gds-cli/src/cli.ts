/**
 * The `gds` command line: the commands and their options (commander). The small command modules
 * are bundled in; backup/restore (progress bars) and demo (the testkit) are imported when they
 * run. `--help` and `--version` load nothing but commander; the core and the engine are imported
 * by the context when a command needs them.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { EXIT, runCommand, type CliContext, type GlobalFlags } from './context.js';
import { ENGINE_OPERATIONS } from './commands/engine-ops.js';
import { engineOperationCommand } from './commands/engine-run.js';
import * as haCommands from './commands/ha.js';
import * as inventory from './commands/inventory.js';
import * as lifecycle from './commands/lifecycle.js';

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

type Act = (body: (ctx: CliContext, ...args: never[]) => Promise<void>) => (...args: unknown[]) => Promise<void>;

/** Each top-level command, registered by name (so that one command's run registers only it). */
const COMMANDS: ReadonlyArray<[name: string, define: (program: Command, act: Act) => void]> = [
  [
    'ls',
    (program, act) =>
      program
        .command('ls')
        .description('list the databases with size, owner, state and access mode')
        .option('--system', 'include system and template databases')
        .action(act((ctx, options: { system?: boolean }) => inventory.listCommand(ctx, options))),
  ],
  ['info', (program, act) => program.command('info <db>').description("show a database's metadata").action(act((ctx, db: string) => inventory.infoCommand(ctx, db)))],
  [
    'create',
    (program, act) =>
      program
        .command('create <db>')
        .description('create a database; engine options as --opt key=value (e.g. --opt template=template0)')
        .option('--opt <key=value...>', 'an engine option (repeatable)')
        .action(act((ctx, db: string, options: { opt?: string[] }) => lifecycle.createCommand(ctx, db, options))),
  ],
  [
    'drop',
    (program, act) =>
      program
        .command('drop <db>')
        .description('drop a database (asks first); refused while others are connected unless --force')
        .option('--force', 'end other sessions first')
        .action(act((ctx, db: string, options: { force?: boolean }) => lifecycle.dropCommand(ctx, db, options))),
  ],
  [
    'state',
    (program, act) =>
      program
        .command('state <db> [state]')
        .description('show the state, or set it: online | offline | single-user | multi-user | restricted-user')
        .option('--force', 'end other sessions (offline, single-user, restricted-user)')
        .action(act((ctx, db: string, state: string | undefined, options: { force?: boolean }) => lifecycle.stateCommand(ctx, db, state, options))),
  ],
  [
    'backup',
    (program, act) =>
      program
        .command('backup <db> <target>')
        .description('back a database up (a path, or for Snowflake a clone name), with progress')
        .addOption(new Option('--type <type>', 'backup type').choices(['full', 'differential', 'incremental', 'transaction_log']))
        .option('--opt <key=value...>', 'an engine option (repeatable), e.g. --opt format=directory')
        .action(act(async (ctx, db: string, target: string, options: { type?: string; opt?: string[] }) => (await import('./commands/backup.js')).backupCommand(ctx, db, target, options))),
  ],
  [
    'restore',
    (program, act) =>
      program
        .command('restore <db> <source>')
        .description('restore a database from a backup; --replace drops and recreates an existing one (asks first)')
        .option('--replace', 'replace an existing database that holds data')
        .option('--opt <key=value...>', 'an engine option (repeatable), e.g. --opt jobs=4')
        .action(act(async (ctx, db: string, source: string, options: { replace?: boolean; opt?: string[] }) => (await import('./commands/backup.js')).restoreCommand(ctx, db, source, options))),
  ],
  [
    'verify',
    (program, act) =>
      program
        .command('verify <source>')
        .description('check a backup without restoring it')
        .option('--db <name>', 'database to verify for (default: the URL path)')
        .action(act(async (ctx, source: string, options: { db?: string }) => (await import('./commands/backup.js')).verifyCommand(ctx, source, options))),
  ],
  [
    'schemas',
    (program, act) =>
      program
        .command('schemas <db>')
        .description('list the schemas of a database')
        .option('--system', 'include system schemas')
        .action(act((ctx, db: string, options: { system?: boolean }) => inventory.schemasCommand(ctx, db, options))),
  ],
  [
    'tables',
    (program, act) =>
      program
        .command('tables <db>')
        .description('list the tables of a database')
        .option('--schema <schema>', 'only this schema')
        .action(act((ctx, db: string, options: { schema?: string }) => inventory.tablesCommand(ctx, db, options))),
  ],
  [
    'ha',
    (program, act) => {
      const ha = program.command('ha').description('high availability: status, lag, failover');
      ha.command('status [db]')
        .description('HA configuration, nodes, status and health')
        .action(act((ctx, db: string | undefined) => haCommands.haStatusCommand(ctx, db)));
      ha.command('lag [db]')
        .description('replication lag in seconds per secondary')
        .action(act((ctx, db: string | undefined) => haCommands.haLagCommand(ctx, db)));
      ha.command('failover [db]')
        .description('fail over to --target (asks first)')
        .option('--target <url|node>', "the node to promote (PostgreSQL: the standby's URL)")
        .option('--force', 'allow data loss')
        .action(act((ctx, db: string | undefined, options: { target?: string; force?: boolean }) => haCommands.haFailoverCommand(ctx, db, options)));
    },
  ],
  [
    'demo',
    (program, act) =>
      program
        .command('demo')
        .description('run the main job end to end on a throwaway local PostgreSQL primary + standby')
        .action(act(async (ctx) => (await import('./commands/demo.js')).demoCommand(ctx))),
  ],
  ...[...new Set(ENGINE_OPERATIONS.map((op) => op.engine))].map((engine): [string, (program: Command, act: Act) => void] => {
    const name = ENGINE_COMMAND_NAMES[engine] ?? engine;
    return [
      name,
      (program, act) => {
        const group = program.command(name).description(`${engine}-specific operations`);
        for (const op of ENGINE_OPERATIONS.filter((o) => o.engine === engine)) {
          const sub = group.command(`${op.name} <db> ${(op.args ?? []).join(' ')}`.trim()).description(op.description);
          for (const [flags, description] of op.options ?? []) sub.option(flags, description);
          sub.action(
            act((ctx, ...rest: unknown[]) => {
              const options = rest[rest.length - 1] as Record<string, unknown>;
              const [db, ...args] = rest.slice(0, -1) as string[];
              return engineOperationCommand(ctx, op, db as string, args, options);
            }),
          );
        }
      },
    ];
  }),
];

/** Global options that take a value (skipped when looking for the command name). */
const GLOBAL_OPTIONS_WITH_VALUE = new Set(['--url', '--timeout']);

/**
 * Which top-level commands a run with `args` (argv without node and script) needs: the one it
 * runs, when it is one of ours and no help is asked for; none for `--version` alone; otherwise
 * (help, no command, a mistyped one: commander lists or suggests them) all of them.
 */
function commandsNeeded(args: readonly string[]): { only: string } | 'none' | 'all' {
  if (args.some((a) => a === '-h' || a === '--help')) return 'all';
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (GLOBAL_OPTIONS_WITH_VALUE.has(a)) i++;
    else if (!a.startsWith('-')) return COMMANDS.some(([name]) => name === a) ? { only: a } : 'all';
  }
  return args.some((a) => a === '-V' || a === '--version') ? 'none' : 'all';
}

/**
 * Builds the program; `exit` receives the exit code of an action. With `argv`, only the command
 * it runs is registered (registering all ~35 costs ~1.5 ms of every start; help, a mistyped
 * command or no command still get all of them, `--version` none).
 *
 * ### Examples
 * ```ts
 * const program = buildProgram((code) => (process.exitCode = code));
 * await program.parseAsync(process.argv);
 * ```
 */
export function buildProgram(exit: (code: number) => void, argv?: readonly string[]): Command {
  const program = new Command('gds')
    .description('Databases as first-class objects on PostgreSQL, SQL Server, Snowflake and MongoDB: inventory, create, drop, state, backup, restore and HA.')
    .version(version(), '-V, --version')
    .option('--url <url>', 'target server (default: $GDS_URL), e.g. postgres://user@host:5432/postgres')
    .option('--json', 'print one JSON document on stdout and nothing else there')
    .option('--dry-run', 'print the statements or commands that would run; change nothing')
    .option('-y, --yes', 'do not ask before destructive commands (required when not on a terminal)')
    .option('--timeout <ms>', 'give up on an operation after this many milliseconds (at most 2147483647)')
    .showHelpAfterError('(run gds help <command> for its usage)')
    .addHelpText(
      'after',
      '\nExit codes: 0 success, 1 the operation failed, 2 usage error, 128+n ended by signal n (130 Ctrl-C, 143 SIGTERM, 129 SIGHUP).\nJSON output shapes: see the @gds/cli README.',
    )
    .exitOverride();

  const act: Act =
    (body) =>
    async (...args) => {
      const cmd = args[args.length - 1] as Command;
      const flags = cmd.optsWithGlobals() as GlobalFlags;
      exit(await runCommand(flags, (ctx) => body(ctx, ...(args.slice(0, -1) as never[]))));
    };

  const needed = argv ? commandsNeeded(argv.slice(2)) : 'all';
  for (const [name, define] of COMMANDS) if (needed === 'all' || (needed !== 'none' && needed.only === name)) define(program, act);
  return program;
}

export { signalReceived } from './signals.js';

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
  const program = buildProgram((c) => (code = c), argv);
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
