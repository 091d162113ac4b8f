/**
 * The statements gds sends to PostgreSQL, built by pure functions so that tests can check them
 * exactly (the same strings dry runs report). Identifiers go through `quoteIdentifier`; values go
 * as parameters (`$1`) except in DDL, which accepts none: there literals are validated and quoted.
 *
 * @module
 */
import { statement, type Statement as CoreStatement } from '@gds/database/engine';
import { quoteIdentifier as q, quoteLiteral as lit } from './postgres-quote.js';
import { PREVIOUS_LIMIT_SETTING } from './postgres-metadata.js';
import type { PostgreSQLCreateOptions, VacuumOptions } from './postgres-options.js';

/**
 * A statement and its parameters; `on` names the server it runs on when that is not the
 * connection's own (a failover promotes another server).
 */
export interface Statement extends CoreStatement {
  /** Where it runs, when not on this connection's server (shown by a dry run, never sent). */
  readonly on?: string;
}

/**
 * The statement as a dry run shows it (the engine's `describeStatement`): the text, then the
 * parameters as a comment with their literal syntax, then where it runs when not here.
 *
 * ### Examples
 * ```ts
 * describeStatement(statement('select $1', ['x'])); // "select $1 -- $1 = 'x'"
 * describeStatement(promote('postgresql://s:5433/postgres'));
 * // 'select pg_catalog.pg_promote(true, 60) -- on postgresql://s:5433/postgres'
 * ```
 */
export function describeStatement(s: Statement): string {
  // display only (never executed): line breaks are shown escaped so the comment stays one line
  const oneLine = (v: string) => v.replace(/\r?\n/g, '\\n');
  const notes = s.params.map((p, i) => `$${i + 1} = ${oneLine(typeof p === 'string' ? lit(p) : String(p))}`);
  if (s.on !== undefined) notes.push(`on ${oneLine(s.on)}`);
  return notes.length === 0 ? s.text : `${s.text} -- ${notes.join(', ')}`;
}

const stmt = (text: string, params: readonly unknown[] = []): Statement => statement(text, params);

/**
 * `CREATE DATABASE` with every option given.
 *
 * ### Examples
 * ```ts
 * createDatabase('app', { owner: 'app', encoding: 'UTF8' }).text;
 * // 'CREATE DATABASE "app" WITH OWNER = "app" ENCODING = \'UTF8\''
 * ```
 */
export function createDatabase(name: string, o: PostgreSQLCreateOptions = {}): Statement {
  const parts: string[] = [];
  if (o.owner !== undefined) parts.push(`OWNER = ${q(o.owner, 'owner')}`);
  if (o.template !== undefined) parts.push(`TEMPLATE = ${q(o.template, 'template')}`);
  if (o.encoding !== undefined) parts.push(`ENCODING = ${lit(o.encoding)}`);
  if (o.strategy !== undefined) parts.push(`STRATEGY = ${o.strategy.toUpperCase()}`);
  if (o.locale !== undefined) parts.push(`LOCALE = ${lit(o.locale)}`);
  if (o.lcCollate !== undefined) parts.push(`LC_COLLATE = ${lit(o.lcCollate)}`);
  if (o.lcCtype !== undefined) parts.push(`LC_CTYPE = ${lit(o.lcCtype)}`);
  if (o.localeProvider !== undefined) parts.push(`LOCALE_PROVIDER = ${o.localeProvider}`);
  if (o.icuLocale !== undefined) parts.push(`ICU_LOCALE = ${lit(o.icuLocale)}`);
  if (o.tablespace !== undefined) parts.push(`TABLESPACE = ${q(o.tablespace, 'tablespace')}`);
  if (o.allowConnections !== undefined) parts.push(`ALLOW_CONNECTIONS = ${o.allowConnections}`);
  if (o.connectionLimit !== undefined) parts.push(`CONNECTION LIMIT = ${o.connectionLimit}`);
  if (o.isTemplate !== undefined) parts.push(`IS_TEMPLATE = ${o.isTemplate}`);
  return stmt(`CREATE DATABASE ${q(name, 'database name')}${parts.length ? ` WITH ${parts.join(' ')}` : ''}`);
}

