/**
 * What the core knows about every engine without loading it: the package that provides it and
 * the URL schemes it answers to. Used to say which package to install when a provider is missing.
 *
 * @module
 */
import { DatabaseType } from './enums.js';
import { ValidationError } from './errors.js';
import { redactUrlPasswords } from './secret.js';

/**
 * Per engine: the npm package that provides it and its URL schemes (`undefined` package: gds has
 * no provider for it yet).
 *
 * ### Examples
 * ```ts
 * KNOWN_ENGINES.postgresql.packageName; // '@gds/postgres'
 * ```
 */
export const KNOWN_ENGINES: Readonly<Record<DatabaseType, { packageName: string | undefined; schemes: readonly string[] }>> = Object.freeze({
  postgresql: { packageName: '@gds/postgres', schemes: ['postgres', 'postgresql'] },
  mssql: { packageName: '@gds/mssql', schemes: ['mssql', 'sqlserver'] },
  mongodb: { packageName: '@gds/mongodb', schemes: ['mongodb', 'mongodb+srv'] },
  snowflake: { packageName: '@gds/snowflake', schemes: ['snowflake'] },
  mysql: { packageName: undefined, schemes: ['mysql'] },
  oracle: { packageName: undefined, schemes: ['oracle'] },
  sqlite: { packageName: undefined, schemes: ['sqlite', 'file'] },
});

/**
 * The scheme of a connection URL, lower-cased (`'postgres'` for `postgres://...`).
 * Throws ValidationError (with the password redacted) for something that is not a URL.
 *
 * ### Examples
 * ```ts
 * urlScheme('MSSQL://sa@host'); // 'mssql'
 * ```
 */
export function urlScheme(url: string): string {
  const match = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url);
  if (!match?.[1]) {
    throw new ValidationError('Not a connection URL', [
      { path: '', message: `expected scheme://..., got '${redactUrlPasswords(url).slice(0, 80)}'` },
    ]);
  }
  return match[1].toLowerCase();
}

/**
 * The engine a URL scheme belongs to, if gds knows it.
 *
 * ### Examples
 * ```ts
 * engineForScheme('sqlserver'); // 'mssql'
 * ```
 */
export function engineForScheme(scheme: string): DatabaseType | undefined {
  const s = scheme.toLowerCase();
  for (const [type, info] of Object.entries(KNOWN_ENGINES)) if (info.schemes.includes(s)) return type as DatabaseType;
  return undefined;
}

/**
 * A one-line instruction to install and import the provider of `type`.
 *
 * ### Examples
 * ```ts
 * installHint('mssql'); // "Install @gds/mssql and import it once: import '@gds/mssql';"
 * ```
 */
export function installHint(type: string): string {
  const pkg = (KNOWN_ENGINES as Record<string, { packageName: string | undefined }>)[type]?.packageName;
  return pkg
    ? `Install ${pkg} and import it once: import '${pkg}';`
    : `gds has no provider for '${type}' yet; register your own with registerProvider().`;
}

/** Every engine value of {@link DatabaseType}, for iteration. */
export const ALL_ENGINES: readonly DatabaseType[] = Object.freeze(Object.values(DatabaseType));
