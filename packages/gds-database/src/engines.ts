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

/** `scheme:` then `//` or not; two characters at least (a drive letter is not a scheme). */
const URL_SCHEME = /^([a-z][a-z0-9+.-]+):(?:\/\/)?(?=.)/i;

/**
 * The scheme of `url` when it has one (see {@link urlScheme}), else `undefined`.
 *
 * ### Examples
 * ```ts
 * schemeOf('postgres://h/db'); // 'postgres'
 * schemeOf('C:\\data');       // undefined
 * ```
 */
export function schemeOf(url: string): string | undefined {
  return URL_SCHEME.exec(url)?.[1]?.toLowerCase();
}

/**
 * The scheme of a connection URL, lower-cased (`'postgres'` for `postgres://...`). The `//` is
 * optional (`sqlite:relative/dir/`); a scheme has at least two characters, so a Windows drive
 * (`C:\data`) is not read as one. Throws ValidationError (with the password redacted) for
 * something that is not a URL.
 *
 * ### Examples
 * ```ts
 * urlScheme('MSSQL://sa@host'); // 'mssql'
 * urlScheme('sqlite:data/');    // 'sqlite'
 * ```
 */
export function urlScheme(url: string): string {
  const match = URL_SCHEME.exec(url);
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
