/**
 * The one place where SQL Server identifiers and DDL literals are quoted. Values go to the
 * server as parameters wherever T-SQL accepts a variable (BACKUP/RESTORE names and paths, MOVE,
 * STOPAT, DBCC database names, every catalog query); statements that accept none (CREATE/ALTER/
 * DROP DATABASE, ALTER AVAILABILITY GROUP) get identifiers through {@link quoteIdentifier}
 * (QUOTENAME's rule: brackets, `]` doubled) and file paths or replica names through
 * {@link quoteString} (`N'...'`, `'` doubled).
 *
 * @module
 */
import { ValidationError } from '@gds/database';

/** SQL Server's identifier limit (sysname is nvarchar(128)), in UTF-16 code units. */
export const MAX_IDENTIFIER_LENGTH = 128;

/**
 * Refuses a name SQL Server cannot hold exactly: empty, with a NUL character, or longer than
 * 128 characters (QUOTENAME returns NULL for those, and a longer name would be refused or cut).
 *
 * ### Examples
 * ```ts
 * validateIdentifier('x'.repeat(129)); // throws ValidationError
 * ```
 */
export function validateIdentifier(name: string, what = 'database name'): void {
  const issues = [];
  if (typeof name !== 'string' || name.length === 0) issues.push({ path: '', message: 'must be a non-empty string' });
  else {
    if (name.includes('\u0000')) issues.push({ path: '', message: 'must not contain a NUL character' });
    if (name.length > MAX_IDENTIFIER_LENGTH) issues.push({ path: '', message: `is ${name.length} characters long; SQL Server identifiers have at most ${MAX_IDENTIFIER_LENGTH}` });
  }
  if (issues.length) throw new ValidationError(`Invalid ${what}`, issues, { engine: 'mssql' });
}

/**
 * Quotes an identifier the way QUOTENAME does: in brackets, with `]` doubled, so that any name
 * SQL Server accepts (quotes, semicolons, brackets, spaces, non-ASCII) is passed exactly.
 *
 * ### Examples
 * ```ts
 * quoteIdentifier('my]db; DROP'); // '[my]]db; DROP]'
 * ```
 */
export function quoteIdentifier(name: string, what?: string): string {
  validateIdentifier(name, what);
  return `[${name.replaceAll(']', ']]')}]`;
}

/**
 * Quotes a Unicode string literal for a statement that takes no variables (a FILENAME in
 * CREATE DATABASE, a replica name in ALTER AVAILABILITY GROUP): `N'...'` with `'` doubled.
 *
 * ### Examples
 * ```ts
 * quoteString("C:\\data\\it's.mdf"); // "N'C:\\data\\it''s.mdf'"
 * ```
 */
export function quoteString(value: string): string {
  if (value.includes('\u0000')) throw new ValidationError('Invalid string literal', [{ path: '', message: 'must not contain a NUL character' }], { engine: 'mssql' });
  return `N'${value.replaceAll("'", "''")}'`;
}
