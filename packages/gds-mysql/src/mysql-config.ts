/**
 * MySQL/MariaDB connection settings: the TypeBox schema of the config object, and parsing of
 * `mysql://` / `mariadb://` URLs into it. The password is held as a {@link Secret}; it never
 * appears in an error, a log or `toJSON`.
 *
 * Not read: option files (`~/.my.cnf`) and `MYSQL_PWD` (deprecated by MySQL); pass what you need.
 *
 * @module
 */
import { MAX_TIMER_MS, Secret, ValidationError, validateOptions } from '@gds/database';
import { Type, type Static } from '@gds/database/schema';

/**
 * Schema of the config object of {@link MySQLConnection}.
 *
 * ### Examples
 * ```ts
 * new MySQLConnection({ host: '127.0.0.1', port: 3306, user: 'root', password: process.env.DB_PASSWORD });
 * ```
 */
export const MySQLConfigSchema = Type.Object(
  {
    type: Type.Optional(Type.Literal('mysql')),
    host: Type.Optional(Type.String({ minLength: 1, description: "Server host name or IP address. Defaults to '127.0.0.1'." })),
    port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535, description: 'Server port. Defaults to 3306.' })),
    user: Type.Optional(Type.String({ minLength: 1, maxLength: 80, description: "User to connect as. Defaults to 'root'." })),
    password: Type.Optional(Type.Unknown({ description: 'Password: a string or a Secret. Never printed.' })),
    database: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: "The URL's database. Accepted, not used as a default: gds's server-level sessions have none, so they never count as sessions of a database being dropped." })),
    socketPath: Type.Optional(Type.String({ minLength: 1, description: 'Unix socket to connect through instead of host and port.' })),
    ssl: Type.Optional(Type.Union([Type.Boolean(), Type.Enum(['disable', 'require', 'verify-full'])], { description: "TLS: false/'disable', true/'require' (no certificate check), or 'verify-full'. Defaults to false." })),
    connectTimeoutMs: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_TIMER_MS, description: 'Give up connecting after this many milliseconds. Defaults to 10000.' })),
    maxConnections: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000, description: "Pool size (at most 100000, the largest max_connections a server takes). Defaults to 4." })),
    binDir: Type.Optional(Type.String({ minLength: 1, description: 'Folder of mysqldump/mariadb-dump and the mysql/mariadb client. Defaults to PATH.' })),
  },
  { additionalProperties: false },
);

/** The config object, as given. */
export type MySQLConfigInput = Omit<Static<typeof MySQLConfigSchema>, 'password'> & { password?: string | Secret };

/** The config after defaults, with the password as a Secret. */
export interface MySQLConfig {
  /** Host name or address. */
  readonly host: string;
  /** TCP port. */
  readonly port: number;
  /** User name. */
  readonly user: string;
  /** Password, if any. */
  readonly password: Secret | undefined;
  /** The URL's database, if any (not a default of gds's sessions). */
  readonly database: string | undefined;
  /** Unix socket, if any (wins over host/port). */
  readonly socketPath: string | undefined;
  /** TLS mode. */
  readonly ssl: 'disable' | 'require' | 'verify-full';
  /** Connect timeout in milliseconds. */
  readonly connectTimeoutMs: number;
  /** Pool size. */
  readonly maxConnections: number;
  /** Folder of the client tools, if given. */
  readonly binDir: string | undefined;
}

const invalid = (what: string, path: string, message: string) => new ValidationError(what, [{ path, message }], { engine: 'mysql' });

/**
 * Validates a config object and fills in the defaults.
 *
 * ### Examples
 * ```ts
 * resolveConfig({ host: 'db' }).port; // 3306
 * ```
 */
