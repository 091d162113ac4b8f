// PostgreSQLDatabase against a real server: options, state and access semantics as PostgreSQL
// enforces them (checked with a non-superuser role, since superusers are exempt from limits),
// hostile names, listing, vacuum, and the single-query listing.
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import postgres from 'postgres';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AuthenticationError, DatabaseInUseError, DatabaseManager, ValidationError, type OperationResult } from '@gds/database';
import { startPostgres, type PostgresCluster } from '@gds/testkit';
import '../src/index.js';
import { PostgreSQLConnection } from '../src/index.js';
import type { PostgreSQLDatabase, PostgreSQLDatabaseMetadata } from '../src/index.js';
import { seed } from './helpers.js';

// real-server tests: room for a loaded CI machine (jest's default is 5 s; several tests here take
// 1-2 s on a quiet one)
jest.setTimeout(30_000);

let cluster: PostgresCluster;
let manager: DatabaseManager;
let conn: PostgreSQLConnection;
const APP_ROLE = 'gds_app_role';

const db = (name: string) => manager.getDatabase(name) as PostgreSQLDatabase;
const connectAs = (database: string, user = APP_ROLE) => postgres({ host: '127.0.0.1', port: cluster.primary.port, user, database, max: 1, onnotice: () => undefined, connect_timeout: 5 });
const errorCode = async (sql: postgres.Sql): Promise<string | undefined> => {
  try {
    await sql`select 1`;
    return undefined;
  } catch (e) {
    return (e as { code?: string }).code;
  } finally {
    await sql.end({ timeout: 1 });
  }
};

beforeAll(async () => {
  cluster = await startPostgres();
  manager = await DatabaseManager.connect(cluster.primary.url('postgres'));
  conn = manager.connection as PostgreSQLConnection;
  await conn.query(`create role ${APP_ROLE} login`);
}, 120_000);

afterAll(async () => {
  await manager?.close();
  await cluster?.stop();
}, 60_000);

describe('create', () => {
  it('applies every option and reports it in the metadata', async () => {
    const d = db('opts db');
    const result = await d.create({ owner: APP_ROLE, encoding: 'UTF8', template: 'template0', lcCollate: 'C', lcCtype: 'C', connectionLimit: 7, isTemplate: false, allowConnections: true });
    expect(result.statements).toEqual([
      `CREATE DATABASE "opts db" WITH OWNER = "${APP_ROLE}" TEMPLATE = "template0" ENCODING = 'UTF8' LC_COLLATE = 'C' LC_CTYPE = 'C' ALLOW_CONNECTIONS = true CONNECTION LIMIT = 7 IS_TEMPLATE = false`,
    ]);
    const m = await d.getMetadata();
    expect(m).toMatchObject({ name: 'opts db', owner: APP_ROLE, encoding: 'UTF8', lcCollate: 'C', lcCtype: 'C', connectionLimit: 7, allowConnections: true, isTemplate: false, state: 'online', accessMode: 'multi_user', tablespace: 'pg_default' });
    expect(m.sizeBytes).toBeGreaterThan(1_000_000);
    expect(m.created).toBeUndefined();
  });

  it('refuses bad options before sending anything', async () => {
    const spy = jest.spyOn(conn, 'query');
    await expect(db('bad opts').create({ connectionLimit: -2, encoding: "UTF8'; drop database x; --", ownr: 'x' } as never)).rejects.toThrow(ValidationError);
    expect(spy).not.toHaveBeenCalled();
    spy.mockRestore();
  });

  it('refuses names PostgreSQL would truncate (64+ bytes), accepts 63 bytes', async () => {
    expect(() => db('é'.repeat(32))).toThrow(/would silently truncate/);
    const ok = db('é'.repeat(31) + 'x');
    await ok.create();
    expect(await ok.exists()).toBe(true);
    await ok.drop();
  });

  it('creates exactly the hostile name and leaves the canary database untouched', async () => {
    await db('canary').create();
    const hostile = `x"; DROP DATABASE canary; --`;
    await db(hostile).create();
    const names = (await manager.listDatabases()).map((d) => d.name);
    expect(names).toContain(hostile);
    expect(names).toContain('canary');
    await db(hostile).drop();
    expect(await db('canary').exists()).toBe(true);
  });
});

