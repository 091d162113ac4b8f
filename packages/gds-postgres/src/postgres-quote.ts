/**
 * The one place where PostgreSQL identifiers and literals are quoted. Values go to the server as
 * parameters wherever PostgreSQL accepts them; DDL (CREATE/ALTER/DROP DATABASE, VACUUM) accepts
 * none, so identifiers go through {@link quoteIdentifier} and the few literal options (encoding,
 * locales) through {@link quoteLiteral}, after validation.
 *
 * @module
 */
import { ValidationError } from '@gds/database';

/** PostgreSQL truncates identifiers longer than this many bytes (NAMEDATALEN - 1). */
export const MAX_IDENTIFIER_BYTES = 63;

/**
 * Quotes an identifier: wraps it in double quotes and doubles any double quote inside, so any
 * name PostgreSQL accepts (quotes, semicolons, spaces, non-ASCII) is passed exactly. A name
 * over 63 bytes is refused (ValidationError), since PostgreSQL would silently truncate it to the
 * name of another object; `what` names it in the error.
 *
 * ### Examples
 * ```ts
 * quoteIdentifier('my "odd"; name'); // '"my ""odd""; name"'
 * quoteIdentifier('x'.repeat(64), 'owner'); // throws ValidationError
 * ```
 */
export function quoteIdentifier(name: string, what = 'identifier'): string {
  if (name.includes('\u0000')) throw new ValidationError('Invalid identifier', [{ path: '', message: 'must not contain a NUL character' }]);
  validateIdentifierLength(name, what);
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * Quotes a string literal for a statement that takes no parameters (standard_conforming_strings
 * on, the default since 9.1): single quotes doubled; a backslash makes it an `E''` literal.
 *
 * ### Examples
 * ```ts
 * quoteLiteral("it's"); // "'it''s'"
 * ```
 */
export function quoteLiteral(value: string): string {
  if (value.includes('\u0000')) throw new ValidationError('Invalid literal', [{ path: '', message: 'must not contain a NUL character' }]);
  const body = value.replaceAll("'", "''");
  return value.includes('\\') ? `E'${body.replaceAll('\\', '\\\\')}'` : `'${body}'`;
}

/**
 * Quotes a value for a libpq connection string (`key='value'`), as pg_dump's `--dbname` takes it:
 * a database name such as `a=b` or `postgres://x` would otherwise be read as connection options.
 *
 * ### Examples
 * ```ts
 * conninfoValue("it's"); // "'it\\'s'"
 * ```
 */
export function conninfoValue(value: string): string {
  return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
}

/**
 * Refuses a name PostgreSQL would silently truncate (over 63 bytes), so that gds never acts on
 * an object other than the one named: for names that go as parameters (compared as `text`) or
 * in a connection's startup packet (which the server also truncates), where no quoting happens.
 *
 * ### Examples
 * ```ts
 * validateIdentifierLength('x'.repeat(64)); // throws ValidationError
 * ```
 */
export function validateIdentifierLength(name: string, what = 'database name'): void {
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes > MAX_IDENTIFIER_BYTES) {
    throw new ValidationError(`Invalid ${what}`, [
      { path: '', message: `is ${bytes} bytes long; PostgreSQL would silently truncate it to ${MAX_IDENTIFIER_BYTES} bytes` },
    ], { engine: 'postgresql' });
  }
}
