/**
 * A scheme-aware split of a target URL into its parts, for the CLI's own needs (the database in
 * the path, the password to hide, adding a parameter). Unlike `new URL()` it accepts every form
 * the engines accept, MongoDB's seed lists (`mongodb://h1,h2,h3/?replicaSet=rs0`) and
 * `mongodb+srv://` included; the engine still parses the URL itself to connect.
 *
 * @module
 */

/** The parts of a target URL (user, password and database percent-decoded where they decode). */
export interface TargetUrl {
  /** The scheme, lower case, without `://` (`postgres`, `mongodb+srv`...). */
  scheme: string;
  /** The user, if any. */
  user: string | undefined;
  /** The password, if any. */
  password: string | undefined;
  /** The hosts: one, or a MongoDB seed list's several (`host:port` each, as written). */
  hosts: string[];
  /** The first path segment: the database. */
  database: string | undefined;
  /** The query string without `?` ('' when none). */
  query: string;
}

function decode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/**
 * Splits `url` (`scheme://[user[:password]@]host[,host...][/database][?query]`); undefined when it
 * has no `scheme://`. The user part ends at the last `@` before the query, so a password with a
 * raw `@` or `/` is kept whole.
 *
 * ### Examples
 * ```ts
 * parseTargetUrl('mongodb://a:1,b:2/app?replicaSet=rs0')?.hosts; // ['a:1', 'b:2']
 * parseTargetUrl('mongodb://a:1,b:2/?replicaSet=rs0')?.database; // undefined
 * ```
 */
export function parseTargetUrl(url: string): TargetUrl | undefined {
  const m = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/is.exec(url.trim());
  if (!m) return undefined;
  const scheme = (m[1] ?? '').toLowerCase();
  let rest = m[2] ?? '';
  const hash = rest.indexOf('#');
  if (hash >= 0) rest = rest.slice(0, hash);
  const q = rest.indexOf('?');
  const query = q >= 0 ? rest.slice(q + 1) : '';
  const beforeQuery = q >= 0 ? rest.slice(0, q) : rest;
  const at = beforeQuery.lastIndexOf('@');
  const userinfo = at >= 0 ? beforeQuery.slice(0, at) : undefined;
  const after = at >= 0 ? beforeQuery.slice(at + 1) : beforeQuery;
  const slash = after.indexOf('/');
  const hostPart = slash >= 0 ? after.slice(0, slash) : after;
  const path = slash >= 0 ? after.slice(slash + 1) : '';
  let user: string | undefined;
  let password: string | undefined;
  if (userinfo !== undefined) {
    const colon = userinfo.indexOf(':');
    user = decode(colon >= 0 ? userinfo.slice(0, colon) : userinfo) || undefined;
    password = colon >= 0 ? decode(userinfo.slice(colon + 1)) || undefined : undefined;
  }
  const first = path.split('/')[0] ?? '';
  return { scheme, user, password, hosts: hostPart ? hostPart.split(',') : [], database: decode(first) || undefined, query };
}

/**
 * The database named in the URL's path, or undefined (no fallback: each engine has its own
 * default, so a command that needs a name asks for it).
 *
 * ### Examples
 * ```ts
 * databaseOfUrl('postgres://u@h/app'); // 'app'
 * ```
 */
export function databaseOfUrl(url: string): string | undefined {
  return parseTargetUrl(url)?.database;
}

/**
 * `url` with `key=value` added to its query, unless the query already sets `key` (then the URL
 * is returned as it was: what the user wrote wins).
 *
 * ### Examples
 * ```ts
 * withUrlParameter('postgres://h/db', 'connect_timeout', '2'); // 'postgres://h/db?connect_timeout=2'
 * ```
 */
export function withUrlParameter(url: string, key: string, value: string): string {
  const parsed = parseTargetUrl(url);
  if (!parsed) return url;
  if (parsed.query.split('&').some((pair) => decode(pair.split('=')[0] ?? '').toLowerCase() === key.toLowerCase())) return url;
  const hash = url.indexOf('#');
  const base = hash >= 0 ? url.slice(0, hash) : url;
  // MongoDB wants a '/' between the hosts and the options; the other engines accept it too
  const sep = base.includes('?') ? (base.endsWith('?') || base.endsWith('&') ? '' : '&') : base.slice(base.indexOf('://') + 3).includes('/') ? '?' : '/?';
  return `${base}${sep}${encodeURIComponent(key)}=${encodeURIComponent(value)}`;
}

/**
 * The database a server-wide command uses when neither the command nor the URL names one: each
 * engine's own maintenance database (PostgreSQL `postgres`, SQL Server `master`, MongoDB
 * `admin`); undefined for an engine that has none (Snowflake: name the database).
 *
 * ### Examples
 * ```ts
 * serverDatabaseOf('mongodb'); // 'admin'
 * ```
 */
export function serverDatabaseOf(engine: string): string | undefined {
  return SERVER_DATABASES[engine];
}

const SERVER_DATABASES: Readonly<Record<string, string>> = Object.freeze({ postgresql: 'postgres', mssql: 'master', mongodb: 'admin' });
