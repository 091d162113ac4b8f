/**
 * MongoDB connection settings: the TypeBox schema of the config object, and parsing of
 * `mongodb://` / `mongodb+srv://` URLs into it. The password is held as a {@link Secret} and never
 * put into the URL the driver gets (it goes in the driver's `auth` option), so no URL gds builds
 * or prints carries it. URL query options other than the ones named here are passed to the
 * driver as they are (it validates them).
 *
 * @module
 */
import { Type, type Static } from '@gds/database/schema';
import { Secret, ValidationError, validateOptions } from '@gds/database';

/**
 * Schema of the config object of {@link MongoDBConnection}.
 *
 * ### Examples
 * ```ts
 * new MongoDBConnection({ hosts: ['db1:27017', 'db2:27017'], replicaSet: 'rs0', user: 'admin', password: process.env.MONGO_PW });
 * ```
 */
export const MongoDBConfigSchema = Type.Object(
  {
    type: Type.Optional(Type.Literal('mongodb')),
    hosts: Type.Optional(Type.Array(Type.String({ minLength: 1, pattern: '^[^/,@?#\\s]+$' }), { minItems: 1, description: "Seed list as host:port entries. Defaults to ['localhost:27017']." })),
    srv: Type.Optional(Type.Boolean({ description: 'Resolve the one host through DNS SRV records (mongodb+srv://). Defaults to false.' })),
    user: Type.Optional(Type.String({ minLength: 1, description: 'User to authenticate as. Defaults to none.' })),
    password: Type.Optional(Type.Unknown({ description: 'Password: a string or a Secret. Never printed.' })),
    authSource: Type.Optional(Type.String({ minLength: 1, description: "Database holding the user. Defaults to 'admin'." })),
    authMechanism: Type.Optional(Type.Enum(['DEFAULT', 'SCRAM-SHA-1', 'SCRAM-SHA-256', 'MONGODB-X509', 'MONGODB-AWS', 'MONGODB-OIDC', 'PLAIN', 'GSSAPI'], { description: 'Authentication mechanism. Defaults to the server\'s choice.' })),
    replicaSet: Type.Optional(Type.String({ minLength: 1, description: 'Replica set name to require. Defaults to none (discovered).' })),
    directConnection: Type.Optional(Type.Boolean({ description: 'Talk to the one host given, whatever its role. Defaults to false.' })),
    tls: Type.Optional(Type.Boolean({ description: 'Use TLS. Defaults to false (true for mongodb+srv).' })),
    tlsCAFile: Type.Optional(Type.String({ minLength: 1, description: 'CA certificates file for TLS.' })),
    tlsCertificateKeyFile: Type.Optional(Type.String({ minLength: 1, description: 'Client certificate and key file for TLS (X.509).' })),
    tlsAllowInvalidCertificates: Type.Optional(Type.Boolean({ description: 'Accept any server certificate (testing only). Defaults to false.' })),
    appName: Type.Optional(Type.String({ minLength: 1, description: "Application name shown in server logs and currentOp. Defaults to 'gds'." })),
    connectTimeoutMs: Type.Optional(Type.Integer({ minimum: 1, description: 'Give up opening a socket after this many milliseconds. Defaults to 10000.' })),
    serverSelectionTimeoutMs: Type.Optional(Type.Integer({ minimum: 1, description: 'Give up finding a suitable server after this many milliseconds. Defaults to 10000.' })),
    socketTimeoutMs: Type.Optional(Type.Integer({ minimum: 0, description: 'Close a socket idle in a read for this many milliseconds; 0 never. Defaults to 0.' })),
    maxPoolSize: Type.Optional(Type.Integer({ minimum: 1, description: 'Connections per server. Defaults to 10.' })),
    options: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'Other URL options passed to the driver as they are (readPreference, w, compressors...).' })),
  },
  { additionalProperties: false },
);

/** The config object, as given. */
export type MongoDBConfigInput = Omit<Static<typeof MongoDBConfigSchema>, 'password'> & { password?: string | Secret };

/** The config after defaults, with the password as a Secret. */
export interface MongoDBConfig {
  hosts: string[];
  srv: boolean;
  user: string | undefined;
  password: Secret | undefined;
  authSource: string | undefined;
  authMechanism: string | undefined;
  replicaSet: string | undefined;
  directConnection: boolean | undefined;
  tls: boolean | undefined;
  tlsCAFile: string | undefined;
  tlsCertificateKeyFile: string | undefined;
  tlsAllowInvalidCertificates: boolean | undefined;
  appName: string;
  connectTimeoutMs: number;
  serverSelectionTimeoutMs: number;
  socketTimeoutMs: number;
  maxPoolSize: number;
  options: Record<string, string>;
}

const invalid = (path: string, message: string) => new ValidationError('Invalid MongoDB URL', [{ path, message }], { engine: 'mongodb' });

function decode(value: string, path: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    throw invalid(path, 'has a malformed percent-encoding (write % as %25)');
  }
}

/**
 * Validates a config object and fills in the defaults.
 *
 * ### Examples
 * ```ts
 * resolveConfig({ hosts: ['db:27017'] }).appName; // 'gds'
 * ```
 */
