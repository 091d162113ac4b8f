// The real snowflake-sdk against the simulator's account model (not a real account), which
// reproduces documented Snowflake behaviour (sources in test/evidence/snowflake-sources.json):
// QUOTED_IDENTIFIERS_IGNORE_CASE, unordered DATABASE_REFRESH_PROGRESS rows, the 12-hour default
// window of REPLICATION_GROUP_REFRESH_HISTORY, failover suspending every secondary, and clone /
// swap semantics for restore. Every test asserts the simulator's state afterwards.
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { DatabaseManager, DatabaseNotFoundError, OperationCancelledError, PermissionDeniedError } from '@gds/database';
import { SimReplication, startSnowflakeSimulator, type SnowflakeSimulator, type SnowflakeSimulatorOptions } from '@gds/testkit/snowflake';
import '../src/index.js';
import type { SnowflakeDatabase, SnowflakeReplicationManager } from '../src/index.js';
import { PASSWORD, USER, simUrl } from './sim-helpers.js';
import { loadDriverFirst } from './load-driver.js';

loadDriverFirst();

const sims: SnowflakeSimulator[] = [];
const managers: DatabaseManager[] = [];
afterEach(async () => {
  for (const m of managers.splice(0)) await m.close();
  for (const s of sims.splice(0)) await s.close();
});

async function account(options: SnowflakeSimulatorOptions & { account: string }, params: Record<string, string> = { warehouse: 'ADMIN_WH', role: 'ACCOUNTADMIN' }) {
  const sim = await startSnowflakeSimulator({ users: { [USER]: { password: PASSWORD } }, ...options });
  sims.push(sim);
  const manager = await DatabaseManager.connect(simUrl(sim, params));
  managers.push(manager);
  return { sim, manager, ha: manager.getDatabase('SALES').ha as SnowflakeReplicationManager };
}

const HOUR = 3_600_000;
// the first connect loads snowflake-sdk (several seconds on a loaded CI machine): not a 5 s test
jest.setTimeout(30_000);

describe('QUOTED_IDENTIFIERS_IGNORE_CASE = TRUE on the account or the user', () => {
  it('create("sales") makes the lower-case database and finds it again (the session is pinned to FALSE)', async () => {
    const { sim, manager } = await account({ account: 'SIMACCOUNT', parameters: { QUOTED_IDENTIFIERS_IGNORE_CASE: 'TRUE' } });
    const db = manager.getDatabase('sales') as SnowflakeDatabase;
    await db.create();
    expect(sim.model.names()).toEqual(['sales']);
    expect(await db.exists()).toBe(true);
    expect((await db.getMetadata()).name).toBe('sales');
  });

  it('a user-level TRUE is overridden the same way', async () => {
    const sim = await startSnowflakeSimulator({ users: { [USER]: { password: PASSWORD, parameters: { QUOTED_IDENTIFIERS_IGNORE_CASE: 'TRUE' } } } });
    sims.push(sim);
    const manager = await DatabaseManager.connect(simUrl(sim));
    managers.push(manager);
    await manager.getDatabase('Mixed').create();
    expect(sim.model.names()).toEqual(['Mixed']);
    expect(await manager.getDatabase('Mixed').exists()).toBe(true);
  });
});

