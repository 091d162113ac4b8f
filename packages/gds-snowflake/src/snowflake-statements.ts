/**
 * The statements gds sends to Snowflake, built by pure functions so that tests can check them
 * exactly (the same strings dry runs report). Identifiers go through `quoteIdentifier`; values go
 * as bindings (`?`) where Snowflake accepts them (SELECT, table function arguments); DDL and SHOW
 * accept none, so their few literals (comments, timestamps, query ids, LIKE patterns) are
 * validated and quoted with `quoteString`.
 *
 * @module
 */
import { ValidationError } from '@gds/database';
import { statement as stmt, type Statement } from '@gds/database/engine';
import type { SnowflakeCreateOptions, SnowflakeDropOptions, TimeTravelPoint } from './snowflake-options.js';
import { accountIdentifier, likePattern, quoteIdentifier as q, quoteString as lit } from './snowflake-quote.js';

/** A statement that runs on another account's connection than the operation's own (a failover target). */
interface ElsewhereStatement extends Statement {
  /** The endpoint of the connection it runs on. */
  readonly on: string;
}

/**
 * The same statement, marked as running on the connection at `endpoint` (a dry run shows where).
 *
 * ### Examples
 * ```ts
 * describeStatement(runsOn(promote('sales'), 'snowflake://MYORG-DR')); // 'ALTER DATABASE "sales" PRIMARY -- on snowflake://MYORG-DR'
 * ```
 */
export function runsOn(s: Statement, endpoint: string): Statement {
  return Object.freeze({ text: s.text, params: s.params, on: endpoint });
}

/**
 * The statement as a dry run shows it (the engine definition's `describeStatement`): the text,
 * then the bindings as a comment, then where it runs when that is not the operation's connection.
 *
 * ### Examples
 * ```ts
 * describeStatement(statement('SELECT ?', ['x'])); // "SELECT ? -- ?1 = 'x'"
 * ```
 */
export function describeStatement(s: Statement): string {
  const on = typeof (s as Partial<ElsewhereStatement>).on === 'string' ? ` -- on ${(s as ElsewhereStatement).on}` : '';
  if (s.params.length === 0) return `${s.text}${on}`;
  const binds = s.params.map((b, i) => `?${i + 1} = ${(typeof b === 'string' ? lit(b) : String(b)).replace(/\r?\n/g, '\\n')}`).join(', ');
  return `${s.text} -- ${binds}${on}`;
}

/** An `at` or `before` Time Travel point, as an option pair. */
export interface TimeTravel {
  at?: TimeTravelPoint;
  before?: TimeTravelPoint;
}

function point(p: TimeTravelPoint, path: string): string {
  const given = (['timestamp', 'offset', 'statement'] as const).filter((k) => p[k] !== undefined);
  if (given.length !== 1) {
    throw new ValidationError('Invalid Time Travel point', [{ path, message: 'give exactly one of timestamp, offset or statement' }], { engine: 'snowflake' });
  }
  if (p.timestamp !== undefined) {
    if (Number.isNaN(Date.parse(p.timestamp))) throw new ValidationError('Invalid Time Travel point', [{ path: `${path}/timestamp`, message: 'is not a valid time' }], { engine: 'snowflake' });
    return `TIMESTAMP => ${lit(p.timestamp)}::TIMESTAMP_TZ`;
  }
  if (p.offset !== undefined) return `OFFSET => ${Math.trunc(p.offset)}`;
  return `STATEMENT => ${lit(String(p.statement))}`;
}

/**
 * The ` AT(...)` / ` BEFORE(...)` clause of a Time Travel point ('' for none; both is refused).
 *
 * ### Examples
 * ```ts
 * timeTravelClause({ at: { offset: -60 } }); // ' AT(OFFSET => -60)'
 * ```
 */
export function timeTravelClause(t: TimeTravel): string {
  if (t.at && t.before) throw new ValidationError('Invalid Time Travel point', [{ path: '/before', message: 'give at or before, not both' }], { engine: 'snowflake' });
  if (t.at) return ` AT(${point(t.at, '/at')})`;
  if (t.before) return ` BEFORE(${point(t.before, '/before')})`;
  return '';
}

