/**
 * PostgreSQL connection settings: the TypeBox schema of the config object, and parsing of
 * `postgres://` / `postgresql://` URLs into it. The password is held as a {@link Secret}.
 *
 * @module
 */
import { Secret, ValidationError, validateOptions } from '@gds/database';
import { Type, type Static } from '@gds/database/schema';

/**
 * Schema of the config object of {@link PostgreSQLConnection}.
 *
 * ### Examples
 * ```ts
 * new PostgreSQLConnection({ host: '127.0.0.1', port: 5432, user: 'postgres', password: process.env.PGPASSWORD });
 * ```
 */
export const PostgreSQLConfigSchema = Type.Object(
  {
    type: Type.Optional(Type.Literal('postgresql')),
    host: Type.Optional(Type.String({ minLength: 1, description: "Server host name, IP address, or a Unix socket directory. Defaults to 'localhost'." })),
    port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535, description: 'Server port. Defaults to 5432.' })),
    user: Type.Optional(Type.String({ minLength: 1, description: "Role to connect as. Defaults to 'postgres'." })),
    password: Type.Optional(Type.Unknown({ description: 'Password: a string or a Secret. Never printed.' })),
    database: Type.Optional(Type.String({ minLength: 1, description: "Maintenance database to connect to for server-level work. Defaults to 'postgres'." })),
    ssl: Type.Optional(
      Type.Union([Type.Boolean(), Type.Enum(['disable', 'prefer', 'require', 'verify-full'])], {
        description: "TLS: false/'disable', 'prefer', true/'require', or 'verify-full'. Defaults to false.",
      }),
    ),
    connectTimeoutMs: Type.Optional(Type.Integer({ minimum: 1, description: 'Give up connecting after this many milliseconds. Defaults to 10000.' })),
    applicationName: Type.Optional(Type.String({ description: "application_name shown in pg_stat_activity. Defaults to 'gds'." })),
    maxConnections: Type.Optional(Type.Integer({ minimum: 1, description: 'Pool size per database. Defaults to 4.' })),
    idleTimeoutMs: Type.Optional(Type.Integer({ minimum: 1, description: 'Close idle connections to databases other than the maintenance one after this many milliseconds (the maintenance pool stays open until close()). Defaults to 10000.' })),
    binDir: Type.Optional(Type.String({ minLength: 1, description: 'Folder of pg_dump, pg_restore and psql. Defaults to the server version\'s folder or PATH.' })),
    prepareStatements: Type.Optional(
      Type.Boolean({ description: 'Send parameterized statements as named prepared statements (one round trip). Set false behind PgBouncer < 1.21 in transaction mode. Defaults to true.' }),
    ),
  },
  { additionalProperties: false },
);

/** The config object, as given. */
export type PostgreSQLConfigInput = Omit<Static<typeof PostgreSQLConfigSchema>, 'password'> & { password?: string | Secret };

/** The config after defaults, with the password as a Secret. */
export interface PostgreSQLConfig {
  host: string;
  port: number;
  user: string;
  password: Secret | undefined;
  database: string;
  ssl: 'disable' | 'prefer' | 'require' | 'verify-full';
  connectTimeoutMs: number;
  applicationName: string;
  maxConnections: number;
  idleTimeoutMs: number;
  binDir: string | undefined;
  prepareStatements: boolean;
}

/**
 * Validates a config object and fills in the defaults.
 *
 * ### Examples
 * ```ts
 * resolveConfig({ host: 'db' }).port; // 5432
 * ```
 */
export function resolveConfig(input: PostgreSQLConfigInput): PostgreSQLConfig {
  const { password, ...rest } = input;
  validateOptions(PostgreSQLConfigSchema, rest, 'connect', 'postgresql');
  if (password !== undefined && typeof password !== 'string' && !(password instanceof Secret)) {
    throw new ValidationError('Invalid options for connect', [{ path: '/password', message: 'must be a string or a Secret' }], { engine: 'postgresql' });
  }
  const ssl = rest.ssl === true ? 'require' : rest.ssl === false || rest.ssl === undefined ? 'disable' : rest.ssl;
  return Object.freeze({
    host: rest.host ?? 'localhost',
    port: rest.port ?? 5432,
    user: rest.user ?? 'postgres',
    password: Secret.from(password),
    database: rest.database ?? 'postgres',
    ssl,
    connectTimeoutMs: rest.connectTimeoutMs ?? 10_000,
    applicationName: rest.applicationName ?? 'gds',
    maxConnections: rest.maxConnections ?? 4,
    idleTimeoutMs: rest.idleTimeoutMs ?? 10_000,
    binDir: rest.binDir,
    prepareStatements: rest.prepareStatements ?? true,
  });
}

/** Percent-decodes a URL part; a malformed escape (a raw `%`) is a ValidationError that does not echo the value. */
function decodeUrlPart(value: string, path: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    throw new ValidationError('Invalid PostgreSQL URL', [{ path, message: 'has a malformed percent-encoding (write % as %25)' }], { engine: 'postgresql' });
  }
}

const SSL_MODES: Record<string, PostgreSQLConfig['ssl']> = {
  disable: 'disable',
  allow: 'prefer',
  prefer: 'prefer',
  require: 'require',
  'verify-ca': 'verify-full',
  'verify-full': 'verify-full',
};

/**
 * Parses a `postgres://user:password@host:port/database?sslmode=...&application_name=...&connect_timeout=...`
 * URL (libpq's form; `host=` in the query names a socket directory). Errors never echo the password.
 *
 * ### Examples
 * ```ts
 * parsePostgresUrl('postgres://app:pw@db:6543/sales?sslmode=require').port; // 6543
 * ```
 */
export function parsePostgresUrl(url: string): PostgreSQLConfigInput {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ValidationError('Invalid PostgreSQL URL', [{ path: '', message: 'expected postgres://user@host:port/database (password after the user, as user:secret@)' }], { engine: 'postgresql' });
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new ValidationError('Invalid PostgreSQL URL', [{ path: '', message: `scheme ${parsed.protocol}// is not postgres:// or postgresql://` }], { engine: 'postgresql' });
  }
  const q = parsed.searchParams;
  const config: PostgreSQLConfigInput = {};
  const host = q.get('host') ?? (parsed.hostname ? decodeUrlPart(parsed.hostname, '/host').replace(/^\[(.*)\]$/, '$1') : undefined);
  if (host) config.host = host;
  const port = q.get('port') ?? parsed.port;
  if (port) config.port = Number(port);
  const user = q.get('user') ?? (parsed.username ? decodeUrlPart(parsed.username, '/user') : undefined);
  if (user) config.user = user;
  const password = q.get('password') ?? (parsed.password ? decodeUrlPart(parsed.password, '/password') : undefined);
  if (password) config.password = new Secret(password);
  const database = q.get('dbname') ?? decodeUrlPart(parsed.pathname.replace(/^\//, ''), '/database');
  if (database) config.database = database;
  const sslmode = q.get('sslmode');
  if (sslmode) {
    const mode = SSL_MODES[sslmode];
    if (!mode) throw new ValidationError('Invalid PostgreSQL URL', [{ path: '/sslmode', message: `unknown sslmode '${sslmode}'` }], { engine: 'postgresql' });
    config.ssl = mode;
  }
  const appName = q.get('application_name');
  if (appName) config.applicationName = appName;
  const prepare = q.get('prepare_statements');
  if (prepare === 'false' || prepare === 'true') config.prepareStatements = prepare === 'true';
  const timeout = q.get('connect_timeout');
  if (timeout) config.connectTimeoutMs = Math.round(Number(timeout) * 1000);
  return config;
}
