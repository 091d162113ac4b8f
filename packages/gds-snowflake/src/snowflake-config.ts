/**
 * Snowflake connection settings: the TypeBox schema of the config object, and parsing of
 * `snowflake://user[:password]@account/database?warehouse=..&role=..` URLs into it. Passwords,
 * private keys, their passphrases and OAuth tokens are held as {@link Secret}s.
 *
 * The credential decides the authenticator: a password (`SNOWFLAKE`), a private key or key file
 * (`SNOWFLAKE_JWT`, key-pair authentication, with an optional passphrase), or a token (`OAUTH`).
 * Exactly one kind may be given. `database`, `warehouse`, `role` and `schema` are the session's
 * defaults as Snowflake resolves them at login (unquoted, so upper-cased unless written with
 * quotes); gds itself names every database it works on exactly, and needs no default database.
 *
 * @module
 */
import { Type, type Static } from '@gds/database/schema';
import { MAX_TIMER_MS, Secret, ValidationError, validateOptions } from '@gds/database';

const secretField = (description: string) => Type.Optional(Type.Unknown({ description }));

/**
 * Schema of the config object of {@link SnowflakeConnection}.
 *
 * ### Examples
 * ```ts
 * new SnowflakeConnection({ account: 'myorg-myaccount', username: 'GDS', password: process.env.SNOWFLAKE_PASSWORD, warehouse: 'ADMIN_WH' });
 * ```
 */
export const SnowflakeConfigSchema = Type.Object(
  {
    type: Type.Optional(Type.Literal('snowflake')),
    account: Type.String({ minLength: 1, description: "Account identifier, e.g. 'myorg-myaccount' (or a legacy locator 'xy12345.eu-west-1')." }),
    username: Type.String({ minLength: 1, description: 'Login name of the user.' }),
    password: secretField('Password: a string or a Secret. Never printed.'),
    privateKey: secretField('PEM private key for key-pair authentication: a string or a Secret. Never printed.'),
    privateKeyPath: Type.Optional(Type.String({ minLength: 1, description: 'Path of a PEM private key file for key-pair authentication (read by the driver).' })),
    privateKeyPass: secretField('Passphrase of an encrypted private key: a string or a Secret. Never printed.'),
    token: secretField('OAuth access token: a string or a Secret. Never printed.'),
    warehouse: Type.Optional(Type.String({ minLength: 1, description: 'Session warehouse. Needed only by statements that compute (INFORMATION_SCHEMA reads); SHOW and DDL run without one.' })),
    role: Type.Optional(Type.String({ minLength: 1, description: "Session role, e.g. 'SYSADMIN'. Defaults to the user's default role." })),
    database: Type.Optional(Type.String({ minLength: 1, description: 'Session default database (resolved by Snowflake as an unquoted name). gds does not need one.' })),
    schema: Type.Optional(Type.String({ minLength: 1, description: 'Session default schema.' })),
    accessUrl: Type.Optional(Type.String({ minLength: 1, description: "Full endpoint URL, e.g. 'https://myorg-myaccount.privatelink.snowflakecomputing.com'. Defaults to the account's public URL." })),
    host: Type.Optional(Type.String({ minLength: 1, description: 'Endpoint host, when not the account\'s public one.' })),
    port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535, description: 'Endpoint port. Defaults to 443.' })),
    protocol: Type.Optional(Type.Enum(['https', 'http'], { description: "'https' (default) or 'http' (test endpoints only)." })),
    connectTimeoutMs: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_TIMER_MS, description: 'Bounds the whole login (one attempt, no driver retries) and each request without a reply, in milliseconds. Defaults to 60000.' })),
    application: Type.Optional(Type.String({ minLength: 1, maxLength: 50, pattern: '^[A-Za-z][A-Za-z0-9_.-]*$', description: "Name reported to Snowflake as the client application. Defaults to 'gds'." })),
    clientSessionKeepAlive: Type.Optional(Type.Boolean({ description: 'Send heartbeats so that an idle session does not expire. Defaults to false.' })),
    reconnect: Type.Optional(Type.Boolean({ description: 'Log in again once when Snowflake ended the session (master token expired, session gone) and retry the statement, which never ran. Defaults to true.' })),
    driverLogLevel: Type.Optional(Type.Enum(['OFF', 'ERROR', 'WARN', 'INFO', 'DEBUG', 'TRACE'], { description: "snowflake-sdk's own log level (process-wide). Defaults to 'OFF': gds reports errors itself." })),
  },
  { additionalProperties: false },
);

