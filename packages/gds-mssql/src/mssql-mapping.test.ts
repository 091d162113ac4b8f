// Row mapping from SQL Server's documented result columns (sys.databases, sys.master_files,
// RESTORE HEADERONLY, msdb backupset, the HADR DMVs) to gds objects.
import { describe, expect, it } from '@jest/globals';
import { rowsToHistory } from './mssql-backup.js';
import { groupState, rowsToNodes, rowsToTopology, type AgRow } from './mssql-ha.js';
import { fromServerTime, lastBackups, msdbOffset, rowToFile, rowToMetadata, toServerTime, type DatabaseRow } from './mssql-metadata.js';
import { relocatedPath } from './mssql-restore.js';
import { rowToHeader } from './mssql-verify.js';

const db: DatabaseRow = {
  name: 'app', database_id: 7, owner: null, create_date: new Date('2024-01-01T00:00:00Z'), collation_name: null, state_desc: 'RECOVERY_PENDING',
  user_access_desc: 'RESTRICTED_USER', is_read_only: true, recovery_model_desc: 'BULK_LOGGED', compatibility_level: 150, page_verify_option_desc: 'TORN_PAGE_DETECTION',
  is_auto_close_on: true, is_auto_shrink_on: false, containment_desc: 'PARTIAL', size_bytes: '9007199254740993',
  availability_group: null, sessions: 3, sees_sessions: 1, utc_offset: 0,
};

describe('metadata rows', () => {
  it('maps states and access modes', () => {
    const m = rowToMetadata(db);
    expect(m).toMatchObject({ state: 'recovering', stateDescription: 'RECOVERY_PENDING', accessMode: 'restricted_user', isReadOnly: true, containment: 'PARTIAL', owner: undefined, sessions: 3 });
    expect(rowToMetadata({ ...db, state_desc: 'OFFLINE' }).state).toBe('offline');
    expect(rowToMetadata({ ...db, state_desc: 'RESTORING' }).state).toBe('restoring');
    expect(rowToMetadata({ ...db, state_desc: 'SUSPECT' }).state).toBe('suspect');
    expect(rowToMetadata({ ...db, state_desc: 'WHATEVER' }).state).toBe('unknown');
    expect(rowToMetadata({ ...db, user_access_desc: 'SINGLE_USER' }).accessMode).toBe('single_user');
  });

  it('keeps only this database\'s files and converts pages', () => {
    const f = { database_id: 7, file_id: 3, name: 'x', physical_name: '/x.ndf', type_desc: 'ROWS', size_bytes: '8192', max_size: 1280, growth: 0, is_percent_growth: false, data_space_id: 2, state_desc: 'ONLINE' };
    expect(rowToFile(f)).toMatchObject({ maxSizeBytes: 1280 * 8192, growth: 'none', sizeBytes: 8192 });
    const m = rowToMetadata(db, [f, { ...f, database_id: 8 }]);
    expect(m.dataFiles).toHaveLength(1);
    expect(m.logFiles).toHaveLength(0);
  });

  it('max_size 0 means the file may not grow: its maximum is its size, not unlimited (sys.master_files)', () => {
    const f = { database_id: 7, file_id: 1, name: 'x', physical_name: '/x.mdf', type_desc: 'ROWS', size_bytes: '8388608', max_size: 0, growth: 0, is_percent_growth: false, data_space_id: 1, state_desc: 'ONLINE' };
    expect(rowToFile(f).maxSizeBytes).toBe(8388608);
    expect(rowToFile({ ...f, max_size: -1 }).maxSizeBytes).toBeUndefined();
  });

  it('datetime values are the server\'s local time: create_date and msdb times become instants', () => {
    // a server at UTC+02:00 wrote 14:00 local; tedious (useUTC) reads that wall clock as 14:00Z
    const read = new Date('2024-07-01T14:00:00Z');
    expect(rowToMetadata({ ...db, create_date: read, utc_offset: 120 }).created?.toISOString()).toBe('2024-07-01T12:00:00.000Z');
    expect(fromServerTime(read, -300)?.toISOString()).toBe('2024-07-01T19:00:00.000Z');
    expect(toServerTime('2024-07-01T12:00:00Z', 120)).toBe('2024-07-01T14:00:00.000');
    // msdb's time_zone is in 15-minute units (127 unknown: the server's offset is used)
    expect(msdbOffset(8, 0)).toBe(120);
    expect(msdbOffset(127, 60)).toBe(60);
    const b = lastBackups([{ database_name: 'app', type: 'D', backup_finish_date: read, time_zone: -20 }], 0);
    expect(rowToMetadata(db, [], b).lastFullBackup?.toISOString()).toBe('2024-07-01T19:00:00.000Z');
  });

  it('sessions are unknown, not 0, without VIEW SERVER STATE; msdb unreadable leaves backups unknown', () => {
    expect(rowToMetadata({ ...db, sessions: 0, sees_sessions: 0 }).sessions).toBeUndefined();
    expect(rowToMetadata(db, [], undefined).additionalAttributes).toEqual({ backupHistory: 'unknown: the login may not read msdb.dbo.backupset' });
  });
});

