/**
 * URL schemes: how the core reads the scheme of a connection URL and names, in a hint, what to
 * install when no registered engine accepts it. The engines themselves (packages, schemes,
 * names) are known only from their definitions (see `@gds/database/engine`), never listed here.
 *
 * @module
 */
import { DatabaseType, type KnownEngine } from './enums.js';
import { ValidationError } from './errors.js';
import { redactUrlPasswords } from './secret.js';

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
 * A one-line instruction for an engine (or URL scheme) that no installed package provides.
 *
 * ### Examples
 * ```ts
 * installHint('mssql'); // "install the gds engine package for 'mssql' and import it once (see the README's list of engines)"
 * ```
 */
export function installHint(typeOrScheme: string): string {
  return `install the gds engine package for '${typeOrScheme}' and import it once (see the README's list of engines), or register your own with defineEngine() from '@gds/database/engine'`;
}

/** Every known engine name of {@link DatabaseType}, for iteration. */
export const ALL_ENGINES: readonly KnownEngine[] = Object.freeze(Object.values(DatabaseType));
