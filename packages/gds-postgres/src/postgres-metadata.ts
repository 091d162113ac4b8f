/**
 * PostgreSQL database metadata: the type, the one catalog query (used for a single database and,
 * unchanged but for its WHERE clause, for every database at once), and the mapping of its rows.
 *
 * Corrections to the original design: `pg_database_size()` raises "permission denied" for a
 * database the user may not CONNECT to, so the size is read only where `has_database_privilege`
 * allows it (undefined otherwise); and the row is read through `to_jsonb(d)`, so that columns
 * renamed between major versions (`daticulocale` in 15-16, `datlocale` in 17+) do not break it.
 *
 * @module
 */
import { AccessMode, DatabaseState, type DatabaseMetadata } from '@gds/database';

/**
 * What gds reports about a PostgreSQL database.
 *
 * ### Examples
 * ```ts
 * const m = (await db.getMetadata()) as PostgreSQLDatabaseMetadata;
 * console.log(m.encoding, m.connectionLimit, m.allowConnections);
 * ```
 */
export interface PostgreSQLDatabaseMetadata extends DatabaseMetadata {
  type: 'postgresql';
  /** Character encoding, e.g. `UTF8`. */
  encoding: string;
  /** LC_COLLATE. */
  lcCollate: string;
  /** LC_CTYPE. */
  lcCtype: string;
  /** Locale provider: `libc`, `icu` or `builtin` (15+). */
  localeProvider?: string;
  /** ICU or builtin locale (15+). */
  icuLocale?: string;
  /** Default tablespace. */
  tablespace: string;
  /** Connection limit, -1 for none. */
  connectionLimit: number;
  /** Whether new connections are allowed (false: "offline" in gds). */
  allowConnections: boolean;
  /** Whether it is a template database. */
  isTemplate: boolean;
  /** Sessions connected to it when the metadata was read. */
  sessions: number;
  /** The connection limit `setSingleUserMode()` replaced, while in single-user or restricted mode. */
  previousConnectionLimit?: number;
}

/**
 * The catalog query; `$1` is the database name, or NULL for every database.
 * `$2` includes template databases when true.
 */
export const METADATA_SQL = `select to_jsonb(d) as d,
  pg_catalog.pg_get_userbyid(d.datdba) as owner,
  pg_catalog.pg_encoding_to_char(d.encoding) as encoding,
  t.spcname as tablespace,
  case when pg_catalog.has_database_privilege(d.oid, 'CONNECT') then pg_catalog.pg_database_size(d.oid) end as size_bytes,
  (select count(*) from pg_catalog.pg_stat_activity a where a.datid = d.oid and a.pid <> pg_catalog.pg_backend_pid()) as sessions,
  (select s.setconfig from pg_catalog.pg_db_role_setting s where s.setdatabase = d.oid and s.setrole = 0) as settings
from pg_catalog.pg_database d
left join pg_catalog.pg_tablespace t on t.oid = d.dattablespace
where ($1::text is null or d.datname = $1::text) and ($2::boolean or not d.datistemplate)
order by d.datname`;

/** A row of {@link METADATA_SQL}. */
export interface MetadataRow {
  d: Record<string, unknown>;
  owner: string;
  encoding: string;
  tablespace: string | null;
  size_bytes: string | null;
  sessions: string;
  settings: string[] | null;
}

/** The per-database setting where `setSingleUserMode()` keeps the limit it replaced. */
export const PREVIOUS_LIMIT_SETTING = 'gds.previous_connection_limit';

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

/**
 * Maps a catalog row to metadata: `allowConnections` false is the `offline` state; a connection
 * limit of 1 is `single_user`, 0 `restricted_user` (only superusers may connect), else `multi_user`.
 *
 * ### Examples
 * ```ts
 * const meta = rowToMetadata(rows[0]);
 * ```
 */
export function rowToMetadata(row: MetadataRow): PostgreSQLDatabaseMetadata {
  const d = row.d;
  const limit = Number(d.datconnlimit ?? -1);
  const allow = d.datallowconn !== false;
  const previous = (row.settings ?? []).find((s) => s.startsWith(`${PREVIOUS_LIMIT_SETTING}=`));
  const provider = str(d.datlocprovider);
  const additional: Record<string, unknown> = { oid: Number(d.oid), frozenXid: d.datfrozenxid };
  if (row.settings?.length) additional.settings = row.settings;
  return {
    name: String(d.datname),
    type: 'postgresql',
    owner: row.owner,
    sizeBytes: row.size_bytes === null ? undefined : Number(row.size_bytes),
    collation: str(d.datcollate) ?? str(d.datlocale) ?? str(d.daticulocale),
    state: allow ? DatabaseState.ONLINE : DatabaseState.OFFLINE,
    accessMode: limit === 1 ? AccessMode.SINGLE_USER : limit === 0 ? AccessMode.RESTRICTED_USER : AccessMode.MULTI_USER,
    encoding: row.encoding,
    lcCollate: String(d.datcollate ?? ''),
    lcCtype: String(d.datctype ?? ''),
    localeProvider: provider === 'c' ? 'libc' : provider === 'i' ? 'icu' : provider === 'b' ? 'builtin' : undefined,
    icuLocale: str(d.datlocale) ?? str(d.daticulocale),
    tablespace: row.tablespace ?? 'pg_default',
    connectionLimit: limit,
    allowConnections: allow,
    isTemplate: d.datistemplate === true,
    sessions: Number(row.sessions),
    previousConnectionLimit: previous ? Number(previous.slice(PREVIOUS_LIMIT_SETTING.length + 1)) : undefined,
    additionalAttributes: additional,
  };
}
