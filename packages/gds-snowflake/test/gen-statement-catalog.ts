// Generates test/evidence/statement-catalog.json: every statement @gds/snowflake sends, per
// operation and options, exactly as a dry run returns it (OperationResult.statements), plus the
// statements reads send (recorded by the simulator, in dry-run notation). Runs against the
// simulator's account model with two accounts sharing replication. Generated names and ports are
// replaced by placeholders so that the file is stable. Used by statement-catalog.test.ts; write a
// fresh file with GDS_WRITE_CATALOG=1.
import { DatabaseManager, type OperationResult } from '@gds/database';
import { SimReplication, startSnowflakeSimulator, type SnowflakeSimulator } from '@gds/testkit/snowflake';
import '../src/index.js';
import type { SnowflakeDatabase, SnowflakeReplicationManager } from '../src/index.js';
import * as S from '../src/snowflake-statements.js';
import { PASSWORD, USER, simUrl } from './sim-helpers.js';

/** One catalog entry (the shared format of /work/notes/catalog-format.md, plus `args` and `kind`). */
export interface CatalogEntry {
  operation: string;
  /** Positional arguments (a backup target, a restore source, a failover target). */
  args?: unknown[];
  options: Record<string, unknown>;
  /** 'mutation': a dry run's statements; 'read': what the simulator received. */
  kind: 'mutation' | 'read';
  statements: string[];
}

const stable = (text: string) =>
  text
    .replace(/_gds_restore_\d{17}_[0-9a-f]{4}/g, '_gds_restore_<yyyymmddhhmmssSSS>_<rand>')
    .replace(/http:\/\/127\.0\.0\.1:\d+/g, 'http://127.0.0.1:<port>');