/**
 * A secret as the config takes it: a string (wrapped into a Secret at once) or a Secret.
 *
 * ### Examples
 * ```ts
 * const password: SecretInput = new Secret(process.env.SNOWFLAKE_PASSWORD ?? '');
 * ```
 */
export type SecretInput = string | Secret;

/** The config object, as given. */
export type SnowflakeConfigInput = Omit<Static<typeof SnowflakeConfigSchema>, 'password' | 'privateKey' | 'privateKeyPass' | 'token'> & {
  password?: SecretInput;
  privateKey?: SecretInput;
  privateKeyPass?: SecretInput;
  token?: SecretInput;
};

/** How the connection authenticates. */
export type SnowflakeAuthenticator = 'SNOWFLAKE' | 'SNOWFLAKE_JWT' | 'OAUTH';

/** The config after defaults, with every secret as a Secret. */
export interface SnowflakeConfig {
  account: string;
  username: string;
  authenticator: SnowflakeAuthenticator;
  password: Secret | undefined;
  privateKey: Secret | undefined;
  privateKeyPath: string | undefined;
  privateKeyPass: Secret | undefined;
  token: Secret | undefined;
  warehouse: string | undefined;
  role: string | undefined;
  database: string | undefined;
  schema: string | undefined;
  accessUrl: string | undefined;
  host: string | undefined;
  port: number | undefined;
  protocol: 'https' | 'http' | undefined;
  connectTimeoutMs: number;
  application: string;
  clientSessionKeepAlive: boolean;
  reconnect: boolean;
  driverLogLevel: 'OFF' | 'ERROR' | 'WARN' | 'INFO' | 'DEBUG' | 'TRACE';
}

const SECRET_KEYS = ['password', 'privateKey', 'privateKeyPass', 'token'] as const;

/**
 * Validates a config object, checks that exactly one kind of credential is given, and fills in
 * the defaults.
 *
 * ### Examples
 * ```ts
 * resolveConfig({ account: 'myorg-acct', username: 'gds', token: oauthToken }).authenticator; // 'OAUTH'
 * ```
 */
export function resolveConfig(input: SnowflakeConfigInput): SnowflakeConfig {
  const rest: Record<string, unknown> = { ...input };
  const issues: { path: string; message: string }[] = [];
  const secrets: Partial<Record<(typeof SECRET_KEYS)[number], Secret>> = {};
  for (const key of SECRET_KEYS) {
    const value = rest[key];
    delete rest[key];
    if (value === undefined) continue;
    if (typeof value !== 'string' && !(value instanceof Secret)) issues.push({ path: `/${key}`, message: 'must be a string or a Secret' });
    else secrets[key] = Secret.from(value);
  }
  if (issues.length) throw new ValidationError('Invalid options for connect', issues, { engine: 'snowflake' });
  const c = validateOptions(SnowflakeConfigSchema, rest, 'connect', 'snowflake');
  const kinds = [secrets.password && 'password', (secrets.privateKey || c.privateKeyPath) && 'private key', secrets.token && 'token'].filter(Boolean);
  if (kinds.length !== 1) {
    throw new ValidationError('Invalid options for connect', [
      { path: '', message: kinds.length === 0 ? 'give one credential: password, privateKey/privateKeyPath, or token' : `give only one credential, not ${kinds.join(' and ')}` },
    ], { engine: 'snowflake' });
  }
  if (secrets.privateKey && c.privateKeyPath) {
    throw new ValidationError('Invalid options for connect', [{ path: '/privateKeyPath', message: 'give privateKey or privateKeyPath, not both' }], { engine: 'snowflake' });
  }
  if (secrets.privateKeyPass && !secrets.privateKey && !c.privateKeyPath) {
    throw new ValidationError('Invalid options for connect', [{ path: '/privateKeyPass', message: 'a passphrase needs privateKey or privateKeyPath' }], { engine: 'snowflake' });
  }
  const authenticator: SnowflakeAuthenticator = secrets.password ? 'SNOWFLAKE' : secrets.token ? 'OAUTH' : 'SNOWFLAKE_JWT';
  return Object.freeze({
    account: c.account,
    username: c.username,
    authenticator,
    password: secrets.password,
    privateKey: secrets.privateKey,
    privateKeyPath: c.privateKeyPath,
    privateKeyPass: secrets.privateKeyPass,
    token: secrets.token,
    warehouse: c.warehouse,
    role: c.role,
    database: c.database,
    schema: c.schema,
    accessUrl: c.accessUrl,
    host: c.host,
    port: c.port,
    protocol: c.protocol as SnowflakeConfig['protocol'],
    connectTimeoutMs: c.connectTimeoutMs ?? 60_000,
    application: c.application ?? 'gds',
    clientSessionKeepAlive: c.clientSessionKeepAlive ?? false,
    reconnect: c.reconnect ?? true,
    driverLogLevel: (c.driverLogLevel ?? 'OFF') as SnowflakeConfig['driverLogLevel'],
  });
}

