// Issue 12 item 1, finding "c" of the hostile re-test: `restore(source, { replace: true })` restores
// into a side database and swaps names, and pg_dump without --create carries none of the
// database's own properties. A replace must keep them exactly: ACL, per-database and per-role
// settings, connection limit, comment, owner, tablespace, locale provider, allow_connections and
// is_template. Real PostgreSQL 15; every assertion reads the server's catalogs afterwards (the
// snapshot query below is the test's own, independent of the code under test).
import { chown, mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import postgres from 'postgres';
import { DatabaseManager, OperationCancelledError, UnsupportedOperationError } from '@gds/database';
import { startPostgres, type PostgresCluster } from '@gds/testkit';
import '../src/index.js';
import type { PostgreSQLConnection, PostgreSQLDatabase } from '../src/index.js';
import { fingerprint, seed } from './helpers.js';

let cluster: PostgresCluster;
let manager: DatabaseManager;
let dir: string;
let dump: string;
let icu = false;
const db = (name: string) => manager.getDatabase(name) as PostgreSQLDatabase;
const pg = () => manager.connection as PostgreSQLConnection;

/** A database's properties, one key each, as the catalogs hold them (the oid left out). */
type Properties = Record<string, unknown>;

const PROPERTIES_SQL = `select pg_catalog.pg_get_userbyid(d.datdba) as owner, pg_catalog.pg_encoding_to_char(d.encoding) as encoding,
  d.datcollate as collate, d.datctype as ctype, d.datlocprovider as locale_provider, d.daticulocale as icu_locale,
  d.datistemplate as is_template, d.datallowconn as allow_connections, d.datconnlimit as connection_limit,
  t.spcname as tablespace, d.datacl::text as acl,
  (select s.description from pg_catalog.pg_shdescription s where s.objoid = d.oid and s.classoid = 'pg_catalog.pg_database'::regclass) as comment,
  (select coalesce(pg_catalog.json_agg(pg_catalog.json_build_array(l.provider, l.label) order by l.provider), '[]') from pg_catalog.pg_shseclabel l
    where l.objoid = d.oid and l.classoid = 'pg_catalog.pg_database'::regclass) as security_labels,
  (select coalesce(pg_catalog.json_object_agg(coalesce(r.rolname, ''), s.setconfig), '{}') from pg_catalog.pg_db_role_setting s
    left join pg_catalog.pg_roles r on r.oid = s.setrole where s.setdatabase = d.oid) as settings
from pg_catalog.pg_database d join pg_catalog.pg_tablespace t on t.oid = d.dattablespace where d.datname = $1`;

/** The properties of `name`, with each role's settings as a key of its own (`settings:<role>`, '' = the database's). */
async function properties(name: string): Promise<Properties> {
  const rows = await pg().query<Record<string, unknown>>(PROPERTIES_SQL, [name]);
  const row = rows[0];
  if (!row) throw new Error(`no database ${name}`);
  const { settings, ...rest } = row;
  const out: Properties = { ...rest };
  for (const [role, config] of Object.entries(settings as Record<string, string[]>)) out[`settings:${role}`] = config;
  return out;
}

/** The keys whose values differ between `a` and `b`. */
function differences(a: Properties, b: Properties): string[] {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return keys.filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]));
}

async function oid(name: string): Promise<string | undefined> {
  const rows = await pg().query<{ oid: string }>('select oid::text as oid from pg_catalog.pg_database where datname = $1', [name]);
  return rows[0]?.oid;
}

async function sideDatabases(): Promise<string[]> {
  const rows = await pg().query<{ datname: string }>("select datname from pg_catalog.pg_database where datname ~ '^gds_(restore|replaced)_' order by 1");
  return rows.map((r) => r.datname);
}

/** Waits until no session is connected to `name` (the backend of a restore that just ended may still be exiting). */
async function settled(name: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const rows = await pg().query<{ n: string }>('select count(*) as n from pg_catalog.pg_stat_activity where datname = $1', [name]);
    if (Number(rows[0]?.n) === 0) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`sessions on ${name} did not end`);
}

