// The shared conformance suite and Snowflake extras against a REAL Snowflake account, when
// GDS_TEST_SNOWFLAKE_URL is set (snowflake://user:password@org-account?warehouse=WH&role=SYSADMIN;
// the role needs CREATE DATABASE, the warehouse runs the seed and snapshot queries). Everything
// it creates starts with gds_conf_ and is dropped at the end. Elsewhere it prints one skip line.
import { describe, expect, it } from '@jest/globals';
import { DatabaseManager, type Database } from '@gds/database';
import { describeWithServer, runConformanceSuite } from '@gds/testkit/jest';
import '../src/index.js';
import { quoteIdentifier as q, type SnowflakeConnection, type SnowflakeDatabase, type SnowflakeDatabaseMetadata } from '../src/index.js';

const PREFIX = 'gds_conf_';
const backupName = (label: string) => `${PREFIX}bk_${label}`;

async function seed(db: Database): Promise<void> {
  const sf = db.connection as SnowflakeConnection;
  await sf.query(`CREATE TABLE ${q(db.name)}.PUBLIC.ORDERS (ID NUMBER, CUSTOMER STRING, AMOUNT NUMBER(10,2))`);
  await sf.query(`INSERT INTO ${q(db.name)}.PUBLIC.ORDERS SELECT SEQ4(), 'customer ' || MOD(SEQ4(), 37), SEQ4() * 1.25 FROM TABLE(GENERATOR(ROWCOUNT => ?))`, [500]);
}

async function snapshot(db: Database): Promise<{ rows: number; hash: string }> {
  const sf = db.connection as SnowflakeConnection;
  const [r] = await sf.query<{ N: number; H: string | number }>(`SELECT COUNT(*) AS N, TO_VARCHAR(HASH_AGG(*)) AS H FROM ${q(db.name)}.PUBLIC.ORDERS`);
  return { rows: Number(r?.N), hash: String(r?.H) };
}

describeWithServer('snowflake', 'Snowflake (real account)', (server) => {
  runConformanceSuite({
    name: 'snowflake',
    prefix: PREFIX,
    connect: () => DatabaseManager.connect(server().url),
    seed,
    snapshot,
    backupTarget: backupName,
    teardown: async () => {
      const m = await DatabaseManager.connect(server().url);
      try {
        await (m.getDatabase(backupName('src')) as SnowflakeDatabase).drop({ ifExists: true });
      } finally {
        await m.close();
      }
    },
  });

  describe('Snowflake extras (real account)', () => {
    it('clones at a Time Travel point, undrops, and reads the metadata fields', async () => {
      const m = await DatabaseManager.connect(server().url);
      const src = m.getDatabase(`${PREFIX}tt_src`) as SnowflakeDatabase;
      const copy = m.getDatabase(`${PREFIX}tt_copy`) as SnowflakeDatabase;
      try {
        await src.drop({ ifExists: true });
        await copy.drop({ ifExists: true });
        await src.create({ transient: true, dataRetentionTimeInDays: 1, comment: 'gds conformance' });
        await seed(src);
        const before = await snapshot(src);
        await new Promise((r) => setTimeout(r, 2_000));
        await (src.connection as SnowflakeConnection).query(`DELETE FROM ${q(src.name)}.PUBLIC.ORDERS WHERE ID < 100`);
        await src.clone(copy.name, { at: { offset: -1 } });
        expect((await snapshot(copy)).rows).toBeLessThanOrEqual(before.rows);
        const meta = (await src.getMetadata()) as SnowflakeDatabaseMetadata;
        expect(meta).toMatchObject({ name: src.name, isTransient: true, retentionTimeDays: 1, comment: 'gds conformance', kind: 'STANDARD' });
        await copy.drop();
        expect(await copy.exists()).toBe(false);
        await copy.undrop();
        expect(await copy.exists()).toBe(true);
        expect((await src.listSchemas()).includes('PUBLIC')).toBe(true);
        expect((await src.listTables('PUBLIC')).map((t) => t.name)).toEqual(['ORDERS']);
      } finally {
        await src.drop({ ifExists: true }).catch(() => undefined);
        await copy.drop({ ifExists: true }).catch(() => undefined);
        await m.close();
      }
    }, 180_000);
  });
});
