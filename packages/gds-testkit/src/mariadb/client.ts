// Runs SQL through the `mariadb` command-line client (XML output parsed into rows); passwords via a defaults file.
import { writeFile } from 'node:fs/promises';
import { CommandError, run } from './run-command.js';

/**
 * One row as the client printed it: column name to text, or `null` for SQL NULL. Where two columns share a
 * name, the last one wins.
 *
 * ### Examples
 * ```ts
 * const [row]: MariadbRow[] = await cluster.primary.query('SELECT 1 AS one, NULL AS nothing');
 * // row = { one: '1', nothing: null }
 * ```
 */
export type MariadbRow = Readonly<Record<string, string | null>>;

/**
 * The server (or the client) refused a statement: `errno` is MariaDB's error number (1045 access denied,
 * 2002/2003 cannot connect, ...), `sqlState` the SQLSTATE when the client printed one.
 *
 * ### Examples
 * ```ts
 * try { await node.query('SELECT nosuch'); } catch (e) { if (e instanceof MariadbSqlError) console.log(e.errno); } // 1054
 * ```
 */
export class MariadbSqlError extends Error {
  override readonly name = 'MariadbSqlError';
  constructor(
    message: string,
    readonly errno: number | undefined,
    readonly sqlState: string | undefined,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Where and as whom the client connects. */
export interface ClientTarget {
  readonly client: string;
  readonly port: number;
  /** An option file with `[client] user=... password=...`, read instead of every other option file. */
  readonly defaultsFile: string;
  readonly cwd: string;
}

/**
 * A MariaDB string literal. Backslashes are escaped too, so this is for the default sql_mode (without
 * NO_BACKSLASH_ESCAPES), which the launcher's servers use.
 *
 * ### Examples
 * ```ts
 * sqlString("it's"); // "'it''s'"
 * ```
 */
export function sqlString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "''").replace(/\0/g, '\\0')}'`;
}

/** A value of an option file, in double quotes with the escapes the option-file parser knows. */
function optionValue(value: string): string {
  if (/[\n\r\0]/.test(value)) throw new Error('option-file values cannot hold line breaks or NUL');
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** Writes a `[client]` option file (mode 0600) so that the password never appears in a command line. */
export async function writeClientDefaults(file: string, user: string, password: string): Promise<void> {
  const lines = ['[client]', `user=${optionValue(user)}`];
  if (password !== '') lines.push(`password=${optionValue(password)}`);
  await writeFile(file, `${lines.join('\n')}\n`, { mode: 0o600 });
}

const ENTITY: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decode(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|lt|gt|amp|quot|apos);/g, (whole, name: string) => {
    if (name.startsWith('#x')) return String.fromCodePoint(parseInt(name.slice(2), 16));
    if (name.startsWith('#')) return String.fromCodePoint(Number(name.slice(1)));
    return ENTITY[name] ?? whole;
  });
}

/** Parses `mariadb --xml` output: one array of rows per statement that returned a result set. */
export function parseClientXml(xml: string): MariadbRow[][] {
  const sets: MariadbRow[][] = [];
  const resultSet = /<resultset\b[^>]*>([\s\S]*?)<\/resultset>/g;
  for (const set of xml.matchAll(resultSet)) {
    const rows: MariadbRow[] = [];
    for (const row of (set[1] ?? '').matchAll(/<row>([\s\S]*?)<\/row>/g)) {
      const record: Record<string, string | null> = {};
      const field = /<field name="([^"]*)"(?: xsi:nil="true" \/>|>([\s\S]*?)<\/field>)/g;
      for (const match of (row[1] ?? '').matchAll(field)) {
        record[decode(match[1] ?? '')] = match[2] === undefined ? null : decode(match[2]);
      }
      rows.push(record);
    }
    sets.push(rows);
  }
  return sets;
}

function toSqlError(error: unknown): unknown {
  if (!(error instanceof CommandError)) return error;
  // "ERROR 1054 (42S22) at line 1: Unknown column ..." / "ERROR 2002 (HY000): Can't connect ..."
  const match = /ERROR (\d+)(?: \(([0-9A-Z]{5})\))?(?: at line \d+)?: ([^\n]*)/.exec(error.stderr);
  if (!match) return error;
  return new MariadbSqlError(`ERROR ${match[1]}${match[2] ? ` (${match[2]})` : ''}: ${match[3]}`, Number(match[1]), match[2], { cause: error });
}

/**
 * Sends `sql` (one or more statements) to the client's stdin and returns the rows of each result set. The
 * connection is TCP to 127.0.0.1; the first failing statement rejects with a {@link MariadbSqlError}.
 */
export async function runSql(target: ClientTarget, sql: string, options: { database?: string; timeoutMs?: number } = {}): Promise<MariadbRow[][]> {
  const args = [
    `--defaults-file=${target.defaultsFile}`,
    '--protocol=TCP',
    '--host=127.0.0.1',
    `--port=${target.port}`,
    '--connect-timeout=5',
    '--default-character-set=utf8mb4',
    '--batch',
    '--xml',
  ];
  if (options.database !== undefined) args.push(`--database=${options.database}`);
  try {
    const out = await run(target.client, args, { cwd: target.cwd, input: sql, timeoutMs: options.timeoutMs ?? 30_000 });
    return parseClientXml(out);
  } catch (error) {
    throw toSqlError(error);
  }
}
