/**
 * The statements gds sends to MySQL/MariaDB, as pure builders returning {@link Statement}
 * objects: what a dry run shows is what runs. Identifiers go through `quoteIdentifier`; values
 * are `?` parameters (prepared statements) wherever the server takes them. Differences between
 * MySQL 8 and MariaDB are branches here, on the {@link ServerInfo} of the server
 * (test/evidence/mysql8-schema.json).
 *
 * @module
 */
import { UnsupportedOperationError, ValidationError } from '@gds/database';
import { statement, type Statement } from '@gds/database/engine';
import type { ServerInfo } from './mysql-connection.js';
import type { CheckOptions, MaintenanceOptions, MySQLCreateOptions } from './mysql-options.js';
import { quoteIdentifier } from './mysql-quote.js';

export type { Statement };

/** The server's own databases (left out of listings unless `includeSystem`). */
export const SYSTEM_DATABASES: readonly string[] = Object.freeze(['mysql', 'information_schema', 'performance_schema', 'sys']);

/** Whether this server has read-only schemas (`ALTER SCHEMA ... READ ONLY`: MySQL 8.0.22+, not MariaDB). */
export function hasReadOnlySchemas(info: ServerInfo): boolean {
  return info.flavor === 'mysql' && (info.major > 8 || (info.major === 8 && (info.minor > 0 || info.patch >= 22)));
}

/** Whether this server has a per-schema default encryption (`DEFAULT ENCRYPTION`: MySQL 8.0.16+, not MariaDB). */
export function hasSchemaEncryption(info: ServerInfo): boolean {
  return info.flavor === 'mysql' && (info.major > 8 || (info.major === 8 && (info.minor > 0 || info.patch >= 16)));
}

/** Why this server has no read-only schemas. */
export function readOnlyUnsupportedReason(info: ServerInfo): string {
  return info.flavor === 'mariadb'
    ? `MariaDB (${info.version}) has no read-only schema (ALTER SCHEMA ... READ ONLY is MySQL 8.0.22+); make the server read-only (read_only) or revoke write privileges instead`
    : `MySQL ${info.version} has no read-only schema: ALTER SCHEMA ... READ ONLY needs MySQL 8.0.22 or later`;
}

/**
 * The metadata of one database (`name`) or of all: character set, collation, data and index
 * bytes, tables and views, and where the server has them the read-only option and the default
 * encryption; one statement, one round trip, whatever the number of databases. Tables are
 * grouped and joined on the binary name (information_schema compares case-insensitively on MariaDB).
 *
 * ### Examples
 * ```ts
 * metadataStatement(info, 'app').params; // ['app', 'app']
 * ```
 */
export function metadataStatement(info: ServerInfo, name?: string): Statement {
  const readOnly = hasReadOnlySchemas(info)
    ? "(SELECT MAX(x.OPTIONS) FROM information_schema.SCHEMATA_EXTENSIONS x WHERE x.SCHEMA_NAME = s.SCHEMA_NAME)"
    : 'NULL';
  const encryption = hasSchemaEncryption(info) ? 's.DEFAULT_ENCRYPTION' : 'NULL';
  // the tables are summed per binary name in a derived table; for one database its constant
  // TABLE_SCHEMA lets the server open that database's tables only ("Scanned 1 database")
  const only = name === undefined ? '' : 'WHERE TABLE_SCHEMA = ? ';
  return statement(
    `SELECT s.SCHEMA_NAME AS name, s.DEFAULT_CHARACTER_SET_NAME AS charset, s.DEFAULT_COLLATION_NAME AS collation, ` +
      `COALESCE(t.dataBytes, 0) AS dataBytes, COALESCE(t.indexBytes, 0) AS indexBytes, COALESCE(t.tableCount, 0) AS tableCount, COALESCE(t.viewCount, 0) AS viewCount, ` +
      `${readOnly} AS options, ${encryption} AS defaultEncryption ` +
      `FROM information_schema.SCHEMATA s LEFT JOIN (SELECT CAST(TABLE_SCHEMA AS BINARY) AS sch, SUM(DATA_LENGTH) AS dataBytes, SUM(INDEX_LENGTH) AS indexBytes, ` +
      `COUNT(CASE WHEN TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED') THEN 1 END) AS tableCount, COUNT(CASE WHEN TABLE_TYPE = 'VIEW' THEN 1 END) AS viewCount ` +
      `FROM information_schema.TABLES ${only}GROUP BY CAST(TABLE_SCHEMA AS BINARY)) t ON t.sch = CAST(s.SCHEMA_NAME AS BINARY) ` +
      `${name === undefined ? '' : 'WHERE s.SCHEMA_NAME = ? '}ORDER BY s.SCHEMA_NAME`,
    name === undefined ? [] : [name, name],
  );
}