describe('drop', () => {
  it('refuses while other sessions are connected, naming their count; force ends them', async () => {
    const d = db('busy');
    await d.create();
    const s1 = connectAs('busy');
    const s2 = connectAs('busy');
    await s1`select 1`;
    await s2`select 1`;
    const error = await d.drop().catch((e: unknown) => e);
    expect(DatabaseInUseError.isInstance(error)).toBe(true);
    expect((error as DatabaseInUseError).sessions).toBe(2);
    expect((error as Error).message).toBe("drop: 2 other sessions are connected to 'busy'".replace('drop: ', ''));
    expect(await d.exists()).toBe(true);
    const result = await d.drop({ force: true });
    expect(result.statements).toEqual(['DROP DATABASE "busy" WITH (FORCE)']);
    expect(await d.exists()).toBe(false);
    await Promise.all([s1.end({ timeout: 1 }), s2.end({ timeout: 1 })]);
  });

  it('drops a database gds itself has an open pool to (it releases its own sessions first)', async () => {
    const d = db('listed');
    await d.create();
    await d.listSchemas();
    expect(conn.openDatabases()).toContain('listed');
    await d.drop();
    expect(conn.openDatabases()).not.toContain('listed');
  });
});

describe('offline and online', () => {
  it('offline refuses new sessions (55000) and keeps existing ones unless forced', async () => {
    const d = db('offline db');
    await d.create();
    const existing = connectAs('offline db');
    await existing`select 1`;
    const r = await d.setOffline();
    expect(r.statements).toEqual(['ALTER DATABASE "offline db" ALLOW_CONNECTIONS false']);
    expect(r.message).toMatch(/1 existing session\(s\) stay connected/);
    expect(await d.getState()).toBe('offline');
    expect(await errorCode(connectAs('offline db'))).toBe('55000');
    expect((await existing`select 2 as x`)[0]?.x).toBe(2);
    const forced = await d.setOffline({ force: true });
    expect(forced.statements[1]).toMatch(/pg_terminate_backend/);
    await expect(existing`select 3`).rejects.toThrow();
    await existing.end({ timeout: 1 });
    await d.setOnline();
    expect(await d.getState()).toBe('online');
    expect(await errorCode(connectAs('offline db'))).toBeUndefined();
  });
});

describe('single-user, restricted and multi-user', () => {
  it('single-user allows one non-superuser session (53300 for the second) and restores the previous limit', async () => {
    const d = db('single');
    await d.create({ connectionLimit: 20 });
    const r = await d.setSingleUserMode();
    expect(r.statements).toEqual([`ALTER DATABASE "single" SET gds.previous_connection_limit = '20'`, 'ALTER DATABASE "single" CONNECTION LIMIT 1']);
    const m = await d.getMetadata();
    expect(m).toMatchObject({ accessMode: 'single_user', connectionLimit: 1, previousConnectionLimit: 20 });
    const first = connectAs('single');
    await first`select 1`;
    expect(await errorCode(connectAs('single'))).toBe('53300');
    // superusers are exempt (PostgreSQL's rule)
    expect(await errorCode(connectAs('single', 'postgres'))).toBeUndefined();
    // a second single-user request with a session open is refused without force
    await expect(d.setSingleUserMode()).resolves.toBeDefined(); // one session is allowed
    await first.end({ timeout: 1 });
    const back = await d.setMultiUserMode();
    expect(back.statements).toEqual(['ALTER DATABASE "single" CONNECTION LIMIT 20', 'ALTER DATABASE "single" RESET gds.previous_connection_limit']);
    expect(await d.getMetadata()).toMatchObject({ accessMode: 'multi_user', connectionLimit: 20, previousConnectionLimit: undefined });
  });

  it('refuses single-user with several sessions open unless forced, which ends them', async () => {
    const d = db('crowded');
    await d.create();
    const a = connectAs('crowded');
    const b = connectAs('crowded');
    await a`select 1`;
    await b`select 1`;
    await expect(d.setSingleUserMode()).rejects.toThrow(DatabaseInUseError);
    expect((await d.getMetadata()).accessMode).toBe('multi_user');
    await d.setSingleUserMode({ force: true });
    await expect(a`select 1`).rejects.toThrow();
    await Promise.all([a.end({ timeout: 1 }), b.end({ timeout: 1 })]);
    await d.setMultiUserMode();
    expect((await d.getMetadata()).connectionLimit).toBe(-1);
  });

  it('restricted-user (limit 0) admits only superusers', async () => {
    const d = db('restricted');
    await d.create();
    await d.setRestrictedUserMode();
    expect((await d.getMetadata()).accessMode).toBe('restricted_user');
    expect(await errorCode(connectAs('restricted'))).toBe('53300');
    expect(await errorCode(connectAs('restricted', 'postgres'))).toBeUndefined();
    await d.setMultiUserMode();
    expect(await errorCode(connectAs('restricted'))).toBeUndefined();
  });
});

