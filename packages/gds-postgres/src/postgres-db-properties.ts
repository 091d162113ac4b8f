/**
 * The properties of a database that belong to the database, not to its contents: owner,
 * encoding, locales (and their provider), tablespace, ACL, per-database and per-role settings
 * (`pg_db_role_setting`), connection limit, comment, security labels, `allow_connections` and
 * `is_template`. pg_dump without `--create` carries none of them, so `restore({ replace: true })`,
 * which restores into a fresh side database and swaps names, reads them from the catalogs of the
 * database it replaces and gives them to the side database (after the restore ran, before the
 * swap; statements recorded, so a dry run lists them), then checks the side database against
 * them and refuses the swap if anything differs.
 *
 * - ACL: rebuilt item by item in the old order (`REVOKE ALL` from what the side has, then one
 *   `GRANT` per item); a grant whose grantor is not the owner runs under `SET ROLE grantor`, as
 *   pg_dump does with SET SESSION AUTHORIZATION (a superuser's grant is recorded as the owner's).
 *   Connecting as a non-superuser, such a grant needs membership in the grantor's role.
 * - Settings: quoted as pg_dump's makeAlterConfigCommand does (test/evidence/pg-dump-config-quoting.json):
 *   list settings (`search_path`...) split and each element a literal, any other value one literal.
 * - `allow_connections = false` and `is_template = true` are given last: the restore needs to
 *   connect. A template is replaced like any database (the name stays a template); the replaced
 *   copy is made an ordinary database just before it is dropped, since PostgreSQL refuses to drop
 *   a template.
 * - Not carried, refused by the check instead: ICU rules (PostgreSQL 16+) and the builtin locale
 *   provider (17+), which CREATE DATABASE here does not set. The collation version is the new
 *   database's own (its indexes were just built).
 *
 * @module
 */
import type { PostgreSQLConnection } from './postgres-connection.js';
import type { PostgreSQLCreateOptions } from './postgres-options.js';
import { quoteIdentifier as q, quoteLiteral as lit } from './postgres-quote.js';
import { allowConnections, connectionLimit, type Statement } from './postgres-statements.js';

/** One ACL item: who got which privileges from whom (`grantee` null = PUBLIC). */
export interface AclEntry {
  /** The role given the privileges, or null for PUBLIC. */
  readonly grantee: string | null;
  /** The role recorded as granting them. */
  readonly grantor: string;
  /** The privileges without grant option (`CREATE`, `TEMPORARY`, `CONNECT`). */
  readonly privileges: readonly string[];
  /** The privileges with grant option. */
  readonly grantable: readonly string[];
}

/** The settings of one role in the database (`role` null = every role: `ALTER DATABASE ... SET`). */
export interface RoleSettings {
  /** The role, or null for the database-wide settings. */
  readonly role: string | null;
  /** `name=value` items as pg_db_role_setting.setconfig holds them. */
  readonly config: readonly string[];
}

/** A database's own properties, as the catalogs hold them. */
export interface DatabaseProperties {
  readonly owner: string;
  readonly encoding: string;
  readonly collate: string;
  readonly ctype: string;
  /** `c` (libc), `i` (icu) or `b` (builtin); `c` before PostgreSQL 15. */
  readonly localeProvider: string;
  /** The ICU (or builtin) locale, if any. */
  readonly icuLocale: string | null;
  /** ICU tailoring rules (PostgreSQL 16+). */
  readonly icuRules: string | null;
  readonly tablespace: string;
  readonly isTemplate: boolean;
  readonly allowConnections: boolean;
  readonly connectionLimit: number;
  /** The ACL in order; the default one when `aclIsDefault`. */
  readonly acl: readonly AclEntry[];
  /** Whether datacl is NULL (default privileges). */
  readonly aclIsDefault: boolean;
  /** The ACL a new database of this owner gets (acldefault). */
  readonly defaultAcl: readonly AclEntry[];
  readonly comment: string | null;
  readonly securityLabels: readonly { readonly provider: string; readonly label: string }[];
  readonly settings: readonly RoleSettings[];
}

/** The privileges a database ACL can hold, as aclexplode names them (the only words put into GRANT unquoted). */
const DATABASE_PRIVILEGES = new Set(['CREATE', 'TEMPORARY', 'CONNECT']);

/**
 * Settings whose values PostgreSQL stores as quoted lists (pg_dump's variable_is_guc_list_quote,
 * src/bin/pg_dump/dumputils.c; test/evidence/pg-dump-config-quoting.json).
 */
export const LIST_QUOTE_SETTINGS: readonly string[] = ['local_preload_libraries', 'search_path', 'session_preload_libraries', 'shared_preload_libraries', 'temp_tablespaces', 'unix_socket_directories'];

