/**
 * SQL Server connection settings: the TypeBox schema of the config object, and parsing of
 * `mssql://` / `sqlserver://` URLs into it. Passwords, client secrets and tokens are held as
 * {@link Secret}s. `encrypt` defaults to true and `trustServerCertificate` to false: a real
 * server must present a certificate the client trusts unless the caller says otherwise.
 *
 * @module
 */
import { MAX_TIMER_MS, Secret, ValidationError, validateOptions } from '@gds/database';
import { Type, type Static } from '@gds/database/schema';

const AUTH_TYPES = ['default', 'ntlm', 'azure-active-directory-password', 'azure-active-directory-access-token', 'azure-active-directory-service-principal-secret', 'azure-active-directory-default'] as const;

/**
 * Schema of the config object of {@link MSSQLConnection} (secrets are checked apart).
 *
 * ### Examples
 * ```ts
 * new MSSQLConnection({ server: 'db1', user: 'sa', password: process.env.MSSQL_PASSWORD, trustServerCertificate: true });
 * ```
 */
export const MSSQLConfigSchema = Type.Object(
  {
    type: Type.Optional(Type.Literal('mssql')),
    server: Type.Optional(Type.String({ minLength: 1, description: "Host name or IP address. Defaults to 'localhost'." })),
    port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535, description: 'TCP port. Defaults to 1433 (ignored with instanceName, which asks SQL Browser).' })),
    instanceName: Type.Optional(Type.String({ minLength: 1, description: 'Named instance, resolved through the SQL Server Browser service (UDP 1434).' })),
    user: Type.Optional(Type.String({ minLength: 1, description: "Login name. Defaults to 'sa' for SQL authentication." })),
    database: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: "Database the connection opens in. Defaults to 'master'." })),
    encrypt: Type.Optional(Type.Union([Type.Boolean(), Type.Literal('strict')], { description: "TLS: true (default), false, or 'strict' (TDS 8.0)." })),
    trustServerCertificate: Type.Optional(Type.Boolean({ description: 'Accept a certificate the client cannot verify (self-signed). Defaults to false.' })),
    connectTimeoutMs: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_TIMER_MS, description: 'Give up connecting after this many milliseconds (at most 2^31-1, a Node timer\'s limit). Defaults to 15000.' })),
    requestTimeoutMs: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_TIMER_MS, description: 'Driver limit per statement until its first reply, 0 for none. Defaults to 0: use timeoutMs per operation.' })),
    appName: Type.Optional(Type.String({ description: "Application name shown in sys.dm_exec_sessions. Defaults to 'gds'." })),
    authentication: Type.Optional(Type.Enum([...AUTH_TYPES], { description: "How to log in. Defaults to 'default' (SQL Server authentication)." })),
    domain: Type.Optional(Type.String({ minLength: 1, description: 'Windows domain for ntlm authentication.' })),
    clientId: Type.Optional(Type.String({ minLength: 1, description: 'Entra ID application (client) id.' })),
    tenantId: Type.Optional(Type.String({ minLength: 1, description: 'Entra ID tenant id.' })),
  },
  { additionalProperties: false },
);

/** The secret fields of the config object: strings or Secrets, never printed. */
export interface MSSQLSecrets {
  /** Password of the login (SQL, ntlm, Entra password authentication). */
  password?: string | Secret;
  /** Client secret of an Entra service principal. */
  clientSecret?: string | Secret;
  /** An Entra access token. */
  token?: string | Secret;
}

/** The config object, as given. */
export type MSSQLConfigInput = Static<typeof MSSQLConfigSchema> & MSSQLSecrets;

/** The config after defaults, secrets as Secrets. */
export interface MSSQLConfig {
  server: string;
  port: number | undefined;
  instanceName: string | undefined;
  user: string | undefined;
  password: Secret | undefined;
  clientSecret: Secret | undefined;
  token: Secret | undefined;
  database: string;
  encrypt: boolean | 'strict';
  trustServerCertificate: boolean;
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  appName: string;
  authentication: (typeof AUTH_TYPES)[number];
  domain: string | undefined;
  clientId: string | undefined;
  tenantId: string | undefined;
}

const SECRET_KEYS = ['password', 'clientSecret', 'token'] as const;

/**
 * Validates a config object and fills in the defaults.
 *
 * ### Examples
 * ```ts
 * resolveConfig({ server: 'db1' }).encrypt; // true
 * ```
 */
