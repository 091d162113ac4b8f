// The real snowflake-sdk against two loopback Snowflake simulators standing for a primary and a
// DR account (not real accounts): replication configuration, lag, status, refresh and failover.
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { DatabaseManager, UnsupportedOperationError, ValidationError } from '@gds/database';
import {
  REFRESH_HISTORY_COLUMNS,
  REFRESH_PROGRESS_COLUMNS,
  SHOW_GROUPS_COLUMNS,
  SHOW_REPLICATION_DATABASES_COLUMNS,
  showReply,
  type SnowflakeSimulator,
} from '@gds/testkit/snowflake';
import '../src/index.js';
import type { SnowflakeReplicationManager } from '../src/index.js';
import { PIN_SESSION_SQL } from '../src/snowflake-connection.js';
import { simUrl, startSim } from './sim-helpers.js';
import { loadDriverFirst } from './load-driver.js';

loadDriverFirst();
jest.setTimeout(30_000); // real snowflake-sdk logins and statements over HTTP: room for a loaded CI machine (jest's default is 5 s)

const sims: SnowflakeSimulator[] = [];
const managers: DatabaseManager[] = [];
afterEach(async () => {
  for (const m of managers.splice(0)) await m.close();
  for (const s of sims.splice(0)) await s.close();
});

async function account(name: string, params: Record<string, string> = {}): Promise<{ sim: SnowflakeSimulator; manager: DatabaseManager; ha: SnowflakeReplicationManager }> {
  const sim = await startSim({ account: name });
  sims.push(sim);
  const manager = await DatabaseManager.connect(simUrl(sim, params));
  managers.push(manager);
  return { sim, manager, ha: manager.getDatabase('SALES').ha as SnowflakeReplicationManager };
}

const replicaRow = (account: string, isPrimary: boolean) => ({
  region_group: 'PUBLIC',
  snowflake_region: isPrimary ? 'AWS_EU_WEST_1' : 'AWS_EU_CENTRAL_1',
  account_locator: isPrimary ? 'XY11111' : 'XY22222',
  name: 'SALES',
  is_primary: isPrimary,
  primary: 'MYORG.PRIMARY.SALES',
  organization_name: 'MYORG',
  account_name: account,
});
const REPLICAS = (primaryIs: 'PRIMARY' | 'DR') => showReply(SHOW_REPLICATION_DATABASES_COLUMNS, [replicaRow('PRIMARY', primaryIs === 'PRIMARY'), replicaRow('DR', primaryIs === 'DR')]);
/** The statements a simulator received, without each login's session pinning. */
const sentTo = (sim: SnowflakeSimulator) => sim.queries.map((q) => q.sqlText).filter((t) => t !== PIN_SESSION_SQL);
const ok = { columns: [{ name: 'status', type: 'text' as const }], rows: [['ok']] };