const mainSql = (num: number): string => `select pg_catalog.pg_get_userbyid(d.datdba) as owner, pg_catalog.pg_encoding_to_char(d.encoding) as encoding,
  d.datcollate::text as collate, d.datctype::text as ctype,
  ${num >= 150000 ? 'd.datlocprovider::text' : "'c'::text"} as provider,
  ${num >= 170000 ? 'd.datlocale' : num >= 150000 ? 'd.daticulocale' : 'null::text'} as icu_locale,
  ${num >= 160000 ? 'd.daticurules' : 'null::text'} as icu_rules,
  t.spcname as tablespace, d.datistemplate as is_template, d.datallowconn as allow_connections, d.datconnlimit as connection_limit,
  d.datacl is null as acl_default,
  (select s.description from pg_catalog.pg_shdescription s where s.objoid = d.oid and s.classoid = 'pg_catalog.pg_database'::pg_catalog.regclass) as comment
from pg_catalog.pg_database d join pg_catalog.pg_tablespace t on t.oid = d.dattablespace where d.datname = $1`;

/** The ACL items in order, one row per privilege (`$2` true: the default ACL of the owner instead). */
const ACL_SQL = `select a.n::int as n, pg_catalog.pg_get_userbyid(e.grantor) as grantor,
  case when e.grantee = 0 then null else pg_catalog.pg_get_userbyid(e.grantee) end as grantee, e.privilege_type as privilege, e.is_grantable as grantable
from pg_catalog.pg_database d
  cross join lateral pg_catalog.unnest(case when $2::boolean then pg_catalog.acldefault('d', d.datdba) else coalesce(d.datacl, pg_catalog.acldefault('d', d.datdba)) end) with ordinality as a(item, n)
  cross join lateral pg_catalog.aclexplode(array[a.item]) as e
where d.datname = $1 order by a.n`;

const SETTINGS_SQL = `select case when s.setrole = 0 then null else pg_catalog.pg_get_userbyid(s.setrole) end as role, s.setconfig as config
from pg_catalog.pg_db_role_setting s join pg_catalog.pg_database d on d.oid = s.setdatabase where d.datname = $1 order by s.setrole`;

const LABELS_SQL = `select l.provider, l.label from pg_catalog.pg_shseclabel l join pg_catalog.pg_database d on d.oid = l.objoid
where l.classoid = 'pg_catalog.pg_database'::pg_catalog.regclass and d.datname = $1 order by l.provider`;

interface AclRow {
  n: number;
  grantor: string;
  grantee: string | null;
  privilege: string;
  grantable: boolean;
}

/** Groups aclexplode's rows (one per privilege) back into ACL items, in order. */
export function aclEntries(rows: readonly AclRow[]): AclEntry[] {
  const out: { grantee: string | null; grantor: string; privileges: string[]; grantable: string[] }[] = [];
  let last: number | undefined;
  for (const r of rows) {
    if (last !== r.n) out.push({ grantee: r.grantee, grantor: r.grantor, privileges: [], grantable: [] });
    last = r.n;
    const item = out[out.length - 1]!;
    (r.grantable ? item.grantable : item.privileges).push(r.privilege);
  }
  return out;
}

/**
 * Reads the properties of `database` (on the maintenance database); undefined if it does not exist.
 *
 * ### Examples
 * ```ts
 * const p = await readDatabaseProperties(conn, 'app', 150004, signal);
 * p?.connectionLimit; // -1
 * ```
 */
export async function readDatabaseProperties(conn: PostgreSQLConnection, database: string, num: number, signal?: AbortSignal): Promise<DatabaseProperties | undefined> {
  const main = (await conn.query<Record<string, unknown>>(mainSql(num), [database], { signal }))[0];
  if (!main) return undefined;
  const acl = await conn.query<AclRow>(ACL_SQL, [database, false], { signal });
  const defaultAcl = await conn.query<AclRow>(ACL_SQL, [database, true], { signal });
  const settings = await conn.query<{ role: string | null; config: string[] }>(SETTINGS_SQL, [database], { signal });
  const labels = await conn.query<{ provider: string; label: string }>(LABELS_SQL, [database], { signal });
  return {
    owner: String(main.owner),
    encoding: String(main.encoding),
    collate: String(main.collate),
    ctype: String(main.ctype),
    localeProvider: String(main.provider),
    icuLocale: (main.icu_locale as string | null) ?? null,
    icuRules: (main.icu_rules as string | null) ?? null,
    tablespace: String(main.tablespace),
    isTemplate: main.is_template === true,
    allowConnections: main.allow_connections === true,
    connectionLimit: Number(main.connection_limit),
    acl: aclEntries(acl),
    aclIsDefault: main.acl_default === true,
    defaultAcl: aclEntries(defaultAcl),
    comment: (main.comment as string | null) ?? null,
    securityLabels: labels.map((l) => ({ provider: l.provider, label: l.label })),
    settings: settings.map((s) => ({ role: s.role, config: [...(s.config ?? [])] })),
  };
}

