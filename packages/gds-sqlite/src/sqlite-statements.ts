/**
 * The statements gds runs in SQLite database files, built by pure functions so that tests can
 * check them exactly (the same strings dry runs report). Values go as parameters (`?`) where
 * SQLite takes them (`VACUUM INTO ?`, table-valued pragma functions); a PRAGMA takes no
 * parameters, so its values come from closed lists or are checked integers.
 *
 * @module
 */
import { ValidationError } from '@gds/database';
import { statement, type Statement as CoreStatement } from '@gds/database/engine';
import type { CheckpointOptions } from './sqlite-options.js';

/** A statement and the file it runs in (shown by a dry run, never sent). */
export interface Statement extends CoreStatement {
  /** The database file it runs in. */
  readonly file?: string;
}

/** SQLite's literal syntax for a dry run's parameter list. */
function literal(value: unknown): string {
  if (typeof value === 'string') return `'${value.replace(/'/g, "''")}'`;
  if (value === null || value === undefined) return 'NULL';
  return String(value);
}

/**
 * The statement as a dry run shows it: the text, the parameters in SQLite's literal syntax,
 * then the file it runs in.
 *
 * ### Examples
 * ```ts
 * describeStatement(vacuumInto('/b/it\'s.db', '/data/app.db'));
 * // "VACUUM INTO ? -- ?1 = '/b/it''s.db', in /data/app.db"
 * ```
 */
export function describeStatement(s: Statement): string {
  const oneLine = (v: string) => v.replace(/\r?\n/g, '\\n');
  const notes = s.params.map((p, i) => `?${i + 1} = ${oneLine(literal(p))}`);
  if (s.file !== undefined) notes.push(`in ${oneLine(s.file)}`);
  return notes.length === 0 ? s.text : `${s.text} -- ${notes.join(', ')}`;
}

const stmt = (text: string, params: readonly unknown[], file: string | undefined): Statement => Object.freeze({ ...statement(text, params), ...(file === undefined ? {} : { file }) });

