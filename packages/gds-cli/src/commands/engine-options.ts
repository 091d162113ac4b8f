/**
 * The `--opt` keys of each engine, read from the engine package's option schemas (TypeBox,
 * exported as `<Engine><Command>OptionsSchema`): `gds <engine> options [command]` lists them,
 * and a command checks its `--opt` values against them before it connects (an unknown key gets
 * the known ones and a suggestion, an enum the allowed values; exit 2).
 *
 * @module
 */
import type { CliContext } from '../context.js';
import { cliIssues, kebab, type Issue, type OptionInfo } from '../cli-hints.js';
import { importEngine, type EngineModule, type InstalledEngine } from '../engine-loader.js';
import { printJson, printTable } from '../output.js';
import { UsageError } from '../usage-error.js';

/** The commands that take `--opt`, with the suffix of the schema export that describes them. */
export const OPTION_COMMANDS: Readonly<Record<string, string>> = Object.freeze({
  create: 'CreateOptionsSchema',
  backup: 'BackupOptionsSchema',
  restore: 'RestoreOptionsSchema',
  verify: 'VerifyOptionsSchema',
  vacuum: 'VacuumOptionsSchema',
  clone: 'CloneOptionsSchema',
});

/** Keys the CLI fills itself (from --dry-run, --timeout, Ctrl-C), not given as `--opt`. */
const CLI_KEYS = new Set(['dryRun', 'timeoutMs', 'signal', 'onProgress']);

/** The part of a JSON schema the CLI reads. */
interface PropSchema {
  type?: string;
  enum?: unknown[];
  const?: unknown;
  anyOf?: PropSchema[];
  items?: PropSchema;
  properties?: Record<string, PropSchema>;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  description?: string;
}

/** One `--opt` key. */
export interface OptionRow {
  /** The API key (`connectionLimit`). */
  key: string;
  /** As typed after `--opt` (`connection-limit`). */
  opt: string;
  /** Its type (`integer (>= -1)`, `custom | directory`). */
  type: string;
  /** Its default, if the schema or its description gives one. */
  default: string;
  /** What it does. */
  description: string;
  /** Allowed values of an enum. */
  values?: unknown[];
}

function typeOf(s: PropSchema | undefined): string {
  if (!s) return 'any';
  if (Array.isArray(s.enum)) return s.enum.map((v) => String(v)).join(' | ');
  if (s.const !== undefined) return JSON.stringify(s.const);
  if (Array.isArray(s.anyOf)) return s.anyOf.map(typeOf).join(' | ');
  if (s.type === 'array') return `${typeOf(s.items)}[]`;
  if (s.type === 'object') return s.properties ? `{ ${Object.keys(s.properties).join(', ')} }` : 'object';
  const limits = [s.minimum !== undefined ? `>= ${s.minimum}` : '', s.maximum !== undefined && s.maximum < 2 ** 31 - 1 ? `<= ${s.maximum}` : ''].filter(Boolean);
  return `${s.type ?? 'any'}${limits.length ? ` (${limits.join(', ')})` : ''}`;
}

function enumOf(s: PropSchema): unknown[] | undefined {
  if (Array.isArray(s.enum)) return s.enum;
  if (Array.isArray(s.anyOf) && s.anyOf.every((a) => a.const !== undefined)) return s.anyOf.map((a) => a.const);
  return undefined;
}

/**
 * The schema of `command`'s options in an engine package, if it has one.
 *
 * ### Examples
 * ```ts
 * optionSchemaFor(await importEngine(engine), 'create'); // e.g. PostgreSQLCreateOptionsSchema
 * ```
 */