/**
 * The CREATE DATABASE options that give a side database what can only be set at creation:
 * owner, encoding, locales and their provider, tablespace (from template0).
 *
 * ### Examples
 * ```ts
 * createDatabase('gds_restore_1', sideCreateOptions(old, 150004));
 * ```
 */
export function sideCreateOptions(p: DatabaseProperties, num: number): PostgreSQLCreateOptions {
  return {
    template: 'template0',
    owner: p.owner,
    encoding: p.encoding,
    lcCollate: p.collate,
    lcCtype: p.ctype,
    ...(num >= 150000 && p.localeProvider === 'c' ? { localeProvider: 'libc' as const } : {}),
    ...(num >= 150000 && p.localeProvider === 'i' ? { localeProvider: 'icu' as const, ...(p.icuLocale ? { icuLocale: p.icuLocale } : {}) } : {}),
    ...(p.tablespace === 'pg_default' ? {} : { tablespace: p.tablespace }),
  };
}

/**
 * What a database created with {@link sideCreateOptions} holds before anything else is set: what
 * a dry run assumes of the side database it does not create.
 *
 * ### Examples
 * ```ts
 * freshProperties(old).connectionLimit; // -1
 * ```
 */
export function freshProperties(p: DatabaseProperties): DatabaseProperties {
  return { ...p, isTemplate: false, allowConnections: true, connectionLimit: -1, acl: p.defaultAcl, aclIsDefault: true, comment: null, securityLabels: [], settings: [] };
}

/**
 * Splits a list setting's stored value into its elements, as pg_dump's SplitGUCList does:
 * comma-separated, whitespace around elements skipped, a double-quoted element may hold commas
 * and doubled quotes; undefined on a syntax error.
 *
 * ### Examples
 * ```ts
 * splitSettingList('"$user", "odd ""x""", public'); // ['$user', 'odd "x"', 'public']
 * ```
 */
export function splitSettingList(raw: string): string[] | undefined {
  const out: string[] = [];
  let i = 0;
  const space = () => {
    while (i < raw.length && /\s/.test(raw[i]!)) i++;
  };
  space();
  if (i === raw.length) return out;
  for (;;) {
    if (raw[i] === '"') {
      let name = '';
      i++;
      for (;;) {
        const end = raw.indexOf('"', i);
        if (end < 0) return undefined;
        name += raw.slice(i, end);
        if (raw[end + 1] === '"') {
          name += '"';
          i = end + 2;
        } else {
          i = end + 1;
          break;
        }
      }
      out.push(name);
    } else {
      const start = i;
      while (i < raw.length && raw[i] !== ',' && !/\s/.test(raw[i]!)) i++;
      if (i === start) return undefined;
      out.push(raw.slice(start, i));
    }
    space();
    if (i === raw.length) return out;
    if (raw[i] !== ',') return undefined;
    i++;
    space();
  }
}

/**
 * The `SET name TO value` clause for one `name=value` item of pg_db_role_setting, as pg_dump's
 * makeAlterConfigCommand writes it; undefined for an item without `=` (pg_dump skips those).
 *
 * ### Examples
 * ```ts
 * setClause('work_mem=64MB'); // `SET "work_mem" TO '64MB'`
 * setClause('search_path="$user", public'); // `SET "search_path" TO '$user', 'public'`
 * ```
 */
export function setClause(item: string): string | undefined {
  const at = item.indexOf('=');
  if (at < 0) return undefined;
  const name = item.slice(0, at);
  const value = item.slice(at + 1);
  const list = LIST_QUOTE_SETTINGS.includes(name.toLowerCase()) ? splitSettingList(value) : undefined;
  const rendered = list?.length ? list.map(lit).join(', ') : lit(value);
  return `SET ${q(name, 'setting name')} TO ${rendered}`;
}

const stmt = (text: string): Statement => ({ text, params: [] });
const grantee = (g: string | null): string => (g === null ? 'PUBLIC' : q(g, 'role name'));
const sameJson = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** The GRANT statements for one ACL item (under `SET ROLE grantor` unless the owner granted it). */
function grantItem(db: string, owner: string, item: AclEntry): Statement | undefined {
  const privs = (list: readonly string[]) => {
    for (const p of list) if (!DATABASE_PRIVILEGES.has(p)) throw new Error(`unexpected database privilege '${p}' in the ACL`);
    return list.join(', ');
  };
  const grants: string[] = [];
  if (item.privileges.length) grants.push(`GRANT ${privs(item.privileges)} ON DATABASE ${db} TO ${grantee(item.grantee)}`);
  if (item.grantable.length) grants.push(`GRANT ${privs(item.grantable)} ON DATABASE ${db} TO ${grantee(item.grantee)} WITH GRANT OPTION`);
  if (!grants.length) return undefined;
  // one simple-query message: SET ROLE is undone by RESET ROLE, or rolled back with the implicit transaction if a GRANT fails
  return stmt(item.grantor === owner ? grants.join('; ') : `SET ROLE ${q(item.grantor, 'role name')}; ${grants.join('; ')}; RESET ROLE`);
}

