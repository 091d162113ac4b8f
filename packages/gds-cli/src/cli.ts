/**
 * The `gds` command line: the commands and their options (commander). The small command modules
 * are bundled in; backup/restore (progress bars) and demo (the testkit) are imported when they
 * run. `--help` and `--version` load nothing but commander (`--help` also reads the installed
 * engines' package.json files for their command groups, see commands/engine-groups.ts); the core
 * and the engine are imported by the context when a command needs them, and an engine's group
 * imports its package only when it is the command (`gds postgres ...`).
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { EXIT, runCommand, type CliContext, type GlobalFlags } from './context.js';
import { FORMATS } from './output.js';
import { EXAMPLES } from './help-examples.js';
import { defineEngineGroup, loadEngineCommands, type EngineGroup } from './commands/engine-groups.js';
import { discoverEngines } from './engine-loader.js';
import * as haCommands from './commands/ha.js';
import * as inventory from './commands/inventory.js';
import * as lifecycle from './commands/lifecycle.js';

/** The backup types some engine supports (none offers incremental); checked per engine when the command runs. */
const BACKUP_TYPES = ['full', 'differential', 'transaction_log'];

/** `--url` given twice is an error: the second would otherwise silently win. */
function oneUrl(value: string, previous: string | undefined): string {
  if (previous !== undefined) throw new InvalidArgumentError('given twice: pass one --url');
  return value;
}

/** Checks `--opt` pairs against the engine's schema for `command` before anything connects (exit 2 when they do not fit). */
async function checkOpts(ctx: CliContext, command: string, pairs: string[] | undefined): Promise<void> {
  if (!pairs?.length) return;
  const [{ checkEngineOptions }, { parseOptionPairs }] = await Promise.all([import('./commands/engine-options.js'), import('./commands/parse-options.js')]);
  await checkEngineOptions(ctx, command, parseOptionPairs(pairs));
}

/** Whether argv asks for JSON (`--json` or `--format json`), for usage errors found before any command runs. */
function wantsJson(args: readonly string[]): boolean {
  return args.some((a, i) => a === '--json' || a === '--format=json' || (a === '--format' && args[i + 1] === 'json'));
}

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
        .option('--opt <key=value...>', 'an engine option (repeatable); gds <engine> options create lists them')
        .option('--if-not-exists', 'succeed without a change when the database already exists')
        .action(act((ctx, db: string, options: { opt?: string[]; ifNotExists?: boolean }) => lifecycle.createCommand(ctx, db, options))),
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
        .addOption(new Option('--type <type>', 'backup type (PostgreSQL, MongoDB, Snowflake: full; SQL Server: full, differential, transaction_log)').choices(BACKUP_TYPES))
        .option('--opt <key=value...>', 'an engine option (repeatable), e.g. --opt format=directory; gds <engine> options backup lists them')
        .action(
          act(async (ctx, db: string, target: string, options: { type?: string; opt?: string[] }) => {
            if (options.type) await (await import('./commands/backup-type.js')).checkBackupType(ctx, options.type);
            await checkOpts(ctx, 'backup', options.opt);
            return (await import('./commands/backup.js')).backupCommand(ctx, db, target, options);
          }),
        ),
  ],
  [
    'restore',
    (program, act) =>
      program
        .command('restore <db> <source>')
        .description('restore a database from a backup; --replace replaces an existing one (asks first; how depends on the engine)')
        .option('--replace', 'replace an existing database that holds data')
        .option('--force', 'with --replace: end the other sessions of the database (without it they refuse the restore)')
        .option('--opt <key=value...>', 'an engine option (repeatable), e.g. --opt jobs=4; gds <engine> options restore lists them')
        .action(
          act(async (ctx, db: string, source: string, options: { replace?: boolean; force?: boolean; opt?: string[] }) => {
            await checkOpts(ctx, 'restore', options.opt);
            return (await import('./commands/backup.js')).restoreCommand(ctx, db, source, options);
          }),
        ),
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
      ha.command('watch [db]')
        .description('live view: topology, state in colour, a sparkline of each node\'s lag (Ctrl-C quits)')
        .option('--interval <seconds>', 'seconds between refreshes (default 2)')
        .action(act(async (ctx, db: string | undefined, options: { interval?: string }) => (await import('./commands/ha-watch.js')).haWatchCommand(ctx, db, options)));
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
        .description('run the main job end to end on a throwaway local PostgreSQL primary + standby (--engine sqlite: on SQLite files, nothing but Node)')
        .option('--engine <engine>', 'postgres (default) or sqlite')
        .action(act(async (ctx, options: { engine?: string }) => (await import('./commands/demo.js')).demoCommand(ctx, options))),
  ],
];

