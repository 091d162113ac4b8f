/**
 * SQLite's naming rules: database names are FILE names (validated as such and refused, never
 * changed), and SQL identifiers (schema names) go through the one quoting function.
 *
 * @module
 */
import { ValidationError } from '@gds/database';

/**
 * The longest database name, in UTF-8 bytes. A file name may have 255 bytes on Linux, macOS and
 * Windows file systems; the name must leave room for the extension (up to 16 bytes), the
 * `-journal` companion (8) and the temporary name a restore or backup writes first
 * (`.<file>.gds-partial-<pid>-<host>-<random>`, 42 more bytes): 255 - 16 - 8 - 42 = 189.
 *
 * ### Examples
 * ```ts
 * MAX_NAME_BYTES; // 189
 * ```
 */
export const MAX_NAME_BYTES = 189;

/** Characters no database name may contain: separators and what Windows refuses (control characters are checked apart). */
const FORBIDDEN = /[/\\<>:|?*]/u;

/** The first control character (U+0000-U+001F, U+007F) in `name`, if any. */
const controlCharacter = (name: string): string | undefined => [...name].find((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);

/** Names Windows reserves whatever their extension. */
const RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])$/i;

/**
 * Refuses (ValidationError) a database name that is not a plain, portable file name: empty,
 * over {@link MAX_NAME_BYTES} bytes, `.`-first (hidden files and gds's temporary names), ending
 * in a space or a dot (Windows drops those, so the file would get another name), containing a
 * path separator (`/`, `\`), NUL, a control character or one of `<>:|?*`, or a name Windows
 * reserves (`CON`, `NUL`, `COM1`...). Nothing is ever changed to fit.
 *
 * ### Examples
 * ```ts
 * validateDatabaseName('app');      // ok
 * validateDatabaseName('../etc');   // throws ValidationError
 * ```
 */
export function validateDatabaseName(name: string, what = 'database name'): void {
  const issues: string[] = [];
  if (name.length === 0) issues.push('must not be empty');
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes > MAX_NAME_BYTES) issues.push(`is ${bytes} bytes long; at most ${MAX_NAME_BYTES} fit in a file name with its extension, companions and temporary names`);
  if (name === '.' || name === '..') issues.push('must not be . or .. (it is a file name, not a path)');
  else if (name.startsWith('.')) issues.push('must not start with a dot (hidden files and gds\'s temporary files start with one)');
  if (/[ .]$/.test(name) && name !== '.' && name !== '..') issues.push('must not end with a space or a dot (Windows drops them, so the file would have another name)');
  const control = controlCharacter(name);
  if (control !== undefined) issues.push(`must not contain the control character U+${control.charCodeAt(0).toString(16).padStart(4, '0').toUpperCase()}`);
  const bad = FORBIDDEN.exec(name);
  if (bad) issues.push(`must not contain ${JSON.stringify(bad[0])} (a file name: no path separators, control characters or <>:|?*)`);
  if (RESERVED.test(name)) issues.push('is a device name on Windows (CON, PRN, AUX, NUL, COM1-9, LPT1-9)');
  if (issues.length > 0) {
    throw new ValidationError(`Invalid ${what}`, issues.map((message) => ({ path: '', message })), {
      engine: 'sqlite',
      hint: 'a SQLite database is a file in the connection\'s folder: use a plain file name without the extension',
    });
  }
}

/**
 * Quotes an SQL identifier (a schema or table name) for SQLite: `"` doubled, the whole in `"`.
 * Exact for every name but an empty one or one with NUL, which are refused.
 *
 * ### Examples
 * ```ts
 * quoteIdentifier('my "aux"'); // '"my ""aux"""'
 * ```
 */
export function quoteIdentifier(identifier: string, what = 'identifier'): string {
  if (typeof identifier !== 'string' || identifier.length === 0 || identifier.includes('\u0000')) {
    throw new ValidationError(`Invalid ${what}`, [{ path: '', message: 'must be a non-empty string without NUL' }], { engine: 'sqlite' });
  }
  return `"${identifier.replace(/"/g, '""')}"`;
}
