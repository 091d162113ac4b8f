// Availability group read-outs and changes through the real tedious driver against two TDS
// simulators (the primary, and the secondary a failover runs on).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { ValidationError, UnsupportedOperationError, type DatabaseManager } from '@gds/database';
import type { TdsSimulator, TdsColumn, TdsValue } from '@gds/testkit/tds';
import { answerVersion, connect, PASSWORD, startSim } from './sim.js';

const AG_COLUMNS: TdsColumn[] = [
  { name: 'ag_name' }, { name: 'automated_backup_preference_desc' }, { name: 'failure_condition_level', type: 'int' }, { name: 'health_check_timeout', type: 'int' },
  { name: 'replica_server_name' }, { name: 'endpoint_url' }, { name: 'availability_mode_desc' }, { name: 'failover_mode_desc' }, { name: 'secondary_role_allow_connections_desc' },
  { name: 'role_desc' }, { name: 'connected_state_desc' }, { name: 'synchronization_health_desc' }, { name: 'operational_state_desc' }, { name: 'last_connect_error_description' }, { name: 'is_local', type: 'bit' },
  { name: 'synchronization_state_desc' }, { name: 'database_health_desc' }, { name: 'is_suspended', type: 'bit' }, { name: 'suspend_reason_desc' },
  { name: 'log_send_queue_size', type: 'bigint' }, { name: 'log_send_rate', type: 'bigint' }, { name: 'redo_queue_size', type: 'bigint' }, { name: 'redo_rate', type: 'bigint' },
  { name: 'last_commit_time', type: 'datetime' }, { name: 'last_hardened_time', type: 'datetime' },
];

function replica(name: string, role: string, over: Record<string, TdsValue> = {}): TdsValue[] {
  const r: Record<string, TdsValue> = {
    ag_name: 'AG]1', automated_backup_preference_desc: 'SECONDARY', failure_condition_level: 3, health_check_timeout: 30000,
    replica_server_name: name, endpoint_url: `TCP://${name.toLowerCase()}.corp:5022`, availability_mode_desc: 'SYNCHRONOUS_COMMIT', failover_mode_desc: 'AUTOMATIC', secondary_role_allow_connections_desc: 'NO',
    role_desc: role, connected_state_desc: 'CONNECTED', synchronization_health_desc: 'HEALTHY', operational_state_desc: role === 'PRIMARY' ? 'ONLINE' : null, last_connect_error_description: null, is_local: role === 'PRIMARY',
    synchronization_state_desc: 'SYNCHRONIZED', database_health_desc: 'HEALTHY', is_suspended: false, suspend_reason_desc: null,
    log_send_queue_size: 0, log_send_rate: 0, redo_queue_size: 0, redo_rate: 0,
    last_commit_time: new Date('2024-07-01T12:00:10.000Z'), last_hardened_time: new Date('2024-07-01T12:00:10.000Z'),
    ...over,
  };
  return AG_COLUMNS.map((c) => r[c.name] ?? null);
}

let primary: TdsSimulator;
let secondary: TdsSimulator;
let manager: DatabaseManager;
const rows = [
  replica('SQL1', 'PRIMARY'),
  replica('SQL2', 'SECONDARY', { last_commit_time: new Date('2024-07-01T12:00:08.500Z'), redo_queue_size: 2048, log_send_queue_size: 512 }),
  replica('SQL3', 'SECONDARY', { availability_mode_desc: 'ASYNCHRONOUS_COMMIT', failover_mode_desc: 'MANUAL', synchronization_state_desc: 'SYNCHRONIZING', last_commit_time: new Date('2024-07-01T12:00:00.000Z'), log_send_queue_size: 90000 }),
];

beforeAll(async () => {
  primary = await startSim();
  secondary = await startSim();
  manager = await connect(primary);
});
afterAll(async () => {
  await manager.close();
  await primary.close();
  await secondary.close();
});
beforeEach(() => {
  primary.reset();
  secondary.reset();
  answerVersion(primary);
  answerVersion(secondary);
  primary.on('ar.replica_server_name, ar.endpoint_url', { columns: AG_COLUMNS, rows });
});