describe('restore is a clone swapped in: a failed restore leaves the database as it was', () => {
  async function withData() {
    const a = await account({ account: 'SIMACCOUNT' }, { role: 'SYSADMIN' });
    a.sim.model.addDatabase({ name: 'SALES', content: 'orders v1' });
    a.sim.model.addDatabase({ name: 'SALES_BK', content: 'orders backup' });
    return { ...a, db: a.manager.getDatabase('SALES') as SnowflakeDatabase };
  }

  it('a missing source: refused before SALES is touched, no clone left behind', async () => {
    const { sim, db } = await withData();
    await expect(db.restore('NO_SUCH_BACKUP', { replace: true })).rejects.toThrow(DatabaseNotFoundError);
    expect(sim.model.database('SALES')?.content).toBe('orders v1');
    expect(sim.model.names()).toEqual(['SALES', 'SALES_BK']);
  });

  it('a refused swap: SALES keeps its content and the clone is dropped', async () => {
    const { sim, db } = await withData();
    sim.fail(/ SWAP WITH /, '003001', 'SQL access control error:\nInsufficient privileges to operate on database \'SALES\'', '42501');
    await expect(db.restore('SALES_BK', { replace: true })).rejects.toThrow(PermissionDeniedError);
    expect(sim.model.database('SALES')?.content).toBe('orders v1');
    expect(sim.model.names()).toEqual(['SALES', 'SALES_BK']);
  });

  it('a swap whose reply is lost after the server swapped: restored, and the previous content is kept, not dropped', async () => {
    const { sim, db } = await withData();
    sim.reply(/ SWAP WITH /, (q) => {
      sim.model.execute(q.sqlText, q.bindings, { parameters: new Map(), userParameters: {} });
      return { error: { code: '000604', message: 'SQL execution canceled', sqlState: '57014' } };
    }, 1);
    const r = await db.restore('SALES_BK', { replace: true });
    expect(sim.model.database('SALES')?.content).toBe('orders backup');
    const previous = sim.model.names().find((n) => n.startsWith('SALES_gds_restore_'));
    expect(previous).toBeDefined();
    expect(sim.model.database(previous ?? '')?.content).toBe('orders v1');
    expect(r.message).toContain(`kept as ${previous}`);
  });

  it('a failed final drop: the restore is reported done and the previous content is named', async () => {
    const { sim, db } = await withData();
    sim.fail(/^DROP DATABASE "SALES_gds_restore_/, '003001', 'Insufficient privileges', '42501');
    const r = await db.restore('SALES_BK', { replace: true });
    expect(sim.model.database('SALES')?.content).toBe('orders backup');
    expect(r.messages.join('\n')).toMatch(/could not drop the previous content SALES_gds_restore_/);
  });

  it('a successful restore swaps the content in and drops the old one last (UNDROP can bring it back)', async () => {
    const { sim, db } = await withData();
    await db.restore('SALES_BK', { replace: true });
    expect(sim.model.database('SALES')?.content).toBe('orders backup');
    expect(sim.model.names()).toEqual(['SALES', 'SALES_BK']);
    expect(sim.model.dropped.map((d) => [d.name.replace(/\d{17}_[0-9a-f]{4}$/, '<t>'), d.content])).toEqual([['SALES_gds_restore_<t>', 'orders v1']]);
  });

  it('a cancel that arrives after the swap went through: swapped back, the clone dropped, the caller told it was cancelled', async () => {
    const { sim, db } = await withData();
    const ac = new AbortController();
    sim.reply(/ SWAP WITH /, (q) => {
      const r = sim.model.execute(q.sqlText, q.bindings, { parameters: new Map(), userParameters: {} });
      ac.abort();
      return r ?? { error: { code: '999999', message: 'unexpected' } };
    }, 1);
    await expect(db.restore('SALES_BK', { replace: true, signal: ac.signal })).rejects.toThrow(OperationCancelledError);
    expect(sim.model.database('SALES')?.content).toBe('orders v1');
    expect(sim.model.names()).toEqual(['SALES', 'SALES_BK']);
  });

  it('a cancel during the final drop: the previous content is undropped and swapped back', async () => {
    const { sim, db } = await withData();
    const ac = new AbortController();
    sim.reply(/^DROP DATABASE "SALES_gds_restore_/, (q) => {
      const r = sim.model.execute(q.sqlText, q.bindings, { parameters: new Map(), userParameters: {} });
      ac.abort();
      return r ?? { error: { code: '999999', message: 'unexpected' } };
    }, 1);
    await expect(db.restore('SALES_BK', { replace: true, signal: ac.signal })).rejects.toThrow(OperationCancelledError);
    expect(sim.model.database('SALES')?.content).toBe('orders v1');
    expect(sim.model.names()).toEqual(['SALES', 'SALES_BK']);
  });

  it('a restore into a new name whose clone the server made although the reply was a cancel: the clone is dropped', async () => {
    const { sim, manager } = await withData();
    sim.reply(/^CREATE DATABASE "NEW" CLONE/, (q) => {
      sim.model.execute(q.sqlText, q.bindings, { parameters: new Map(), userParameters: {} });
      return { error: { code: '000604', message: 'SQL execution canceled', sqlState: '57014' } };
    }, 1);
    await expect(manager.getDatabase('NEW').restore('SALES_BK')).rejects.toThrow(OperationCancelledError);
    expect(sim.model.names()).toEqual(['SALES', 'SALES_BK']);
  });

  it('a restore into a new name from a missing source leaves no database behind', async () => {
    const { sim, manager } = await withData();
    await expect(manager.getDatabase('NEW').restore('NO_SUCH_BACKUP')).rejects.toThrow(DatabaseNotFoundError);
    expect(sim.model.names()).toEqual(['SALES', 'SALES_BK']);
  });
});