export function resolveConfig(input: MongoDBConfigInput): MongoDBConfig {
  const { password, ...rest } = input;
  validateOptions(MongoDBConfigSchema, rest, 'connect', 'mongodb');
  if (password !== undefined && typeof password !== 'string' && !(password instanceof Secret)) {
    throw new ValidationError('Invalid options for connect', [{ path: '/password', message: 'must be a string or a Secret' }], { engine: 'mongodb' });
  }
  if (password !== undefined && !rest.user) {
    throw new ValidationError('Invalid options for connect', [{ path: '/user', message: 'a password needs a user' }], { engine: 'mongodb' });
  }
  const hosts = rest.hosts ?? ['localhost:27017'];
  if (rest.srv && hosts.length !== 1) throw new ValidationError('Invalid options for connect', [{ path: '/hosts', message: 'mongodb+srv takes exactly one host name' }], { engine: 'mongodb' });
  if (rest.directConnection && hosts.length !== 1) throw new ValidationError('Invalid options for connect', [{ path: '/directConnection', message: 'a direct connection takes exactly one host' }], { engine: 'mongodb' });
  return Object.freeze({
    hosts,
    srv: rest.srv ?? false,
    user: rest.user,
    password: Secret.from(password),
    authSource: rest.authSource,
    authMechanism: rest.authMechanism,
    replicaSet: rest.replicaSet,
    directConnection: rest.directConnection,
    tls: rest.tls,
    tlsCAFile: rest.tlsCAFile,
    tlsCertificateKeyFile: rest.tlsCertificateKeyFile,
    tlsAllowInvalidCertificates: rest.tlsAllowInvalidCertificates,
    appName: rest.appName ?? 'gds',
    connectTimeoutMs: rest.connectTimeoutMs ?? 10_000,
    serverSelectionTimeoutMs: rest.serverSelectionTimeoutMs ?? 10_000,
    socketTimeoutMs: rest.socketTimeoutMs ?? 0,
    maxPoolSize: rest.maxPoolSize ?? 10,
    options: { ...(rest.options ?? {}) },
  });
}

const BOOLEAN_OPTIONS = { directConnection: 'directConnection', tls: 'tls', ssl: 'tls', tlsAllowInvalidCertificates: 'tlsAllowInvalidCertificates' } as const;
const NUMBER_OPTIONS = { connectTimeoutMS: 'connectTimeoutMs', serverSelectionTimeoutMS: 'serverSelectionTimeoutMs', socketTimeoutMS: 'socketTimeoutMs', maxPoolSize: 'maxPoolSize' } as const;
const STRING_OPTIONS = { authSource: 'authSource', authMechanism: 'authMechanism', replicaSet: 'replicaSet', tlsCAFile: 'tlsCAFile', tlsCertificateKeyFile: 'tlsCertificateKeyFile', appName: 'appName', appname: 'appName' } as const;

/**
 * Parses a `mongodb://user:password@host1:port1,host2:port2/defaultauthdb?options` URL (or
 * `mongodb+srv://`) into a config object. The path names the authentication database when no
 * `authSource` is given, as in the driver. Errors never echo the password.
 *
 * ### Examples
 * ```ts
 * parseMongoUrl('mongodb://admin:pw@db1,db2:27018/?replicaSet=rs0').hosts; // ['db1:27017', 'db2:27018']
 * ```
 */
export function parseMongoUrl(url: string): MongoDBConfigInput {
  const match = /^(mongodb(?:\+srv)?):\/\/(?:([^@/?#]*)@)?([^/?#]*)(?:\/([^?#]*))?(?:\?([^#]*))?$/i.exec(url);
  if (!match) throw invalid('', 'expected mongodb://[user[:password]@]host[:port][,host...][/authdb][?options]');
  const [, scheme, credentials, hostList, path, query] = match;
  const config: MongoDBConfigInput = {};
  const srv = scheme!.toLowerCase() === 'mongodb+srv';
  if (srv) config.srv = true;
  if (credentials !== undefined) {
    const colon = credentials.indexOf(':');
    const user = decode(colon >= 0 ? credentials.slice(0, colon) : credentials, '/user');
    if (user) config.user = user;
    if (colon >= 0) config.password = new Secret(decode(credentials.slice(colon + 1), '/password'));
  }
  if (!hostList) throw invalid('/hosts', 'no host given');
  config.hosts = hostList.split(',').map((h) => {
    const host = decode(h, '/hosts');
    if (!host) throw invalid('/hosts', 'has an empty entry');
    if (srv || /:\d+$/.test(host) || /^\[.*\]:\d+$/.test(host)) return host;
    return `${host}:27017`;
  });
  const authDb = path ? decode(path, '/database') : '';
  const options: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(query ?? '')) {
    if (key in BOOLEAN_OPTIONS) {
      if (value !== 'true' && value !== 'false') throw invalid(`/${key}`, 'must be true or false');
      config[BOOLEAN_OPTIONS[key as keyof typeof BOOLEAN_OPTIONS]] = value === 'true';
    } else if (key in NUMBER_OPTIONS) {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 0) throw invalid(`/${key}`, 'must be a non-negative integer');
      config[NUMBER_OPTIONS[key as keyof typeof NUMBER_OPTIONS]] = n;
    } else if (key in STRING_OPTIONS) {
      const field = STRING_OPTIONS[key as keyof typeof STRING_OPTIONS];
      (config as Record<string, unknown>)[field] = value;
    } else {
      options[key] = value;
    }
  }
  if (authDb && !config.authSource) config.authSource = authDb;
  if (Object.keys(options).length) config.options = options;
  return config;
}