/**
 * `SET SESSION information_schema_stats_expiry = 0` on MySQL 8+, where information_schema.TABLES
 * serves cached sizes (for 24 hours by default) unless the session asks for fresh ones; MariaDB
 * has no such cache (`undefined`).
 *
 * ### Examples
 * ```ts
 * freshStatistics(parseServerVersion('8.0.36'))?.text; // 'SET SESSION information_schema_stats_expiry = 0'
 * ```
 */
export function freshStatistics(info: ServerInfo): Statement | undefined {
  return info.flavor === 'mysql' && info.major >= 8 ? statement('SET SESSION information_schema_stats_expiry = 0') : undefined;
}

/** The names of every database. */
export const LIST_DATABASES: Statement = statement('SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA ORDER BY SCHEMA_NAME');

/**
 * Whether `name` exists (rows of every database whose name matches case-insensitively on
 * MariaDB; the caller compares exactly or by lower_case_table_names).
 *
 * ### Examples
 * ```ts
 * existsStatement('app').text; // 'SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?'
 * ```
 */
export function existsStatement(name: string): Statement {
  return statement('SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [name]);
}

/**
 * `CREATE DATABASE` with character set, collation, `IF NOT EXISTS` and, on MySQL 8.0.16+,
 * `ENCRYPTION`; encryption on another server is refused (UnsupportedOperationError).
 *
 * ### Examples
 * ```ts
 * createDatabase('app', { charset: 'utf8mb4', collation: 'utf8mb4_bin' }, info).text;
 * // 'CREATE DATABASE `app` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin'
 * ```
 */
export function createDatabase(name: string, options: Pick<MySQLCreateOptions, 'charset' | 'collation' | 'ifNotExists' | 'encryption'>, info: ServerInfo): Statement {
  const parts = [`CREATE DATABASE ${options.ifNotExists ? 'IF NOT EXISTS ' : ''}${quoteIdentifier(name, 'database name')}`];
  if (options.charset) parts.push(`CHARACTER SET ${word(options.charset, 'charset')}`);
  if (options.collation) parts.push(`COLLATE ${word(options.collation, 'collation')}`);
  if (options.encryption !== undefined) {
    if (!hasSchemaEncryption(info)) {
      throw new UnsupportedOperationError(`${info.flavor === 'mariadb' ? 'MariaDB' : 'MySQL'} ${info.version} has no per-database default encryption (CREATE DATABASE ... ENCRYPTION is MySQL 8.0.16+; MariaDB encrypts per table or with innodb_encrypt_tables)`, {
        engine: 'mysql',
        operation: 'create',
      });
    }
    parts.push(`DEFAULT ENCRYPTION = '${options.encryption ? 'Y' : 'N'}'`);
  }
  return statement(parts.join(' '));
}

/** A character set or collation name: letters, digits and underscores only (sent as a keyword). */
function word(value: string, what: string): string {
  if (!/^[A-Za-z0-9_]{1,64}$/.test(value)) throw new ValidationError(`Invalid ${what}`, [{ path: `/${what}`, message: 'must be letters, digits and underscores' }], { engine: 'mysql' });
  return value;
}

/**
 * `DROP DATABASE`.
 *
 * ### Examples
 * ```ts
 * dropDatabase('app').text; // 'DROP DATABASE `app`'
 * ```
 */
export function dropDatabase(name: string): Statement {
  return statement(`DROP DATABASE ${quoteIdentifier(name, 'database name')}`);
}

/**
 * The other sessions whose default database matches `name` (the caller compares exactly):
 * their thread id, user, host, command and seconds in it.
 *
 * ### Examples
 * ```ts
 * sessionsIn('app').params; // ['app']
 * ```
 */
export function sessionsIn(name: string): Statement {
  return statement(
    'SELECT ID AS id, USER AS user, HOST AS host, DB AS db, COMMAND AS command, TIME AS seconds FROM information_schema.PROCESSLIST WHERE DB = ? AND ID <> CONNECTION_ID() ORDER BY ID',
    [name],
  );
}

/**
 * Whether the connected account holds PROCESS globally (without it the process list shows only
 * its own sessions): one row when it does. Privileges that come through a role are not seen.
 *
 * ### Examples
 * ```ts
 * canSeeAllSessions().text; // "SELECT 1 AS yes FROM information_schema.USER_PRIVILEGES WHERE ..."
 * ```
 */
export function canSeeAllSessions(): Statement {
  return statement(
    "SELECT 1 AS yes FROM information_schema.USER_PRIVILEGES WHERE PRIVILEGE_TYPE = 'PROCESS' AND GRANTEE = CONCAT('''', SUBSTRING_INDEX(CURRENT_USER(), '@', 1), '''@''', SUBSTRING_INDEX(CURRENT_USER(), '@', -1), '''') LIMIT 1",
  );
}

/**
 * `KILL CONNECTION <id>`: ends a session (the id is a thread id from the process list, an integer).
 *
 * ### Examples
 * ```ts
 * killConnection(42).text; // 'KILL CONNECTION 42'
 * ```
 */
export function killConnection(id: number): Statement {
  if (!Number.isSafeInteger(id) || id <= 0) throw new ValidationError('Invalid thread id', [{ path: '', message: 'must be a positive integer' }], { engine: 'mysql' });
  return statement(`KILL CONNECTION ${id}`);
}

/**
 * `ALTER SCHEMA ... READ ONLY = 0|1` (MySQL 8.0.22+).
 *
 * ### Examples
 * ```ts
 * alterReadOnly('app', true).text; // 'ALTER SCHEMA `app` READ ONLY = 1'
 * ```
 */
export function alterReadOnly(name: string, readOnly: boolean): Statement {
  return statement(`ALTER SCHEMA ${quoteIdentifier(name, 'database name')} READ ONLY = ${readOnly ? 1 : 0}`);
}

/**
 * The base tables of a database (what ANALYZE/OPTIMIZE/CHECK TABLE run on when no tables are given).
 *
 * ### Examples
 * ```ts
 * baseTables('app').params; // ['app']
 * ```
 */
export function baseTables(database: string): Statement {
  return statement("SELECT TABLE_SCHEMA AS db, TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED') ORDER BY TABLE_NAME", [database]);
}

/**
 * The tables and views of a database.
 *
 * ### Examples
 * ```ts
 * listTables('app').params; // ['app']
 * ```
 */
export function listTables(database: string): Statement {
  return statement('SELECT TABLE_SCHEMA AS db, TABLE_NAME AS name, TABLE_TYPE AS type FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME', [database]);
}

const qualified = (database: string, tables: readonly string[]) => tables.map((t) => `${quoteIdentifier(database, 'database name')}.${quoteIdentifier(t, 'table name')}`).join(', ');

/**
 * `ANALYZE [NO_WRITE_TO_BINLOG] TABLE db.t1, db.t2`.
 *
 * ### Examples
 * ```ts
 * analyzeTables('app', ['orders'], {}).text; // 'ANALYZE TABLE `app`.`orders`'
 * ```
 */
export function analyzeTables(database: string, tables: readonly string[], options: Pick<MaintenanceOptions, 'local'>): Statement {
  return statement(`ANALYZE ${options.local ? 'NO_WRITE_TO_BINLOG ' : ''}TABLE ${qualified(database, tables)}`);
}

/**
 * `OPTIMIZE [NO_WRITE_TO_BINLOG] TABLE db.t1, ...`.
 *
 * ### Examples
 * ```ts
 * optimizeTables('app', ['orders'], { local: true }).text; // 'OPTIMIZE NO_WRITE_TO_BINLOG TABLE `app`.`orders`'
 * ```
 */
export function optimizeTables(database: string, tables: readonly string[], options: Pick<MaintenanceOptions, 'local'>): Statement {
  return statement(`OPTIMIZE ${options.local ? 'NO_WRITE_TO_BINLOG ' : ''}TABLE ${qualified(database, tables)}`);
}

const CHECK_MODES: Readonly<Record<NonNullable<CheckOptions['mode']>, string>> = Object.freeze({ quick: 'QUICK', fast: 'FAST', medium: 'MEDIUM', extended: 'EXTENDED', changed: 'CHANGED', forUpgrade: 'FOR UPGRADE' });

/**
 * `CHECK TABLE db.t1, ... [QUICK | FAST | MEDIUM | EXTENDED | CHANGED | FOR UPGRADE]`.
 *
 * ### Examples
 * ```ts
 * checkTables('app', ['orders'], { mode: 'extended' }).text; // 'CHECK TABLE `app`.`orders` EXTENDED'
 * ```
 */
export function checkTables(database: string, tables: readonly string[], options: Pick<CheckOptions, 'mode'>): Statement {
  return statement(`CHECK TABLE ${qualified(database, tables)}${options.mode ? ` ${CHECK_MODES[options.mode]}` : ''}`);
}

/**
 * How a dry run shows a statement: its text, then each `?` value.
 *
 * ### Examples
 * ```ts
 * describeStatement(existsStatement('app')); // "SELECT ... WHERE SCHEMA_NAME = ? -- ? = 'app'"
 * ```
 */
export function describeStatement(s: Statement): string {
  if (s.params.length === 0) return s.text;
  const shown = s.params.map((p) => `? = ${typeof p === 'string' ? `'${p.replaceAll("'", "''")}'` : String(p)}`.replace(/\r?\n/g, '\\n')).join(', ');
  return `${s.text} -- ${shown}`;
}