/** Builds the catalog (starts and stops its own simulators). */
export async function generateCatalog(): Promise<CatalogEntry[]> {
  const org = new SimReplication();
  org.addDatabase({ name: 'SALES', primary: 'MYORG.PRIMARY', secondaries: ['MYORG.DR'] });
  org.addGroup({ name: 'DR_GROUP', type: 'FAILOVER', databases: ['HR'], accounts: ['MYORG.PRIMARY', 'MYORG.DR'], primary: 'MYORG.PRIMARY' });
  // a completed refresh of each secondary, so that failover (without force) is not refused
  const done = { start: Date.now() - 120_000, end: Date.now() - 60_000, phase: 'COMPLETED' };
  org.recordDatabaseRefresh('SALES', 'MYORG.DR', done);
  org.recordGroupRefresh('DR_GROUP', 'MYORG.DR', done);
  const sims: SnowflakeSimulator[] = [];
  const managers: DatabaseManager[] = [];
  const start = async (account: string) => {
    const sim = await startSnowflakeSimulator({ account, replication: org, users: { [USER]: { password: PASSWORD } } });
    sims.push(sim);
    return sim;
  };
  const out: CatalogEntry[] = [];
  try {
    const primary = await start('MYORG-PRIMARY');
    const dr = await start('MYORG-DR');
    for (const name of ['SALES', 'SALES_BK', 'HR']) {
      primary.model.addDatabase({ name });
      dr.model.addDatabase({ name });
    }
    const m = await DatabaseManager.connect(simUrl(primary, { warehouse: 'ADMIN_WH', role: 'SYSADMIN' }));
    managers.push(m);
    const mDr = await DatabaseManager.connect(simUrl(dr, { warehouse: 'ADMIN_WH', role: 'ACCOUNTADMIN' }));
    managers.push(mDr);
    out.push({ operation: 'connect', options: {}, kind: 'read', statements: primary.queries.map((q) => q.sqlText) });

    const db = (name: string, manager = m) => manager.getDatabase(name) as SnowflakeDatabase;
    const mutation = async (operation: string, options: Record<string, unknown>, run: () => Promise<OperationResult>, args?: unknown[]) => {
      const r = await run();
      if (!r.dryRun) throw new Error(`${operation} was not a dry run`);
      out.push({ operation, ...(args ? { args } : {}), options, kind: 'mutation', statements: r.statements.map(stable) });
    };
    const read = async (sim: SnowflakeSimulator, operation: string, options: Record<string, unknown>, run: () => Promise<unknown>) => {
      sim.clearRecords();
      await run();
      out.push({ operation, options, kind: 'read', statements: sim.queries.map((q) => stable(S.describeStatement({ text: q.sqlText, params: q.bindings }))) });
    };

    for (const options of [
      {},
      { mode: 'ifNotExists' },
      { transient: true, dataRetentionTimeInDays: 0, maxDataExtensionTimeInDays: 3, comment: "it's new" },
      { clone: { source: 'SALES', at: { offset: -3600 } } },
      { clone: { source: 'SALES', at: { timestamp: '2026-03-01T00:00:00Z' } } },
      { clone: { source: 'SALES', before: { statement: '01b2c3d4-0000-1111-2222-000000000001' } } },
    ]) {
      await mutation('create', options, () => db('NEW').create({ ...options, dryRun: true } as never));
    }
    await mutation('create', { mode: 'orReplace', replace: true }, () => db('SALES').create({ mode: 'orReplace', replace: true, dryRun: true }));
    for (const options of [{}, { ifExists: true }, { cascade: true }, { restrict: true }]) {
      await mutation('drop', options, () => db('SALES').drop({ ...options, dryRun: true }));
    }
    await mutation('undrop', {}, () => db('SALES').undrop({ dryRun: true }));
    await mutation('setRetentionTime', {}, () => db('SALES').setRetentionTime(7, { dryRun: true }), [7]);
    await mutation('clone', { transient: true, at: { offset: -60 } }, () => db('SALES').clone('SALES_DEV', { transient: true, at: { offset: -60 }, dryRun: true }), ['SALES_DEV']);
    await mutation('backup', {}, () => db('SALES').backup('SALES_BK2', { dryRun: true }), ['SALES_BK2']);
    await mutation('backup', { at: { timestamp: '2026-03-01T00:00:00Z' } }, () => db('SALES').backup('SALES_BK3', { at: { timestamp: '2026-03-01T00:00:00Z' }, dryRun: true }), ['SALES_BK3']);
    await mutation('restore', {}, () => db('NEW').restore('SALES_BK', { dryRun: true }), ['SALES_BK']);
    await mutation('restore', { replace: true }, () => db('SALES').restore('SALES_BK', { replace: true, dryRun: true }), ['SALES_BK']);
    await mutation('restore', { replace: true, keepPrevious: true }, () => db('SALES').restore('SALES_BK', { replace: true, keepPrevious: true, dryRun: true }), ['SALES_BK']);
    await mutation('restore', { replace: true, before: { offset: -600 } }, () => db('SALES').restore('SALES', { replace: true, before: { offset: -600 }, dryRun: true }), ['SALES']);

    const ha = db('SALES').ha as SnowflakeReplicationManager;
    const haGroup = db('HR').ha as SnowflakeReplicationManager;
    const haDr = db('SALES', mDr).ha as SnowflakeReplicationManager;
    const haDrGroup = db('HR', mDr).ha as SnowflakeReplicationManager;
    await mutation('ha.createConfiguration', { targetAccounts: ['MYORG.DR'], failover: true }, () => ha.createConfiguration({ targetAccounts: ['MYORG.DR'], failover: true, dryRun: true }));
    await mutation('ha.createConfiguration', { targetAccounts: ['MYORG.DR'], ignoreEditionCheck: true }, () => ha.createConfiguration({ targetAccounts: ['MYORG.DR'], ignoreEditionCheck: true, dryRun: true }));
    await mutation('ha.addNode', { failover: true }, () => ha.addNode({ name: 'MYORG.DR2', failover: true }, { dryRun: true }), ['MYORG.DR2']);
    await mutation('ha.removeNode', {}, () => ha.removeNode('MYORG.DR2', { dryRun: true }), ['MYORG.DR2']);
    await mutation('ha.refresh (database replication)', {}, () => haDr.refresh({ dryRun: true }));
    await mutation('ha.refresh (failover group)', {}, () => haDrGroup.refresh({ dryRun: true }));
    await mutation('ha.resume (failover group)', {}, () => haDrGroup.resume({ dryRun: true }));
    await mutation('ha.failover (database replication)', {}, () => ha.failover({ target: simUrl(dr), dryRun: true }), ['<target account URL>']);
    await mutation('ha.failover (failover group)', {}, () => haGroup.failover({ target: simUrl(dr), dryRun: true }), ['<target account URL>']);

    await read(primary, 'exists', {}, () => db('SALES').exists());
    await read(primary, 'getMetadata (with a warehouse)', {}, () => db('SALES').getMetadata());
    await read(primary, 'listDatabases', { withMetadata: true }, () => m.listDatabases({ withMetadata: true }));
    await read(primary, 'listSchemas', {}, () => db('SALES').listSchemas());
    await read(primary, 'listTables', {}, () => db('SALES').listTables());
    await read(primary, 'listTables', { schema: 'PUBLIC' }, () => db('SALES').listTables('PUBLIC'));
    await read(primary, 'getServerMetadata', {}, () => m.getServerMetadata());
    await read(dr, 'ha.getConfiguration (database replication, secondary)', {}, () => haDr.getConfiguration());
    await read(dr, 'ha.getConfiguration (failover group, secondary)', {}, () => haDrGroup.getConfiguration());
    return out;
  } finally {
    for (const x of managers) await x.close();
    for (const s of sims) await s.close();
  }
}
