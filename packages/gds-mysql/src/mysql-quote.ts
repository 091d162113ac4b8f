/**
 * The one place where MySQL/MariaDB identifiers and string literals are quoted. Values go to the
 * server as parameters wherever it takes them (prepared statements); DDL names go through
 * {@link quoteIdentifier}, exact or refused.
 *
 * The rules (MySQL reference manual, "Schema Object Names" and "Identifier Length Limits";
 * test/evidence/identifiers.json): quoted identifiers may hold any character of the Basic
 * Multilingual Plane except U+0000 (supplementary characters are not permitted); database,
 * table and column names cannot end with a space; databases, tables, columns, indexes and most
 * other names are at most 64 characters. gds refuses what the server would refuse or change
 * instead of truncating, stripping or re-encoding it.
 *
 * @module
 */
import { ValidationError } from '@gds/database';

/** The longest database, table, column or index name, in characters. */
export const MAX_IDENTIFIER_LENGTH = 64;

/** Why a name cannot be used exactly, or `undefined` when it can. */
export function identifierProblem(name: string): string | undefined {
  if (name.length === 0) return 'must not be empty';
  if (name.includes('\u0000')) return 'must not contain a NUL character';
  if (/[\uD800-\uDFFF]/.test(name)) return 'must not contain characters outside the Basic Multilingual Plane (MySQL permits only U+0001..U+FFFF in identifiers)';
  if (name.length > MAX_IDENTIFIER_LENGTH) return `is ${name.length} characters long; MySQL and MariaDB allow at most ${MAX_IDENTIFIER_LENGTH} (gds refuses rather than truncates)`;
  if (/ $/.test(name)) return 'must not end with a space (the server refuses such database, table and column names)';
  return undefined;
}

/**
 * Refuses a name that the server would refuse, change or truncate (ValidationError naming `what`).
 *
 * ### Examples
 * ```ts
 * validateIdentifier('x'.repeat(65), 'database name'); // throws ValidationError
 * ```
 */
export function validateIdentifier(name: string, what = 'database name'): void {
  const problem = identifierProblem(name);
  if (problem) throw new ValidationError(`Invalid ${what}`, [{ path: '', message: problem }], { engine: 'mysql' });
}

/**
 * Quotes an identifier: backticks around it, any backtick inside doubled, so a name with quotes,
 * semicolons, `?`, comment markers or non-ASCII characters is passed exactly; a name the server
 * would refuse or change is refused (ValidationError).
 *
 * ### Examples
 * ```ts
 * quoteIdentifier('we`ird; name'); // '`we``ird; name`'
 * quoteIdentifier('x'.repeat(65)); // throws ValidationError
 * ```
 */
export function quoteIdentifier(name: string, what = 'identifier'): string {
  validateIdentifier(name, what);
  return `\`${name.replaceAll('`', '``')}\``;
}

/**
 * Quotes a string literal for the few statements that take no parameters (`COMMENT`, option
 * values of DDL): single quotes and backslashes doubled. Exact unless the session's sql_mode
 * has NO_BACKSLASH_ESCAPES (then a backslash arrives doubled, still inside the literal: never an
 * injection). NUL is refused.
 *
 * ### Examples
 * ```ts
 * quoteString("it's"); // "'it''s'"
 * ```
 */
export function quoteString(value: string): string {
  if (value.includes('\u0000')) throw new ValidationError('Invalid string', [{ path: '', message: 'must not contain a NUL character' }], { engine: 'mysql' });
  return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`;
}

/**
 * Whether two database (or table) names name the same object under the server's
 * `lower_case_table_names`: 0 compares exactly; 1 and 2 compare in lower case (1 also stores
 * names in lower case).
 *
 * ### Examples
 * ```ts
 * sameName('App', 'app', 0); // false
 * sameName('App', 'app', 1); // true
 * ```
 */
export function sameName(a: string, b: string, lowerCaseTableNames: number): boolean {
  return lowerCaseTableNames === 0 ? a === b : a.toLowerCase() === b.toLowerCase();
}