export function resolveConfig(input: MSSQLConfigInput, env: Readonly<Record<string, string | undefined>> = process.env): MSSQLConfig {
  const { password, clientSecret, token, ...rest } = input;
  validateOptions(MSSQLConfigSchema, rest, 'connect', 'mssql');
  for (const key of SECRET_KEYS) {
    const v = input[key];
    if (v !== undefined && typeof v !== 'string' && !(v instanceof Secret)) {
      throw new ValidationError('Invalid options for connect', [{ path: `/${key}`, message: 'must be a string or a Secret' }], { engine: 'mssql' });
    }
  }
  const authentication = rest.authentication ?? 'default';
  // sqlcmd's variables (test/evidence/sqlcmd-environment.json): SQLCMDUSER when no user is given,
  // SQLCMDPASSWORD when no password is given, for SQL logins only
  const sqlLogin = authentication === 'default';
  const user = rest.user ?? (sqlLogin ? env.SQLCMDUSER || 'sa' : undefined);
  const givenPassword = password ?? (sqlLogin && env.SQLCMDPASSWORD ? env.SQLCMDPASSWORD : undefined);
  return Object.freeze({
    server: rest.server ?? 'localhost',
    port: rest.instanceName ? rest.port : (rest.port ?? 1433),
    instanceName: rest.instanceName,
    user,
    password: Secret.from(givenPassword),
    clientSecret: Secret.from(clientSecret),
    token: Secret.from(token),
    database: rest.database ?? 'master',
    encrypt: rest.encrypt ?? true,
    trustServerCertificate: rest.trustServerCertificate ?? false,
    connectTimeoutMs: rest.connectTimeoutMs ?? 15_000,
    requestTimeoutMs: rest.requestTimeoutMs ?? 0,
    appName: rest.appName ?? 'gds',
    authentication,
    domain: rest.domain,
    clientId: rest.clientId,
    tenantId: rest.tenantId,
  });
}

function decodePart(value: string, path: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    throw new ValidationError('Invalid SQL Server URL', [{ path, message: 'has a malformed percent-encoding (write % as %25)' }], { engine: 'mssql' });
  }
}

function bool(value: string, path: string): boolean {
  if (/^(true|yes|1)$/i.test(value)) return true;
  if (/^(false|no|0)$/i.test(value)) return false;
  throw new ValidationError('Invalid SQL Server URL', [{ path, message: `expected true or false, got '${value}'` }], { engine: 'mssql' });
}

/**
 * Parses `mssql://user:password@host:port/database?encrypt=false&trustServerCertificate=true`
 * (also `sqlserver://`; `host\instance` or `?instanceName=` for a named instance; query keys
 * `connectTimeout` and `requestTimeout` in ms, `appName`, `authentication`, `domain`). Errors
 * never echo the password.
 *
 * ### Examples
 * ```ts
 * parseMssqlUrl('mssql://sa:pw@db1:14330/sales?encrypt=false').port; // 14330
 * ```
 */
export function parseMssqlUrl(url: string): MSSQLConfigInput {
  const instanceMatch = /^([a-z]+:\/\/(?:[^@/?#]*@)?[^/?#\\:]+)\\([^/?#:]+)(.*)$/i.exec(url);
  const normalized = instanceMatch ? `${instanceMatch[1]}${instanceMatch[3]}` : url;
  let parsed: URL;
  try {
    parsed = new URL(normalized);
  } catch {
    throw new ValidationError('Invalid SQL Server URL', [{ path: '', message: 'expected mssql://user:password@host:port/database?encrypt=true' }], { engine: 'mssql' });
  }
  if (parsed.protocol !== 'mssql:' && parsed.protocol !== 'sqlserver:') {
    throw new ValidationError('Invalid SQL Server URL', [{ path: '', message: `scheme ${parsed.protocol}// is not mssql:// or sqlserver://` }], { engine: 'mssql' });
  }
  const q = parsed.searchParams;
  const config: MSSQLConfigInput = {};
  if (parsed.hostname) config.server = decodePart(parsed.hostname, '/server').replace(/^\[(.*)\]$/, '$1');
  if (parsed.port) config.port = Number(parsed.port);
  const instance = q.get('instanceName') ?? (instanceMatch ? decodePart(instanceMatch[2] ?? '', '/instanceName') : undefined);
  if (instance) config.instanceName = instance;
  if (parsed.username) config.user = decodePart(parsed.username, '/user');
  if (parsed.password) config.password = new Secret(decodePart(parsed.password, '/password'));
  const database = decodePart(parsed.pathname.replace(/^\//, ''), '/database');
  if (database) config.database = database;
  const encrypt = q.get('encrypt');
  if (encrypt !== null) config.encrypt = encrypt === 'strict' ? 'strict' : bool(encrypt, '/encrypt');
  const trust = q.get('trustServerCertificate');
  if (trust !== null) config.trustServerCertificate = bool(trust, '/trustServerCertificate');
  const connectTimeout = q.get('connectTimeout');
  if (connectTimeout !== null) config.connectTimeoutMs = Number(connectTimeout);
  const requestTimeout = q.get('requestTimeout');
  if (requestTimeout !== null) config.requestTimeoutMs = Number(requestTimeout);
  const appName = q.get('appName');
  if (appName) config.appName = appName;
  const authentication = q.get('authentication');
  if (authentication) config.authentication = authentication as MSSQLConfigInput['authentication'];
  const domain = q.get('domain');
  if (domain) config.domain = domain;
  const unknown = [...new Set(q.keys())].filter((k) => !MSSQL_URL_PARAMETERS.includes(k));
  if (unknown.length) {
    throw new ValidationError('Invalid SQL Server URL', unknown.map((k) => ({ path: `/${k}`, message: `unknown URL parameter (gds reads ${MSSQL_URL_PARAMETERS.join(', ')})` })), { engine: 'mssql' });
  }
  return config;
}

/** The URL query parameters {@link parseMssqlUrl} reads; any other is refused rather than ignored. */
export const MSSQL_URL_PARAMETERS: readonly string[] = Object.freeze(['instanceName', 'encrypt', 'trustServerCertificate', 'connectTimeout', 'requestTimeout', 'appName', 'authentication', 'domain']);