/**
 * `DROP DATABASE`, with `WITH (FORCE)` when asked (PostgreSQL 13+).
 *
 * ### Examples
 * ```ts
 * dropDatabase('app', true).text; // 'DROP DATABASE "app" WITH (FORCE)'
 * ```
 */
export function dropDatabase(name: string, force = false): Statement {
  return stmt(`DROP DATABASE ${q(name)}${force ? ' WITH (FORCE)' : ''}`);
}

/**
 * `DROP DATABASE IF EXISTS` (a restore's side database, which a cancel may have left uncreated),
 * `WITH (FORCE)` when asked (PostgreSQL 13+).
 *
 * ### Examples
 * ```ts
 * dropDatabaseIfExists('gds_restore_1', true).text; // 'DROP DATABASE IF EXISTS "gds_restore_1" WITH (FORCE)'
 * ```
 */
export function dropDatabaseIfExists(name: string, force: boolean): Statement {
  return stmt(`DROP DATABASE IF EXISTS ${q(name)}${force ? ' WITH (FORCE)' : ''}`);
}

/**
 * `ALTER DATABASE ... RENAME TO` (a restore's swap).
 *
 * ### Examples
 * ```ts
 * renameDatabase('gds_restore_1', 'app').text; // 'ALTER DATABASE "gds_restore_1" RENAME TO "app"'
 * ```
 */
export function renameDatabase(from: string, to: string): Statement {
  return stmt(`ALTER DATABASE ${q(from)} RENAME TO ${q(to)}`);
}

/**
 * Ends every other session connected to `name`.
 *
 * ### Examples
 * ```ts
 * terminateSessions('app').params; // ['app']
 * ```
 */
export function terminateSessions(name: string): Statement {
  return stmt('select pg_catalog.pg_terminate_backend(pid) from pg_catalog.pg_stat_activity where datname = $1 and pid <> pg_catalog.pg_backend_pid()', [name]);
}

/**
 * Counts the other sessions connected to `name`.
 *
 * ### Examples
 * ```ts
 * countSessions('app').text;
 * ```
 */
export function countSessions(name: string): Statement {
  return stmt('select count(*) as n from pg_catalog.pg_stat_activity where datname = $1 and pid <> pg_catalog.pg_backend_pid()', [name]);
}

/**
 * `ALTER DATABASE ... ALLOW_CONNECTIONS` (gds's offline/online).
 *
 * ### Examples
 * ```ts
 * allowConnections('app', false).text; // 'ALTER DATABASE "app" ALLOW_CONNECTIONS false'
 * ```
 */
export function allowConnections(name: string, allow: boolean): Statement {
  return stmt(`ALTER DATABASE ${q(name)} ALLOW_CONNECTIONS ${allow}`);
}

/**
 * `ALTER DATABASE ... CONNECTION LIMIT`.
 *
 * ### Examples
 * ```ts
 * connectionLimit('app', 1).text; // 'ALTER DATABASE "app" CONNECTION LIMIT 1'
 * ```
 */
export function connectionLimit(name: string, limit: number): Statement {
  return stmt(`ALTER DATABASE ${q(name)} CONNECTION LIMIT ${Math.trunc(limit)}`);
}

/**
 * Remembers the connection limit single-user mode replaces, as a per-database setting
 * (`gds.previous_connection_limit`), so that `setMultiUserMode()` can restore it.
 *
 * ### Examples
 * ```ts
 * rememberLimit('app', 20).text; // 'ALTER DATABASE "app" SET gds.previous_connection_limit = \'20\''
 * ```
 */
export function rememberLimit(name: string, limit: number): Statement {
  return stmt(`ALTER DATABASE ${q(name)} SET ${PREVIOUS_LIMIT_SETTING} = ${lit(String(Math.trunc(limit)))}`);
}

/**
 * Forgets the remembered connection limit.
 *
 * ### Examples
 * ```ts
 * forgetLimit('app').text; // 'ALTER DATABASE "app" RESET gds.previous_connection_limit'
 * ```
 */
export function forgetLimit(name: string): Statement {
  return stmt(`ALTER DATABASE ${q(name)} RESET ${PREVIOUS_LIMIT_SETTING}`);
}