/**
 * `CREATE DATABASE` with every option given (mode, transient, clone with a Time Travel point,
 * retention, comment).
 *
 * ### Examples
 * ```ts
 * createDatabase('dev', { transient: true, clone: { source: 'SALES', at: { offset: -60 } } }).text;
 * // 'CREATE TRANSIENT DATABASE "dev" CLONE "SALES" AT(OFFSET => -60)'
 * ```
 */
export function createDatabase(name: string, o: SnowflakeCreateOptions = {}): Statement {
  const mode = o.mode ?? 'errorIfExists';
  let text = `CREATE ${mode === 'orReplace' ? 'OR REPLACE ' : ''}${o.transient ? 'TRANSIENT ' : ''}DATABASE ${mode === 'ifNotExists' ? 'IF NOT EXISTS ' : ''}${q(name)}`;
  if (o.clone) text += ` CLONE ${q(o.clone.source)}${timeTravelClause(o.clone)}`;
  if (o.dataRetentionTimeInDays !== undefined) text += ` DATA_RETENTION_TIME_IN_DAYS = ${Math.trunc(o.dataRetentionTimeInDays)}`;
  if (o.maxDataExtensionTimeInDays !== undefined) text += ` MAX_DATA_EXTENSION_TIME_IN_DAYS = ${Math.trunc(o.maxDataExtensionTimeInDays)}`;
  if (o.comment !== undefined) text += ` COMMENT = ${lit(o.comment)}`;
  return stmt(text);
}

/**
 * `DROP DATABASE`, with IF EXISTS and CASCADE or RESTRICT when asked.
 *
 * ### Examples
 * ```ts
 * dropDatabase('old', { ifExists: true, restrict: true }).text; // 'DROP DATABASE IF EXISTS "old" RESTRICT'
 * ```
 */
export function dropDatabase(name: string, o: Pick<SnowflakeDropOptions, 'ifExists' | 'cascade' | 'restrict'> = {}): Statement {
  if (o.cascade && o.restrict) throw new ValidationError('Invalid options for drop', [{ path: '/restrict', message: 'give cascade or restrict, not both' }], { engine: 'snowflake' });
  return stmt(`DROP DATABASE ${o.ifExists ? 'IF EXISTS ' : ''}${q(name)}${o.cascade ? ' CASCADE' : o.restrict ? ' RESTRICT' : ''}`);
}

/**
 * `UNDROP DATABASE`: brings back the most recently dropped database of that name.
 *
 * ### Examples
 * ```ts
 * undropDatabase('sales').text; // 'UNDROP DATABASE "sales"'
 * ```
 */
export function undropDatabase(name: string): Statement {
  return stmt(`UNDROP DATABASE ${q(name)}`);
}

/**
 * Sets the Time Travel retention.
 *
 * ### Examples
 * ```ts
 * setRetention('sales', 7).text; // 'ALTER DATABASE "sales" SET DATA_RETENTION_TIME_IN_DAYS = 7'
 * ```
 */
export function setRetention(name: string, days: number): Statement {
  return stmt(`ALTER DATABASE ${q(name)} SET DATA_RETENTION_TIME_IN_DAYS = ${Math.trunc(days)}`);
}

/**
 * Swaps two databases' names (and so their contents) in one atomic statement.
 *
 * ### Examples
 * ```ts
 * swapDatabases('sales', 'sales_new').text; // 'ALTER DATABASE "sales" SWAP WITH "sales_new"'
 * ```
 */
export function swapDatabases(name: string, other: string): Statement {
  return stmt(`ALTER DATABASE ${q(name)} SWAP WITH ${q(other)}`);
}

/**
 * Lists the schemas of a database (no warehouse needed).
 *
 * ### Examples
 * ```ts
 * showSchemas('sales').text; // 'SHOW SCHEMAS IN DATABASE "sales"'
 * ```
 */
export function showSchemas(database: string): Statement {
  return stmt(`SHOW SCHEMAS IN DATABASE ${q(database)}`);
}