describe('schemas, tables and vacuum', () => {
  it('lists user schemas (system ones on request) and ordinary and partitioned tables', async () => {
    const d = db('objects');
    await d.create();
    await seed(d, 50);
    expect(await d.listSchemas()).toEqual(['public', 'sales']);
    expect(await d.listSchemas({ includeSystem: true })).toEqual(expect.arrayContaining(['information_schema', 'pg_catalog', 'public', 'sales']));
    expect(await d.listTables()).toEqual([
      { schema: 'public', name: 'orders', kind: 'table' },
      { schema: 'sales', name: 'events', kind: 'partitioned_table' },
      { schema: 'sales', name: 'events_2026', kind: 'table' },
    ]);
    expect(await d.listTables('public')).toEqual([{ schema: 'public', name: 'orders', kind: 'table' }]);
    expect(await d.listTables('nope')).toEqual([]);
  });

  it('vacuums inside the database, with verbose lines as messages', async () => {
    const d = db('objects');
    const dry = await d.vacuum({ full: true, tables: [{ schema: 'public', name: 'orders' }], dryRun: true });
    expect(dry.statements).toEqual(['VACUUM (FULL true, ANALYZE true) "public"."orders"']);
    const before = await conn.query<{ n: string | null }>("select last_analyze::text as n from pg_stat_user_tables where relname = 'orders'", [], { database: 'objects' });
    expect(before[0]?.n).toBeNull();
    const r: OperationResult = await d.vacuum({ verbose: true, tables: [{ schema: 'public', name: 'orders' }] });
    expect(r.messages.some((m) => /vacuuming "objects\.public\.orders"|"public\.orders"|orders/.test(m))).toBe(true);
    const after = await conn.query<{ n: string | null }>("select last_vacuum::text as n from pg_stat_user_tables where relname = 'orders'", [], { database: 'objects' });
    expect(after[0]?.n).not.toBeNull();
  });
});

describe('listing', () => {
  it('listDatabases({ withMetadata }) fetches everything in one statement and seeds the caches', async () => {
    const spy = jest.spyOn(conn, 'query');
    const dbs = await manager.listDatabases({ withMetadata: true });
    expect(spy).toHaveBeenCalledTimes(1);
    const metas = (await Promise.all(dbs.map((d) => d.metadata()))) as PostgreSQLDatabaseMetadata[];
    expect(spy).toHaveBeenCalledTimes(1);
    spy.mockRestore();
    expect(metas.map((m) => m.name)).toEqual(expect.arrayContaining(['postgres', 'canary', 'objects']));
    expect(metas.map((m) => m.name)).not.toContain('template1');
    const all = await manager.listDatabases({ includeSystem: true });
    expect(all.map((d) => d.name)).toEqual(expect.arrayContaining(['template0', 'template1']));
  });

  it('reports server metadata', async () => {
    const s = await manager.getServerMetadata();
    expect(s.type).toBe('postgresql');
    expect(s.versionNumber).toBeGreaterThan(100000);
    expect(s.isReplica).toBe(false);
  });
});