describe('availability group read-outs (simulator)', () => {
  it('scopes every query to the database, and maps replicas, lag and queues', async () => {
    const ha = manager.getDatabase('sales').ha!;
    const nodes = await ha.getAllNodes();
    expect(primary.queries().at(-1)?.params).toEqual({ db: 'sales' });
    expect(primary.queries().at(-1)?.sql).toContain('WHERE d.name = @db');
    expect(nodes.map((n) => [n.nodeName, n.role, n.state, n.lagSeconds])).toEqual([
      ['SQL1', 'primary', 'synced', 0],
      ['SQL2', 'secondary', 'synced', 1.5],
      ['SQL3', 'secondary', 'synchronizing', 10],
    ]);
    expect(nodes[1]?.metadata).toMatchObject({ redoQueueKb: 2048, logSendQueueKb: 512, availabilityMode: 'SYNCHRONOUS_COMMIT' });
    expect(await ha.monitorLag()).toEqual({ SQL2: 1.5, SQL3: 10 });
    expect((await ha.getPrimaryNode())?.nodeName).toBe('SQL1');
    expect(await ha.getStatus()).toBe('healthy');
    expect(await ha.isHealthy()).toBe(true);
    const cfg = await ha.getConfiguration();
    expect(cfg).toMatchObject({ name: 'AG]1', type: 'availability_group', syncMode: 'asynchronous', automaticFailover: true });
  });

  it('a database in no group has no configuration and an unknown status', async () => {
    primary.on('ar.replica_server_name, ar.endpoint_url', { columns: AG_COLUMNS, rows: [] });
    const ha = manager.getDatabase('lonely').ha!;
    expect(await ha.getConfiguration()).toBeUndefined();
    expect(await ha.getStatus()).toBe('unknown');
    expect(await ha.isHealthy()).toBe(false);
  });
});

