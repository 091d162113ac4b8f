/**
 * The column sets of the Snowflake SHOW commands gds reads, as Snowflake documents them (lower
 * case names, in order), so that simulator replies have the real shape: SHOW DATABASES (with
 * HISTORY's `dropped_on`), SHOW SCHEMAS, SHOW TABLES, SHOW REPLICATION DATABASES and SHOW
 * REPLICATION/FAILOVER GROUPS. Limits: columns Snowflake added for features gds does not read
 * (budgets, Iceberg details...) are partly left out; a missing value is NULL.
 *
 * @module
 */
import type { SimColumn, SimValue } from './rowset.js';
import type { SimRowsReply } from './script.js';

const text = (name: string): SimColumn => ({ name, type: 'text' });
const ts = (name: string): SimColumn => ({ name, type: 'timestamp_ltz' });
const bool = (name: string): SimColumn => ({ name, type: 'boolean' });
const num = (name: string): SimColumn => ({ name, type: 'fixed' });

/** Columns of `SHOW DATABASES` (with `dropped_on`, as `SHOW DATABASES HISTORY` adds it). */
export const SHOW_DATABASES_COLUMNS: readonly SimColumn[] = Object.freeze([
  ts('created_on'), text('name'), text('is_default'), text('is_current'), text('origin'), text('owner'), text('comment'),
  text('options'), text('retention_time'), text('kind'), text('budget'), text('owner_role_type'), ts('dropped_on'),
]);

/** Columns of `SHOW SCHEMAS`. */
export const SHOW_SCHEMAS_COLUMNS: readonly SimColumn[] = Object.freeze([
  ts('created_on'), text('name'), text('is_default'), text('is_current'), text('database_name'), text('owner'), text('comment'),
  text('options'), text('retention_time'), text('owner_role_type'), text('budget'),
]);

/** Columns of `SHOW TABLES`. */
export const SHOW_TABLES_COLUMNS: readonly SimColumn[] = Object.freeze([
  ts('created_on'), text('name'), text('database_name'), text('schema_name'), text('kind'), text('comment'), text('cluster_by'),
  num('rows'), num('bytes'), text('owner'), text('retention_time'), text('automatic_clustering'), text('change_tracking'),
  text('is_external'), text('enable_schema_evolution'), text('owner_role_type'), text('is_event'), text('budget'),
  text('is_hybrid'), text('is_iceberg'), text('is_dynamic'), text('is_immutable'),
]);

/** Columns of `SHOW REPLICATION DATABASES`. */
export const SHOW_REPLICATION_DATABASES_COLUMNS: readonly SimColumn[] = Object.freeze([
  text('region_group'), text('snowflake_region'), text('account_locator'), text('comment'), text('name'), bool('is_primary'),
  text('primary'), text('replication_allowed_to_accounts'), text('failover_allowed_to_accounts'), ts('created_on'),
  text('organization_name'), text('account_name'), ts('dropped_on'),
]);

/** Columns of `SHOW REPLICATION GROUPS` and `SHOW FAILOVER GROUPS`. */
export const SHOW_GROUPS_COLUMNS: readonly SimColumn[] = Object.freeze([
  text('region_group'), text('snowflake_region'), ts('created_on'), text('account_name'), text('name'), text('type'), text('comment'),
  bool('is_primary'), text('primary'), text('object_types'), text('allowed_integration_types'), text('allowed_accounts'),
  text('organization_name'), text('account_locator'), text('replication_schedule'), text('secondary_state'),
  ts('next_scheduled_refresh'), text('owner'), text('is_listing_auto_fulfillment_group'),
]);

/** Columns of `TABLE(INFORMATION_SCHEMA.DATABASE_REFRESH_HISTORY(...))` (times are epoch milliseconds). */
export const REFRESH_HISTORY_COLUMNS: readonly SimColumn[] = Object.freeze([
  text('CURRENT_PHASE'), num('START_TIME'), num('END_TIME'), text('JOB_UUID'), num('COPY_BYTES'), num('OBJECT_COUNT'),
]);

/** Columns of `TABLE(INFORMATION_SCHEMA.DATABASE_REFRESH_PROGRESS(...))`. */
export const REFRESH_PROGRESS_COLUMNS: readonly SimColumn[] = Object.freeze([
  text('PHASE_NAME'), text('RESULT'), num('START_TIME'), num('END_TIME'), { name: 'DETAILS', type: 'variant' },
]);

/**
 * A reply with `columns` and `rows` given as objects (missing columns are NULL).
 *
 * ### Examples
 * ```ts
 * sim.reply(/^SHOW DATABASES/, showReply(SHOW_DATABASES_COLUMNS, [{ name: 'SALES', owner: 'SYSADMIN' }]));
 * ```
 */
export function showReply(columns: readonly SimColumn[], rows: ReadonlyArray<Record<string, SimValue>>): SimRowsReply {
  return { columns, rows };
}

/**
 * A `SHOW DATABASES` row with Snowflake's defaults filled in (a standard, permanent database
 * owned by SYSADMIN with 1 day of Time Travel).
 *
 * ### Examples
 * ```ts
 * databaseRow({ name: 'sales', options: 'TRANSIENT', retention_time: '0' });
 * ```
 */
export function databaseRow(row: Record<string, SimValue> & { name: string }): Record<string, SimValue> {
  return {
    created_on: new Date('2026-01-05T10:00:00.000Z'),
    is_default: 'N',
    is_current: 'N',
    origin: '',
    owner: 'SYSADMIN',
    comment: '',
    options: '',
    retention_time: '1',
    kind: 'STANDARD',
    budget: null,
    owner_role_type: 'ROLE',
    dropped_on: null,
    ...row,
  };
}