/** Hands every statement gds sends to `change` first (it may abort, or rewrite the text); returns the undo. */
function hook(change: (text: string) => string): () => void {
  const conn = pg();
  const original = conn.query.bind(conn);
  conn.query = ((text: string, ...rest: unknown[]) => (original as (t: string, ...r: unknown[]) => unknown)(change(text), ...rest)) as typeof conn.query;
  return () => {
    conn.query = original;
  };
}

/** Connects to `database` as `user` (trust authentication): undefined, or the SQLSTATE refused with. */
async function connectAs(user: string, database: string): Promise<string | undefined> {
  const url = new URL(cluster.primary.url(database));
  url.username = encodeURIComponent(user);
  const sql = postgres(url.href, { max: 1, onnotice: () => undefined, connect_timeout: 10 });
  try {
    await sql`select 1`;
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  } finally {
    await sql.end({ timeout: 1 });
  }
}

beforeAll(async () => {
  cluster = await startPostgres();
  manager = await DatabaseManager.connect(cluster.primary.url('postgres'));
  dir = await mkdtemp(join(tmpdir(), 'gds-pg-restore-props-'));
  await db('src').create();
  await seed(db('src'), 300);
  dump = join(dir, 'src.dump');
  await db('src').backup(dump);
  for (const role of ['app_owner', 'app_reader', 'app_admin', 'app_guest', '"odd ""role""; x"']) await pg().query(`create role ${role}`);
  await pg().query('create role outsider login');
  await pg().query('alter role app_reader login');
  // a tablespace in a folder the server's OS user owns (the cluster's root belongs to it)
  const space = join(dirname(cluster.primary.dataDir), 'app_space');
  await mkdir(space);
  const owner = await stat(cluster.primary.dataDir);
  await chown(space, owner.uid, owner.gid);
  await pg().query(`create tablespace app_space location '${space}'`);
  icu = Number((await pg().query<{ n: string }>("select count(*) as n from pg_catalog.pg_collation where collprovider = 'i'"))[0]?.n) > 0;
  if (!icu) process.stderr.write('NOTE restore-properties: this server has no ICU collations; app keeps the libc provider\n');
}, 180_000);

afterAll(async () => {
  await manager?.close();
  await cluster?.stop();
  await rm(dir, { recursive: true, force: true });
}, 60_000);

/** `app`: a database with every property a DBA may have given it, and the dump's tables. */
async function makeApp(name: string): Promise<void> {
  const q = (s: string) => pg().query(s);
  const id = `"${name}"`;
  await q(`create database ${id} owner app_owner tablespace app_space template template0 connection limit 25${icu ? " locale_provider icu icu_locale 'de-DE' locale 'C.UTF-8'" : ''}`);
  await q(`revoke connect, temporary on database ${id} from public`);
  await q(`grant connect on database ${id} to app_reader`);
  await q(`grant connect, create on database ${id} to app_admin with grant option`);
  // a grant whose grantor is not the owner
  await q(`set role app_admin; grant connect on database ${id} to app_guest; reset role`);
  await q(`grant temporary on database ${id} to "odd ""role""; x"`);
  await q(`alter database ${id} set work_mem = '64MB'`);
  await q(`alter database ${id} set statement_timeout = 12345`);
  await q(`alter database ${id} set search_path = "$user", 'odd "schema"', public`);
  await q(`alter database ${id} set gds.custom_note = E'it''s a \\\\ back, slash'`);
  await q(`alter role app_reader in database ${id} set work_mem = '8MB'`);
  await q(`alter role app_reader in database ${id} set default_transaction_read_only = on`);
  await q(`alter role "odd ""role""; x" in database ${id} set search_path = 'x y', public`);
  await q(`comment on database ${id} is E'the app''s database \\\\ (main)\\nsecond line'`);
  await db(name).restore(dump, { clean: true });
  await settled(name);
}

