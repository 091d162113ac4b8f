/**
 * The one place where MongoDB names are validated and shown. MongoDB takes database and
 * collection names as values inside command documents (never spliced into a query language), so
 * nothing needs escaping on the wire; what can go wrong is a name the server would refuse or
 * treat differently, so names are checked here before anything is sent, and shown in recorded
 * commands as JSON strings (`db.getSiblingDB("it's")`), which any name survives intact.
 *
 * Database names (MongoDB's rules, the union of its Unix and Windows sets so that a dump can be
 * restored anywhere): not empty, none of `/\. "$*<>:|?`, no NUL, fewer than 64 bytes.
 * Collection names: not empty, no `$`, no NUL, not starting with `system.` for new collections,
 * and `<db>.<collection>` within 255 bytes.
 *
 * @module
 */
import { ValidationError, type ValidationIssue } from '@gds/database';

/** The characters MongoDB refuses in database names. */
export const FORBIDDEN_DATABASE_CHARACTERS = '/\\. "$*<>:|?';
/** A database name must be shorter than this many bytes. */
export const MAX_DATABASE_NAME_BYTES = 64;
/** A namespace (`db.collection`) may be at most this many bytes. */
export const MAX_NAMESPACE_BYTES = 255;

/**
 * The problems of a database name, empty when MongoDB accepts it.
 *
 * ### Examples
 * ```ts
 * databaseNameIssues('a.b'); // [{ path: '', message: "must not contain '.'" }]
 * ```
 */
export function databaseNameIssues(name: string): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  if (name.length === 0) issues.push({ path: '', message: 'must not be empty' });
  for (const c of FORBIDDEN_DATABASE_CHARACTERS) if (name.includes(c)) issues.push({ path: '', message: `must not contain '${c}' (MongoDB refuses ${FORBIDDEN_DATABASE_CHARACTERS.split('').join(' ')} in database names)` });
  if (name.includes('\u0000')) issues.push({ path: '', message: 'must not contain a NUL character' });
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes >= MAX_DATABASE_NAME_BYTES) issues.push({ path: '', message: `is ${bytes} bytes long; MongoDB database names must be shorter than ${MAX_DATABASE_NAME_BYTES} bytes` });
  return issues;
}

/**
 * Throws ValidationError unless MongoDB accepts `name` as a database name.
 *
 * ### Examples
 * ```ts
 * validateDatabaseName('sales');    // ok
 * validateDatabaseName('my db');    // throws: must not contain ' '
 * ```
 */
export function validateDatabaseName(name: string): void {
  const issues = databaseNameIssues(name);
  if (issues.length) throw new ValidationError('Invalid MongoDB database name', issues, { engine: 'mongodb', hint: 'MongoDB database names cannot contain /\\. "$*<>:|? and must be under 64 bytes' });
}

/**
 * Throws ValidationError unless `name` is a collection name gds may create in `database`
 * (`allowSystem` lets `system.*` through, for names read back from a server or a dump).
 *
 * ### Examples
 * ```ts
 * validateCollectionName('app', 'orders');      // ok
 * validateCollectionName('app', 'a$b');         // throws
 * ```
 */
export function validateCollectionName(database: string, name: string, allowSystem = false): void {
  const issues: ValidationIssue[] = [];
  if (typeof name !== 'string' || name.length === 0) issues.push({ path: '', message: 'must be a non-empty string' });
  else {
    if (name.includes('$')) issues.push({ path: '', message: "must not contain '$'" });
    if (name.includes('\u0000')) issues.push({ path: '', message: 'must not contain a NUL character' });
    if (!allowSystem && name.startsWith('system.')) issues.push({ path: '', message: "must not start with 'system.' (reserved for MongoDB)" });
    const bytes = Buffer.byteLength(`${database}.${name}`, 'utf8');
    if (bytes > MAX_NAMESPACE_BYTES) issues.push({ path: '', message: `makes the namespace ${bytes} bytes long; the limit is ${MAX_NAMESPACE_BYTES}` });
  }
  if (issues.length) throw new ValidationError(`Invalid collection name`, issues, { engine: 'mongodb' });
}

/**
 * Shows a name in a recorded command: a JSON string literal, which mongosh also reads.
 *
 * ### Examples
 * ```ts
 * quoteName(`it's "x"`); // '"it\'s \\"x\\""'
 * ```
 */
export function quoteName(name: string): string {
  return JSON.stringify(name);
}
