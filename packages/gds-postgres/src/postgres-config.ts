/**
 * PostgreSQL connection settings: the TypeBox schema of the config object, and parsing of
 * `postgres://` / `postgresql://` URLs into it. The password is held as a {@link Secret}.
 *
 * @module
 */
import { MAX_TIMER_MS, Secret, ValidationError, validateOptions } from '@gds/database';
import { Type, type Static } from '@gds/database/schema';
import { readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * The most sessions a PostgreSQL server can have (`MAX_BACKENDS`, 2^18-1; max_connections cannot
 * be set higher): a pool size above it could never be reached (test/evidence/option-limits.json).
 *
 * ### Examples
 * ```ts
 * resolveConfig({ maxConnections: MAX_BACKENDS }); // accepted; MAX_BACKENDS + 1 is refused
 * ```
 */
export const MAX_BACKENDS = 0x3ffff;

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
    connectTimeoutMs: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_TIMER_MS, description: 'Give up connecting after this many milliseconds (at most 2^31-1, a Node timer\'s limit). Defaults to 10000.' })),
    applicationName: Type.Optional(Type.String({ description: "application_name shown in pg_stat_activity. Defaults to 'gds'." })),
    maxConnections: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_BACKENDS, description: 'Pool size per database (at most 262143, the server\'s MAX_BACKENDS). Defaults to 4.' })),
    idleTimeoutMs: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_TIMER_MS, description: 'Close idle connections to databases other than the maintenance one after this many milliseconds (the maintenance pool stays open until close()). Defaults to 10000.' })),
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
export function resolveConfig(input: PostgreSQLConfigInput, env: LibpqEnv = process.env): PostgreSQLConfig {
  const { password: given, ...explicit } = input;
  validateOptions(PostgreSQLConfigSchema, explicit, 'connect', 'postgresql');
  if (given !== undefined && typeof given !== 'string' && !(given instanceof Secret)) {
    throw new ValidationError('Invalid options for connect', [{ path: '/password', message: 'must be a string or a Secret' }], { engine: 'postgresql' });
  }
  // libpq's order: what was given, then the service file's section (PGSERVICE), then PG* variables, then defaults
  const fromEnv = libpqEnvironment(env);
  const fromService = env.PGSERVICE ? readService(env.PGSERVICE, env) : {};
  const { password: layered, ...rest } = { ...fromEnv, ...fromService, ...stripUndefined(explicit) };
  const ssl = rest.ssl === true ? 'require' : rest.ssl === false || rest.ssl === undefined ? 'disable' : rest.ssl;
  const host = rest.host ?? 'localhost';
  const port = rest.port ?? 5432;
  const user = rest.user ?? 'postgres';
  const database = rest.database ?? 'postgres';
  const password = given ?? layered ?? pgpassLookup({ host, port, database, user }, env);
  return Object.freeze({
    host,
    port,
    user,
    password: Secret.from(password),
    database,
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
  const unknown = [...new Set(q.keys())].filter((k) => !URL_PARAMETERS.includes(k));
  if (unknown.length) {
    throw new ValidationError('Invalid PostgreSQL URL', unknown.map((k) => ({ path: `/${k}`, message: `unknown URL parameter (gds reads ${URL_PARAMETERS.join(', ')})` })), { engine: 'postgresql' });
  }
  const service = q.get('service');
  // the URL's own fields win over its service's section, as in libpq
  return service ? { ...readService(service, process.env), ...config } : config;
}

/** The URL query parameters {@link parsePostgresUrl} reads; any other is refused rather than ignored. */
export const URL_PARAMETERS: readonly string[] = Object.freeze(['host', 'port', 'user', 'password', 'dbname', 'sslmode', 'application_name', 'prepare_statements', 'connect_timeout', 'service']);

/** The environment libpq's variables are read from (`process.env` by default). */
export type LibpqEnv = Readonly<Record<string, string | undefined>>;

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** libpq's keyword (service file) or variable name to the config field it sets. */
function libpqSetting(config: PostgreSQLConfigInput, key: string, value: string, where: string): void {
  const bad = (message: string) => new ValidationError(`Invalid ${where}`, [{ path: `/${key}`, message }], { engine: 'postgresql' });
  switch (key) {
    case 'host':
      if (value) config.host = value;
      return;
    case 'port': {
      const port = Number(value);
      if (!/^\d+$/.test(value) || port < 1 || port > 65535) throw bad('must be a port number from 1 to 65535');
      config.port = port;
      return;
    }
    case 'user':
      if (value) config.user = value;
      return;
    case 'password':
      if (value) config.password = new Secret(value);
      return;
    case 'dbname':
      if (value) config.database = value;
      return;
    case 'sslmode': {
      const mode = SSL_MODES[value];
      if (!mode) throw bad(`unknown sslmode (use ${Object.keys(SSL_MODES).join(', ')})`);
      config.ssl = mode;
      return;
    }
    case 'application_name':
      config.applicationName = value;
      return;
    case 'connect_timeout': {
      const seconds = Number(value);
      if (!/^\d+$/.test(value) || seconds < 1) throw bad('must be a whole number of seconds, at least 1');
      config.connectTimeoutMs = seconds * 1000;
      return;
    }
    default:
      return; // libpq keywords gds does not use (options, keepalives...) are left to libpq's own tools
  }
}

/** libpq's variables gds reads, with the keyword each one stands for (the libpq-envars page). */
const LIBPQ_VARIABLES: Readonly<Record<string, string>> = Object.freeze({
  PGHOST: 'host',
  PGPORT: 'port',
  PGUSER: 'user',
  PGPASSWORD: 'password',
  PGDATABASE: 'dbname',
  PGSSLMODE: 'sslmode',
  PGAPPNAME: 'application_name',
  PGCONNECT_TIMEOUT: 'connect_timeout',
});

/**
 * The settings libpq's environment variables give (`PGHOST`, `PGPORT`, `PGUSER`, `PGPASSWORD`,
 * `PGDATABASE`, `PGSSLMODE`, `PGAPPNAME`, `PGCONNECT_TIMEOUT`); empty variables are unset, as in libpq.
 *
 * ### Examples
 * ```ts
 * libpqEnvironment({ PGHOST: 'db', PGPORT: '6543' }); // { host: 'db', port: 6543 }
 * ```
 */
export function libpqEnvironment(env: LibpqEnv = process.env): PostgreSQLConfigInput {
  const config: PostgreSQLConfigInput = {};
  for (const [name, key] of Object.entries(LIBPQ_VARIABLES)) {
    const value = env[name];
    if (value !== undefined && value !== '') libpqSetting(config, key, value, `environment variable ${name}`);
  }
  return config;
}

/**
 * The settings of service `name` (libpq's connection service file: `PGSERVICEFILE` or
 * `~/.pg_service.conf`, then `PGSYSCONFDIR/pg_service.conf`; INI sections of `keyword=value`
 * lines, `#` comments; the first file that has the section is used). An unknown service is a
 * ValidationError, as libpq refuses it.
 *
 * ### Examples
 * ```ts
 * readService('sales', { PGSERVICEFILE: '/etc/gds/services.conf' }).host;
 * ```
 */
export function readService(name: string, env: LibpqEnv = process.env): PostgreSQLConfigInput {
  const files = [env.PGSERVICEFILE ?? join(env.HOME ?? homedir(), '.pg_service.conf'), ...(env.PGSYSCONFDIR ? [join(env.PGSYSCONFDIR, 'pg_service.conf')] : [])];
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    let inSection = false;
    let found = false;
    const config: PostgreSQLConfigInput = {};
    for (const raw of text.split(/\r?\n/)) {
      const line = raw.trim();
      if (!line || line.startsWith('#')) continue;
      const section = /^\[(.*)\]$/.exec(line);
      if (section) {
        if (inSection) break;
        inSection = section[1] === name;
        found ||= inSection;
        continue;
      }
      if (!inSection) continue;
      const eq = line.indexOf('=');
      if (eq < 0) throw new ValidationError('Invalid service file', [{ path: `/${name}`, message: `${file}: a line without '=' in service ${name}` }], { engine: 'postgresql' });
      libpqSetting(config, line.slice(0, eq).trim(), line.slice(eq + 1).trim(), `service ${name} in ${file}`);
    }
    if (found) return config;
  }
  throw new ValidationError('Invalid service', [{ path: '/service', message: `service '${name}' is not in ${files.join(' or ')}` }], { engine: 'postgresql' });
}

/** The fields of a connection a password file line is matched against. */
export interface PgpassTarget {
  host: string;
  port: number;
  database: string;
  user: string;
}

/** Splits a password file line at unescaped colons, undoing `\:` and `\\`; undefined unless it has five fields. */
function pgpassFields(line: string): string[] | undefined {
  const fields: string[] = [];
  let field = '';
  for (let i = 0; i < line.length; i++) {
    const c = line.charAt(i);
    if (c === '\\' && i + 1 < line.length) field += line.charAt(++i);
    else if (c === ':' && fields.length < 4) {
      fields.push(field);
      field = '';
    } else field += c;
  }
  fields.push(field);
  return fields.length === 5 ? fields : undefined;
}

/**
 * The password for `target` from libpq's password file (`PGPASSFILE`, else `~/.pgpass`), by
 * libpq's rules: lines `hostname:port:database:username:password`, `*` matches anything in the
 * first four fields, `\:` and `\\` escape, `#` starts a comment, the first matching line wins,
 * `localhost` also matches a Unix socket directory, and a file that the group or others may read
 * is ignored (libpq warns and ignores it; so does gds, on stderr).
 *
 * ### Examples
 * ```ts
 * pgpassLookup({ host: 'db', port: 5432, database: 'sales', user: 'app' }, { PGPASSFILE: '/home/me/.pgpass' });
 * ```
 */
export function pgpassLookup(target: PgpassTarget, env: LibpqEnv = process.env): string | undefined {
  const file = env.PGPASSFILE ?? join(env.HOME ?? homedir(), '.pgpass');
  let text: string;
  try {
    const stat = statSync(file);
    if (!stat.isFile()) return undefined;
    if (process.platform !== 'win32' && (stat.mode & 0o077) !== 0) {
      process.emitWarning(`password file "${file}" has group or world access; permissions should be u=rw (0600) or less: ignored`, { code: 'GDS_PGPASS_MODE' });
      return undefined;
    }
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const host = target.host.startsWith('/') ? 'localhost' : target.host;
  const wanted = [host, String(target.port), target.database, target.user];
  for (const raw of text.split(/\r?\n/)) {
    if (!raw || raw.startsWith('#')) continue;
    const fields = pgpassFields(raw);
    if (!fields) continue;
    if (wanted.every((value, i) => fields[i] === '*' || fields[i] === value)) return fields[4] || undefined;
  }
  return undefined;
}
