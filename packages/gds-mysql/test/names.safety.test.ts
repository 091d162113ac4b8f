// Names against real servers (see servers.ts): hostile database and table names pass exactly
// through every operation, a canary database and table prove no statement leaked out of its
// quotes, names the server would refuse or change are refused before anything is sent, and
// lower_case_table_names decides how names compare.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DatabaseManager, ValidationError } from '@gds/database';
import { findMariadbBinaries, mariadbMissingReason, startMariadb, type MariadbCluster } from '@gds/testkit';
import { printSkip } from '@gds/testkit/jest';
import '../src/index.js';
import type { MySQLDatabase } from '../src/index.js';
import { rawQuery } from './helpers.js';
import { describeWithMysqlServers } from './servers.js';

const HOSTILE = [
  'gds_n back`tick``s',
  'gds_n semi; DROP DATABASE gds_n_canary; --',
  "gds_n it's \"quoted\"",
  'gds_n q?mark ?? :name',
  'gds_n /* comment */ #hash -- dash',
  'gds_n back\\slash',
  'gds_n dots.and/slash',
  'gds_n new\nline\ttab',
  'gds_n ünï çødé 日本語',
  `gds_n_${'é'.repeat(58)}`, // exactly 64 characters, 122 bytes in UTF-8
];
const TABLE = 'we`ird; DROP TABLE gds_n_canary.keep; -- ?';

describeWithMysqlServers('names', (server) => {
  let manager: DatabaseManager;
  const canaryRows = async () => Number((await rawQuery<{ n: number }>(server().url, 'SELECT COUNT(*) AS n FROM gds_n_canary.keep'))[0]?.n);
  const schemaNames = async () => (await rawQuery<{ n: string }>(server().url, "SELECT SCHEMA_NAME AS n FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 'gds\\_n%'")).map((r) => r.n);

  beforeAll(async () => {
    manager = await DatabaseManager.connect(server().url);
    await rawQuery(server().url, 'DROP DATABASE IF EXISTS gds_n_canary');
    await rawQuery(server().url, 'CREATE DATABASE gds_n_canary');
    await rawQuery(server().url, 'CREATE TABLE gds_n_canary.keep (id INT PRIMARY KEY)');
    await rawQuery(server().url, 'INSERT INTO gds_n_canary.keep VALUES (1), (2), (3)');
  }, 60_000);
  afterAll(async () => {
    await rawQuery(server().url, 'DROP DATABASE IF EXISTS gds_n_canary').catch(() => undefined);
    await manager?.close();
  });

  it.each(HOSTILE.map((n) => [n]))('%j: create, metadata, list, tables, maintenance, drop, all exact; the canary survives', async (name) => {
    expect(name.length).toBeLessThanOrEqual(64);
    const db = manager.getDatabase(name) as MySQLDatabase;
    if (await db.exists()) await db.drop({ force: true });
    await db.create();
    expect(await schemaNames()).toContain(name);
    expect((await db.getMetadata()).name).toBe(name);
    expect((await manager.listDatabases()).map((d) => d.name)).toContain(name);
    expect((await manager.listDatabases({ withMetadata: true })).find((d) => d.name === name)?.cachedMetadata?.name).toBe(name);
    await rawQuery(server().url, `CREATE TABLE \`${name.replaceAll('`', '``')}\`.\`${TABLE.replaceAll('`', '``')}\` (id INT PRIMARY KEY)`);
    expect(await db.listTables()).toEqual([{ schema: name, name: TABLE, kind: 'table' }]);
    const checked = await db.checkIntegrity({ tables: [TABLE] });
    expect(checked.data?.ok).toBe(true);
    expect(checked.data?.rows.map((r) => r.table)).toEqual([`${name}.${TABLE}`]);
    await db.drop();
    expect(await schemaNames()).not.toContain(name);
    expect(await canaryRows()).toBe(3);
  }, 60_000);

  it('names the server would refuse or change are refused before anything is sent (the server agrees: it refuses them too)', async () => {
    const before = await schemaNames();
    const tooLong = `gds_n_${'x'.repeat(59)}`; // 65 characters
    for (const bad of [tooLong, 'gds_n trailing ', 'gds_n nul\u0000', 'gds_n emoji \u{1F600}']) {
      expect(() => manager.getDatabase(bad)).toThrow(ValidationError);
    }
    const db = manager.getDatabase('gds_n_ok') as MySQLDatabase;
    await expect(db.analyze({ tables: ['t'.repeat(65)] })).rejects.toThrow(ValidationError);
    expect(await schemaNames()).toEqual(before);
    // what the server itself does with them: refused, never truncated (so gds's refusal loses nothing)
    const long = (await rawQuery(server().url, `CREATE DATABASE \`${tooLong}\``).catch((e: unknown) => e)) as { errno?: number };
    expect([1059, 1102]).toContain(long.errno); // ER_TOO_LONG_IDENT (MySQL) / ER_WRONG_DB_NAME (MariaDB 10.11)
    await expect(rawQuery(server().url, 'CREATE DATABASE `gds_n trailing `')).rejects.toMatchObject({ errno: 1102 }); // ER_WRONG_DB_NAME
    expect(await schemaNames()).toEqual(before);
  }, 60_000);

  it('with lower_case_table_names = 0 two names differing in case are two databases, kept apart', async () => {
    const [{ l } = { l: -1 }] = await rawQuery<{ l: number }>(server().url, 'SELECT @@lower_case_table_names AS l');
    if (Number(l) !== 0) {
      process.stderr.write(`SKIP case test: this server has lower_case_table_names = ${l}\n`);
      return;
    }
    const upper = manager.getDatabase('gds_n_Case') as MySQLDatabase;
    const lower = manager.getDatabase('gds_n_case') as MySQLDatabase;
    for (const d of [upper, lower]) if (await d.exists()) await d.drop({ force: true });
    await upper.create();
    expect(await lower.exists()).toBe(false); // information_schema compares case-insensitively on MariaDB: gds compares exactly
    await lower.create({ charset: 'latin1' });
    await rawQuery(server().url, 'CREATE TABLE gds_n_Case.only_upper (id INT)');
    expect((await upper.listTables()).map((t) => t.name)).toEqual(['only_upper']);
    expect(await lower.listTables()).toEqual([]);
    expect((await lower.getMetadata()).characterSet).toBe('latin1');
    expect((await upper.getMetadata()).additionalAttributes.tableCount).toBe(1);
    expect((await lower.getMetadata()).additionalAttributes.tableCount).toBe(0);
    await upper.drop();
    expect(await lower.exists()).toBe(true);
    await lower.drop();
  }, 60_000);
});