export function resolveConfig(input: MySQLConfigInput): MySQLConfig {
  const { password, ...explicit } = input;
  validateOptions(MySQLConfigSchema, explicit, 'connect', 'mysql');
  if (password !== undefined && typeof password !== 'string' && !(password instanceof Secret)) throw invalid('Invalid options for connect', '/password', 'must be a string or a Secret');
  const ssl = explicit.ssl === true ? 'require' : explicit.ssl === false || explicit.ssl === undefined ? 'disable' : explicit.ssl;
  return Object.freeze({
    host: explicit.host ?? '127.0.0.1',
    port: explicit.port ?? 3306,
    user: explicit.user ?? 'root',
    password: Secret.from(password),
    database: explicit.database,
    socketPath: explicit.socketPath,
    ssl,
    connectTimeoutMs: explicit.connectTimeoutMs ?? 10_000,
    maxConnections: explicit.maxConnections ?? 4,
    binDir: explicit.binDir,
  });
}

/** Percent-decodes a URL part; a malformed escape is a ValidationError that does not echo the value. */
function decode(value: string, path: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    throw invalid('Invalid MySQL URL', path, 'has a malformed percent-encoding (write % as %25)');
  }
}

/** The URL query parameters {@link parseMysqlUrl} reads; any other is refused rather than ignored. */
export const URL_PARAMETERS: readonly string[] = Object.freeze(['ssl', 'sslmode', 'socket', 'connect_timeout', 'binDir']);

const SSL_VALUES: Readonly<Record<string, MySQLConfig['ssl']>> = Object.freeze({
  false: 'disable',
  disable: 'disable',
  disabled: 'disable',
  true: 'require',
  require: 'require',
  required: 'require',
  'verify-full': 'verify-full',
  verify_identity: 'verify-full',
});

/**
 * Parses `mysql://user:password@host:port/database?ssl=require&socket=/run/mysqld.sock&connect_timeout=5`
 * (or `mariadb://`). Errors never echo the password.
 *
 * ### Examples
 * ```ts
 * parseMysqlUrl('mariadb://app:pw@db:3307/sales').port; // 3307
 * ```
 */
export function parseMysqlUrl(url: string): MySQLConfigInput {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalid('Invalid MySQL URL', '', 'expected mysql://user:password@host:port/database or mariadb://...');
  }
  if (parsed.protocol !== 'mysql:' && parsed.protocol !== 'mariadb:') throw invalid('Invalid MySQL URL', '', `scheme ${parsed.protocol}// is not mysql:// or mariadb://`);
  const q = parsed.searchParams;
  const unknown = [...new Set(q.keys())].filter((k) => !URL_PARAMETERS.includes(k));
  if (unknown.length) throw new ValidationError('Invalid MySQL URL', unknown.map((k) => ({ path: `/${k}`, message: `unknown URL parameter (gds reads ${URL_PARAMETERS.join(', ')})` })), { engine: 'mysql' });
  const config: MySQLConfigInput = {};
  if (parsed.hostname) config.host = decode(parsed.hostname, '/host').replace(/^\[(.*)\]$/, '$1');
  if (parsed.port) config.port = Number(parsed.port);
  if (parsed.username) config.user = decode(parsed.username, '/user');
  if (parsed.password) config.password = new Secret(decode(parsed.password, '/password'));
  const database = decode(parsed.pathname.replace(/^\//, ''), '/database');
  if (database) config.database = database;
  const ssl = q.get('ssl') ?? q.get('sslmode');
  if (ssl !== null) {
    const mode = SSL_VALUES[ssl.toLowerCase()];
    if (!mode) throw invalid('Invalid MySQL URL', '/ssl', `unknown ssl mode '${ssl}' (use ${Object.keys(SSL_VALUES).join(', ')})`);
    config.ssl = mode;
  }
  const socket = q.get('socket');
  if (socket) config.socketPath = socket;
  const timeout = q.get('connect_timeout');
  if (timeout !== null) {
    if (!/^\d+$/.test(timeout) || Number(timeout) < 1) throw invalid('Invalid MySQL URL', '/connect_timeout', 'must be a whole number of seconds, at least 1');
    config.connectTimeoutMs = Number(timeout) * 1000;
  }
  const binDir = q.get('binDir');
  if (binDir) config.binDir = binDir;
  return config;
}