describe('item 1 (c): restore with replace keeps the properties of the database it replaces', () => {
  it('ACL, settings (database and per role), connection limit, comment, owner, tablespace and locale are identical afterwards', async () => {
    await makeApp('app');
    const before = await properties('app');
    expect(before).toMatchObject({ owner: 'app_owner', tablespace: 'app_space', connection_limit: 25 });
    expect(String(before.acl)).toContain('app_guest=c/app_admin');
    expect(await connectAs('outsider', 'app')).toBe('42501');
    expect(await connectAs('app_reader', 'app')).toBeUndefined();
    const beforeOid = await oid('app');

    await db('app').restore(dump, { replace: true });
    const after = await properties('app');
    expect(await oid('app')).not.toBe(beforeOid); // really replaced
    expect(await fingerprint(db('app'))).toEqual(await fingerprint(db('src')));
    const lost = differences(before, after);
    if (lost.length) process.stderr.write(`restore-properties: ${lost.length} properties lost: ${lost.join(', ')}\n`);
    expect(lost).toEqual([]);
    expect(after).toEqual(before);
    // what the ACL means, seen from outside: CONNECT stays revoked from PUBLIC
    expect(await connectAs('outsider', 'app')).toBe('42501');
    expect(await connectAs('app_reader', 'app')).toBeUndefined();
    expect(await sideDatabases()).toEqual([]);
  }, 120_000);

  it('the dry run lists the statements that carry the properties over, and changes nothing', async () => {
    if (!(await db('app').exists())) await makeApp('app');
    const before = await properties('app');
    const beforeOid = await oid('app');
    const r = await db('app').restore(dump, { replace: true, dryRun: true });
    const side = /^CREATE DATABASE "(gds_restore_[^"]+)"/m.exec(r.statements.join('\n'))?.[1];
    expect(side).toBeDefined();
    const s = `"${side}"`;
    const expected = [
      `COMMENT ON DATABASE ${s} IS E'the app''s database \\\\ (main)\nsecond line'`,
      `ALTER DATABASE ${s} SET "work_mem" TO '64MB'`,
      `ALTER DATABASE ${s} SET "search_path" TO '$user', 'odd "schema"', 'public'`,
      `ALTER DATABASE ${s} SET "gds.custom_note" TO E'it''s a \\\\ back, slash'`,
      `ALTER ROLE "app_reader" IN DATABASE ${s} SET "default_transaction_read_only" TO 'on'`,
      `ALTER ROLE "odd ""role""; x" IN DATABASE ${s} SET "search_path" TO 'x y', 'public'`,
      `ALTER DATABASE ${s} CONNECTION LIMIT 25`,
      `REVOKE ALL ON DATABASE ${s} FROM PUBLIC`,
      `REVOKE ALL ON DATABASE ${s} FROM "app_owner"`,
      `GRANT CONNECT ON DATABASE ${s} TO "app_reader"`,
      `GRANT CREATE, CONNECT ON DATABASE ${s} TO "app_admin" WITH GRANT OPTION`,
      `SET ROLE "app_admin"; GRANT CONNECT ON DATABASE ${s} TO "app_guest"; RESET ROLE`,
    ];
    for (const e of expected) expect(r.statements).toContain(e);
    // carried over after the restore ran (pg_restore's line) and before the swap (the first rename)
    const tool = r.statements.findIndex((x) => /pg_restore'? .*--exit-on-error/.test(x));
    const rename = r.statements.findIndex((x) => x.startsWith('ALTER DATABASE "app" RENAME TO'));
    expect(tool).toBeGreaterThan(-1);
    for (const e of expected) {
      expect(r.statements.indexOf(e)).toBeGreaterThan(tool);
      expect(r.statements.indexOf(e)).toBeLessThan(rename);
    }
    expect(await oid('app')).toBe(beforeOid);
    expect(await properties('app')).toEqual(before);
    expect(await sideDatabases()).toEqual([]);
  }, 120_000);

  it('an offline template database (allow_connections false, is_template true) is replaced and stays an offline template', async () => {
    await pg().query("create database tmpl owner app_owner template template0 connection limit 3");
    await pg().query("comment on database tmpl is 'a template'");
    await pg().query('alter database tmpl set work_mem = $$16MB$$');
    await db('tmpl').restore(dump, { clean: true });
    await settled('tmpl');
    await pg().query('alter database tmpl is_template true allow_connections false');
    const before = await properties('tmpl');
    expect(before).toMatchObject({ is_template: true, allow_connections: false });
    const beforeOid = await oid('tmpl');

    const r = await db('tmpl').restore(dump, { replace: true });
    expect(await oid('tmpl')).not.toBe(beforeOid);
    const lost = differences(before, await properties('tmpl'));
    if (lost.length) process.stderr.write(`restore-properties (template): ${lost.length} properties lost: ${lost.join(', ')}\n`);
    expect(lost).toEqual([]);
    expect(r.messages.join('\n')).not.toMatch(/kept as/); // the replaced copy was dropped
    expect(await sideDatabases()).toEqual([]);
    expect(await connectAs('postgres', 'tmpl')).toBe('55000'); // still does not accept connections

    const dry = await db('tmpl').restore(dump, { replace: true, dryRun: true });
    expect(dry.statements.some((x) => /^ALTER DATABASE "gds_restore_[^"]+" IS_TEMPLATE true$/.test(x))).toBe(true);
    expect(dry.statements.some((x) => /^ALTER DATABASE "gds_restore_[^"]+" ALLOW_CONNECTIONS false$/.test(x))).toBe(true);
    expect(dry.statements.some((x) => /^ALTER DATABASE "gds_replaced_[^"]+" IS_TEMPLATE false$/.test(x))).toBe(true);
    // still a template: a database can be created from it, with the dump's rows
    await pg().query('create database from_tmpl template tmpl');
    expect(await fingerprint(db('from_tmpl'))).toEqual(await fingerprint(db('src')));
    expect(await sideDatabases()).toEqual([]);
  }, 120_000);

  it('an ACL with every privilege revoked, even from the owner, stays empty (not the default)', async () => {
    await pg().query('create database locked owner app_owner template template0');
    await pg().query('revoke all on database locked from public, app_owner');
    const before = await properties('locked');
    expect(before.acl).toBe('{}');
    await db('locked').restore(dump, { replace: true });
    expect(differences(before, await properties('locked'))).toEqual([]);
    expect(await connectAs('app_reader', 'locked')).toBe('42501');
  }, 120_000);

  it('a cancel during the swap of a template leaves it exactly as it was, and the templated side database is dropped', async () => {
    if (!(await db('tmpl2').exists())) {
      await pg().query("create database tmpl2 owner app_owner template template0");
      await db('tmpl2').restore(dump);
      await settled('tmpl2');
      await pg().query("alter database tmpl2 is_template true allow_connections false");
    }
    const before = await properties('tmpl2');
    const beforeOid = await oid('tmpl2');
    const controller = new AbortController();
    const undo = hook((text) => {
      if (/^ALTER DATABASE "tmpl2" RENAME TO "gds_replaced_/.test(text)) controller.abort();
      return text;
    });
    let error: unknown;
    try {
      error = await db('tmpl2').restore(dump, { replace: true, signal: controller.signal }).then(() => undefined, (e: unknown) => e);
    } finally {
      undo();
    }
    expect(controller.signal.aborted).toBe(true);
    expect(OperationCancelledError.isInstance(error)).toBe(true);
    expect(await oid('tmpl2')).toBe(beforeOid);
    expect(differences(before, await properties('tmpl2'))).toEqual([]);
    expect(await sideDatabases()).toEqual([]); // the side database had been made a template: made ordinary, then dropped
  }, 120_000);

  it('a property the copy did not get refuses the swap: the database keeps its oid, properties and rows', async () => {
    if (!(await db('app').exists())) await makeApp('app');
    await pg().query(`insert into public.orders values (777777, 'only in app', 1)`, [], { database: 'app' });
    await pg().release('app');
    await settled('app');
    const before = await properties('app');
    const rows = await fingerprint(db('app'));
    const beforeOid = await oid('app');
    // the COMMENT statement is swallowed on its way to the server
    const undo = hook((text) => (/^COMMENT ON DATABASE "gds_restore_/.test(text) ? 'select 1' : text));
    let error: unknown;
    try {
      error = await db('app').restore(dump, { replace: true }).then(() => undefined, (e: unknown) => e);
    } finally {
      undo();
    }
    expect(UnsupportedOperationError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/could not be given its comment/);
    expect(await oid('app')).toBe(beforeOid);
    expect(await properties('app')).toEqual(before);
    expect(await fingerprint(db('app'))).toEqual(rows);
    expect(await sideDatabases()).toEqual([]);
  }, 120_000);
});