function decode(value: string, path: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    throw new ValidationError('Invalid Snowflake URL', [{ path, message: 'has a malformed percent-encoding (write % as %25)' }], { engine: 'snowflake' });
  }
}

const STRING_PARAMS = ['warehouse', 'role', 'schema', 'accessUrl', 'host', 'privateKeyPath', 'application'] as const;
const SECRET_PARAMS = ['privateKeyPass', 'token'] as const;
const BOOLEAN_PARAMS = ['clientSessionKeepAlive', 'reconnect'] as const;

/**
 * Parses `snowflake://user[:password]@account[/database[/schema]]?warehouse=..&role=..` (also
 * `schema`, `host`, `port`, `protocol`, `accessUrl`, `privateKeyPath`, `privateKeyPass`, `token`,
 * `connectTimeoutMs`, `application`, `clientSessionKeepAlive`, `reconnect`, `driverLogLevel`).
 * Errors never echo a secret; prefer the config object (or a Secret) over secrets in URLs.
 *
 * ### Examples
 * ```ts
 * parseSnowflakeUrl('snowflake://gds:pw@myorg-acct/sales?warehouse=ADMIN_WH&role=SYSADMIN').warehouse; // 'ADMIN_WH'
 * ```
 */
export function parseSnowflakeUrl(url: string): SnowflakeConfigInput {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ValidationError('Invalid Snowflake URL', [{ path: '', message: 'expected snowflake://user@account/database?warehouse=..&role=..' }], { engine: 'snowflake' });
  }
  if (parsed.protocol !== 'snowflake:') {
    throw new ValidationError('Invalid Snowflake URL', [{ path: '', message: `scheme ${parsed.protocol}// is not snowflake://` }], { engine: 'snowflake' });
  }
  const q = parsed.searchParams;
  const known = new Set<string>([...STRING_PARAMS, ...SECRET_PARAMS, ...BOOLEAN_PARAMS, 'port', 'protocol', 'connectTimeoutMs', 'driverLogLevel']);
  const unknown = [...q.keys()].filter((k) => !known.has(k));
  if (unknown.length) {
    throw new ValidationError('Invalid Snowflake URL', unknown.map((k) => ({ path: `/${k}`, message: 'is not a known parameter' })), { engine: 'snowflake' });
  }
  const config: Record<string, unknown> = {
    account: decode(parsed.hostname, '/account'),
    username: decode(parsed.username, '/username'),
  };
  if (parsed.password) config.password = new Secret(decode(parsed.password, '/password'));
  const [database, schema] = parsed.pathname.replace(/^\//, '').split('/').map((p) => decode(p, '/database'));
  if (database) config.database = database;
  if (schema) config.schema = schema;
  for (const key of STRING_PARAMS) {
    const v = q.get(key);
    if (v) config[key] = v;
  }
  for (const key of SECRET_PARAMS) {
    const v = q.get(key);
    if (v) config[key] = new Secret(v);
  }
  for (const key of BOOLEAN_PARAMS) {
    const v = q.get(key);
    if (v !== null) config[key] = v === 'true' || v === '1';
  }
  const port = q.get('port');
  if (port) config.port = Number(port);
  const timeout = q.get('connectTimeoutMs');
  if (timeout) config.connectTimeoutMs = Number(timeout);
  const protocol = q.get('protocol');
  if (protocol) config.protocol = protocol;
  const level = q.get('driverLogLevel');
  if (level) config.driverLogLevel = level.toUpperCase();
  return config as SnowflakeConfigInput;
}