describe('DATABASE_REFRESH_PROGRESS rows come in no defined order', () => {
  it('a completed refresh is synced whatever the row order, a running one synchronizing', async () => {
    const org = new SimReplication();
    org.addDatabase({ name: 'SALES', primary: 'MYORG.PRIMARY', secondaries: ['MYORG.DR'] });
    const now = Date.now();
    org.recordDatabaseRefresh('SALES', 'MYORG.DR', { start: now - 120_000, end: now - 60_000, phase: 'COMPLETED' });
    const dr = await account({ account: 'MYORG-DR', replication: org });
    expect(await dr.ha.getStatus()).toBe('synced');
    org.recordDatabaseRefresh('SALES', 'MYORG.DR', { start: now - 10_000, phase: 'PRIMARY_UPLOADING_DATA' });
    expect(await dr.ha.getStatus()).toBe('synchronizing');
  });
});

describe('groups: history beyond the 12-hour default window, and suspended secondaries', () => {
  function organization(accounts = ['MYORG.PRIMARY', 'MYORG.DR']) {
    const org = new SimReplication();
    org.addGroup({ name: 'DR_GROUP', type: 'FAILOVER', databases: ['SALES'], accounts, primary: 'MYORG.PRIMARY' });
    return org;
  }

  it('a group last refreshed 20 hours ago shows that lag (the default window would show nothing)', async () => {
    const org = organization();
    const now = Date.now();
    org.recordGroupRefresh('DR_GROUP', 'MYORG.DR', { start: now - 20 * HOUR, end: now - 20 * HOUR + 60_000, phase: 'COMPLETED', snapshot: now - 20 * HOUR });
    const dr = await account({ account: 'MYORG-DR', replication: org });
    expect(await dr.ha.getStatus()).toBe('synced');
    const lag = (await dr.ha.monitorLag())['MYORG.DR'] ?? 0;
    expect(lag).toBeGreaterThan(20 * 3600 - 60);
    expect(lag).toBeLessThan(20 * 3600 + 60);
  });

  it('a group stalled for a day (last attempt failed) is not synchronized and unhealthy, with the true lag', async () => {
    const org = organization();
    const now = Date.now();
    org.recordGroupRefresh('DR_GROUP', 'MYORG.DR', { start: now - 30 * HOUR, end: now - 30 * HOUR + 60_000, phase: 'COMPLETED' });
    org.recordGroupRefresh('DR_GROUP', 'MYORG.DR', { start: now - 20 * HOUR, end: now - 20 * HOUR + 60_000, phase: 'FAILED' });
    const dr = await account({ account: 'MYORG-DR', replication: org });
    expect(await dr.ha.getStatus()).toBe('not_synchronized');
    expect(await dr.ha.isHealthy()).toBe(false);
    expect((await dr.ha.monitorLag())['MYORG.DR']).toBeGreaterThan(30 * 3600 - 60);
  });

  it('no completed refresh in 13 days: not synchronized, unhealthy, and said so', async () => {
    const dr = await account({ account: 'MYORG-DR', replication: organization() });
    const self = (await dr.ha.getAllNodes()).find((n) => n.metadata.self === true);
    expect(self).toMatchObject({ state: 'not_synchronized', isHealthy: false, metadata: { note: 'no completed refresh in the last 13 days' } });
  });

  it('failover without force refuses a target whose latest refresh failed (nothing promoted); force promotes and says so', async () => {
    const org = organization();
    const now = Date.now();
    org.recordGroupRefresh('DR_GROUP', 'MYORG.DR', { start: now - 2 * HOUR, end: now - 2 * HOUR + 60_000, phase: 'COMPLETED' });
    org.recordGroupRefresh('DR_GROUP', 'MYORG.DR', { start: now - HOUR, end: now - HOUR + 60_000, phase: 'FAILED' });
    const primary = await account({ account: 'MYORG-PRIMARY', replication: org });
    const dr = await account({ account: 'MYORG-DR', replication: org });
    await expect(primary.ha.failover({ target: simUrl(dr.sim) })).rejects.toThrow(/Refusing failover.*latest refresh of MYORG-DR ended FAILED/);
    expect(org.groups.get('DR_GROUP')?.primary).toBe('MYORG.PRIMARY');
    expect(org.groups.get('DR_GROUP')?.suspended.size).toBe(0);
    const forced = await primary.ha.failover({ target: simUrl(dr.sim), force: true });
    expect(org.groups.get('DR_GROUP')?.primary).toBe('MYORG.DR');
    expect(forced.messages.join('\n')).toMatch(/force: promoting despite: the latest refresh of MYORG-DR ended FAILED/);
    expect(forced.messages.join('\n')).toContain(`holds the primary's state as of ${new Date(now - 2 * HOUR).toISOString()}`);
  });

  it('failover suspends every secondary: gds resumes the one it is connected to and names the others; they report suspended until resumed', async () => {
    const org = organization(['MYORG.PRIMARY', 'MYORG.DR', 'MYORG.DR2']);
    const now = Date.now();
    for (const a of ['MYORG.DR', 'MYORG.DR2']) org.recordGroupRefresh('DR_GROUP', a, { start: now - 60_000, end: now - 30_000, phase: 'COMPLETED' });
    const primary = await account({ account: 'MYORG-PRIMARY', replication: org });
    const dr = await account({ account: 'MYORG-DR', replication: org });
    const dr2 = await account({ account: 'MYORG-DR2', replication: org });
    expect(await dr2.ha.isHealthy()).toBe(true);

    const result = await primary.ha.failover({ target: simUrl(dr.sim) });
    expect(org.groups.get('DR_GROUP')?.primary).toBe('MYORG.DR');
    expect([...(org.groups.get('DR_GROUP')?.suspended ?? [])]).toEqual(['MYORG.DR2']);
    expect(primary.sim.queries.map((q) => q.sqlText)).toContain('ALTER FAILOVER GROUP "DR_GROUP" RESUME');
    expect(result.message).toMatch(/resumed the scheduled refreshes on MYORG-PRIMARY/);
    expect(result.message).toMatch(/run ALTER FAILOVER GROUP "DR_GROUP" RESUME in MYORG\.DR2/);

    expect(await dr2.ha.getStatus()).toBe('suspended');
    expect(await dr2.ha.isHealthy()).toBe(false);
    expect((await primary.ha.getAllNodes()).find((n) => n.nodeName === 'MYORG.DR2')).toMatchObject({ state: 'suspended', isHealthy: false });

    await dr2.ha.resume();
    expect(org.groups.get('DR_GROUP')?.suspended.size).toBe(0);
    expect(await dr2.ha.getStatus()).toBe('synced');
    expect(await dr2.ha.isHealthy()).toBe(true);
  });
});