/**
 * The statements that make database `side` (with properties `current`) hold the properties
 * `wanted` of the database it replaces, in the order they must run: owner, comment, security
 * labels, settings, connection limit, ACL, then allow_connections and is_template (last: they
 * stop connections and mark a template). Nothing for what is already equal.
 *
 * ### Examples
 * ```ts
 * carryOverStatements('gds_restore_1', old, freshProperties(old)).map((s) => s.text);
 * // ['COMMENT ON DATABASE "gds_restore_1" IS \'main\'', 'ALTER DATABASE "gds_restore_1" CONNECTION LIMIT 25', ...]
 * ```
 */
export function carryOverStatements(side: string, wanted: DatabaseProperties, current: DatabaseProperties): Statement[] {
  const db = q(side, 'database name');
  const out: Statement[] = [];
  if (wanted.owner !== current.owner) out.push(stmt(`ALTER DATABASE ${db} OWNER TO ${q(wanted.owner, 'owner')}`));
  if (wanted.comment !== current.comment) out.push(stmt(`COMMENT ON DATABASE ${db} IS ${wanted.comment === null ? 'NULL' : lit(wanted.comment)}`));
  const providers = [...new Set([...wanted.securityLabels, ...current.securityLabels].map((l) => l.provider))];
  for (const provider of providers) {
    const want = wanted.securityLabels.find((l) => l.provider === provider)?.label ?? null;
    const have = current.securityLabels.find((l) => l.provider === provider)?.label ?? null;
    if (want !== have) out.push(stmt(`SECURITY LABEL FOR ${q(provider, 'label provider')} ON DATABASE ${db} IS ${want === null ? 'NULL' : lit(want)}`));
  }
  const roles = [...new Set([...wanted.settings, ...current.settings].map((s) => s.role))];
  for (const role of roles) {
    const want = wanted.settings.find((s) => s.role === role)?.config ?? [];
    const have = current.settings.find((s) => s.role === role)?.config ?? [];
    if (sameJson(want, have)) continue;
    const target = role === null ? `ALTER DATABASE ${db}` : `ALTER ROLE ${q(role, 'role name')} IN DATABASE ${db}`;
    if (have.length) out.push(stmt(`${target} RESET ALL`));
    for (const item of want) {
      const clause = setClause(item);
      if (clause) out.push(stmt(`${target} ${clause}`));
    }
  }
  if (wanted.connectionLimit !== current.connectionLimit) out.push(connectionLimit(side, wanted.connectionLimit));
  if (!sameJson(wanted.acl, current.acl)) {
    // from nothing, then each item in the old order (each GRANT appends its item)
    const holders = [...new Set(current.acl.map((a) => a.grantee))];
    for (const h of holders) out.push(stmt(`REVOKE ALL ON DATABASE ${db} FROM ${grantee(h)}`));
    for (const item of wanted.acl) {
      const s = grantItem(db, wanted.owner, item);
      if (s) out.push(s);
    }
  }
  if (wanted.allowConnections !== current.allowConnections) out.push(allowConnections(side, wanted.allowConnections));
  if (wanted.isTemplate !== current.isTemplate) out.push(isTemplate(side, wanted.isTemplate));
  return out;
}

/**
 * `ALTER DATABASE ... IS_TEMPLATE`.
 *
 * ### Examples
 * ```ts
 * isTemplate('app', false).text; // 'ALTER DATABASE "app" IS_TEMPLATE false'
 * ```
 */
export function isTemplate(name: string, template: boolean): Statement {
  return stmt(`ALTER DATABASE ${q(name, 'database name')} IS_TEMPLATE ${template}`);
}

/**
 * The properties in which `b` differs from `a` (empty: the same database properties). The ACL
 * is compared item by item in order; NULL (default) and the same items written out are equal.
 *
 * ### Examples
 * ```ts
 * propertyDifferences(old, await readDatabaseProperties(conn, side, num)); // [] or ['comment', ...]
 * ```
 */
export function propertyDifferences(a: DatabaseProperties, b: DatabaseProperties): string[] {
  const keys: (keyof DatabaseProperties)[] = ['owner', 'encoding', 'collate', 'ctype', 'localeProvider', 'icuLocale', 'icuRules', 'tablespace', 'isTemplate', 'allowConnections', 'connectionLimit', 'acl', 'comment', 'securityLabels', 'settings'];
  return keys.filter((k) => !sameJson(a[k], b[k]));
}