describe('names with lower_case_table_names = 1 (MariaDB, real server)', () => {
  const bin = findMariadbBinaries();
  if (!bin) {
    printSkip(`lower_case_table_names suite skipped: ${mariadbMissingReason()}`);
    it.skip(`needs a local MariaDB (${mariadbMissingReason()})`, () => undefined);
    return;
  }
  let cluster: MariadbCluster;
  let manager: DatabaseManager;
  beforeAll(async () => {
    cluster = await startMariadb({ settings: { 'lower-case-table-names': 1 } });
    manager = await DatabaseManager.connect(cluster.primary.url('', 'test'));
  }, 240_000);
  afterAll(async () => {
    await manager?.close();
    await cluster?.stop();
  }, 60_000);

  it(`a name with capitals is refused by create (the server would store it in lower case), and names compare in lower case (MariaDB ${bin.major}.${bin.minor})`, async () => {
    expect((await cluster.primary.query('SELECT @@lower_case_table_names AS l'))[0]).toMatchObject({ l: '1' });
    const mixed = manager.getDatabase('gds_n_Mixed');
    await expect(mixed.create()).rejects.toThrow(/lower_case_table_names = 1/);
    expect(await cluster.primary.query("SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 'gds_n%'")).toEqual([]);
    const lower = manager.getDatabase('gds_n_mixed');
    await lower.create();
    expect(await mixed.exists()).toBe(true); // the server treats gds_n_Mixed as gds_n_mixed
    expect((await mixed.getMetadata()).name).toBe('gds_n_mixed');
    await lower.drop();
    expect(await mixed.exists()).toBe(false);
  }, 60_000);
});