/** Global options that take a value (skipped when looking for the command name). */
const GLOBAL_OPTIONS_WITH_VALUE = new Set(['--url', '--timeout', '--format']);

/** Whether `name` is a core command. */
const isCore = (name: string): boolean => COMMANDS.some(([n]) => n === name);

/** The command word of `args` (argv without node and script): the first word that is not an option or an option's value. */
function commandWord(args: readonly string[]): { word: string; index: number } | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (GLOBAL_OPTIONS_WITH_VALUE.has(a)) i++;
    else if (!a.startsWith('-')) return { word: a, index: i };
  }
  return undefined;
}

/**
 * Which top-level commands a run with `args` needs: the one it runs (a core command, or the
 * group of an installed engine), when no help is asked for; none for `--version` alone;
 * otherwise (help, no command, a mistyped one: commander lists or suggests them) all of them.
 */
function commandsNeeded(args: readonly string[], isEngine: (name: string) => boolean): { only: string } | 'none' | 'all' {
  if (args.some((a) => a === '-h' || a === '--help')) return 'all';
  const command = commandWord(args);
  if (command) return isCore(command.word) || isEngine(command.word) ? { only: command.word } : 'all';
  return args.some((a) => a === '-V' || a === '--version') ? 'none' : 'all';
}

/**
 * The engine groups a run with `args` shows: none when it runs a core command or `--version`;
 * else every installed engine (from package.json files), the one named by the command word
 * (`gds postgres ...`, `gds help postgres`) with its commands loaded from its definition.
 */
async function engineGroupsFor(args: readonly string[]): Promise<EngineGroup[]> {
  const command = commandWord(args);
  if (command && isCore(command.word) && !args.some((a) => a === '-h' || a === '--help')) return [];
  if (!command && args.some((a) => a === '-V' || a === '--version') && !args.some((a) => a === '-h' || a === '--help')) return [];
  const named = command?.word === 'help' ? commandWord(args.slice(command.index + 1))?.word : command?.word;
  return Promise.all(discoverEngines().map(async (installed) => ({ installed, ...(installed.cliName === named ? { commands: await loadEngineCommands(installed) } : {}) })));
}

/**
 * Builds the program; `exit` receives the exit code of an action. With `argv`, only the command
 * it runs is registered (registering all ~35 costs ~1.5 ms of every start; help, a mistyped
 * command or no command still get all of them, `--version` none). `engines` are the engine
 * groups (default: every installed engine, its commands not loaded: see engine-groups.ts).
 *
 * ### Examples
 * ```ts
 * const program = buildProgram((code) => (process.exitCode = code));
 * await program.parseAsync(process.argv);
 * ```
 */
