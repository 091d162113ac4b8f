// The real snowflake-sdk against the loopback Snowflake simulator (not a real account): every
// database operation, asserting both what gds made of the replies and exactly what it sent.
import { afterAll, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { DatabaseAlreadyExistsError, DatabaseManager, DatabaseNotFoundError, UnsupportedOperationError, ValidationError } from '@gds/database';
import { SHOW_DATABASES_COLUMNS, SHOW_SCHEMAS_COLUMNS, SHOW_TABLES_COLUMNS, databaseRow, showReply, type SnowflakeSimulator } from '@gds/testkit/snowflake';
import '../src/index.js';
import type { SnowflakeDatabase, SnowflakeDatabaseMetadata } from '../src/index.js';
import { simUrl, startSim } from './sim-helpers.js';
import { loadDriverFirst } from './load-driver.js';

loadDriverFirst();
jest.setTimeout(30_000); // real snowflake-sdk logins and statements over HTTP: room for a loaded CI machine (jest's default is 5 s)

let sim: SnowflakeSimulator;
let manager: DatabaseManager;
beforeAll(async () => {
  sim = await startSim();
  manager = await DatabaseManager.connect(simUrl(sim, { role: 'SYSADMIN' }));
});
afterAll(async () => {
  await manager?.close();
  await sim?.close();
});
beforeEach(() => sim.clearRecords());

const db = (name: string) => manager.getDatabase(name) as SnowflakeDatabase;
const sent = () => sim.queries.map((q) => q.sqlText);
/** Scripts SHOW DATABASES LIKE '<name>' to answer with `rows` (Snowflake's LIKE ignores case). */
const showLike = (name: string, rows: Parameters<typeof databaseRow>[0][], times?: number) =>
  sim.reply(`SHOW DATABASES LIKE '${name.replaceAll("'", "''")}'`, showReply(SHOW_DATABASES_COLUMNS, rows.map(databaseRow)), times);

describe('Snowflake databases (simulator, real snowflake-sdk)', () => {
  it('reads metadata from SHOW DATABASES, keeping only the exact name', async () => {
    showLike('sales', [
      { name: 'SALES', owner: 'SYSADMIN' },
      { name: 'sales', owner: 'ANALYST', options: 'TRANSIENT', retention_time: '0', comment: 'scratch', created_on: new Date('2026-01-02T03:04:05.000Z') },
    ]);
    const m = (await db('sales').getMetadata()) as SnowflakeDatabaseMetadata;
    expect(m).toMatchObject({ name: 'sales', type: 'snowflake', owner: 'ANALYST', isTransient: true, retentionTimeDays: 0, comment: 'scratch', kind: 'STANDARD', options: ['TRANSIENT'], state: 'online' });
    expect(m.created?.toISOString()).toBe('2026-01-02T03:04:05.000Z');
    expect(m.lastAltered).toBeUndefined(); // no warehouse on this connection: no INFORMATION_SCHEMA read
    expect(sent()).toEqual(["SHOW DATABASES LIKE 'sales'"]);
  });

  it('says which database exists when the name differs only in case', async () => {
    showLike('sales', [{ name: 'SALES' }]);
    const error = await db('sales').getMetadata().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DatabaseNotFoundError);
    expect((error as DatabaseNotFoundError).hint).toContain("getDatabase('SALES')");
    expect(await db('sales').exists()).toBe(false);
  });

  it("adds the same hint to the server's 'does not exist' (002003) after a lookup saw the other case, and keeps the failed result", async () => {
    showLike('sales', [{ name: 'SALES' }]);
    const sales = db('sales');
    expect(await sales.exists()).toBe(false);
    sim.fail('UNDROP DATABASE "sales"', '002003', "SQL compilation error:\nDatabase 'sales' does not exist or not authorized.", '02000');
    const error = await sales.undrop().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DatabaseNotFoundError);
    expect((error as DatabaseNotFoundError).hint).toContain("getDatabase('SALES')");
    expect((error as DatabaseNotFoundError).serverCode).toBe('002003');
    expect((error as DatabaseNotFoundError).result?.statements).toEqual(['UNDROP DATABASE "sales"']);
    expect(sent()).toEqual(["SHOW DATABASES LIKE 'sales'", 'UNDROP DATABASE "sales"']);
  });

  it('lists databases with metadata in one statement, leaving out the shared system databases', async () => {
    sim.reply('SHOW DATABASES', showReply(SHOW_DATABASES_COLUMNS, [
      databaseRow({ name: 'SALES' }),
      databaseRow({ name: 'SNOWFLAKE', kind: 'APPLICATION', origin: 'SNOWFLAKE.ACCOUNT_USAGE' }),
      databaseRow({ name: 'SHARED_DB', kind: 'IMPORTED DATABASE', origin: 'OTHERORG.OTHERACCT.MY_SHARE' }),
    ]));
    const dbs = await manager.listDatabases({ withMetadata: true });
    expect(dbs.map((d) => d.name)).toEqual(['SALES', 'SHARED_DB']);
    expect((dbs[1]?.cachedMetadata as SnowflakeDatabaseMetadata).origin).toBe('OTHERORG.OTHERACCT.MY_SHARE');
    expect(sent()).toEqual(['SHOW DATABASES']);
    expect((await manager.listDatabases({ includeSystem: true })).map((d) => d.name)).toContain('SNOWFLAKE');
  });

  it('creates with every option, and dry runs send nothing', async () => {
    const plan = await db('new "db"').create({ transient: true, dataRetentionTimeInDays: 1, maxDataExtensionTimeInDays: 3, comment: "it's new", dryRun: true });
    expect(plan.statements).toEqual(['CREATE TRANSIENT DATABASE "new ""db""" DATA_RETENTION_TIME_IN_DAYS = 1 MAX_DATA_EXTENSION_TIME_IN_DAYS = 3 COMMENT = \'it\'\'s new\'']);
    expect(sent()).toEqual([]);
    sim.reply(/^CREATE/, { columns: [{ name: 'status', type: 'text' }], rows: [['Database NEW successfully created.']] });
    const r = await db('dev').create({ mode: 'ifNotExists', clone: { source: 'SALES', before: { statement: '01b2c3d4-0000-1111-2222-000000000001' } } });
    expect(r.message).toBe('created database dev as a clone of SALES');
    expect(sent()).toEqual(['CREATE DATABASE IF NOT EXISTS "dev" CLONE "SALES" BEFORE(STATEMENT => \'01b2c3d4-0000-1111-2222-000000000001\')']);
  });

  it('refuses CREATE OR REPLACE over an existing database unless replace: true confirms it', async () => {
    showLike('SALES', [{ name: 'SALES' }]);
    await expect(db('SALES').create({ mode: 'orReplace' })).rejects.toThrow(DatabaseAlreadyExistsError);
    expect(sent()).toEqual(["SHOW DATABASES LIKE 'SALES'"]);
    const plan = await db('SALES').create({ mode: 'orReplace', replace: true, dryRun: true });
    expect(plan.statements).toEqual(['CREATE OR REPLACE DATABASE "SALES"']);
    expect(plan.messages[0]).toMatch(/replaces the existing database SALES/);
    await expect(db('SALES').create({ replace: true })).rejects.toThrow(ValidationError);
  });

  it('maps "already exists" (002002) on create', async () => {
    sim.fail('CREATE DATABASE "dup"', '002002', "SQL compilation error:\nDatabase 'dup' already exists.", '42710', 1);
    await expect(db('dup').create()).rejects.toThrow(DatabaseAlreadyExistsError);
  });

  it('drops with IF EXISTS / RESTRICT, refuses force, and undrops', async () => {
    sim.reply(/^(DROP|UNDROP)/, { columns: [{ name: 'status', type: 'text' }], rows: [['ok']] });
    await db('old').drop({ ifExists: true, restrict: true });
    await db('old').undrop();
    expect(sent()).toEqual(['DROP DATABASE IF EXISTS "old" RESTRICT', 'UNDROP DATABASE "old"']);
    await expect(db('old').drop({ force: true })).rejects.toThrow(UnsupportedOperationError);
    await expect(db('old').drop({ cascade: true, restrict: true })).rejects.toThrow(ValidationError);
    await expect(db('old').drop({ ifExists: 'yes' } as never)).rejects.toThrow(ValidationError);
    sim.fail('DROP DATABASE "gone"', '002003', "SQL compilation error:\nDatabase 'gone' does not exist or not authorized.", '02000');
    await expect(db('gone').drop()).rejects.toThrow(DatabaseNotFoundError);
  });

  it('rejects state and access-mode changes with the reason', async () => {
    const e = await db('SALES').setOffline().then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(UnsupportedOperationError);
    expect((e as Error).message).toMatch(/no offline state/);
    await expect(db('SALES').setSingleUserMode({ dryRun: true })).rejects.toThrow(UnsupportedOperationError);
    showLike('SALES', [{ name: 'SALES' }]);
    expect(await db('SALES').getState()).toBe('online');
  });

  it('backs up as a zero-copy clone, refuses a file path, and refuses other backup types', async () => {
    sim.reply(/^CREATE DATABASE "SALES_BK"/, { columns: [{ name: 'status', type: 'text' }], rows: [['ok']] });
    const r = await db('SALES').backup('SALES_BK', { at: { timestamp: '2026-03-01T00:00:00Z' } });
    expect(r.data).toMatchObject({ target: 'SALES_BK', type: 'full', format: 'zero-copy clone', details: { source: 'SALES' } });
    expect(sent()).toEqual([
      "CREATE DATABASE \"SALES_BK\" CLONE \"SALES\" AT(TIMESTAMP => '2026-03-01T00:00:00Z'::TIMESTAMP_TZ) COMMENT = 'gds backup: zero-copy clone of SALES (AT(TIMESTAMP => ''2026-03-01T00:00:00Z''::TIMESTAMP_TZ))'",
    ]);
    await expect(db('SALES').backup('/backups/sales.dump')).rejects.toThrow(/looks like a file path/);
    await expect(db('SALES').backup('X', { type: 'differential' })).rejects.toThrow(UnsupportedOperationError);
    await expect(db('SALES').backup('X', { at: { offset: 5 } })).rejects.toThrow(ValidationError);
    await expect(db('SALES').backup('X', { at: { offset: -5 }, before: { offset: -5 } })).rejects.toThrow(ValidationError);
  });

  it('restores into a missing database by cloning, refuses over an existing one, and swaps with replace', async () => {
    showLike('NEW', [], 1);
    sim.reply(/^(CREATE|ALTER|DROP) DATABASE/, { columns: [{ name: 'status', type: 'text' }], rows: [['ok']] });
    await db('NEW').restore('SALES_BK');
    expect(sent()).toEqual(["SHOW DATABASES LIKE 'NEW'", 'CREATE DATABASE "NEW" CLONE "SALES_BK"']);
    sim.clearRecords();
    showLike('SALES', [{ name: 'SALES' }]);
    await expect(db('SALES').restore('SALES_BK')).rejects.toThrow(ValidationError);
    expect(sent()).toEqual(["SHOW DATABASES LIKE 'SALES'"]);
    sim.clearRecords();
    const r = await db('SALES').restore('SALES_BK', { replace: true });
    const [, clone, swap, drop] = sent();
    const tmp = /^CREATE DATABASE "(SALES_gds_restore_\d{17}_[0-9a-f]{4})" CLONE "SALES_BK"$/.exec(clone ?? '')?.[1];
    expect(tmp).toBeDefined();
    expect(swap).toBe(`ALTER DATABASE "SALES" SWAP WITH "${tmp}"`);
    expect(drop).toBe(`DROP DATABASE "${tmp}"`);
    expect(r.messages[0]).toMatch(/grants were swapped/);
  });

  it('restores a database to its own past (point in time) only with replace', async () => {
    showLike('SALES', [{ name: 'SALES' }]);
    await expect(db('SALES').restore('SALES')).rejects.toThrow(/needs a Time Travel point/);
    const plan = await db('SALES').restore('SALES', { replace: true, keepPrevious: true, before: { offset: -600 }, dryRun: true });
    expect(plan.statements).toHaveLength(2);
    expect(plan.statements[0]).toMatch(/^CREATE DATABASE "SALES_gds_restore_\d{17}_[0-9a-f]{4}" CLONE "SALES" BEFORE\(OFFSET => -600\)$/);
    expect(plan.statements[1]).toMatch(/^ALTER DATABASE "SALES" SWAP WITH "SALES_gds_restore_\d{17}_[0-9a-f]{4}"$/);
    expect(sent()).toEqual(["SHOW DATABASES LIKE 'SALES'"]); // the refused call sent nothing
  });

  it('clones and sets the retention time', async () => {
    sim.reply(/^(CREATE|ALTER) DATABASE/, { columns: [{ name: 'status', type: 'text' }], rows: [['ok']] });
    await db('SALES').clone('SALES_DEV', { transient: true, at: { offset: -60 } });
    await db('SALES').setRetentionTime(7);
    expect(sent()).toEqual(['CREATE TRANSIENT DATABASE "SALES_DEV" CLONE "SALES" AT(OFFSET => -60)', 'ALTER DATABASE "SALES" SET DATA_RETENTION_TIME_IN_DAYS = 7']);
    await expect(db('SALES').setRetentionTime(91)).rejects.toThrow(ValidationError);
  });

  it('lists schemas and tables with SHOW', async () => {
    sim.reply('SHOW SCHEMAS IN DATABASE "SALES"', showReply(SHOW_SCHEMAS_COLUMNS, [{ name: 'INFORMATION_SCHEMA' }, { name: 'PUBLIC' }, { name: 'raw data' }]));
    sim.reply('SHOW TABLES IN SCHEMA "SALES"."raw data"', showReply(SHOW_TABLES_COLUMNS, [{ name: 'ORDERS', schema_name: 'raw data', kind: 'TABLE', is_external: 'N' }, { name: 'EXT', schema_name: 'raw data', kind: 'TABLE', is_external: 'Y' }]));
    expect(await db('SALES').listSchemas()).toEqual(['PUBLIC', 'raw data']);
    expect(await db('SALES').listSchemas({ includeSystem: true })).toContain('INFORMATION_SCHEMA');
    expect(await db('SALES').listTables('raw data')).toEqual([
      { schema: 'raw data', name: 'ORDERS', kind: 'table' },
      { schema: 'raw data', name: 'EXT', kind: 'external_table' },
    ]);
    sim.fail('SHOW TABLES IN SCHEMA "SALES"."nope"', '002003', "SQL compilation error:\nSchema 'SALES.\"nope\"' does not exist or not authorized.", '02000');
    const e = await db('SALES').listTables('nope').then(
      () => undefined,
      (x: unknown) => x,
    );
    expect((e as { code?: string }).code).toBe('QUERY');
  });

  it('sends hostile names quoted exactly, in DDL and in SHOW ... LIKE', async () => {
    const names = [`a "quoted" name`, `semi; DROP DATABASE canary; --`, "it's \\ here", 'ünï_çødé', 'lower'];
    for (const name of names) {
      const plan = await db(name).drop({ dryRun: true });
      expect(plan.statements).toEqual([`DROP DATABASE "${name.replaceAll('"', '""')}"`]);
    }
    // a backslash may be LIKE's escape character: the pattern has the wildcard _ in its place
    showLike("it's _ here", [{ name: "it's \\ here" }, { name: "it's x here" }]);
    expect(await db("it's \\ here").exists()).toBe(true);
    expect(sent()).toEqual(["SHOW DATABASES LIKE 'it''s _ here'"]);
    expect(() => manager.getDatabase('x'.repeat(256))).toThrow(ValidationError);
  });
});
