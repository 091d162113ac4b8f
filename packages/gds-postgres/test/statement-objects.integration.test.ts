// The HA statement objects against a real server: what a dry run shows is the object that runs,
// so each must be valid as it is, with its parameters (evidence/statement-objects.json).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseManager } from '@gds/database';
import { startPostgres, type PostgresCluster } from '@gds/testkit';
import '../src/index.js';
import type { PostgreSQLConnection } from '../src/index.js';
import { dropReplicationSlot, promote, setSynchronousStandbyNames, terminateBackend } from '../src/postgres-statements.js';

const evidence = JSON.parse(readFileSync(join(__dirname, 'evidence', 'statement-objects.json'), 'utf8')) as {
  rules: { id: string; check: { parameterised?: string[]; refused?: string; refusedCode?: string; text?: string; column?: string } }[];
};
const rule = (id: string) => evidence.rules.find((r) => r.id === id)!.check;

let cluster: PostgresCluster;
let manager: DatabaseManager;
let pg: PostgreSQLConnection;

beforeAll(async () => {
  cluster = await startPostgres();
  manager = await DatabaseManager.connect(cluster.primary.url('postgres'));
  pg = manager.connection as PostgreSQLConnection;
}, 120_000);

afterAll(async () => {
  await manager?.close();
  await cluster?.stop();
}, 60_000);

describe('HA statement objects on PostgreSQL', () => {
  it('the pid and the slot go as parameters, and run so: a walsender ended, a slot dropped', async () => {
    expect([terminateBackend(1).text, dropReplicationSlot('x').text]).toEqual(rule('parameters-only-in-optimizable-statements').parameterised);
    // a backend of another session, ended through the statement object
    const other = await DatabaseManager.connect(cluster.primary.url('postgres'));
    const otherPg = other.connection as PostgreSQLConnection;
    const pid = Number((await otherPg.query<{ pid: number }>('select pg_catalog.pg_backend_pid() as pid'))[0]!.pid);
    const end = terminateBackend(pid);
    expect((await pg.query<{ pg_terminate_backend: boolean }>(end.text, end.params))[0]!.pg_terminate_backend).toBe(true);
    const alive = async () => Number((await pg.query<{ n: string }>('select count(*) as n from pg_catalog.pg_stat_activity where pid = $1', [pid]))[0]!.n);
    for (let i = 0; i < 50 && (await alive()) > 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(await alive()).toBe(0);
    await other.close().catch(() => undefined);

    const slot = 'gds_param_slot'; // slot names are lower-case letters, digits and underscores
    await pg.query('select pg_catalog.pg_create_physical_replication_slot($1)', [slot]);
    const drop = dropReplicationSlot(slot);
    await pg.query(drop.text, drop.params);
    expect((await pg.query('select 1 from pg_catalog.pg_replication_slots where slot_name = $1', [slot])).length).toBe(0);
  });

  it('ALTER SYSTEM takes no parameter (the server refuses one), so its value is a quoted literal that runs as shown', async () => {
    const { refused, refusedCode } = rule('parameters-only-in-optimizable-statements');
    await expect(pg.query(refused!, ["ANY 1 (\"s1\")"])).rejects.toMatchObject({ code: refusedCode });
    const set = setSynchronousStandbyNames('');
    expect(set.params).toEqual([]);
    await pg.query(set.text, set.params);
    expect((await pg.query<{ sourcefile: string | null }>("select sourcefile from pg_catalog.pg_file_settings where name = 'synchronous_standby_names'")).map((r) => r.sourcefile)).toEqual([expect.stringMatching(/postgresql\.auto\.conf$/)]);
    await pg.query('ALTER SYSTEM RESET synchronous_standby_names');
  });

  it("promote's one column is named pg_promote (described by the server, not run: this is a primary)", async () => {
    const { text, column } = rule('function-call-column-name');
    const s = promote(pg.endpoint);
    expect(s.text).toBe(text);
    expect(s.params).toEqual([]);
    const described = await pg.pool().unsafe(s.text).describe();
    expect(described.columns.map((c) => c.name)).toEqual([column]);
  });
});