export function buildProgram(exit: (code: number) => void, argv?: readonly string[], engines?: readonly EngineGroup[]): Command {
  const program = new Command('gds')
    .description('Databases as first-class objects on PostgreSQL, SQL Server, Snowflake and MongoDB: inventory, create, drop, state, backup, restore and HA.')
    .version(version(), '-V, --version')
    .option('--url <url>', 'target server (default: $GDS_URL), e.g. postgres://user@host:5432/postgres', oneUrl)
    .option('--json', 'print one JSON document on stdout and nothing else there (same as --format json)')
    .addOption(new Option('--format <format>', 'output format (default: table on a terminal, tsv when piped)').choices(FORMATS))
    .option('--dry-run', 'print the statements or commands that would run; change nothing')
    .option('-y, --yes', 'do not ask before destructive commands (required when not on a terminal)')
    .option('--timeout <ms>', 'give up on an operation after this many milliseconds (at most 2147483647)')
    .option('--password-stdin', 'read the password from stdin (one line) instead of putting it in --url, where other users can see it')
    .showHelpAfterError('(run gds help <command> for its usage)')
    .addHelpText(
      'after',
      '\nExit codes: 0 success, 1 the operation failed, 2 usage error, 128+n ended by signal n (130 Ctrl-C, 143 SIGTERM, 129 SIGHUP).\nJSON output shapes: see the @gds/cli README.',
    )
    .configureHelp({ showGlobalOptions: true })
    .exitOverride();
  if (argv && wantsJson(argv.slice(2))) {
    // usage errors become the JSON document (see main); commander prints nothing itself
    program.configureOutput({ writeErr: () => undefined, outputError: (text) => (lastUsageError = text.trim().replace(/^error: /, '')) });
  }

  const act: Act =
    (body) =>
    async (...args) => {
      const cmd = args[args.length - 1] as Command;
      const flags = cmd.optsWithGlobals() as GlobalFlags;
      exit(await runCommand(flags, (ctx) => body(ctx, ...(args.slice(0, -1) as never[]))));
    };

  let groups = engines;
  const groupsOf = (): readonly EngineGroup[] => (groups ??= discoverEngines().map((installed) => ({ installed })));
  const needed = argv ? commandsNeeded(argv.slice(2), (name) => groupsOf().some((g) => g.installed.cliName === name)) : 'all';
  for (const [name, define] of COMMANDS) if (needed === 'all' || (needed !== 'none' && needed.only === name)) define(program, act);
  if (needed === 'all' || (needed !== 'none' && !isCore(needed.only))) {
    for (const group of groupsOf()) if (!isCore(group.installed.cliName) && (needed === 'all' || needed.only === group.installed.cliName)) defineEngineGroup(program, act, group);
  }
  addExamples(program, 'gds');
  return program;
}

/** Adds each command's examples (help-examples.ts) after its help. */
function addExamples(command: Command, path: string): void {
  for (const sub of command.commands) {
    const full = `${path} ${sub.name()}`;
    const lines = EXAMPLES[full.slice(4)];
    if (lines) sub.addHelpText('after', `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}`);
    addExamples(sub, full);
  }
}

export { signalReceived } from './signals.js';

let lastUsageError: string | undefined;

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
  let engines: EngineGroup[];
  try {
    engines = await engineGroupsFor(argv.slice(2));
  } catch (error) {
    process.stderr.write(`gds: an engine package failed to load: ${(error as Error).message}\n`);
    return EXIT.FAILED;
  }
  const program = buildProgram((c) => (code = c), argv, engines);
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return EXIT.OK;
      // `gds help` asked for help; `gds` or `gds ha` without a command got it as a usage error (stderr, exit 2)
      if (error.code === 'commander.help' && error.exitCode === 0) return EXIT.OK;
      if (error.code === 'commander.help') lastUsageError = 'missing command: run gds --help for the commands';
      if (wantsJson(argv.slice(2))) {
        const { printJson, processOutput } = await import('./output.js');
        const message = lastUsageError ?? error.message.replace(/^error: /, '');
        printJson(processOutput(true), { ok: false, exitCode: EXIT.USAGE, error: { code: 'USAGE', message, hint: 'run gds help <command> for its usage' } });
      }
      return EXIT.USAGE;
    }
    throw error;
  }
  return code;
}
