/**
 * Finds the installed gds engines and loads only the one a URL needs. No engine is named here:
 * an engine package says what it is in its package.json (`"gds": { "engine": { "type",
 * "displayName", "cliName", "schemes" } }`), and {@link discoverEngines} reads those files in
 * the `node_modules/@gds/*` and `node_modules/*` folders from the CLI's own location upwards
 * and from the working directory upwards (package.json files only: no module is imported, so
 * `gds --help` stays cheap). {@link loadEngineFor} then imports the one package whose schemes
 * include the URL's (importing it registers its engine with the core).
 *
 * @module
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { UsageError } from './usage-error.js';

/**
 * An engine package found on disk, with the facts of its package.json `gds.engine` field.
 *
 * ### Examples
 * ```ts
 * const [first] = discoverEngines();
 * console.log(first?.cliName, first?.schemes); // e.g. 'postgres', ['postgres', 'postgresql']
 * ```
 */
export interface InstalledEngine {
  /** The engine's name (`DatabaseType`). */
  readonly type: string;
  /** For people. */
  readonly displayName: string;
  /** The CLI's name for it: its command group (`gds <cliName> options`). */
  readonly cliName: string;
  /** The URL schemes it accepts, lower case, without `://`. */
  readonly schemes: readonly string[];
  /** Its npm package name. */
  readonly packageName: string;
  /** The folder it is installed in. */
  readonly dir: string;
}

/** The folder of this file (dist/ when bundled). */
const HERE = dirname(fileURLToPath(import.meta.url));

/**
 * The npm command that adds `packageName` where this CLI can load it: `npm install -g <pkg>`
 * when the CLI itself was installed globally (it lives in `<prefix>/lib/node_modules/@gds/cli`,
 * or `<prefix>/node_modules/@gds/cli` on Windows, with no project around it; a non-default
 * prefix is named with `--prefix`), else `npm install <pkg>` in the project.
 *
 * ### Examples
 * ```ts
 * installCommand('<package>', '/usr/local/lib/node_modules/@gds/cli/dist'); // 'npm install -g <package>'
 * ```
 */
export function installCommand(packageName: string, here: string = HERE, env: NodeJS.ProcessEnv = process.env): string {
  const m = /^(.*?)[\\/](?:lib[\\/])?node_modules[\\/]@gds[\\/]cli(?:[\\/]|$)/.exec(here);
  if (!m) return `npm install ${packageName}`;
  const prefix = /[\\/]lib[\\/]node_modules[\\/]@gds[\\/]cli/.test(here) || process.platform === 'win32' ? m[1] ?? '' : undefined;
  if (prefix === undefined || existsSync(join(prefix, 'package.json'))) return `npm install ${packageName}`;
  const defaultPrefix = env.npm_config_prefix ?? env.NPM_CONFIG_PREFIX ?? dirname(dirname(process.execPath));
  return prefix === defaultPrefix ? `npm install -g ${packageName}` : `npm install -g --prefix ${prefix} ${packageName}`;
}

/** A package's module namespace, as far as the CLI needs it. */
export type EngineModule = Record<string, unknown>;

/** Imports a module by specifier (a file URL here); tests pass a fake. */
export type Importer = (specifier: string) => Promise<EngineModule>;

interface PackageJson {
  name?: unknown;
  main?: unknown;
  exports?: unknown;
  gds?: { engine?: { type?: unknown; displayName?: unknown; cliName?: unknown; schemes?: unknown } };
}

function readPackage(dir: string): PackageJson | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageJson;
  } catch {
    return undefined; // not a package, or unreadable: not an engine
  }
}

/** The engine facts of the package in `dir`, when its package.json declares a well-formed `gds.engine`. */
function engineIn(dir: string): InstalledEngine | undefined {
  const pkg = readPackage(dir);
  const e = pkg?.gds?.engine;
  if (!e || typeof pkg?.name !== 'string' || typeof e.type !== 'string' || typeof e.cliName !== 'string' || !Array.isArray(e.schemes)) return undefined;
  const schemes = e.schemes.filter((s): s is string => typeof s === 'string').map((s) => s.toLowerCase());
  return { type: e.type, displayName: typeof e.displayName === 'string' ? e.displayName : e.type, cliName: e.cliName, schemes, packageName: pkg.name, dir };
}