/**
 * `VACUUM` with options, of the given tables or of the whole database.
 *
 * ### Examples
 * ```ts
 * vacuum({ full: true, tables: [{ schema: 'public', name: 'orders' }] }).text;
 * // 'VACUUM (FULL true, ANALYZE true) "public"."orders"'
 * ```
 */
export function vacuum(o: VacuumOptions = {}): Statement {
  const flags = [`FULL ${o.full ?? false}`, `ANALYZE ${o.analyze ?? true}`];
  if (o.freeze) flags.push('FREEZE true');
  if (o.verbose) flags.push('VERBOSE true');
  const tables = (o.tables ?? []).map((t) => (typeof t === 'string' ? q(t, 'table name') : `${q(t.schema, 'schema name')}.${q(t.name, 'table name')}`));
  return stmt(`VACUUM (${flags.join(', ')})${tables.length ? ` ${tables.join(', ')}` : ''}`);
}

/**
 * Ends one backend (a standby's walsender before its slot is dropped); the pid goes as a parameter.
 *
 * ### Examples
 * ```ts
 * terminateBackend(4242); // { text: 'select pg_catalog.pg_terminate_backend($1)', params: [4242] }
 * ```
 */
export function terminateBackend(pid: number): Statement {
  return stmt('select pg_catalog.pg_terminate_backend($1)', [pid]);
}

/**
 * Drops a replication slot; its name goes as a parameter.
 *
 * ### Examples
 * ```ts
 * dropReplicationSlot('standby1').params; // ['standby1']
 * ```
 */
export function dropReplicationSlot(slot: string): Statement {
  return stmt('select pg_catalog.pg_drop_replication_slot($1)', [slot]);
}

/**
 * `ALTER SYSTEM SET synchronous_standby_names` (a utility statement: it takes no parameters, so
 * the value is a quoted literal).
 *
 * ### Examples
 * ```ts
 * setSynchronousStandbyNames('ANY 1 ("s1")').text; // 'ALTER SYSTEM SET synchronous_standby_names = \'ANY 1 ("s1")\''
 * ```
 */
export function setSynchronousStandbyNames(names: string): Statement {
  return stmt(`ALTER SYSTEM SET synchronous_standby_names = ${lit(names)}`);
}

/** Makes the server reread its configuration. */
export const RELOAD_CONF: Statement = stmt('select pg_catalog.pg_reload_conf()');

/**
 * Promotes the standby at `endpoint`, waiting up to 60 s (its one column, `pg_promote`, says
 * whether it finished); `on` shows where in a dry run.
 *
 * ### Examples
 * ```ts
 * describeStatement(promote('postgresql://s:5433/postgres')); // 'select pg_catalog.pg_promote(true, 60) -- on postgresql://s:5433/postgres'
 * ```
 */
export function promote(endpoint: string): Statement {
  return Object.freeze({ ...stmt('select pg_catalog.pg_promote(true, 60)'), on: endpoint });
}

/** Lists schemas: `$1` true includes pg_* and information_schema. */
export const LIST_SCHEMAS_SQL = `select nspname as name from pg_catalog.pg_namespace
where $1::boolean or (nspname !~ '^pg_' and nspname <> 'information_schema')
order by nspname`;

/** Lists ordinary and partitioned tables: `$1` a schema, or NULL for every user schema. */
export const LIST_TABLES_SQL = `select n.nspname as schema, c.relname as name, c.relkind as kind
from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
where c.relkind in ('r', 'p')
  and (case when $1::text is null then n.nspname !~ '^pg_' and n.nspname <> 'information_schema' else n.nspname = $1::text end)
order by n.nspname, c.relname`;

/** Whether a database holds any user table, view, sequence or function (run inside it). */
export const HAS_USER_OBJECTS_SQL = `select exists (
  select 1 from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
  where n.nspname !~ '^pg_' and n.nspname <> 'information_schema' and c.relkind in ('r','p','v','m','S','f')
) or exists (
  select 1 from pg_catalog.pg_proc p join pg_catalog.pg_namespace n on n.oid = p.pronamespace
  where n.nspname !~ '^pg_' and n.nspname <> 'information_schema'
) as has_objects`;