describe('Snowflake replication (simulators, real snowflake-sdk)', () => {
  it('describes database replication from the primary account: every copy, lag and status unknown there', async () => {
    const { sim, ha } = await account('MYORG-PRIMARY');
    sim.reply("SHOW REPLICATION DATABASES LIKE 'SALES'", REPLICAS('PRIMARY'));
    const cfg = await ha.getConfiguration();
    expect(cfg).toMatchObject({ name: 'SALES', type: 'database_replication', syncMode: 'asynchronous', automaticFailover: false });
    expect(cfg?.nodes.map((n) => [n.nodeName, n.role, n.state, n.metadata.self])).toEqual([
      ['MYORG.PRIMARY', 'primary', 'healthy', true],
      ['MYORG.DR', 'secondary', 'unknown', false],
    ]);
    expect(await ha.getStatus()).toBe('unknown');
    expect(await ha.monitorLag()).toEqual({});
    expect((await ha.getPrimaryNode())?.nodeName).toBe('MYORG.PRIMARY');
    expect(new Set(sentTo(sim))).toEqual(new Set(["SHOW REPLICATION DATABASES LIKE 'SALES'"]));
  });

  it('measures lag on the secondary as the time since the last completed refresh, and status from refresh progress', async () => {
    const { sim, ha } = await account('MYORG-DR', { warehouse: 'ADMIN_WH' });
    const now = Date.now();
    sim.reply("SHOW REPLICATION DATABASES LIKE 'SALES'", REPLICAS('PRIMARY'));
    sim.reply(/DATABASE_REFRESH_HISTORY/, showReply(REFRESH_HISTORY_COLUMNS, [
      { CURRENT_PHASE: 'SECONDARY_DOWNLOADING_DATA', START_TIME: now - 10_000, END_TIME: null, JOB_UUID: 'j3' },
      { CURRENT_PHASE: 'COMPLETED', START_TIME: now - 120_000, END_TIME: now - 100_000, JOB_UUID: 'j2' },
      { CURRENT_PHASE: 'COMPLETED', START_TIME: now - 3_600_000, END_TIME: now - 3_500_000, JOB_UUID: 'j1' },
    ]));
    sim.reply(/DATABASE_REFRESH_PROGRESS/, showReply(REFRESH_PROGRESS_COLUMNS, [
      { PHASE_NAME: 'SECONDARY_UPLOADING_INVENTORY', RESULT: 'SUCCEEDED' },
      { PHASE_NAME: 'SECONDARY_DOWNLOADING_DATA', RESULT: 'EXECUTING' },
    ]));
    const lag = await ha.monitorLag();
    expect(Object.keys(lag)).toEqual(['MYORG.DR']);
    expect(lag['MYORG.DR']).toBeGreaterThanOrEqual(119);
    expect(lag['MYORG.DR']).toBeLessThan(130);
    expect(await ha.getStatus()).toBe('synchronizing');
    const history = sim.queries.find((q) => q.sqlText.includes('DATABASE_REFRESH_HISTORY'));
    expect(history).toMatchObject({
      sqlText: 'SELECT CURRENT_PHASE, START_TIME, END_TIME, JOB_UUID, COPY_BYTES, OBJECT_COUNT FROM TABLE("SALES".INFORMATION_SCHEMA.DATABASE_REFRESH_HISTORY(?)) ORDER BY START_TIME DESC',
      bindings: ['"SALES"'],
    });
    sim.reply(/DATABASE_REFRESH_PROGRESS/, showReply(REFRESH_PROGRESS_COLUMNS, [{ PHASE_NAME: 'PRIMARY_UPLOADING_DATA', RESULT: 'FAILED' }]));
    expect(await ha.getStatus()).toBe('not_synchronized');
    expect(await ha.isHealthy()).toBe(false);
  });

  it('fails over by promoting the secondary on the TARGET account, and checks it became primary', async () => {
    const primary = await account('MYORG-PRIMARY');
    const dr = await account('MYORG-DR');
    dr.sim.reply("SHOW REPLICATION DATABASES LIKE 'SALES'", REPLICAS('DR'));
    dr.sim.reply("SHOW REPLICATION DATABASES LIKE 'SALES'", REPLICAS('PRIMARY'), 1);
    dr.sim.reply('ALTER DATABASE "SALES" PRIMARY', ok);
    // no refresh of the target visible: refused without force, nothing promoted
    await expect(primary.ha.failover({ target: simUrl(dr.sim) })).rejects.toThrow(/Refusing failover.*no completed refresh/);
    expect(sentTo(dr.sim)).not.toContain('ALTER DATABASE "SALES" PRIMARY');
    const done = Date.now() - 90_000;
    dr.sim.reply(/DATABASE_REFRESH_HISTORY/, showReply(REFRESH_HISTORY_COLUMNS, [{ CURRENT_PHASE: 'COMPLETED', START_TIME: done, END_TIME: done + 10_000, JOB_UUID: 'j1' }]));
    dr.sim.reply("SHOW REPLICATION DATABASES LIKE 'SALES'", REPLICAS('PRIMARY'), 1);
    dr.sim.clearRecords();
    const result = await primary.ha.failover({ target: simUrl(dr.sim) });
    expect(result.statements).toEqual([`ALTER DATABASE "SALES" PRIMARY -- on snowflake://MYORG-DR (at http://127.0.0.1:${dr.sim.port})`]);
    expect(result.message).toMatch(/MYORG\.DR is now the primary of SALES/);
    expect(result.messages.join('\n')).toContain(`holds the primary's state as of ${new Date(done).toISOString()}`);
    expect(sentTo(dr.sim).filter((t) => !t.includes('DATABASE_REFRESH_HISTORY'))).toEqual(["SHOW REPLICATION DATABASES LIKE 'SALES'", 'ALTER DATABASE "SALES" PRIMARY', "SHOW REPLICATION DATABASES LIKE 'SALES'"]);
    expect(dr.sim.counts.logouts).toBe(1);
    expect(sentTo(primary.sim)).toEqual([]);
    await expect(primary.ha.failover({ target: simUrl(dr.sim) })).rejects.toThrow(/already the primary/);
    await expect(primary.ha.failover()).rejects.toThrow(ValidationError);
  });

  it('finds a failover group holding the database, refreshes it, and promotes the group', async () => {
    const dr = await account('MYORG-DR');
    dr.sim.reply("SHOW REPLICATION DATABASES LIKE 'SALES'", showReply(SHOW_REPLICATION_DATABASES_COLUMNS, []));
    const group = (acct: string, isPrimary: boolean) => ({ name: 'DR_GROUP', type: 'FAILOVER', is_primary: isPrimary, object_types: 'DATABASES, ROLES', organization_name: 'MYORG', account_name: acct, replication_schedule: '10 MINUTE' });
    dr.sim.reply('SHOW FAILOVER GROUPS', showReply(SHOW_GROUPS_COLUMNS, [group('PRIMARY', true), group('DR', false)]));
    dr.sim.reply('SHOW DATABASES IN FAILOVER GROUP "DR_GROUP"', { columns: [{ name: 'name', type: 'text' }], rows: [['SALES'], ['HR']] });
    const snapshot = new Date(Date.now() - 300_000);
    dr.sim.reply(/REPLICATION_GROUP_REFRESH_HISTORY/, {
      columns: [{ name: 'PHASE_NAME', type: 'text' }, { name: 'START_TIME', type: 'timestamp_ltz' }, { name: 'END_TIME', type: 'timestamp_ltz' }, { name: 'JOB_UUID', type: 'text' }, { name: 'PRIMARY_SNAPSHOT_TIMESTAMP', type: 'timestamp_ltz' }],
      rows: [['COMPLETED', new Date(Date.now() - 280_000), new Date(Date.now() - 200_000), 'j1', snapshot]],
    });
    const cfg = await dr.ha.getConfiguration();
    expect(cfg).toMatchObject({ name: 'DR_GROUP', type: 'failover_group', metadata: { schedule: '10 MINUTE' } });
    const self = cfg?.nodes.find((n) => n.metadata.self === true);
    expect(self).toMatchObject({ nodeName: 'MYORG.DR', role: 'secondary', state: 'synced' });
    expect(self?.lastSyncTime?.getTime()).toBe(snapshot.getTime());
    expect(dr.sim.queries.find((q) => q.sqlText.includes('REPLICATION_GROUP_REFRESH_HISTORY'))?.bindings).toEqual(['"DR_GROUP"']);
    const plan = await dr.ha.refresh({ dryRun: true });
    expect(plan.statements).toEqual(['ALTER FAILOVER GROUP "DR_GROUP" REFRESH']);
    const failover = await dr.ha.failover({ target: simUrl(dr.sim), dryRun: true });
    expect(failover.statements[0]).toMatch(/^ALTER FAILOVER GROUP "DR_GROUP" PRIMARY -- on snowflake:\/\/MYORG-DR/);
  });

  it('enables and disables replication to accounts; ENABLE FAILOVER only permits a failover', async () => {
    const { sim, ha } = await account('MYORG-PRIMARY');
    const plan = await ha.createConfiguration({ targetAccounts: ['myorg.dr', 'MYORG-DR2'], failover: true, dryRun: true });
    expect(plan.statements).toEqual(['ALTER DATABASE "SALES" ENABLE REPLICATION TO ACCOUNTS MYORG.DR, MYORG.DR2', 'ALTER DATABASE "SALES" ENABLE FAILOVER TO ACCOUNTS MYORG.DR, MYORG.DR2']);
    expect(plan.message).toMatch(/permitted/);
    await expect(ha.createConfiguration({ targetAccounts: ['bad account; --'], dryRun: true })).rejects.toThrow(ValidationError);
    await expect(ha.createConfiguration({ dryRun: true })).rejects.toThrow(ValidationError);
    sim.reply(/^ALTER DATABASE "SALES" (ENABLE|DISABLE) REPLICATION/, ok);
    await ha.addNode({ name: 'MYORG.DR3' });
    await ha.removeNode('MYORG.DR3');
    expect(sentTo(sim)).toEqual(['ALTER DATABASE "SALES" ENABLE REPLICATION TO ACCOUNTS MYORG.DR3', 'ALTER DATABASE "SALES" DISABLE REPLICATION TO ACCOUNTS MYORG.DR3']);
    await expect(ha.setSyncMode('synchronous')).rejects.toThrow(UnsupportedOperationError);
  });
});
