// MySQLDatabase against real servers (see servers.ts): metadata, listDatabases in a constant
// number of statements, create options, drop with other sessions (refused, then killed), state
// and access refusals, tables, maintenance with their result rows, typed errors, cancellation.
// Every outcome is read back from the server with mysql2 directly.
import { afterAll, beforeAll, expect, it, jest } from '@jest/globals';
import { truncateSync } from 'node:fs';
import { join } from 'node:path';
import {
  AuthenticationError,
  ConnectionError,
  DatabaseAlreadyExistsError,
  DatabaseInUseError,
  DatabaseManager,
  DatabaseNotFoundError,
  PermissionDeniedError,
  UnsupportedOperationError,
  ValidationError,
} from '@gds/database';
import { MySQLConnection, NO_OWNER, type MySQLDatabase, type MySQLDropData } from '../src/index.js';
import { metadataStatement } from '../src/mysql-statements.js';
import { rawQuery, rawSession, seed } from './helpers.js';
import { describeWithMysqlServers } from './servers.js';

describeWithMysqlServers('MySQLDatabase', (server) => {
  let manager: DatabaseManager;
  const db = (name: string) => manager.getDatabase(name) as MySQLDatabase;
  const exists = async (name: string) => (await rawQuery<{ n: number }>(server().url, 'SELECT COUNT(*) AS n FROM information_schema.SCHEMATA WHERE CAST(SCHEMA_NAME AS BINARY) = CAST(? AS BINARY)', [name]))[0]?.n === 1;
  const fresh = async (name: string) => {
    await rawQuery(server().url, `DROP DATABASE IF EXISTS \`${name.replaceAll('`', '``')}\``);
    return db(name);
  };

  beforeAll(async () => {
    manager = await DatabaseManager.connect(server().url);
    const [v] = await rawQuery<{ v: string }>(server().url, 'SELECT VERSION() AS v');
    process.stderr.write(`MySQLDatabase suite runs against ${server().flavor} ${v?.v} (real server)\n`);
    expect(String(v?.v).toLowerCase().includes('mariadb')).toBe(server().flavor === 'mariadb');
  }, 60_000);
  afterAll(async () => {
    await manager?.close();
  });

  it('metadata: character set, collation, size = data + index, tables, views; no owner, said so', async () => {
    const d = await fresh('gds_meta');
    await d.create({ charset: 'latin1', collation: 'latin1_swedish_ci' });
    await seed(server().url, d, 500);
    const m = await d.refreshMetadata();
    const [raw] = await rawQuery<{ data: number; idx: number }>(server().url, 'SELECT SUM(DATA_LENGTH) AS data, SUM(INDEX_LENGTH) AS idx FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?', [d.name]);
    expect(m).toMatchObject({ name: 'gds_meta', type: 'mysql', characterSet: 'latin1', collation: 'latin1_swedish_ci', state: 'online', accessMode: 'multi_user' });
    expect(m.sizeBytes).toBe(Number(raw?.data) + Number(raw?.idx));
    expect(m.sizeBytes).toBeGreaterThan(0);
    expect(m.additionalAttributes).toMatchObject({ tableCount: 2, viewCount: 1, owner: NO_OWNER, system: false });
    expect(m.owner).toBeUndefined();
    if (server().flavor === 'mariadb') expect(m.additionalAttributes).toMatchObject({ readOnly: undefined, defaultEncryption: undefined });
    await d.drop();
  }, 60_000);

  it('listDatabases({ withMetadata }) sends the same number of statements for 3 and for 30 databases, and agrees with getMetadata', async () => {
    const names = Array.from({ length: 30 }, (_, i) => `gds_many_${String(i).padStart(2, '0')}`);
    for (const n of names) await rawQuery(server().url, `CREATE DATABASE IF NOT EXISTS ${n}`);
    const spy = jest.spyOn(MySQLConnection.prototype, 'query');
    try {
      const fresh1 = await DatabaseManager.connect(server().url);
      spy.mockClear();
      const all = await fresh1.listDatabases({ withMetadata: true });
      const many = spy.mock.calls.length;
      for (const n of names.slice(3)) await rawQuery(server().url, `DROP DATABASE ${n}`);
      spy.mockClear();
      const few = await fresh1.listDatabases({ withMetadata: true });
      expect(spy.mock.calls.length).toBe(many);
      expect(many).toBeLessThanOrEqual(1); // the server info is cached from connect()
      expect(all.filter((d) => d.name.startsWith('gds_many_'))).toHaveLength(30);
      expect(few.filter((d) => d.name.startsWith('gds_many_'))).toHaveLength(3);
      expect(all.map((d) => d.name)).not.toContain('mysql');
      expect((await fresh1.listDatabases({ includeSystem: true })).map((d) => d.name)).toEqual(expect.arrayContaining(['mysql', 'information_schema']));
      const one = few.find((d) => d.name === 'gds_many_00');
      expect(one?.cachedMetadata).toEqual(await fresh1.getDatabase('gds_many_00').getMetadata());
      await fresh1.close();
    } finally {
      spy.mockRestore();
      for (const n of names.slice(0, 3)) await rawQuery(server().url, `DROP DATABASE IF EXISTS ${n}`);
    }
  }, 120_000);

  it("one database's metadata reads that database's tables only (the server's plan says so), not every table on the server", async () => {
    if (server().flavor !== 'mariadb') {
      process.stderr.write('SKIP plan check: the Extra texts checked are MariaDB\'s\n');
      return;
    }
    const conn = new MySQLConnection(server().url);
    const info = await conn.serverInfo().finally(() => conn.close());
    const one = metadataStatement(info, 'gds_plan');
    const plan = await rawQuery<{ Extra: string | null }>(server().url, `EXPLAIN ${one.text}`, [...one.params]);
    const scans = plan.map((r) => r.Extra ?? '').filter((e) => /Scanned/.test(e));
    expect(scans).toEqual([expect.stringContaining('Scanned 1 database')]);
  }, 60_000);

  it('create: ifNotExists on an existing database changes nothing; charset and collation as asked; encryption refused where the server has none', async () => {
    const d = await fresh('gds_create');
    await d.create({ charset: 'utf8mb4', collation: 'utf8mb4_bin' });
    const [row] = await rawQuery<{ cs: string; co: string }>(server().url, 'SELECT DEFAULT_CHARACTER_SET_NAME AS cs, DEFAULT_COLLATION_NAME AS co FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [d.name]);
    expect(row).toEqual({ cs: 'utf8mb4', co: 'utf8mb4_bin' });
    await rawQuery(server().url, 'CREATE TABLE gds_create.keep (id INT)');
    const again = await d.create({ ifNotExists: true, charset: 'latin1' });
    expect(again.message).toMatch(/already exists/);
    expect((await rawQuery(server().url, 'SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?', [d.name])).length).toBe(1);
    await expect(d.create()).rejects.toThrow(DatabaseAlreadyExistsError);
    if (server().flavor === 'mariadb') {
      const e = await fresh('gds_enc');
      await expect(e.create({ encryption: true })).rejects.toThrow(UnsupportedOperationError);
      expect(await exists('gds_enc')).toBe(false);
    }
    await d.drop();
  }, 60_000);

  it('drop with other sessions: refused naming them; with force they are killed first, named in the result, and none is left', async () => {
    const d = await fresh('gds_busy');
    await d.create();
    const a = await rawSession(server().url, d.name);
    const b = await rawSession(server().url, d.name);
    await b.query('CREATE TABLE t (id INT PRIMARY KEY) ENGINE=InnoDB');
    await b.query('BEGIN');
    await b.query('INSERT INTO t VALUES (1)'); // an open transaction: DROP DATABASE would wait on its lock
    const ids = [a.threadId, b.threadId].sort((x, y) => x - y);
    try {
      const refused = await d.drop().catch((e: unknown) => e);
      expect(DatabaseInUseError.isInstance(refused)).toBe(true);
      expect((refused as DatabaseInUseError).sessions).toBe(2);
      for (const id of ids) expect((refused as Error).message).toContain(String(id));
      expect(await exists('gds_busy')).toBe(true);
      const plan = await d.drop({ force: true, dryRun: true });
      expect(plan.statements).toEqual([...ids.map((id) => `KILL CONNECTION ${id}`), 'DROP DATABASE `gds_busy`']);
      expect(await exists('gds_busy')).toBe(true);
      const result = await d.drop({ force: true, timeoutMs: 20_000 });
      expect((result.data as MySQLDropData | undefined)?.killedSessions.map((s) => s.id).sort((x, y) => x - y)).toEqual(ids);
      expect(result.message).toMatch(/killed sessions/);
      expect(await exists('gds_busy')).toBe(false);
      const left = await rawQuery<{ id: number }>(server().url, 'SELECT ID AS id FROM information_schema.PROCESSLIST WHERE DB = ?', [d.name]);
      expect(left).toEqual([]);
      await expect(a.query('SELECT 1')).rejects.toThrow();
    } finally {
      a.destroy();
      b.destroy();
    }
  }, 60_000);

  it('an account without PROCESS sees only its own sessions: drop() says so instead of claiming none', async () => {
    await rawQuery(server().url, 'CREATE DATABASE IF NOT EXISTS gds_lim');
    await rawQuery(server().url, "CREATE USER IF NOT EXISTS 'gds_lim'@'127.0.0.1' IDENTIFIED BY 'lim-Pw-1234'");
    await rawQuery(server().url, "GRANT ALL PRIVILEGES ON gds_lim.* TO 'gds_lim'@'127.0.0.1'");
    const other = await rawSession(server().url, 'gds_lim'); // the test account's session, invisible to gds_lim
    const url = new URL(server().url);
    url.username = 'gds_lim';
    url.password = 'lim-Pw-1234';
    const m = await DatabaseManager.connect(url.toString());
    try {
      const result = await m.getDatabase('gds_lim').drop();
      expect(result.messages.join('\n')).toMatch(/no PROCESS privilege.*other users' sessions may be connected/);
      // with PROCESS the same account sees the other session and is refused
      await rawQuery(server().url, 'CREATE DATABASE gds_lim');
      await other.query('USE gds_lim');
      await rawQuery(server().url, "GRANT PROCESS ON *.* TO 'gds_lim'@'127.0.0.1'");
      const m2 = await DatabaseManager.connect(url.toString()); // global privileges apply to new connections
      await expect(m2.getDatabase('gds_lim').drop()).rejects.toThrow(DatabaseInUseError);
      await m2.close();
      const quiet = await (manager.getDatabase('gds_lim') as MySQLDatabase).drop({ force: true });
      expect(quiet.messages.join('\n')).not.toMatch(/PROCESS/);
    } finally {
      other.destroy();
      await m.close();
      await rawQuery(server().url, "DROP USER 'gds_lim'@'127.0.0.1'");
      await rawQuery(server().url, 'DROP DATABASE IF EXISTS gds_lim');
    }
  }, 60_000);

  it("the URL's database is not a default of gds's sessions: dropping it finds no session of gds's own", async () => {
    await rawQuery(server().url, 'CREATE DATABASE IF NOT EXISTS gds_urldb');
    const url = new URL(server().url);
    url.pathname = '/gds_urldb';
    const m = await DatabaseManager.connect(url.toString());
    try {
      await Promise.all([1, 2, 3].map(() => m.listDatabases({ withMetadata: true }))); // several pooled server-level sessions
      const result = await m.getDatabase('gds_urldb').drop();
      expect(result.isSuccess()).toBe(true);
      expect(await exists('gds_urldb')).toBe(false);
    } finally {
      await m.close();
    }
  }, 60_000);

  it('state and access: no offline or single-user mode (reasons); read-only schemas only on MySQL 8.0.22+', async () => {
    const d = await fresh('gds_state');
    await d.create();
    await expect(d.setOffline()).rejects.toThrow(/no per-database offline state/);
    await expect(d.setSingleUserMode()).rejects.toThrow(/no per-database connection modes/);
    await expect(d.setRestrictedUserMode()).rejects.toThrow(UnsupportedOperationError);
    expect(await d.getState()).toBe('online');
    if (server().flavor === 'mariadb') {
      await expect(d.setReadOnly()).rejects.toThrow(/MariaDB .* has no read-only schema/);
      // the evidence: MariaDB's parser does not know the option
      await expect(rawQuery(server().url, 'ALTER SCHEMA gds_state READ ONLY = 1')).rejects.toMatchObject({ errno: 1064 });
    } else {
      await d.setReadOnly({ readOnly: true });
      expect((await d.refreshMetadata()).additionalAttributes.readOnly).toBe(true);
      await expect(rawQuery(server().url, 'CREATE TABLE gds_state.t (id INT)')).rejects.toMatchObject({ errno: 3989 });
      await d.setReadOnly({ readOnly: false });
      expect((await d.refreshMetadata()).additionalAttributes.readOnly).toBe(false);
    }
    await d.drop();
  }, 60_000);

  it('a database is a schema: listSchemas refused with the reason, listTables lists its tables and views', async () => {
    const d = await fresh('gds_tables');
    await d.create();
    await seed(server().url, d, 10);
    await expect(d.listSchemas()).rejects.toThrow(/a database is a schema/);
    expect(await d.listTables()).toEqual([
      { schema: 'gds_tables', name: 'cheap', kind: 'view' },
      { schema: 'gds_tables', name: 'items', kind: 'table' },
      { schema: 'gds_tables', name: 'odd `name` t', kind: 'table' },
    ]);
    expect(await d.listTables('gds_tables')).toHaveLength(3);
    await expect(d.listTables('other')).rejects.toThrow(ValidationError);
    await expect(db('gds_no_such').listTables()).rejects.toThrow(DatabaseNotFoundError);
    await d.drop();
  }, 60_000);

  it('maintenance: ANALYZE, OPTIMIZE and CHECK TABLE return the server\'s rows per table', async () => {
    const d = await fresh('gds_maint');
    await d.create();
    await seed(server().url, d, 50);
    const analyzed = await d.analyze();
    expect(analyzed.data?.tables).toEqual(['items', 'odd `name` t']);
    expect(analyzed.data?.rows.filter((r) => r.type === 'status').map((r) => r.table)).toEqual(['gds_maint.items', 'gds_maint.odd `name` t']);
    expect(analyzed.data?.ok).toBe(true);
    const optimized = await d.optimize({ tables: ['items'], local: true });
    expect(optimized.statements).toEqual(['OPTIMIZE NO_WRITE_TO_BINLOG TABLE `gds_maint`.`items`']);
    expect(optimized.data?.rows.some((r) => r.op === 'optimize' && r.type === 'status' && r.text === 'OK')).toBe(true);
    const checked = await d.checkIntegrity({ mode: 'extended' });
    expect(checked.data).toMatchObject({ ok: true, problems: [] });
    expect(checked.data?.rows.map((r) => [r.table, r.op, r.type, r.text])).toEqual([
      ['gds_maint.items', 'check', 'status', 'OK'],
      ['gds_maint.odd `name` t', 'check', 'status', 'OK'],
    ]);
    const dry = await d.checkIntegrity({ dryRun: true });
    expect(dry.data?.rows).toEqual([]);
    expect(dry.statements).toEqual(['CHECK TABLE `gds_maint`.`items`, `gds_maint`.`odd ``name`` t`']);
    await expect(d.analyze({ tables: ['missing'] })).resolves.toMatchObject({ data: { ok: false } });
    const empty = await fresh('gds_maint_empty');
    await empty.create();
    expect((await empty.checkIntegrity()).message).toMatch(/no tables/);
    await empty.drop();
    await d.drop();
  }, 120_000);

  it('CHECK TABLE reports a really corrupted table as a problem (a MyISAM data file cut short)', async () => {
    const cluster = server().cluster;
    if (!cluster) {
      process.stderr.write('SKIP corrupted-table check: needs the data directory of a throwaway local server\n');
      return;
    }
    const d = await fresh('gds_corrupt');
    await d.create();
    await rawQuery(server().url, "CREATE TABLE gds_corrupt.m (id INT PRIMARY KEY, v VARCHAR(200)) ENGINE=MyISAM");
    await rawQuery(server().url, `INSERT INTO gds_corrupt.m VALUES ${Array.from({ length: 200 }, (_, i) => `(${i}, REPEAT('x', 150))`).join(', ')}`);
    await rawQuery(server().url, 'FLUSH TABLES gds_corrupt.m');
    truncateSync(join(cluster.primary.dataDir, 'gds_corrupt', 'm.MYD'), 1000);
    await rawQuery(server().url, 'FLUSH TABLES gds_corrupt.m');
    const checked = await d.checkIntegrity();
    expect(checked.data?.ok).toBe(false);
    expect(checked.data?.problems.length).toBeGreaterThan(0);
    expect(checked.messages.join('\n')).toContain('gds_corrupt.m');
    await d.drop();
  }, 60_000);

  it('typed errors from the real server: authentication, connection, missing database, permission, cancellation', async () => {
    const url = new URL(server().url);
    url.password = 'wrong-password-123';
    const auth = await DatabaseManager.connect(url.toString()).catch((e: unknown) => e);
    expect(AuthenticationError.isInstance(auth)).toBe(true);
    expect(String((auth as Error).message)).not.toContain('wrong-password-123');
    const refused = await DatabaseManager.connect('mysql://root@127.0.0.1:1/').catch((e: unknown) => e);
    expect(ConnectionError.isInstance(refused)).toBe(true);
    expect((refused as ConnectionError).hint).toMatch(/nothing listens/);
    await expect(db('gds_missing').getMetadata()).rejects.toThrow(DatabaseNotFoundError);
    // a user without privileges: 1044 access denied
    await rawQuery(server().url, "CREATE USER IF NOT EXISTS 'gds_nopriv'@'127.0.0.1' IDENTIFIED BY 'np-Pw-1234'");
    const weakUrl = new URL(server().url);
    weakUrl.username = 'gds_nopriv';
    weakUrl.password = 'np-Pw-1234';
    const weak = await DatabaseManager.connect(weakUrl.toString());
    try {
      await expect(weak.getDatabase('gds_forbidden').create()).rejects.toThrow(PermissionDeniedError);
      expect(await exists('gds_forbidden')).toBe(false);
    } finally {
      await weak.close();
      await rawQuery(server().url, "DROP USER 'gds_nopriv'@'127.0.0.1'");
    }
    // cancellation: KILL QUERY from another session, the statement stops on the server
    const conn = new MySQLConnection(server().url);
    try {
      const controller = new AbortController();
      setTimeout(() => controller.abort(new Error('stop')), 300);
      const started = Date.now();
      await expect(conn.query('SELECT SLEEP(20) AS s /* gds-cancel-probe */', [], { signal: controller.signal })).rejects.toThrow('stop');
      expect(Date.now() - started).toBeLessThan(5_000);
      const running = await rawQuery(server().url, "SELECT ID FROM information_schema.PROCESSLIST WHERE INFO LIKE '%gds-cancel-probe%' AND INFO NOT LIKE '%PROCESSLIST%'");
      expect(running).toEqual([]);
    } finally {
      await conn.close();
    }
  }, 60_000);
});