describe('errors', () => {
  it('maps a wrong password to AuthenticationError without echoing it, and connects with the right one', async () => {
    // the throwaway cluster trusts loopback connections: require a password for one role
    await conn.query("create role gds_pw_role login password 'Right-Pw-1'");
    const hba = join(cluster.primary.dataDir, 'pg_hba.conf');
    await writeFile(hba, `host all gds_pw_role 127.0.0.1/32 scram-sha-256\n${await readFile(hba, 'utf8')}`);
    await conn.query('select pg_reload_conf()');
    const url = (pw: string) => `postgres://gds_pw_role:${pw}@127.0.0.1:${cluster.primary.port}/postgres`;
    const e = await DatabaseManager.connect(url('Wrong-Pw-9')).catch((err: unknown) => err);
    expect(AuthenticationError.isInstance(e)).toBe(true);
    expect((e as AuthenticationError).serverCode).toBe('28P01');
    expect((e as AuthenticationError).hint).toMatch(/password/);
    expect(String((e as Error).message)).not.toContain('Wrong-Pw-9');
    expect(String((e as Error).stack)).not.toContain('Wrong-Pw-9');
    expect(JSON.stringify(e)).not.toContain('Wrong-Pw-9');
    const ok = await DatabaseManager.connect(url('Right-Pw-1'));
    expect(await ok.databaseExists('postgres')).toBe(true);
    await ok.close();
  });

  it('maps an unreachable server to a retryable ConnectionError', async () => {
    const e = await DatabaseManager.connect('postgres://postgres@127.0.0.1:1/postgres?connect_timeout=2').catch((err: unknown) => err);
    expect((e as { code?: string }).code).toBe('CONNECTION');
    expect((e as { retryable?: boolean }).retryable).toBe(true);
  });

  it('lets a cancel from outside stand, and never reuses a session it sent a cancel on', async () => {
    const one = new PostgreSQLConnection({ host: '127.0.0.1', port: cluster.primary.port, user: 'postgres', maxConnections: 1, applicationName: 'gds-cancel-test' });
    try {
      const [me] = await one.query<{ pid: number }>('select pg_backend_pid() as pid');
      // no retry: a DBA's cancel stands
      const first = one.query('select pg_sleep(0.3)');
      await new Promise((r) => setTimeout(r, 80));
      const [cancelled] = await conn.query<{ ok: boolean }>('select pg_cancel_backend($1) as ok', [me?.pid]);
      expect(cancelled?.ok).toBe(true);
      await expect(first).rejects.toMatchObject({ code: '57014' });
      // a cancellable statement runs on a session of its own; once a cancel was sent on it, that
      // session is closed and the next cancellable statement gets another backend
      const signal = AbortSignal.timeout(50);
      const mine = one.query<{ pid: number }>('select pg_backend_pid() as pid', [], { signal: new AbortController().signal });
      const [{ pid: sessionPid }] = (await mine) as [{ pid: number }];
      const aborted = await one.query('select pg_sleep(5)', [], { signal }).catch((err: unknown) => err);
      expect(aborted).toBe(signal.reason);
      const [again] = await one.query<{ pid: number }>('select pg_backend_pid() as pid', [], { signal: new AbortController().signal });
      expect(again?.pid).not.toBe(sessionPid);
      let gone = false;
      for (let i = 0; i < 100 && !gone; i++) {
        gone = (await conn.query('select 1 from pg_stat_activity where pid = $1', [sessionPid])).length === 0;
        if (!gone) await new Promise((r) => setTimeout(r, 20));
      }
      expect(gone).toBe(true);
      // the shared session was never cancelled
      expect((await one.query<{ pid: number }>('select pg_backend_pid() as pid'))[0]?.pid).toBe(me?.pid);
    } finally {
      await one.close();
    }
  });

  it('keeps the maintenance session open and closes idle sessions in other databases', async () => {
    await db('idle target').create();
    const c = new PostgreSQLConnection({ host: '127.0.0.1', port: cluster.primary.port, user: 'postgres', idleTimeoutMs: 300, applicationName: 'gds-idle-test' });
    try {
      await c.query('select 1');
      await c.query('select 1', [], { database: 'idle target' });
      const sessions = () =>
        conn.query<{ datname: string }>("select datname from pg_stat_activity where application_name = 'gds-idle-test' order by datname");
      expect((await sessions()).map((r) => r.datname)).toEqual(['idle target', 'postgres']);
      // idleTimeoutMs is 300: wait (polling, up to 20 s for a loaded machine) until the idle session
      // in the other database has ended; the maintenance session must still be there then
      let now = (await sessions()).map((r) => r.datname);
      for (const deadline = Date.now() + 20_000; now.includes('idle target') && Date.now() < deadline; now = (await sessions()).map((r) => r.datname)) {
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(now).toEqual(['postgres']);
      await new Promise((r) => setTimeout(r, 600)); // two more idle timeouts: the maintenance session stays
      expect((await sessions()).map((r) => r.datname)).toEqual(['postgres']);
    } finally {
      await c.close();
    }
    let left = 1;
    for (let i = 0; i < 200 && left > 0; i++) {
      left = (await conn.query("select 1 from pg_stat_activity where application_name = 'gds-idle-test'")).length;
      if (left > 0) await new Promise((r) => setTimeout(r, 50));
    }
    expect(left).toBe(0);
  }, 60_000);

  it('cancels a running statement on the server when the signal aborts', async () => {
    const started = Date.now();
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    const e = await conn.query('select pg_sleep(10)', [], { signal: ac.signal }).catch((err: unknown) => err);
    // rejected at once with the signal's reason; the cancel reaches the server after
    expect(e).toBe(ac.signal.reason);
    expect(Date.now() - started).toBeLessThan(3_000);
    let running = 1;
    for (let i = 0; i < 100 && running > 0; i++) {
      running = (await conn.query("select 1 from pg_stat_activity where query = 'select pg_sleep(10)' and state = 'active'")).length;
      if (running > 0) await new Promise((r) => setTimeout(r, 20));
    }
    expect(running).toBe(0);
  });
});