/**
 * Lists the tables of a database, or of one of its schemas.
 *
 * ### Examples
 * ```ts
 * showTables('sales', 'PUBLIC').text; // 'SHOW TABLES IN SCHEMA "sales"."PUBLIC"'
 * ```
 */
export function showTables(database: string, schema?: string): Statement {
  return stmt(schema === undefined ? `SHOW TABLES IN DATABASE ${q(database)}` : `SHOW TABLES IN SCHEMA ${q(database)}.${q(schema)}`);
}

/**
 * `SHOW REPLICATION DATABASES LIKE '<name>'` (filter the rows by exact name).
 *
 * ### Examples
 * ```ts
 * showReplicationDatabases('sales').text; // "SHOW REPLICATION DATABASES LIKE 'sales'"
 * ```
 */
export function showReplicationDatabases(name: string): Statement {
  return stmt(`SHOW REPLICATION DATABASES LIKE ${likePattern(name)}`);
}

/** Which kind of group: replication groups replicate, failover groups can also be promoted. */
export type GroupKind = 'REPLICATION' | 'FAILOVER';

/**
 * `SHOW REPLICATION GROUPS` or `SHOW FAILOVER GROUPS`.
 *
 * ### Examples
 * ```ts
 * showGroups('FAILOVER').text; // 'SHOW FAILOVER GROUPS'
 * ```
 */
export function showGroups(kind: GroupKind): Statement {
  return stmt(`SHOW ${kind} GROUPS`);
}

/**
 * The databases a group holds.
 *
 * ### Examples
 * ```ts
 * showGroupDatabases('FAILOVER', 'DR_GROUP').text; // 'SHOW DATABASES IN FAILOVER GROUP "DR_GROUP"'
 * ```
 */
export function showGroupDatabases(kind: GroupKind, group: string): Statement {
  return stmt(`SHOW DATABASES IN ${kind} GROUP ${q(group)}`);
}

function accounts(list: readonly string[]): string {
  return list.map(accountIdentifier).join(', ');
}

/**
 * Allows replicating a (primary) database to accounts.
 *
 * ### Examples
 * ```ts
 * enableReplication('sales', ['myorg.dr']).text; // 'ALTER DATABASE "sales" ENABLE REPLICATION TO ACCOUNTS MYORG.DR'
 * ```
 */
export function enableReplication(name: string, targets: readonly string[], ignoreEditionCheck = false): Statement {
  return stmt(`ALTER DATABASE ${q(name)} ENABLE REPLICATION TO ACCOUNTS ${accounts(targets)}${ignoreEditionCheck ? ' IGNORE EDITION CHECK' : ''}`);
}

/**
 * Stops allowing replication to accounts.
 *
 * ### Examples
 * ```ts
 * disableReplication('sales', ['myorg.dr']).text; // 'ALTER DATABASE "sales" DISABLE REPLICATION TO ACCOUNTS MYORG.DR'
 * ```
 */
export function disableReplication(name: string, targets: readonly string[]): Statement {
  return stmt(`ALTER DATABASE ${q(name)} DISABLE REPLICATION TO ACCOUNTS ${accounts(targets)}`);
}

/**
 * Allows (does not perform) a failover to accounts: the design used this to "fail over", wrongly.
 *
 * ### Examples
 * ```ts
 * enableFailover('sales', ['myorg.dr']).text; // 'ALTER DATABASE "sales" ENABLE FAILOVER TO ACCOUNTS MYORG.DR'
 * ```
 */
export function enableFailover(name: string, targets: readonly string[]): Statement {
  return stmt(`ALTER DATABASE ${q(name)} ENABLE FAILOVER TO ACCOUNTS ${accounts(targets)}`);
}

/**
 * Refreshes a secondary database, or a secondary group (run on the secondary's account).
 *
 * ### Examples
 * ```ts
 * refresh('sales').text;                        // 'ALTER DATABASE "sales" REFRESH'
 * refresh('DR', { kind: 'FAILOVER' }).text;     // 'ALTER FAILOVER GROUP "DR" REFRESH'
 * ```
 */