/** The pragmas gds sets, and what each accepts. */
const SETTABLE = {
  page_size: (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 512 && v <= 65536 && (v & (v - 1)) === 0,
  auto_vacuum: (v: unknown) => v === 'none' || v === 'full' || v === 'incremental',
  encoding: (v: unknown) => v === 'UTF-8' || v === 'UTF-16le' || v === 'UTF-16be',
  journal_mode: (v: unknown) => v === 'delete' || v === 'wal',
  application_id: (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= -2147483648 && v <= 2147483647,
  user_version: (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= -2147483648 && v <= 2147483647,
} as const;

/** A pragma gds sets. */
export type SettablePragma = keyof typeof SETTABLE;

/**
 * `PRAGMA <name> = <value>` for a pragma gds sets, the value checked against its closed list or
 * range (a PRAGMA takes no parameters).
 *
 * ### Examples
 * ```ts
 * setPragma('page_size', 8192, '/data/app.db').text; // 'PRAGMA page_size = 8192'
 * setPragma('encoding', 'UTF-16le').text;            // "PRAGMA encoding = 'UTF-16le'"
 * ```
 */
export function setPragma(name: SettablePragma, value: string | number, file?: string): Statement {
  if (!SETTABLE[name](value)) throw new ValidationError(`Invalid value for PRAGMA ${name}`, [{ path: `/${name}`, message: `${JSON.stringify(value)} is not accepted` }], { engine: 'sqlite' });
  const shown = name === 'encoding' ? `'${String(value)}'` : name === 'journal_mode' || name === 'auto_vacuum' ? String(value).toUpperCase() : String(value);
  return stmt(`PRAGMA ${name} = ${shown}`, [], file);
}

/**
 * What fixes a new file's text encoding: SQLite writes it into the header with the first schema
 * entry only (a header write such as `user_version` does not), so a table is created and dropped
 * and the file vacuumed back to one page.
 *
 * ### Examples
 * ```ts
 * fixEncoding().map((s) => s.text); // ['CREATE TABLE _gds_encoding (x)', 'DROP TABLE _gds_encoding', 'VACUUM']
 * ```
 */
export const fixEncoding = (file?: string): Statement[] => [stmt('CREATE TABLE _gds_encoding (x)', [], file), stmt('DROP TABLE _gds_encoding', [], file), stmt('VACUUM', [], file)];

/** `BEGIN` then the first read: the read transaction a backup holds so that it copies one snapshot. */
export const beginRead = (file?: string): Statement => stmt('BEGIN', [], file);
/** The read that starts the snapshot of `BEGIN` (SQLite starts a transaction at its first read). */
export const snapshotRead = (file?: string): Statement => stmt('SELECT count(*) FROM sqlite_schema', [], file);
/** `BEGIN EXCLUSIVE`: fails with SQLITE_BUSY while any other connection reads or writes (rollback-journal mode). */
export const beginExclusive = (file?: string): Statement => stmt('BEGIN EXCLUSIVE', [], file);
/** The most of a file SQLite maps when asked to (better-sqlite3's SQLITE_MAX_MMAP_SIZE, 0x7fff0000). */
export const MAX_MMAP_BYTES = 0x7fff0000;
/** `PRAGMA mmap_size = N`: this connection reads up to N bytes of the file through mmap (0: read()). */
export const mmapSize = (bytes: number, file?: string): Statement => {
  if (!Number.isSafeInteger(bytes) || bytes < 0) throw new ValidationError('Invalid value for PRAGMA mmap_size', [{ path: '/mmap_size', message: `${bytes} is not a byte count` }], { engine: 'sqlite' });
  return stmt(`PRAGMA mmap_size = ${Math.min(bytes, MAX_MMAP_BYTES)}`, [], file);
};
/** `COMMIT`. */
export const commit = (file?: string): Statement => stmt('COMMIT', [], file);
/** `ROLLBACK`. */
export const rollback = (file?: string): Statement => stmt('ROLLBACK', [], file);
/** `PRAGMA journal_mode = DELETE`: out of WAL; needs every other connection to have closed the file. */
export const leaveWal = (file?: string): Statement => stmt('PRAGMA journal_mode = DELETE', [], file);
/** `PRAGMA journal_mode = WAL`. */
export const enterWal = (file?: string): Statement => stmt('PRAGMA journal_mode = WAL', [], file);

/**
 * `VACUUM INTO ?`: a compacted copy of the database at `target` (a parameter).
 *
 * ### Examples
 * ```ts
 * vacuumInto('/b/app.db').params; // ['/b/app.db']
 * ```
 */
export const vacuumInto = (target: string, file?: string): Statement => stmt('VACUUM INTO ?', [target], file);
/** `VACUUM`: rebuilds the file, returning free pages to the file system. */
export const vacuum = (file?: string): Statement => stmt('VACUUM', [], file);
/** `ANALYZE`: gathers statistics for the query planner. */
export const analyze = (file?: string): Statement => stmt('ANALYZE', [], file);
/** `PRAGMA optimize`: runs ANALYZE where SQLite thinks it helps. */
export const optimize = (file?: string): Statement => stmt('PRAGMA optimize', [], file);

/**
 * `PRAGMA integrity_check(N)` or `PRAGMA quick_check(N)` (N: the most problems reported).
 *
 * ### Examples
 * ```ts
 * integrityCheck(true, 10).text; // 'PRAGMA quick_check(10)'
 * ```
 */
export function integrityCheck(quick: boolean, maxErrors: number, file?: string): Statement {
  if (!Number.isInteger(maxErrors) || maxErrors < 1 || maxErrors > 10000) throw new ValidationError('Invalid maxErrors', [{ path: '/maxErrors', message: 'must be an integer from 1 to 10000' }], { engine: 'sqlite' });
  return stmt(`PRAGMA ${quick ? 'quick_check' : 'integrity_check'}(${maxErrors})`, [], file);
}

/**
 * `PRAGMA wal_checkpoint(MODE)`.
 *
 * ### Examples
 * ```ts
 * walCheckpoint('truncate').text; // 'PRAGMA wal_checkpoint(TRUNCATE)'
 * ```
 */
export function walCheckpoint(mode: NonNullable<CheckpointOptions['mode']>, file?: string): Statement {
  if (!['passive', 'full', 'restart', 'truncate'].includes(mode)) throw new ValidationError('Invalid checkpoint mode', [{ path: '/mode', message: `${JSON.stringify(mode)} is not passive, full, restart or truncate` }], { engine: 'sqlite' });
  return stmt(`PRAGMA wal_checkpoint(${mode.toUpperCase()})`, [], file);
}

/** Everything the metadata reports that SQLite knows, in one read. */
export const METADATA_SQL = `SELECT (SELECT page_size FROM pragma_page_size) AS pageSize,
  (SELECT page_count FROM pragma_page_count) AS pageCount,
  (SELECT freelist_count FROM pragma_freelist_count) AS freelistPages,
  (SELECT journal_mode FROM pragma_journal_mode) AS journalMode,
  (SELECT auto_vacuum FROM pragma_auto_vacuum) AS autoVacuum,
  (SELECT encoding FROM pragma_encoding) AS encoding,
  (SELECT user_version FROM pragma_user_version) AS userVersion,
  (SELECT application_id FROM pragma_application_id) AS applicationId,
  (SELECT schema_version FROM pragma_schema_version) AS schemaVersion,
  (SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\') AS tableCount`;

/** The metadata read. */
export const readMetadata = (file?: string): Statement => stmt(METADATA_SQL, [], file);

/**
 * The tables, views and virtual tables of one schema (`?` NULL: of all), without SQLite's own
 * `sqlite_*` tables; `wr` is 1 for a `WITHOUT ROWID` table.
 */
export const listTables = (schema: string | undefined, file?: string): Statement =>
  stmt(
    "SELECT schema, name, type, wr, strict FROM pragma_table_list WHERE (? IS NULL OR schema = ?) AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY schema, name",
    [schema ?? null, schema ?? null],
    file,
  );

/** The schemas of a connection: main, temp, and the attached ones. */
export const listSchemas = (file?: string): Statement => stmt('SELECT name FROM pragma_database_list ORDER BY seq', [], file);

/**
 * `ATTACH DATABASE ? AS "<schema>"`: the file a parameter, the schema name quoted.
 *
 * ### Examples
 * ```ts
 * attach('/data/audit.db', '"audit"').text; // 'ATTACH DATABASE ? AS "audit"'
 * ```
 */
export const attach = (target: string, quotedSchema: string, file?: string): Statement => stmt(`ATTACH DATABASE ? AS ${quotedSchema}`, [target], file);

/** `SELECT sqlite_version()`. */
export const version = (): Statement => stmt('SELECT sqlite_version() AS version', [], undefined);
