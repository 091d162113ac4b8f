/**
 * SQLite connection settings: a "server" is a folder of database files. Parsed from a URL
 * (`sqlite:///var/lib/app/`, `sqlite://relative/dir`, `sqlite:relative/dir/`) or given as a
 * config object, validated into {@link SQLiteConfig}.
 *
 * @module
 */
import { resolve } from 'node:path';
import { MAX_TIMER_MS, ValidationError, validateOptions } from '@gds/database';
import { Type, type Static } from '@gds/database/schema';
import { quoteIdentifier, validateDatabaseName } from './sqlite-quote.js';

/**
 * Schema of a config object.
 *
 * ### Examples
 * ```ts
 * await DatabaseManager.connect({ type: 'sqlite', directory: '/var/lib/app', extensions: ['.db', '.sqlite'] });
 * ```
 */
export const SQLiteConfigSchema = Type.Object(
  {
    type: Type.Literal('sqlite'),
    directory: Type.String({ minLength: 1, description: 'The folder holding the database files (relative paths are resolved against the working directory).' }),
    extensions: Type.Optional(
      Type.Array(Type.String({ pattern: '^\\.[A-Za-z0-9_-]{1,15}$' }), {
        minItems: 1,
        maxItems: 8,
        uniqueItems: true,
        description: "File extensions of database files, the first one used by create(). Defaults to ['.db'].",
      }),
    ),
    busyTimeoutMs: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_TIMER_MS, description: 'How long a statement waits for another connection\'s lock (busy_timeout) before SQLITE_BUSY. Defaults to 5000.' })),
    createDirectory: Type.Optional(Type.Boolean({ description: 'Create the folder when it does not exist. Defaults to false: connect() fails.' })),
    attach: Type.Optional(
      Type.Record(Type.String({ minLength: 1, maxLength: 128 }), Type.String({ minLength: 1 }), {
        description: 'Databases of the folder attached (ATTACH DATABASE) to every connection gds opens for listSchemas, listTables and query: schema name to database name. Defaults to none.',
      }),
    ),
  },
  { additionalProperties: false },
);

/** A validated config (the folder absolute, the defaults filled in). */
export interface SQLiteConfig {
  readonly type: 'sqlite';
  /** The folder, absolute. */
  readonly directory: string;
  /** Extensions of database files; the first is used by create(). */
  readonly extensions: readonly string[];
  /** busy_timeout in milliseconds. */
  readonly busyTimeoutMs: number;
  /** Whether connect() creates a missing folder. */
  readonly createDirectory: boolean;
  /** Schema name to database name, attached for listSchemas, listTables and query. */
  readonly attach: Readonly<Record<string, string>>;
}

/** What a config object may hold (before defaults). */
export type SQLiteConfigInput = Static<typeof SQLiteConfigSchema>;

/** busy_timeout when none is given. */
export const DEFAULT_BUSY_TIMEOUT_MS = 5000;

const URL_KEYS: Record<string, (v: string) => [string, unknown]> = {
  extensions: (v) => ['extensions', v.split(',').filter(Boolean)],
  busyTimeoutMs: (v) => ['busyTimeoutMs', /^\d+$/.test(v) ? Number(v) : v],
  createDirectory: (v) => ['createDirectory', v === 'true' ? true : v === 'false' ? false : v],
  attach: (v) => ['attach', Object.fromEntries(v.split(',').filter(Boolean).map((pair) => [pair.slice(0, pair.indexOf(':') < 0 ? pair.length : pair.indexOf(':')), pair.indexOf(':') < 0 ? '' : pair.slice(pair.indexOf(':') + 1)]))],
};

/**
 * Parses an `sqlite:` URL into a config input: everything after `sqlite://` (or `sqlite:`) up
 * to `?` is the folder, percent-decoded; `sqlite:///abs/dir` is absolute, `sqlite://rel/dir`
 * and `sqlite:rel/dir` are relative to the working directory. Query parameters:
 * `extensions=.db,.sqlite`, `busyTimeoutMs=5000`, `createDirectory=true`, `attach=audit:audit_db,...`.
 *
 * ### Examples
 * ```ts
 * parseSQLiteUrl('sqlite:///var/lib/app/?extensions=.db,.sqlite');
 * // { type: 'sqlite', directory: '/var/lib/app/', extensions: ['.db', '.sqlite'] }
 * ```
 */
export function parseSQLiteUrl(url: string): SQLiteConfigInput {
  const match = /^sqlite:(\/\/)?([^?#]*)(\?[^#]*)?$/i.exec(url);
  const refuse = (message: string): never => {
    throw new ValidationError('Invalid SQLite URL', [{ path: '', message }], { engine: 'sqlite', hint: "use sqlite:///absolute/folder/ or sqlite://relative/folder (a folder of database files)" });
  };
  if (!match) return refuse(`expected sqlite:///folder or sqlite://relative/folder, got '${url.slice(0, 80)}'`);
  let directory: string;
  try {
    directory = decodeURIComponent(match[2] ?? '');
  } catch {
    return refuse('the folder has an invalid percent-encoding');
  }
  if (directory.length === 0) return refuse('no folder given (sqlite:///path/to/folder)');
  if (directory.includes('\u0000')) return refuse('the folder must not contain NUL');
  const input: Record<string, unknown> = { type: 'sqlite', directory };
  for (const [key, value] of new URLSearchParams(match[3] ?? '')) {
    const read = URL_KEYS[key];
    if (!read) return refuse(`unknown parameter '${key}' (known: ${Object.keys(URL_KEYS).join(', ')})`);
    const [k, v] = read(value);
    input[k] = v;
  }
  return input as SQLiteConfigInput;
}

/**
 * Validates a URL or config object into a {@link SQLiteConfig} (frozen; folder absolute).
 *
 * ### Examples
 * ```ts
 * resolveSQLiteConfig('sqlite://data').directory; // `${process.cwd()}/data`
 * ```
 */
export function resolveSQLiteConfig(target: string | SQLiteConfigInput): SQLiteConfig {
  const input = typeof target === 'string' ? parseSQLiteUrl(target) : target;
  const valid = validateOptions(SQLiteConfigSchema, input, 'connect', 'sqlite');
  const attach = valid.attach ?? {};
  for (const [schema, database] of Object.entries(attach)) {
    if (['main', 'temp'].includes(schema.toLowerCase())) throw new ValidationError('Invalid attach', [{ path: `/attach/${schema}`, message: `'${schema}' is SQLite's own schema name` }], { engine: 'sqlite' });
    quoteIdentifier(schema, 'attached schema name');
    validateDatabaseName(database, 'attached database name');
  }
  return Object.freeze({
    type: 'sqlite',
    directory: resolve(valid.directory),
    extensions: Object.freeze([...(valid.extensions ?? ['.db'])]),
    busyTimeoutMs: valid.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS,
    createDirectory: valid.createDirectory ?? false,
    attach: Object.freeze({ ...attach }),
  });
}