describe('backup rows', () => {
  it('HEADERONLY types', () => {
    expect([1, 2, 4, 5, 6, 7, 8, 99].map((t) => rowToHeader({ BackupType: t }).backupType)).toEqual(['full', 'transaction_log', 'file', 'differential', 'differential_file', 'partial', 'differential_partial', 'type 99']);
  });

  it('history groups devices per set and keeps order', () => {
    const h = rowsToHistory([
      { backup_set_id: 2, type: 'I', physical_device_name: 'a' },
      { backup_set_id: 2, type: 'I', physical_device_name: 'b' },
      { backup_set_id: 1, type: 'D', physical_device_name: 'c', is_copy_only: true },
    ]);
    expect(h.map((e) => [e.id, e.type, e.devices, e.isCopyOnly])).toEqual([[2, 'differential', ['a', 'b'], false], [1, 'full', ['c'], true]]);
  });

  it('relocated file names keep the extension and replace characters a file cannot hold', () => {
    expect(relocatedPath('D:\\data\\', 'a/b:c', 'log', 'C:\\old\\x.LDF')).toBe('D:\\data\\a_b_c_log.LDF');
    expect(relocatedPath('/data', 'copy', 'fs', '/old/filestream')).toBe('/data/copy_fs');
  });
});

describe('availability group rows', () => {
  const base: AgRow = {
    ag_name: 'ag', automated_backup_preference_desc: null, failure_condition_level: null, health_check_timeout: null, replica_server_name: 'S1', endpoint_url: null,
    availability_mode_desc: 'SYNCHRONOUS_COMMIT', failover_mode_desc: 'MANUAL', secondary_role_allow_connections_desc: null, role_desc: 'PRIMARY', connected_state_desc: 'CONNECTED',
    synchronization_health_desc: 'HEALTHY', operational_state_desc: null, last_connect_error_description: null, is_local: true, synchronization_state_desc: 'SYNCHRONIZED',
    database_health_desc: 'HEALTHY', is_suspended: false, suspend_reason_desc: null, log_send_queue_size: null, log_send_rate: null, redo_queue_size: null, redo_rate: null,
    last_commit_time: new Date('2024-01-01T00:00:10Z'), last_hardened_time: null,
  };

  it('lag is the primary\'s last commit minus the secondary\'s, never the queue size', () => {
    const nodes = rowsToNodes([base, { ...base, replica_server_name: 'S2', role_desc: 'SECONDARY', last_commit_time: new Date('2024-01-01T00:00:04Z'), redo_queue_size: 1024 * 1024 }]);
    expect(nodes[1]?.lagSeconds).toBe(6);
    expect(nodes[1]?.metadata.redoQueueKb).toBe(1024 * 1024);
  });

  it('without a primary row (seen from a secondary) lag is unknown', () => {
    expect(rowsToNodes([{ ...base, role_desc: 'SECONDARY' }])[0]?.lagSeconds).toBeUndefined();
  });

  it('states and the group state', () => {
    const s = (over: Partial<AgRow>) => rowsToNodes([{ ...base, ...over }])[0]!.state;
    expect(s({ connected_state_desc: 'DISCONNECTED' })).toBe('disconnected');
    expect(s({ is_suspended: true })).toBe('suspended');
    expect(s({ synchronization_state_desc: 'NOT SYNCHRONIZING' })).toBe('not_synchronized');
    expect(s({ role_desc: 'RESOLVING' })).toBe('resolving');
    expect(groupState([])).toBe('unknown');
    expect(groupState(rowsToNodes([base]))).toBe('synced');
    expect(groupState(rowsToNodes([base, { ...base, is_suspended: true, synchronization_health_desc: 'NOT_HEALTHY' }]))).toBe('suspended');
  });

  it('the topology (the one HA read): no group is unknown and never healthy; one broken replica makes the group unhealthy', () => {
    expect(rowsToTopology([])).toEqual({ configuration: undefined, nodes: [], status: 'unknown', healthy: false });
    const secondary: AgRow = { ...base, replica_server_name: 'S2', role_desc: 'SECONDARY', is_local: false, failover_mode_desc: 'AUTOMATIC' };
    const ok = rowsToTopology([base, secondary]);
    expect(ok).toMatchObject({ status: 'synced', healthy: true, configuration: { name: 'ag', type: 'availability_group', syncMode: 'synchronous', automaticFailover: true } });
    expect(ok.configuration?.nodes).toBe(ok.nodes);
    const gone = rowsToTopology([base, { ...secondary, connected_state_desc: 'DISCONNECTED' }]);
    expect(gone).toMatchObject({ status: 'disconnected', healthy: false });
    expect(rowsToTopology([base, { ...secondary, availability_mode_desc: 'ASYNCHRONOUS_COMMIT' }]).configuration?.syncMode).toBe('asynchronous');
  });
});
