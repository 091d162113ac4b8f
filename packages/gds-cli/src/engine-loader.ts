/**
 * Loads only the engine a URL needs. The scheme table is kept here (not read from the core) so
 * that `gds --help` and `gds --version` load no module beyond the argument parser; the core and
 * the one engine package are imported when a command runs.
 *
 * @module
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from './usage-error.js';

/** The engine packages by URL scheme. */
export const ENGINE_PACKAGES: Readonly<Record<string, { engine: string; packageName: string }>> = Object.freeze({
  postgres: { engine: 'postgresql', packageName: '@gds/postgres' },
  postgresql: { engine: 'postgresql', packageName: '@gds/postgres' },
  mssql: { engine: 'mssql', packageName: '@gds/mssql' },
  sqlserver: { engine: 'mssql', packageName: '@gds/mssql' },
  mongodb: { engine: 'mongodb', packageName: '@gds/mongodb' },
  'mongodb+srv': { engine: 'mongodb', packageName: '@gds/mongodb' },
  snowflake: { engine: 'snowflake', packageName: '@gds/snowflake' },
});

/**
 * The npm command that adds `packageName` where this CLI can load it: `npm install -g <pkg>`
 * when the CLI itself was installed globally (it lives in `<prefix>/lib/node_modules/@gds/cli`,
 * or `<prefix>/node_modules/@gds/cli` on Windows, with no project around it; a non-default
 * prefix is named with `--prefix`), else `npm install <pkg>` in the project.
 *
 * ### Examples
 * ```ts
 * installCommand('@gds/mssql', '/usr/local/lib/node_modules/@gds/cli/dist'); // 'npm install -g @gds/mssql'
 * ```
 */
export function installCommand(packageName: string, here: string = dirname(fileURLToPath(import.meta.url)), env: NodeJS.ProcessEnv = process.env): string {
  const m = /^(.*?)[\\/](?:lib[\\/])?node_modules[\\/]@gds[\\/]cli(?:[\\/]|$)/.exec(here);
  if (!m) return `npm install ${packageName}`;
  const prefix = /[\\/]lib[\\/]node_modules[\\/]@gds[\\/]cli/.test(here) || process.platform === 'win32' ? m[1] ?? '' : undefined;
  if (prefix === undefined || existsSync(join(prefix, 'package.json'))) return `npm install ${packageName}`;
  const defaultPrefix = env.npm_config_prefix ?? env.NPM_CONFIG_PREFIX ?? dirname(dirname(process.execPath));
  return prefix === defaultPrefix ? `npm install -g ${packageName}` : `npm install -g --prefix ${prefix} ${packageName}`;
}

/** A package's module namespace, as far as the CLI needs it. */
export type EngineModule = Record<string, unknown>;

/**
 * Imports the engine package for `url` (registering its provider) and returns its exports; a
 * scheme gds does not know, or a package that is not installed, is a one-line UsageError that
 * names the package to add.
 *
 * ### Examples
 * ```ts
 * await loadEngineFor('postgres://postgres@127.0.0.1/postgres'); // imports @gds/postgres only
 * ```
 */
export async function loadEngineFor(url: string, importer: (specifier: string) => Promise<EngineModule> = (s) => import(s) as Promise<EngineModule>): Promise<{ engine: string; packageName: string; module: EngineModule }> {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
  if (!scheme) throw new UsageError('the target is not a URL: expected scheme://user@host/database (postgres://, mssql://, mongodb://, snowflake://)');
  const entry = ENGINE_PACKAGES[scheme];
  if (!entry) throw new UsageError(`no gds engine handles ${scheme}:// URLs (known: postgres://, mssql://, mongodb://, snowflake://)`);
  try {
    return { ...entry, module: await importer(entry.packageName) };
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new UsageError(`the ${entry.engine} engine is not installed: add ${entry.packageName} (${installCommand(entry.packageName)})`);
    }
    throw error;
  }
}