describe('availability group changes (simulator)', () => {
  // sys.dm_hadr_database_replica_cluster_states on the target: one row per database of the group
  const readiness = (sim: TdsSimulator, dbs: Array<[string, boolean]>) =>
    sim.on('FROM sys.dm_hadr_database_replica_cluster_states dcs', { columns: ['database_name', { name: 'is_failover_ready', type: 'bit' }], rows: dbs });

  it('failover runs ALTER AVAILABILITY GROUP ... FAILOVER on the target secondary, not on this server', async () => {
    secondary.on('ar.replica_server_name, ar.endpoint_url', { columns: AG_COLUMNS, rows: [replica('SQL2', 'SECONDARY', { is_local: true })] });
    readiness(secondary, [['sales', true], ['orders', true]]);
    secondary.on(/^ALTER AVAILABILITY GROUP/, { rowCount: 0 });
    const r = await manager.getDatabase('sales').ha!.failover({ target: secondary.url('sa', PASSWORD) });
    expect(secondary.queries().map((q) => q.sql)).toContain('ALTER AVAILABILITY GROUP [AG]]1] FAILOVER');
    expect(primary.queries().some((q) => q.sql.startsWith('ALTER'))).toBe(false);
    expect(r.statements[0]).toMatch(/^ALTER AVAILABILITY GROUP \[AG]]1] FAILOVER -- on mssql:\/\/127\.0\.0\.1:\d+\/master$/);
  });

  it('refuses a failover to a secondary that is not synchronized unless force, which allows data loss', async () => {
    secondary.on('ar.replica_server_name, ar.endpoint_url', { columns: AG_COLUMNS, rows: [replica('SQL3', 'SECONDARY', { is_local: true, synchronization_state_desc: 'SYNCHRONIZING' })] });
    readiness(secondary, [['sales', false]]);
    secondary.on(/^ALTER AVAILABILITY GROUP/, { rowCount: 0 });
    await expect(manager.getDatabase('sales').ha!.failover({ target: secondary.url('sa', PASSWORD) })).rejects.toThrow(ValidationError);
    expect(secondary.queries().some((q) => q.sql.startsWith('ALTER'))).toBe(false);
    await manager.getDatabase('sales').ha!.failover({ target: secondary.url('sa', PASSWORD), force: true });
    expect(secondary.queries().at(-1)?.sql).toBe('ALTER AVAILABILITY GROUP [AG]]1] FORCE_FAILOVER_ALLOW_DATA_LOSS');
  });

  it('a planned failover needs every database of the group failover-ready, not only this one', async () => {
    // this database is SYNCHRONIZED on the target, another database of the group is not
    secondary.on('ar.replica_server_name, ar.endpoint_url', { columns: AG_COLUMNS, rows: [replica('SQL2', 'SECONDARY', { is_local: true })] });
    readiness(secondary, [['orders', false], ['sales', true]]);
    secondary.on(/^ALTER AVAILABILITY GROUP/, { rowCount: 0 });
    const e = await manager.getDatabase('sales').ha!.failover({ target: secondary.url('sa', PASSWORD) }).catch((x: unknown) => x);
    expect(ValidationError.isInstance(e)).toBe(true);
    expect(JSON.stringify((e as ValidationError).issues)).toContain('orders');
    expect(secondary.queries().some((q) => q.sql.startsWith('ALTER'))).toBe(false);
  });

  it('a forced failover is allowed on a RESOLVING replica (the primary is gone), a planned one is not', async () => {
    secondary.on('ar.replica_server_name, ar.endpoint_url', { columns: AG_COLUMNS, rows: [replica('SQL2', 'RESOLVING', { is_local: true, synchronization_state_desc: 'NOT SYNCHRONIZING', connected_state_desc: 'DISCONNECTED' })] });
    secondary.on(/^ALTER AVAILABILITY GROUP/, { rowCount: 0 });
    await expect(manager.getDatabase('sales').ha!.failover({ target: secondary.url('sa', PASSWORD) })).rejects.toThrow(ValidationError);
    expect(secondary.queries().some((q) => q.sql.startsWith('ALTER'))).toBe(false);
    await manager.getDatabase('sales').ha!.failover({ target: secondary.url('sa', PASSWORD), force: true });
    expect(secondary.queries().at(-1)?.sql).toBe('ALTER AVAILABILITY GROUP [AG]]1] FORCE_FAILOVER_ALLOW_DATA_LOSS');
  });

  it('monitorLag keeps a secondary that never committed (NULL last_commit_time) and prefers secondary_lag_seconds', async () => {
    primary.reset();
    primary.on('ar.replica_server_name, ar.endpoint_url', {
      columns: [...AG_COLUMNS, { name: 'secondary_lag_seconds', type: 'bigint' }],
      rows: [
        [...replica('SQL1', 'PRIMARY'), null],
        [...replica('SQL2', 'SECONDARY', { last_commit_time: new Date('2024-07-01T12:00:08.500Z') }), 42],
        [...replica('SQL3', 'SECONDARY', { last_commit_time: null }), null],
      ],
    });
    expect(await manager.getDatabase('sales').ha!.monitorLag()).toEqual({ SQL2: 42, SQL3: Number.POSITIVE_INFINITY });
  });

  it('setSyncMode modifies each replica on the primary (automatic failover made manual first for async)', async () => {
    const r = await manager.getDatabase('sales').ha!.setSyncMode('asynchronous', { dryRun: true });
    expect(r.statements).toEqual([
      "ALTER AVAILABILITY GROUP [AG]]1] MODIFY REPLICA ON N'SQL1' WITH (FAILOVER_MODE = MANUAL)",
      "ALTER AVAILABILITY GROUP [AG]]1] MODIFY REPLICA ON N'SQL1' WITH (AVAILABILITY_MODE = ASYNCHRONOUS_COMMIT)",
      "ALTER AVAILABILITY GROUP [AG]]1] MODIFY REPLICA ON N'SQL2' WITH (FAILOVER_MODE = MANUAL)",
      "ALTER AVAILABILITY GROUP [AG]]1] MODIFY REPLICA ON N'SQL2' WITH (AVAILABILITY_MODE = ASYNCHRONOUS_COMMIT)",
    ]);
    await expect(manager.getDatabase('sales').ha!.setSyncMode('semi_synchronous')).rejects.toThrow(UnsupportedOperationError);
  });

  it('addNode and removeNode build ADD/REMOVE REPLICA with quoted literals', async () => {
    primary.on(/^ALTER AVAILABILITY GROUP/, { rowCount: 0 });
    const ha = manager.getDatabase('sales').ha!;
    await ha.addNode({ name: "SQL4'x", endpointUrl: 'TCP://sql4.corp:5022', availabilityMode: 'synchronous' });
    await ha.removeNode('SQL3');
    expect(primary.queries().filter((q) => q.sql.startsWith('ALTER')).map((q) => q.sql)).toEqual([
      "ALTER AVAILABILITY GROUP [AG]]1] ADD REPLICA ON N'SQL4''x' WITH (ENDPOINT_URL = N'TCP://sql4.corp:5022', AVAILABILITY_MODE = SYNCHRONOUS_COMMIT, FAILOVER_MODE = MANUAL, SEEDING_MODE = AUTOMATIC)",
      "ALTER AVAILABILITY GROUP [AG]]1] REMOVE REPLICA ON N'SQL3'",
    ]);
    await expect(ha.removeNode('SQL1')).rejects.toThrow(/primary/);
    await expect(ha.addNode({ name: 'SQL5', endpointUrl: 'nope' })).rejects.toThrow(ValidationError);
  });
});
