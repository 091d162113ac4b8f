// Row mapping from SQL Server's documented result columns (sys.databases, sys.master_files,
// RESTORE HEADERONLY, msdb backupset, the HADR DMVs) to gds objects.
import { describe, expect, it } from '@jest/globals';
import { relocatedPath, rowsToHistory, rowToHeader } from './mssql-backup.js';
import { groupState, rowsToNodes, type AgRow } from './mssql-ha.js';
import { rowToFile, rowToMetadata, type DatabaseRow } from './mssql-metadata.js';

const db: DatabaseRow = {
  name: 'app', database_id: 7, owner: null, create_date: new Date('2024-01-01T00:00:00Z'), collation_name: null, state_desc: 'RECOVERY_PENDING',
  user_access_desc: 'RESTRICTED_USER', is_read_only: true, recovery_model_desc: 'BULK_LOGGED', compatibility_level: 150, page_verify_option_desc: 'TORN_PAGE_DETECTION',
  is_auto_close_on: true, is_auto_shrink_on: false, containment_desc: 'PARTIAL', size_bytes: '9007199254740993', last_full_backup: null, last_diff_backup: null,
  last_log_backup: new Date('2024-02-01T00:00:00Z'), availability_group: null, sessions: 3,
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
});
