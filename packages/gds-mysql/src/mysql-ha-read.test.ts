// The health rules of a replica and the topology, on readings as the servers return them (no server).
import { describe, expect, it } from '@jest/globals';
import { HARole, HAState, SyncMode, type HANodeInfo } from '@gds/database';
import { replicaHealth, semiSyncOf, topologyOf, type NodeReading } from './mysql-ha-read.js';
import { replicaStatusOf } from './mysql-ha-statements.js';

const info = { flavor: 'mariadb', version: '10.11.19-MariaDB', major: 10, minor: 11, patch: 19, lowerCaseTableNames: 0 } as const;
const state = { serverId: 2, readOnly: true, superReadOnly: undefined, logBin: true, logReplicaUpdates: true, binlogPos: '0-1-10', appliedPos: '0-1-10', currentPos: '0-1-10', gtidStrict: true };
const row = { Master_Host: '127.0.0.1', Master_Port: 3306, Master_Server_Id: 1, Slave_IO_Running: 'Yes', Slave_SQL_Running: 'Yes', Seconds_Behind_Master: 0, Gtid_IO_Pos: '0-1-10', Using_Gtid: 'Slave_Pos', Last_IO_Error: '', Last_SQL_Error: '' };
const reading = (r: Record<string, unknown>, s: Partial<typeof state> = {}): Pick<NodeReading, 'info' | 'state' | 'status'> => ({ info, state: { ...state, ...s }, status: replicaStatusOf({ ...row, ...r }) });
const opts = { maxLagSeconds: 30, primaryPos: '0-1-12', primaryServerId: 1 };

describe('replicaHealth', () => {
  it('is healthy when both threads run, without errors, from this primary, within the lag', () => {
    const h = replicaHealth(reading({}), opts);
    expect(h).toMatchObject({ state: HAState.HEALTHY, healthy: true, transactionsBehind: 2, receivedNotApplied: 0 });
  });
  it('a stopped SQL thread is suspended; one stopped by an error not_synchronized', () => {
    expect(replicaHealth(reading({ Slave_SQL_Running: 'No', Seconds_Behind_Master: null, Gtid_IO_Pos: '0-1-12' }, { appliedPos: '0-1-9' }), opts)).toMatchObject({
      state: HAState.SUSPENDED,
      healthy: false,
      transactionsBehind: 3,
      receivedNotApplied: 3,
    });
    expect(replicaHealth(reading({ Slave_SQL_Running: 'No', Last_SQL_Errno: 1062, Last_SQL_Error: 'Duplicate entry' }), opts).state).toBe(HAState.NOT_SYNCHRONIZED);
  });
  it('an IO thread not connected is disconnected, and wins over a stopped SQL thread', () => {
    const h = replicaHealth(reading({ Slave_IO_Running: 'Connecting', Last_IO_Errno: 1045, Last_IO_Error: 'Access denied', Slave_SQL_Running: 'No' }), opts);
    expect(h.state).toBe(HAState.DISCONNECTED);
    expect(h.reasons.join(' ')).toMatch(/IO thread Connecting: Access denied.*SQL thread stopped/);
  });
  it('too far behind, or following another server, is not healthy', () => {
    expect(replicaHealth(reading({ Seconds_Behind_Master: 31 }), opts)).toMatchObject({ state: HAState.NOT_SYNCHRONIZED, healthy: false });
    expect(replicaHealth(reading({ Seconds_Behind_Master: 30 }), opts).healthy).toBe(true);
    expect(replicaHealth(reading({ Master_Server_Id: 7 }), opts).reasons[0]).toMatch(/server_id 7, not from this primary/);
  });
  it('a server without a source is not a healthy replica', () => {
    expect(replicaHealth({ info, state, status: undefined }, opts)).toMatchObject({ state: HAState.DISCONNECTED, healthy: false });
  });
});

describe('semiSyncOf', () => {
  it('reads either naming', () => {
    expect(semiSyncOf({ info, semi: { rpl_semi_sync_master_enabled: 'ON', rpl_semi_sync_master_status: 'OFF', rpl_semi_sync_master_clients: '0' } })).toMatchObject({ sourceEnabled: true, sourceActive: false, clients: 0 });
    const mysql = { flavor: 'mysql', version: '8.0.36', major: 8, minor: 0, patch: 36, lowerCaseTableNames: 0 } as const;
    expect(semiSyncOf({ info: mysql, semi: { rpl_semi_sync_source_enabled: 'ON', rpl_semi_sync_source_status: 'ON', rpl_semi_sync_source_clients: '2' } })).toMatchObject({ sourceEnabled: true, sourceActive: true, clients: 2 });
    expect(semiSyncOf({ info: mysql, semi: {} }).sourceEnabled).toBe(false);
  });
});

describe('topologyOf', () => {
  const node = (role: HANodeInfo['role'], healthy: boolean, st: HANodeInfo['state'] = healthy ? HAState.HEALTHY : HAState.SUSPENDED): HANodeInfo => ({ nodeName: `${role}${st}`, role, state: st, endpoint: '', isHealthy: healthy, metadata: {} });
  it('a lone primary is in no configuration, unknown, not healthy', () => {
    expect(topologyOf([node(HARole.PRIMARY, true)], { viewedFrom: 'primary', semiSync: false })).toEqual({ configuration: undefined, nodes: [node(HARole.PRIMARY, true)], status: HAState.UNKNOWN, healthy: false });
  });
  it('the worst state of the unhealthy nodes, healthy only when every node is', () => {
    const t = topologyOf([node(HARole.PRIMARY, true), node(HARole.REPLICA, false), node(HARole.REPLICA, false, HAState.DISCONNECTED)], { viewedFrom: 'primary', semiSync: true });
    expect([t.status, t.healthy, t.configuration?.syncMode]).toEqual([HAState.DISCONNECTED, false, SyncMode.SEMI_SYNCHRONOUS]);
    expect(topologyOf([node(HARole.PRIMARY, true), node(HARole.REPLICA, true)], { viewedFrom: 'primary', semiSync: false })).toMatchObject({ status: HAState.HEALTHY, healthy: true });
  });
});
