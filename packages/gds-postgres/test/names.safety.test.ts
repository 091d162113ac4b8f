// Adversarial: every name a user gives gds for PostgreSQL is the name gds touches, or it is
// refused before reaching the server (issue 12, item 9). PostgreSQL silently truncates an
// identifier to 63 bytes (NAMEDATALEN - 1, cut at a character boundary), so a 64-byte owner,
// template, table, schema, slot or database name would act on the object named by its prefix.
// Each check creates that prefix object and proves nothing happened to it.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DatabaseManager, ValidationError } from '@gds/database';
import { findPostgresBinaries, postgresMissingReason, startPostgres, type PostgresCluster } from '@gds/testkit';
import '../src/index.js';
import type { PostgreSQLConnection, PostgreSQLDatabase } from '../src/index.js';

const binaries = findPostgresBinaries();
const describePg = binaries ? describe : describe.skip;
if (!binaries) console.log(`skipping PostgreSQL name safety tests: ${postgresMissingReason()}`);

// 'é' is 2 bytes: 32 of them are 64 bytes (but only 32 characters, so a schema's maxLength
// does not catch them), and PostgreSQL truncates them to the 31 (62 bytes) of the prefix
const LONG = 'é'.repeat(32);
const PREFIX = 'é'.repeat(31);
const ASCII_LONG = 't'.repeat(64);
const ASCII_PREFIX = 't'.repeat(63);

async function refusal(work: Promise<unknown>): Promise<unknown> {
  return work.then(
    () => 'accepted',
    (error: unknown) => error,
  );
}

describePg('identifiers are exact or refused (real PostgreSQL)', () => {
  let cluster: PostgresCluster;
  let manager: DatabaseManager;
  let pg: PostgreSQLConnection;
  const db = (name: string) => manager.getDatabase(name) as PostgreSQLDatabase;

  beforeAll(async () => {
    cluster = await startPostgres();
    manager = await DatabaseManager.connect(cluster.primary.url('postgres'));
    pg = manager.connection as PostgreSQLConnection;
  }, 120_000);

  afterAll(async () => {
    await manager?.close();
    await cluster?.stop();
  }, 60_000);

  it(
    'a name over 63 bytes never reaches an object named by its prefix (owner, template, table, schema, slot, database)',
    async () => {
      const tried: string[] = [];
      const dbExists = async (name: string) => (await pg.query('select 1 from pg_catalog.pg_database where datname = $1::text', [name])).length > 0;

      // owner: a role named by the prefix exists; a database "owned by" the long name must not appear owned by it
      await pg.query(`create role "${PREFIX}" login`);
      const owned = await refusal(db('owned_by_long').create({ owner: LONG }));
      tried.push('create owner');
      expect(ValidationError.isInstance(owned)).toBe(true);
      expect(String((owned as Error).message)).toMatch(/64 bytes/);
      expect(await dbExists('owned_by_long')).toBe(false);
      const ownedByPrefix = await pg.query("select datname from pg_catalog.pg_database where pg_catalog.pg_get_userbyid(datdba) = $1::text", [PREFIX]);
      expect(ownedByPrefix).toEqual([]);

      // template: the prefix database holds a marker table; a copy of it must not be made
      await db(PREFIX).create();
      await pg.query('create table public.marker (id int)', [], { database: PREFIX });
      await pg.release(PREFIX);
      const copied = await refusal(db('copy_of_long').create({ template: LONG }));
      tried.push('create template');
      expect(ValidationError.isInstance(copied)).toBe(true);
      expect(await dbExists('copy_of_long')).toBe(false);
      // and a dry run refuses it the same way (the statement is never shown as runnable)
      expect(ValidationError.isInstance(await refusal(db('copy_of_long').create({ template: LONG, dryRun: true })))).toBe(true);

      // vacuum: the prefix table must not be vacuumed
      await db('vac').create();
      await pg.query(`create table public."${ASCII_PREFIX}" (id int)`, [], { database: 'vac' });
      await pg.query('create schema s', [], { database: 'vac' });
      await pg.query(`create table s."${ASCII_PREFIX}" (id int)`, [], { database: 'vac' });
      await pg.query(`create schema "${ASCII_PREFIX}"`, [], { database: 'vac' });
      await pg.query(`create table "${ASCII_PREFIX}".t (id int)`, [], { database: 'vac' });
      for (const tables of [[ASCII_LONG], [{ schema: 's', name: ASCII_LONG }], [{ schema: 't'.repeat(64), name: 't' }]]) {
        const vacuumed = await refusal(db('vac').vacuum({ tables }));
        tried.push(`vacuum ${JSON.stringify(tables).slice(0, 30)}`);
        expect(ValidationError.isInstance(vacuumed)).toBe(true);
      }
      const vacuums = await pg.query<{ n: string }>(
        'select coalesce(sum(vacuum_count + analyze_count), 0) as n from pg_catalog.pg_stat_user_tables',
        [],
        { database: 'vac' },
      );
      expect(Number(vacuums[0]!.n)).toBe(0);

      // listTables: a 64-byte schema is refused, not answered for its prefix
      const listed = await refusal(db('vac').listTables(ASCII_LONG));
      tried.push('listTables');
      expect(ValidationError.isInstance(listed)).toBe(true);
      expect(await db('vac').listTables(ASCII_PREFIX)).toEqual([{ schema: ASCII_PREFIX, name: 't', kind: 'table' }]);
      await pg.release('vac');

      // removeNode: a replication slot named by the prefix must not be dropped
      await pg.query('select pg_catalog.pg_create_physical_replication_slot($1)', [ASCII_PREFIX]);
      const removed = await refusal(db('postgres').ha!.removeNode(ASCII_LONG));
      tried.push('removeNode');
      expect(ValidationError.isInstance(removed)).toBe(true);
      expect(await pg.query('select 1 from pg_catalog.pg_replication_slots where slot_name = $1::text', [ASCII_PREFIX])).toHaveLength(1);

      // the database of a connection URL: no session may land in the prefix database (the server
      // cuts the startup packet's name at byte 63, not at a character: use ASCII)
      await db(ASCII_PREFIX).create();
      const url = cluster.primary.url(ASCII_LONG);
      const connected = await refusal(DatabaseManager.connect(url).then(async (m) => {
        await m.close();
        return m;
      }));
      tried.push('connect');
      expect(ValidationError.isInstance(connected)).toBe(true);
      const sessions = await pg.query('select 1 from pg_catalog.pg_stat_activity where datname = $1::text', [ASCII_PREFIX]);
      expect(sessions).toEqual([]);

      // the prefix objects are all still there, untouched
      expect(await dbExists(PREFIX)).toBe(true);
      expect(await pg.query('select 1 from pg_catalog.pg_roles where rolname = $1::text', [PREFIX])).toHaveLength(1);
      if (process.env.GDS_TEST_TIMINGS) console.log(`names.safety: ${tried.length} long names tried, all refused: ${tried.join(', ')}`);
    },
    60_000,
  );
});
