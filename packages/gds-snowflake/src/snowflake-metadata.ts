/**
 * Snowflake database metadata: the type, the statement it is read with, and the mapping of rows.
 *
 * The metadata comes from `SHOW DATABASES` (one statement for one database and for the whole
 * account, and it needs no warehouse): owner, created, isTransient (`options` holds TRANSIENT),
 * retentionTimeDays, comment, kind (STANDARD, IMPORTED DATABASE, APPLICATION...), origin (the
 * share of an imported database) and options. `SHOW ... LIKE` takes no bindings and matches
 * case-insensitively with `%`/`_` wildcards, so gds sends the name as a quoted literal and keeps
 * only the row whose name is exactly equal. SHOW DATABASES has no last-altered time: it is read
 * from INFORMATION_SCHEMA.DATABASES (with the name as a binding) by `getMetadata()` when the
 * connection has a warehouse, and is undefined otherwise and in listings.
 * Correction to the original design: it read `SNOWFLAKE.INFORMATION_SCHEMA.DATABASES`, which
 * needs a warehouse for every read and has neither the origin nor the options.
 *
 * @module
 */
import { DatabaseState, type DatabaseMetadata } from '@gds/database';
import { likePattern, quoteIdentifier } from './snowflake-quote.js';

/**
 * What gds reports about a Snowflake database.
 *
 * ### Examples
 * ```ts
 * const m = (await db.getMetadata()) as SnowflakeDatabaseMetadata;
 * console.log(m.isTransient, m.retentionTimeDays, m.kind, m.origin);
 * ```
 */
export interface SnowflakeDatabaseMetadata extends DatabaseMetadata {
  type: 'snowflake';
  /** Whether it is TRANSIENT (no Fail-safe; at most 1 day of Time Travel). */
  isTransient: boolean;
  /** Days of Time Travel history kept (DATA_RETENTION_TIME_IN_DAYS). */
  retentionTimeDays: number | undefined;
  /** Its comment, when it has one. */
  comment: string | undefined;
  /** STANDARD, IMPORTED DATABASE (from a share), APPLICATION, APPLICATION PACKAGE, PERSONAL DATABASE... */
  kind: string;
  /** For an imported database: the share it comes from (`ORG.ACCOUNT.SHARE`). */
  origin: string | undefined;
  /** The options list of SHOW DATABASES (e.g. `['TRANSIENT']`). */
  options: string[];
  /** When it was last altered, when read (see the module comment). */
  lastAltered?: Date;
  /** Whether it is the session's current database. */
  isCurrent: boolean;
  /** Whether it is the user's default database. */
  isDefault: boolean;
}

/** A row of SHOW DATABASES, as the driver returns it (lower-case column names). */
export interface ShowDatabasesRow {
  name: string;
  created_on?: Date | string | null;
  is_default?: string | null;
  is_current?: string | null;
  origin?: string | null;
  owner?: string | null;
  comment?: string | null;
  options?: string | null;
  retention_time?: string | number | null;
  kind?: string | null;
  owner_role_type?: string | null;
  budget?: string | null;
  dropped_on?: Date | string | null;
}

/**
 * `SHOW DATABASES`, of the databases whose names match `name` case-insensitively when given
 * (filter the rows with {@link exactRows}); `history` adds dropped databases (for undrop).
 *
 * ### Examples
 * ```ts
 * showDatabasesSql("it's"); // "SHOW DATABASES LIKE 'it''s'"
 * ```
 */
export function showDatabasesSql(name?: string, history = false): string {
  return `SHOW DATABASES${history ? ' HISTORY' : ''}${name === undefined ? '' : ` LIKE ${likePattern(name)}`}`;
}

/**
 * The rows whose name is exactly `name` (SHOW ... LIKE also matches other cases and wildcards).
 *
 * ### Examples
 * ```ts
 * exactRows([{ name: 'SALES' }, { name: 'sales' }], 'sales'); // [{ name: 'sales' }]
 * ```
 */
export function exactRows<R extends { name: string }>(rows: readonly R[], name: string): R[] {
  return rows.filter((r) => r.name === name);
}

/**
 * Reads the last-altered time of one database (needs a warehouse); `?` is the exact name.
 *
 * ### Examples
 * ```ts
 * lastAlteredSql('sales'); // 'SELECT LAST_ALTERED FROM "sales".INFORMATION_SCHEMA.DATABASES WHERE DATABASE_NAME = ?'
 * ```
 */
export function lastAlteredSql(name: string): string {
  return `SELECT LAST_ALTERED FROM ${quoteIdentifier(name)}.INFORMATION_SCHEMA.DATABASES WHERE DATABASE_NAME = ?`;
}

const text = (v: unknown): string | undefined => (v === null || v === undefined || v === '' ? undefined : String(v));

function date(v: unknown): Date | undefined {
  if (v instanceof Date) return new Date(v.getTime());
  if (typeof v === 'string' && v) {
    const d = new Date(v);
    return Number.isNaN(d.getTime()) ? undefined : d;
  }
  return undefined;
}

/**
 * Maps a SHOW DATABASES row to {@link SnowflakeDatabaseMetadata}. Snowflake has no database
 * state, so an existing database is `online`.
 *
 * ### Examples
 * ```ts
 * rowToMetadata({ name: 'sales', options: 'TRANSIENT', retention_time: '0', kind: 'STANDARD' }).isTransient; // true
 * ```
 */
export function rowToMetadata(row: ShowDatabasesRow): SnowflakeDatabaseMetadata {
  const options = (text(row.options) ?? '')
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  const retention = text(row.retention_time);
  const additional: Record<string, unknown> = {};
  if (text(row.owner_role_type)) additional.ownerRoleType = text(row.owner_role_type);
  if (text(row.budget)) additional.budget = text(row.budget);
  if (date(row.dropped_on)) additional.droppedOn = date(row.dropped_on);
  return {
    name: row.name,
    type: 'snowflake',
    created: date(row.created_on),
    owner: text(row.owner),
    state: DatabaseState.ONLINE,
    isTransient: options.some((o) => o.toUpperCase() === 'TRANSIENT'),
    retentionTimeDays: retention === undefined || Number.isNaN(Number(retention)) ? undefined : Number(retention),
    comment: text(row.comment),
    kind: text(row.kind) ?? 'STANDARD',
    origin: text(row.origin),
    options,
    isCurrent: text(row.is_current)?.toUpperCase() === 'Y',
    isDefault: text(row.is_default)?.toUpperCase() === 'Y',
    additionalAttributes: additional,
  };
}
