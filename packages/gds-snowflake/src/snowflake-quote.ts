/**
 * The one place where Snowflake identifiers and string literals are written into SQL.
 *
 * Names are exact in gds: every identifier is double-quoted (a `"` inside is doubled), so
 * Snowflake takes it as written, with its case. Snowflake folds UNQUOTED names to upper case:
 * a database created with `CREATE DATABASE sales` is named `SALES`, and gds reaches it as
 * `getDatabase('SALES')`, while `getDatabase('sales')` means the lower-case database `"sales"`.
 * {@link unquotedName} gives the name Snowflake would store for an unquoted identifier.
 *
 * Values go to the server as bindings (`?`) wherever Snowflake accepts them (SELECT, table
 * function arguments); SHOW ... LIKE and DDL options (COMMENT, AT/BEFORE) accept none, so those
 * literals go through {@link quoteString}.
 *
 * @module
 */
import { ValidationError } from '@gds/database';

/** Snowflake's longest identifier, in characters. */
export const MAX_IDENTIFIER_LENGTH = 255;

/**
 * Quotes an identifier: wraps it in double quotes and doubles any double quote inside, so any
 * name (quotes, semicolons, spaces, dots, non-ASCII, lower case) is passed exactly; a name
 * Snowflake cannot store (see `validateIdentifier`) is refused, as `what` in the error.
 * The engine's one quoting function (its definition's `names.quote`).
 *
 * ### Examples
 * ```ts
 * quoteIdentifier('my "odd"; name'); // '"my ""odd""; name"'
 * quoteIdentifier('sales');          // '"sales"' (lower case, exactly)
 * ```
 */
export function quoteIdentifier(name: string, what = 'identifier'): string {
  validateIdentifier(name, what);
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * Quotes a string literal: single quotes doubled and backslashes doubled (Snowflake reads
 * backslash escapes inside single-quoted strings).
 *
 * ### Examples
 * ```ts
 * quoteString("it's \\ here"); // "'it''s \\\\ here'"
 * ```
 */
export function quoteString(value: string): string {
  if (value.includes('\u0000')) throw new ValidationError('Invalid string literal', [{ path: '', message: 'must not contain a NUL character' }], { engine: 'snowflake' });
  return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`;
}

/**
 * Refuses a name Snowflake cannot store as written: empty, longer than 255 characters, or with a
 * NUL character.
 *
 * ### Examples
 * ```ts
 * validateIdentifier('x'.repeat(256)); // throws ValidationError
 * ```
 */
export function validateIdentifier(name: string, what = 'identifier'): void {
  const issues: { path: string; message: string }[] = [];
  if (typeof name !== 'string' || name.length === 0) issues.push({ path: '', message: 'must be a non-empty string' });
  else {
    if ([...name].length > MAX_IDENTIFIER_LENGTH) issues.push({ path: '', message: `is ${[...name].length} characters long; Snowflake allows ${MAX_IDENTIFIER_LENGTH}` });
    if (name.includes('\u0000')) issues.push({ path: '', message: 'must not contain a NUL character' });
  }
  if (issues.length) throw new ValidationError(`Invalid ${what}`, issues, { engine: 'snowflake' });
}

const UNQUOTED = /^[A-Za-z_][A-Za-z0-9_$]*$/;

/**
 * The name Snowflake stores for an unquoted identifier (upper case), for users who created a
 * database without quotes. Throws ValidationError for a name that would need quotes.
 *
 * ### Examples
 * ```ts
 * manager.getDatabase(unquotedName('sales')); // the database created by CREATE DATABASE sales: 'SALES'
 * ```
 */
export function unquotedName(name: string): string {
  if (!UNQUOTED.test(name) || name.length > MAX_IDENTIFIER_LENGTH) {
    throw new ValidationError('Invalid unquoted identifier', [{ path: '', message: 'must start with a letter or _ and hold only letters, digits, _ and $; other names are always exact' }], {
      engine: 'snowflake',
    });
  }
  return name.toUpperCase();
}

/**
 * A Snowflake account identifier as SQL takes it in `... TO ACCOUNTS` lists and replica names:
 * `org.account` (letters, digits, `_`); `org-account` is accepted and rewritten with a dot.
 *
 * ### Examples
 * ```ts
 * accountIdentifier('myorg-dr_account'); // 'MYORG.DR_ACCOUNT'
 * ```
 */
export function accountIdentifier(account: string): string {
  const m = /^([A-Za-z0-9_]+)[.-]([A-Za-z0-9_]+)$/.exec(account);
  if (!m) {
    throw new ValidationError('Invalid account identifier', [{ path: '', message: `'${account}' is not org.account (letters, digits and _ only)` }], { engine: 'snowflake' });
  }
  return `${m[1]!.toUpperCase()}.${m[2]!.toUpperCase()}`;
}

/**
 * A `SHOW ... LIKE` pattern that matches `name` whatever LIKE's escape rules are: a backslash
 * (which LIKE may read as its escape character) becomes the one-character wildcard `_`. The
 * pattern may match a few other names too (`%`, `_` and case): callers keep only the exact name.
 *
 * ### Examples
 * ```ts
 * likePattern('a\\b'); // "'a_b'"
 * likePattern("it's");   // "'it''s'"
 * ```
 */
export function likePattern(name: string): string {
  return quoteString(name.replaceAll('\\', '_'));
}