function list(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

let discovered: InstalledEngine[] | undefined;

/**
 * The engine packages installed where this CLI (or the working directory) can see them, one
 * per engine type (the nearest copy wins), sorted by package name. Without `starts` (the CLI's
 * folder and the working directory), the result is kept for the rest of the process.
 *
 * ### Examples
 * ```ts
 * discoverEngines().map((e) => e.cliName); // e.g. ['mongodb', 'mssql', 'postgres', 'snowflake']
 * ```
 */
export function discoverEngines(starts?: readonly string[]): InstalledEngine[] {
  if (!starts) return (discovered ??= discoverEngines([HERE, process.cwd()]));
  const byType = new Map<string, InstalledEngine>();
  const looked = new Set<string>();
  for (const start of starts) {
    for (let dir = start; ; dir = dirname(dir)) {
      const modules = join(dir, 'node_modules');
      if (!looked.has(modules)) {
        looked.add(modules);
        for (const name of list(modules)) {
          if (name.startsWith('.')) continue;
          const dirs = name === '@gds' ? list(join(modules, name)).map((sub) => join(modules, name, sub)) : name.startsWith('@') ? [] : [join(modules, name)];
          for (const d of dirs) {
            const engine = engineIn(d);
            if (engine && !byType.has(engine.type)) byType.set(engine.type, engine);
          }
        }
      }
      // a workspace's own engine packages (a monorepo holding one, like gds's): after the installed ones
      for (const d of workspacePackageDirs(dir)) {
        const engine = engineIn(d);
        if (engine && !byType.has(engine.type)) byType.set(engine.type, engine);
      }
      if (dirname(dir) === dir) break;
    }
  }
  // plain code-unit order: localeCompare would load ICU collation data (~10-40 ms of start-up)
  return [...byType.values()].sort((a, b) => (a.packageName < b.packageName ? -1 : a.packageName > b.packageName ? 1 : 0));
}

/**
 * The package folders of the pnpm workspace rooted at `dir` (its `pnpm-workspace.yaml` lists them
 * as `packages:` entries; plain folders and `folder/*` patterns are read, others ignored), or none.
 *
 * ### Examples
 * ```ts
 * workspacePackageDirs('/repo'); // ['/repo/packages/gds-cli', '/repo/packages/gds-mysql', ...]
 * ```
 */
export function workspacePackageDirs(dir: string): string[] {
  let text: string;
  try {
    text = readFileSync(join(dir, 'pnpm-workspace.yaml'), 'utf8');
  } catch {
    return [];
  }
  const out: string[] = [];
  let inPackages = false;
  for (const line of text.split(/\r?\n/)) {
    if (/^packages:\s*$/.test(line)) {
      inPackages = true;
      continue;
    }
    if (inPackages && /^\S/.test(line)) break;
    const entry = inPackages ? /^\s+-\s+['"]?([^'"#\s]+)['"]?\s*$/.exec(line)?.[1] : undefined;
    if (!entry || entry.startsWith('!') || entry.includes('..')) continue;
    if (entry.endsWith('/*')) out.push(...list(join(dir, entry.slice(0, -2))).map((name) => join(dir, entry.slice(0, -2), name)));
    else if (!entry.includes('*')) out.push(join(dir, entry));
  }
  return out;
}

/** The file an ESM `import` of the package gets (its `exports['.']`, else `main`, else index.js). */
export function entryOf(dir: string): string {
  const pkg = readPackage(dir) ?? {};
  const pick = (target: unknown): string | undefined => {
    if (typeof target === 'string') return target;
    if (Array.isArray(target)) return target.map(pick).find((t) => t !== undefined);
    if (target && typeof target === 'object') {
      const t = target as Record<string, unknown>;
      if ('.' in t) return pick(t['.']);
      for (const condition of ['import', 'node', 'default']) if (condition in t) return pick(t[condition]);
    }
    return undefined;
  };
  return join(dir, pick(pkg.exports) ?? (typeof pkg.main === 'string' ? pkg.main : 'index.js'));
}

/**
 * Imports an installed engine package (which registers its engine) from the folder it was found in.
 *
 * ### Examples
 * ```ts
 * const module = await importEngine(discoverEngines()[0]!);
 * ```
 */
export function importEngine(engine: InstalledEngine, importer: Importer = (s) => import(s) as Promise<EngineModule>): Promise<EngineModule> {
  return importer(pathToFileURL(entryOf(engine.dir)).href);
}

/** The installed engines' schemes, as `a://, b://` (or `none`). */
export function installedSchemes(engines: readonly InstalledEngine[]): string {
  const schemes = engines.flatMap((e) => e.schemes.map((s) => `${s}://`));
  return schemes.length > 0 ? schemes.join(', ') : 'none';
}

/** The scheme of a URL, lower case, or undefined for something that is not `scheme://...`. */
export function schemeOf(url: string): string | undefined {
  return /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
}

/**
 * The installed engine for `url`'s scheme, or a UsageError that lists the installed engines'
 * schemes and says to install the engine package for that scheme.
 *
 * ### Examples
 * ```ts
 * engineForUrl('postgres://u@h/db', discoverEngines()).cliName; // 'postgres' (when installed)
 * ```
 */
export function engineForUrl(url: string, engines: readonly InstalledEngine[], what = 'the target'): InstalledEngine {
  const scheme = schemeOf(url);
  if (!scheme) throw new UsageError(`${what} is not a URL: expected scheme://user@host/database (${installedSchemes(engines)})`);
  const engine = engines.find((e) => e.schemes.includes(scheme));
  if (!engine) {
    throw new UsageError(`no installed gds engine handles ${scheme}:// URLs (installed: ${installedSchemes(engines)}): install the gds engine package for ${scheme}:// (${installCommand('<package>')})`);
  }
  return engine;
}

/** What {@link loadEngineFor} gives: the engine found on disk and its imported module. */
export interface LoadedEngine {
  /** The engine's type. */
  engine: string;
  /** Its package name. */
  packageName: string;
  /** The package.json facts. */
  installed: InstalledEngine;
  /** The package's exports. */
  module: EngineModule;
}

/**
 * Imports the installed engine package for `url` (registering its engine) and returns its
 * exports; no other engine package is imported.
 *
 * ### Examples
 * ```ts
 * await loadEngineFor('postgres://postgres@127.0.0.1/postgres'); // imports the package whose schemes include postgres
 * ```
 */
export async function loadEngineFor(url: string, engines: readonly InstalledEngine[] = discoverEngines(), importer?: Importer): Promise<LoadedEngine> {
  const installed = engineForUrl(url, engines);
  return { engine: installed.type, packageName: installed.packageName, installed, module: await importEngine(installed, importer) };
}