export function refresh(name: string, group?: { kind: GroupKind }): Statement {
  return stmt(group ? `ALTER ${group.kind} GROUP ${q(name)} REFRESH` : `ALTER DATABASE ${q(name)} REFRESH`);
}

/**
 * Promotes a secondary database (or failover group) to primary: run on the TARGET account.
 *
 * ### Examples
 * ```ts
 * promote('sales').text;   // 'ALTER DATABASE "sales" PRIMARY'
 * promote('DR', true).text; // 'ALTER FAILOVER GROUP "DR" PRIMARY'
 * ```
 */
export function promote(name: string, failoverGroup = false): Statement {
  return stmt(failoverGroup ? `ALTER FAILOVER GROUP ${q(name)} PRIMARY` : `ALTER DATABASE ${q(name)} PRIMARY`);
}

/**
 * Resumes the scheduled refreshes of this account's secondary group (suspended by every
 * failover; run on each secondary's account).
 *
 * ### Examples
 * ```ts
 * resumeGroup('DR', 'FAILOVER').text; // 'ALTER FAILOVER GROUP "DR" RESUME'
 * ```
 */
export function resumeGroup(name: string, kind: GroupKind): Statement {
  return stmt(`ALTER ${kind} GROUP ${q(name)} RESUME`);
}

/**
 * The refresh history of a secondary database (last 14 days; ACCOUNTADMIN; needs a warehouse).
 * The function takes the name as an identifier inside a string, so the quoted name is bound.
 *
 * ### Examples
 * ```ts
 * refreshHistory('sales').params; // ['"sales"']
 * ```
 */
export function refreshHistory(name: string): Statement {
  return stmt(`SELECT CURRENT_PHASE, START_TIME, END_TIME, JOB_UUID, COPY_BYTES, OBJECT_COUNT FROM TABLE(${q(name)}.INFORMATION_SCHEMA.DATABASE_REFRESH_HISTORY(?)) ORDER BY START_TIME DESC`, [q(name)]);
}

/**
 * The phases of the latest refresh of a secondary database, oldest first. The function returns
 * its rows in no defined order, so the statement orders them (the current phase is the newest).
 *
 * ### Examples
 * ```ts
 * refreshProgress('sales').text.endsWith('ORDER BY START_TIME'); // true
 * ```
 */
export function refreshProgress(name: string): Statement {
  return stmt(`SELECT PHASE_NAME, RESULT, START_TIME, END_TIME, DETAILS FROM TABLE(${q(name)}.INFORMATION_SCHEMA.DATABASE_REFRESH_PROGRESS(?)) ORDER BY START_TIME`, [q(name)]);
}

/**
 * How far back gds reads a group's refresh history, in days. Without a date range
 * REPLICATION_GROUP_REFRESH_HISTORY returns the last 12 hours only, and a range reaching beyond
 * its 14-day retention is an error: 13 days keeps a margin.
 */
export const GROUP_HISTORY_DAYS = 13;

/**
 * The refresh history of a secondary group over the last {@link GROUP_HISTORY_DAYS} days, read
 * through one of its databases' INFORMATION_SCHEMA (without a date range the function returns
 * only the last 12 hours, which hid a group refreshed less often or stalled for a day).
 *
 * ### Examples
 * ```ts
 * groupRefreshHistory('sales', 'DR').params; // ['"DR"']
 * ```
 */
export function groupRefreshHistory(database: string, group: string): Statement {
  return stmt(
    `SELECT PHASE_NAME, START_TIME, END_TIME, JOB_UUID, PRIMARY_SNAPSHOT_TIMESTAMP FROM TABLE(${q(database)}.INFORMATION_SCHEMA.REPLICATION_GROUP_REFRESH_HISTORY(?, DATE_RANGE_START => DATEADD(DAY, -${GROUP_HISTORY_DAYS}, CURRENT_TIMESTAMP()), DATE_RANGE_END => CURRENT_TIMESTAMP())) ORDER BY START_TIME DESC`,
    [q(group)],
  );
}