export function optionSchemaFor(module: EngineModule, command: string): { properties?: Record<string, PropSchema> } | undefined {
  const suffix = OPTION_COMMANDS[command];
  if (!suffix) return undefined;
  // the engine's own (`PostgreSQLCreateOptionsSchema`) before a plain one (`VacuumOptionsSchema`)
  const key = Object.keys(module)
    .filter((k) => k.endsWith(suffix))
    .sort((a, b) => (a === suffix ? 1 : 0) - (b === suffix ? 1 : 0) || a.length - b.length)[0];
  const schema = key ? (module[key] as { properties?: Record<string, PropSchema> } | undefined) : undefined;
  return schema && typeof schema === 'object' ? schema : undefined;
}

/**
 * The `--opt` keys a schema declares, with type, default and description.
 *
 * ### Examples
 * ```ts
 * optionRows(schema).map((r) => r.opt); // ['owner', 'encoding', ...]
 * ```
 */
export function optionRows(schema: { properties?: Record<string, PropSchema> } | undefined): OptionRow[] {
  return Object.entries(schema?.properties ?? {})
    .filter(([key]) => !CLI_KEYS.has(key))
    .map(([key, prop]) => {
      const fromText = /\bDefaults? (?:to|is) ([^;:]+?)(?:[.;:](?:\s|$)|$)/i.exec(prop.description ?? '')?.[1];
      const values = enumOf(prop);
      return {
        key,
        opt: kebab(key),
        type: typeOf(prop),
        default: prop.default !== undefined ? JSON.stringify(prop.default) : (fromText?.replace(/^'|'$/g, '') ?? ''),
        description: prop.description ?? '',
        ...(values ? { values } : {}),
      };
    });
}

/**
 * Checks a command's `--opt` values against the connected engine's schema before any
 * connection is made: a UsageError (exit 2) in CLI words when they do not fit.
 *
 * ### Examples
 * ```ts
 * await checkEngineOptions(ctx, 'create', { ownr: 'app' }); // UsageError: unknown --opt ownr (did you mean --opt owner?) ...
 * ```
 */
export async function checkEngineOptions(ctx: CliContext, command: string, options: Record<string, unknown>): Promise<void> {
  if (Object.keys(options).length === 0) return;
  const { module, engine, installed } = await ctx.engine();
  const schema = optionSchemaFor(module, command);
  if (!schema) return;
  const core = await ctx.core();
  try {
    core.validateOptions(schema as never, options, command);
  } catch (error) {
    const issues = (error as { issues?: Issue[] }).issues;
    if (!core.ValidationError.isInstance(error) || !issues) throw error;
    const infos: OptionInfo[] = optionRows(schema).map((r) => ({ key: r.key, ...(r.values ? { values: r.values } : {}) }));
    throw new UsageError(`bad --opt for ${command} on ${engine}: ${cliIssues(issues, infos)} (see gds ${installed.cliName} options ${command})`);
  }
}

/**
 * `gds <engine> options [command]`: the `--opt` keys of each command, from the engine's schemas
 * (loads the engine package, connects nowhere).
 *
 * ### Examples
 * ```ts
 * await optionsCommand(ctx, discoverEngines()[0]!, 'backup');
 * ```
 */
export async function optionsCommand(ctx: CliContext, installed: InstalledEngine, command: string | undefined): Promise<void> {
  if (command !== undefined && !OPTION_COMMANDS[command]) throw new UsageError(`'${command}' takes no --opt; commands with --opt: ${Object.keys(OPTION_COMMANDS).join(', ')}`);
  const engine = installed.type;
  const module = await importEngine(installed);
  const commands = (command ? [command] : Object.keys(OPTION_COMMANDS)).filter((c) => optionSchemaFor(module, c));
  const all = commands.map((c) => ({ command: c, options: optionRows(optionSchemaFor(module, c)) }));
  if (ctx.output.json) {
    printJson(ctx.output, { ok: true, engine, commands: all.map((c) => ({ command: c.command, options: c.options.map(({ values: _v, ...r }) => r) })) });
    return;
  }
  printTable(
    ctx.output,
    ['command', 'opt', 'type', 'default', 'description'],
    all.flatMap((c) => c.options.map((o) => [c.command, o.opt, o.type, o.default, o.description])),
  );
}
