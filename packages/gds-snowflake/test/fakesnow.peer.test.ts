// @gds/snowflake with the real snowflake-sdk against fakesnow 0.12.1 (Snowflake's login, query and
// session endpoints over DuckDB), NOT Snowflake: a peer written by others, behind the testkit's
// small Arrow -> JSON adapter. Covers login and logout, bindings, SHOW DATABASES/SCHEMAS/TABLES,
// CREATE DATABASE, listDatabases/listTables; fakesnow's gaps (no DROP/UNDROP/ALTER DATABASE,
// clone, time travel, replication, SYSTEM$ functions, CURRENT_ORGANIZATION_NAME) are expectations
// that print their reason and stay on the simulator. One fakesnow per file (it keeps one shared
// in-memory database per process). Skips with one printed line where fakesnow is not installed.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DatabaseAlreadyExistsError, DatabaseManager, DatabaseNotFoundError, GdsError } from '@gds/database';
import { peerSkipReason, startFakesnow, type FakesnowPeer } from '@gds/testkit/peers';
import '../src/index.js';
import type { SnowflakeConnection, SnowflakeDatabase } from '../src/index.js';

function printGap(what: string): void {
  process.stderr.write(`FAKESNOW GAP (fakesnow 0.12.1, not Snowflake): ${what}\n`);
}

const skip = peerSkipReason('fakesnow');
(skip ? describe.skip : describe)('@gds/snowflake on fakesnow 0.12.1 (a Snowflake imitation over DuckDB), not Snowflake', () => {
  let fs: FakesnowPeer;
  let manager: DatabaseManager;
  const db = (name: string) => manager.getDatabase(name) as SnowflakeDatabase;
  const conn = () => manager.getDatabase('GDS_PEER_ANY').connection as SnowflakeConnection;

  beforeAll(async () => {
    fs = await startFakesnow();
    manager = await DatabaseManager.connect(fs.url);
  }, 90_000);
  afterAll(async () => {
    await manager?.close();
    await fs?.stop();
  }, 30_000);

  it('logs in over the sdk, and close() ends the session on the server', async () => {
    const extra = await DatabaseManager.connect(fs.url);
    await extra.listDatabases();
    const logins = (fs.output().match(/POST \/session\/v1\/login-request/g) ?? []).length;
    expect(logins).toBeGreaterThanOrEqual(2);
    const deletesBefore = (fs.output().match(/POST \/session\?delete=true/g) ?? []).length;
    await extra.close();
    await new Promise((r) => setTimeout(r, 200));
    expect((fs.output().match(/POST \/session\?delete=true/g) ?? []).length).toBe(deletesBefore + 1);
    printGap('login accepts any user and password: authentication failures are tested on the simulator only');
  }, 60_000);

  it('sends values as bindings: numbers and a hostile string come back exactly', async () => {
    const hostile = `it's"; DROP DATABASE x; --`;
    const rows = await conn().query<{ N: number; S: string }>('SELECT ? AS n, ? AS s', [42, hostile]);
    expect(rows).toEqual([{ N: 42, S: hostile }]);
  }, 60_000);

  it('create, then SHOW DATABASES through listDatabases/exists/getMetadata; dry runs create nothing', async () => {
    const d = db('GDS_PEER_A');
    const plan = await d.create({ dryRun: true });
    expect(plan.statements).toEqual(['CREATE DATABASE "GDS_PEER_A"']);
    expect(await d.exists()).toBe(false);
    const r = await d.create();
    expect(r.isSuccess()).toBe(true);
    expect(await d.exists()).toBe(true);
    expect((await manager.listDatabases()).map((x) => x.name)).toContain('GDS_PEER_A');
    const meta = await d.getMetadata();
    expect(meta).toMatchObject({ name: 'GDS_PEER_A', type: 'snowflake', state: 'online' });
    expect(meta.created instanceof Date && Number.isFinite(meta.created.getTime())).toBe(true);
    printGap('SHOW DATABASES ignores LIKE (every row comes back: the provider must match the name exactly) and reports created_on as 1970-01-01');
    const other = db('GDS_PEER_A_NOT');
    expect(await other.exists()).toBe(false);
  }, 60_000);

  it('a mixed-case quoted name is kept exactly', async () => {
    const d = db('gds_peer_MiXed');
    await d.create();
    expect(await d.exists()).toBe(true);
    expect((await manager.listDatabases()).map((x) => x.name)).toContain('gds_peer_MiXed');
    expect(await db('GDS_PEER_MIXED').exists()).toBe(false);
  }, 60_000);

  it('typed errors: reading a missing database; creating an existing one is a GdsError and changes nothing', async () => {
    await expect(db('GDS_PEER_MISSING').getMetadata()).rejects.toThrow(DatabaseNotFoundError);
    const d = db('GDS_PEER_DUP');
    await d.create();
    printGap('an existing database answers 002043 "Failed to attach database" (Snowflake: 002002 "Object already exists", DatabaseAlreadyExistsError on the simulator)');
    const error = await d.create().then(() => undefined, (e: unknown) => e);
    expect(GdsError.isInstance(error)).toBe(true);
    expect(DatabaseAlreadyExistsError.isInstance(error) || (error as Error).message.includes('002043')).toBe(true);
    expect((await manager.listDatabases()).filter((x) => x.name === 'GDS_PEER_DUP')).toHaveLength(1);
  }, 60_000);

  it('SHOW SCHEMAS / SHOW TABLES through listSchemas/listTables', async () => {
    const d = db('GDS_PEER_T');
    await d.create();
    printGap('CREATE DATABASE makes no PUBLIC schema and SHOW SCHEMAS names information_schema in lower case');
    await conn().query('CREATE SCHEMA "GDS_PEER_T"."APP"');
    await conn().query('CREATE TABLE "GDS_PEER_T"."APP"."ORDERS" (id INT, note VARCHAR)');
    await conn().query('INSERT INTO "GDS_PEER_T"."APP"."ORDERS" VALUES (?, ?)', [1, 'x']);
    expect(await d.listSchemas()).toContain('APP');
    const tables = await d.listTables();
    expect(tables.map((t) => `${t.schema}.${t.name}`)).toContain('APP.ORDERS');
  }, 60_000);

  it('DROP DATABASE is not in fakesnow: the provider rejects with a typed GdsError and the database stays', async () => {
    printGap('no DROP/UNDROP/ALTER DATABASE, clone, time travel, replication or SYSTEM$ functions: those run on the simulator only');
    const d = db('GDS_PEER_DROP');
    await d.create();
    const error = await d.drop().then(() => undefined, (e: unknown) => e);
    expect(GdsError.isInstance(error)).toBe(true);
    expect(await d.exists()).toBe(true);
  }, 60_000);

  it('server metadata needs CURRENT_ORGANIZATION_NAME(), which fakesnow lacks: a typed GdsError', async () => {
    printGap('no CURRENT_ORGANIZATION_NAME() (fakesnow answers 002003, "does not exist"): getServerMetadata runs on the simulator only');
    const error = await manager.getServerMetadata().then(() => undefined, (e: unknown) => e);
    expect(GdsError.isInstance(error)).toBe(true);
    expect(fs.adapter.rewritten.arrow).toBeGreaterThan(0);
  }, 60_000);
});
