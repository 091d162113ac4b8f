// Every database operation through the real tedious driver against the TDS simulator: what gds
// sent (statements and parameters, as the simulator recorded them) and how the replies map.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { DatabaseInUseError, DatabaseNotFoundError, QueryError, ValidationError, type DatabaseManager, type ProgressEvent } from '@gds/database';
import type { TdsSimulator } from '@gds/testkit/tds';
import type { MSSQLDatabase, MSSQLDatabaseMetadata } from '../src/index.js';
import { describeMssqlStatement, tsql } from '../src/mssql-statements.js';
import { acceptChanges, answerVersion, connect, databases, dbState, exists, sessions, startSim } from './sim.js';

let sim: TdsSimulator;
let manager: DatabaseManager;
const db = (name: string) => manager.getDatabase(name) as MSSQLDatabase;
const sent = () => sim.queries().filter((q) => !q.sql.includes("SERVERPROPERTY('ProductVersion') as nvarchar(128)) as version"));

beforeAll(async () => {
  sim = await startSim();
  manager = await connect(sim);
});
afterAll(async () => {
  await manager.close();
  await sim.close();
});
beforeEach(() => {
  sim.reset();
  answerVersion(sim);
});

describe('metadata and listing (simulator)', () => {
  it('maps sys.databases and sys.master_files rows to metadata', async () => {
    databases(sim, [{ name: 'app', id: 5, over: { availability_group: 'AG1', sessions: 2, recovery_model_desc: 'SIMPLE' } }], { backups: [{ database: 'app', type: 'D', finished: new Date('2024-06-01T00:00:00.000Z') }] });
    const m = (await db('app').getMetadata()) as MSSQLDatabaseMetadata;
    expect(m).toMatchObject({
      name: 'app',
      type: 'mssql',
      databaseId: 5,
      owner: 'sa',
      state: 'online',
      accessMode: 'multi_user',
      recoveryModel: 'SIMPLE',
      compatibilityLevel: 160,
      pageVerify: 'CHECKSUM',
      sizeBytes: 16777216,
      availabilityGroup: 'AG1',
      sessions: 2,
    });
    expect(m.created?.toISOString()).toBe('2024-01-02T03:04:05.000Z');
    expect(m.lastFullBackup?.toISOString()).toBe('2024-06-01T00:00:00.000Z');
    expect(m.dataFiles).toEqual([expect.objectContaining({ name: 'app', sizeBytes: 8388608, growth: '64MB', maxSizeBytes: undefined })]);
    expect(m.logFiles).toEqual([expect.objectContaining({ name: 'app_log', growth: '10%', maxSizeBytes: 268435456 * 8192 })]);
    expect(m.filegroups).toEqual([{ id: 1, name: 'PRIMARY', type: 'ROWS_FILEGROUP', isDefault: true, isReadOnly: false }]);
    const [dbsQuery, filesQuery, , fgQuery] = sent();
    expect(dbsQuery?.params).toEqual({ name: 'app', all: true });
    expect(filesQuery?.params).toEqual({ name: 'app' });
    expect(fgQuery?.sql).toContain('FROM [app].sys.filegroups');
  });

  it('a missing database rejects with DatabaseNotFoundError', async () => {
    databases(sim, []);
    await expect(db('nope').getMetadata()).rejects.toThrow(DatabaseNotFoundError);
  });

  it('listDatabases({ withMetadata }) costs three queries (databases, files, msdb) for any number of databases, and caches', async () => {
    databases(sim, [{ name: 'a', id: 5 }, { name: 'b', id: 6, over: { state_desc: 'OFFLINE', user_access_desc: 'SINGLE_USER' } }, { name: 'c', id: 7 }]);
    const list = await manager.listDatabases({ withMetadata: true });
    expect(list.map((d) => d.name)).toEqual(['a', 'b', 'c']);
    expect(sent()).toHaveLength(3);
    expect(list[1]?.cachedMetadata).toMatchObject({ state: 'offline', accessMode: 'single_user' });
    expect(((await list[2]!.metadata()) as MSSQLDatabaseMetadata).dataFiles[0]?.physicalName).toBe('/var/opt/mssql/data/c.mdf');
    expect(sent()).toHaveLength(3);
  });

  it('listDatabases without metadata sends the includeSystem flag as a parameter', async () => {
    sim.on('SELECT name FROM sys.databases', { columns: ['name'], rows: [['master'], ['app']] });
    expect((await manager.listDatabases({ includeSystem: true })).map((d) => d.name)).toEqual(['master', 'app']);
    expect(sent()[0]?.params).toEqual({ all: true });
  });

  it('server metadata', async () => {
    sim.on('@@VERSION AS full_version', { columns: ['version', 'edition', 'server_name', { name: 'hadr', type: 'int' }, 'collation', { name: 'engine_edition', type: 'int' }, 'full_version'], rows: [['16.0.4135.4', 'Enterprise', 'SQL1', 1, 'SQL_Latin1_General_CP1_CI_AS', 3, 'Microsoft SQL Server 2022']] });
    const s = await manager.getServerMetadata();
    expect(s).toMatchObject({ type: 'mssql', version: '16.0.4135.4', versionNumber: 16004135, additionalAttributes: { edition: 'Enterprise', hadrEnabled: true } });
  });
});

describe('lifecycle, state and access (simulator)', () => {
  it('create sends CREATE DATABASE then the recovery model and compatibility level', async () => {
    acceptChanges(sim);
    const r = await db('app').create({ collation: 'Latin1_General_100_CI_AS', recoveryModel: 'full', compatibilityLevel: 150 });
    expect(sent().map((q) => q.sql)).toEqual([
      'CREATE DATABASE [app] COLLATE Latin1_General_100_CI_AS',
      'ALTER DATABASE [app] SET RECOVERY FULL',
      'ALTER DATABASE [app] SET COMPATIBILITY_LEVEL = 150',
    ]);
    expect(r.statements).toEqual(sent().map((q) => q.sql));
  });

  it('a dry run sends nothing that changes anything', async () => {
    exists(sim, true);
    sessions(sim, 3);
    const r = await db('app').drop({ dryRun: true, force: true });
    expect(r.statements).toEqual(['ALTER DATABASE [app] SET SINGLE_USER WITH ROLLBACK IMMEDIATE; BEGIN TRY DROP DATABASE [app]; END TRY BEGIN CATCH ALTER DATABASE [app] SET MULTI_USER; THROW; END CATCH']);
    expect(sent().every((q) => q.sql.startsWith('SELECT'))).toBe(true);
  });

  it('drop with other sessions and no force rejects with DatabaseInUseError and sends no DROP', async () => {
    exists(sim, true);
    sessions(sim, 2);
    const e = await db('app').drop().catch((x: unknown) => x);
    expect(DatabaseInUseError.isInstance(e)).toBe(true);
    expect((e as DatabaseInUseError).sessions).toBe(2);
    expect(sent().some((q) => q.sql.startsWith('DROP'))).toBe(false);
  });

  it('drop with force ends sessions first; hostile names are bracket-quoted exactly', async () => {
    const hostile = 'x]; DROP DATABASE canary; --';
    exists(sim, true);
    sessions(sim, 1);
    acceptChanges(sim);
    await db(hostile).drop({ force: true });
    const q = sent();
    expect(q[0]?.params).toEqual({ db: hostile });
    const n = '[x]]; DROP DATABASE canary; --]';
    expect(q.filter((x) => !x.sql.startsWith('SELECT')).map((x) => x.sql)).toEqual([`ALTER DATABASE ${n} SET SINGLE_USER WITH ROLLBACK IMMEDIATE; BEGIN TRY DROP DATABASE ${n}; END TRY BEGIN CATCH ALTER DATABASE ${n} SET MULTI_USER; THROW; END CATCH`]);
  });

  it('offline without force uses NO_WAIT; with force ROLLBACK IMMEDIATE; online and multi-user', async () => {
    exists(sim, true);
    sessions(sim, 0);
    acceptChanges(sim);
    await db('app').setOffline();
    await db('app').setOffline({ force: true });
    await db('app').setOnline();
    await db('app').setSingleUserMode();
    await db('app').setRestrictedUserMode({ force: true });
    await db('app').setMultiUserMode();
    expect(sent().filter((q) => q.sql.startsWith('ALTER')).map((q) => q.sql)).toEqual([
      'ALTER DATABASE [app] SET OFFLINE WITH NO_WAIT',
      'ALTER DATABASE [app] SET OFFLINE WITH ROLLBACK IMMEDIATE',
      'ALTER DATABASE [app] SET ONLINE',
      'ALTER DATABASE [app] SET SINGLE_USER WITH NO_WAIT',
      'ALTER DATABASE [app] SET RESTRICTED_USER WITH ROLLBACK IMMEDIATE',
      'ALTER DATABASE [app] SET MULTI_USER',
    ]);
  });

  it('single-user with other sessions and no force is refused', async () => {
    exists(sim, true);
    sessions(sim, 4);
    await expect(db('app').setSingleUserMode()).rejects.toThrow(DatabaseInUseError);
  });

  it('a name over 128 characters is a ValidationError before anything is sent', () => {
    expect(() => manager.getDatabase('x'.repeat(129))).toThrow(ValidationError);
    expect(sent()).toHaveLength(0);
  });
});

describe('backup, restore, verify (simulator)', () => {
  const noFile = () => sim.on('xp_fileexist', { columns: [{ name: 'File Exists', type: 'int' }, { name: 'File is a Directory', type: 'int' }, { name: 'Parent Directory Exists', type: 'int' }], rows: [[0, 0, 1]] });
  const lastSet = () =>
    sim.on('FROM msdb.dbo.backupset WHERE database_name = @db ORDER BY backup_set_id DESC', {
      columns: [{ name: 'backup_size', type: 'decimal', precision: 20, scale: 0 }, { name: 'compressed_backup_size', type: 'decimal', precision: 20, scale: 0 }, 'first_lsn', 'last_lsn', { name: 'backup_finish_date', type: 'datetime' }],
      rows: [['3500000', '1200000', '37000000012800001', '37000000014400001', new Date('2024-07-01T00:00:00Z')]],
    });

  it('passes database and path as parameters and turns "n percent processed" into progress', async () => {
    exists(sim, true);
    noFile();
    lastSet();
    sim.on(/^BACKUP DATABASE/, {
      messages: [
        { number: 3211, message: '10 percent processed.', delayMs: 5 },
        { number: 3211, message: '60 percent processed.', delayMs: 5 },
        { number: 3211, message: '100 percent processed.' },
        { number: 4035, message: 'Processed 456 pages for database \'app\', file \'app\' on file 1.' },
        { number: 3014, message: 'BACKUP DATABASE successfully processed 458 pages in 0.045 seconds (79.4 MB/sec).' },
      ],
    });
    const progress: ProgressEvent[] = [];
    const r = await db('app').backup('/var/opt/mssql/backup/it\'s.bak', { compression: true, checksum: true, description: 'nightly', onProgress: (p) => progress.push(p) });
    const backup = sent().find((q) => q.sql.startsWith('BACKUP'));
    expect(backup?.sql).toBe('BACKUP DATABASE @db TO DISK = @path0 WITH COMPRESSION, CHECKSUM, NOINIT, DESCRIPTION = @description, STATS = 10');
    expect(backup?.params).toEqual({ db: 'app', path0: "/var/opt/mssql/backup/it's.bak", description: 'nightly' });
    // what the result records is the statement object that ran: its text and its parameters as the server received them
    expect(r.statements).toEqual([describeMssqlStatement(tsql(backup?.sql ?? '', backup?.params as Record<string, string>))]);
    expect(progress.map((p) => p.percent)).toEqual([10, 60, 100, 100]);
    expect(r.messages).toEqual(expect.arrayContaining(['BACKUP DATABASE successfully processed 458 pages in 0.045 seconds (79.4 MB/sec).']));
    expect(r.data).toMatchObject({ type: 'full', sizeBytes: 1200000, details: { backupSizeBytes: 3500000, lastLsn: '37000000014400001' } });
  });

  it('log and differential backups, striping', async () => {
    exists(sim, true);
    noFile();
    lastSet();
    sim.on(/^BACKUP/, { rowCount: 0 });
    await db('app').backup('/b/1.trn', { type: 'transaction_log' });
    await db('app').backup('/b/d1.bak', { type: 'differential', files: ['/b/d2.bak'], init: true, stats: 5 });
    const backups = sent().filter((q) => q.sql.startsWith('BACKUP'));
    expect(backups.map((q) => q.sql)).toEqual([
      'BACKUP LOG @db TO DISK = @path0 WITH NOINIT, STATS = 10',
      'BACKUP DATABASE @db TO DISK = @path0, DISK = @path1 WITH DIFFERENTIAL, INIT, STATS = 5',
    ]);
    expect(backups[1]?.params).toEqual({ db: 'app', path0: '/b/d1.bak', path1: '/b/d2.bak' });
  });

  it('refuses to write over an existing file unless init or append', async () => {
    exists(sim, true);
    sim.on('xp_fileexist', { columns: [{ name: 'File Exists', type: 'int' }, { name: 'File is a Directory', type: 'int' }, { name: 'Parent Directory Exists', type: 'int' }], rows: [[1, 0, 1]] });
    await expect(db('app').backup('/b/app.bak')).rejects.toThrow(/init: true/);
    expect(sent().some((q) => q.sql.startsWith('BACKUP'))).toBe(false);
  });

  const fileList = () =>
    sim.on('RESTORE FILELISTONLY', {
      columns: ['LogicalName', 'PhysicalName', 'Type', 'FileGroupName', { name: 'Size', type: 'decimal', precision: 20, scale: 0 }],
      rows: [['app', 'C:\\data\\app.mdf', 'D', 'PRIMARY', '8388608'], ['app_log', 'C:\\data\\app_log.ldf', 'L', null, '8388608']],
    });
  // HEADERONLY of a .trn file is a log backup (BackupType 2), of anything else a full one (1)
  const header = (database: string) =>
    sim.on('RESTORE HEADERONLY', (req) => ({
      columns: ['BackupName', 'BackupDescription', { name: 'BackupType', type: 'smallint' }, { name: 'Position', type: 'smallint' }, 'DatabaseName', 'ServerName', { name: 'BackupSize', type: 'decimal', precision: 20, scale: 0 }, { name: 'BackupStartDate', type: 'datetime' }, { name: 'BackupFinishDate', type: 'datetime' }, 'RecoveryModel', { name: 'IsCopyOnly', type: 'bit' }, { name: 'HasBackupChecksums', type: 'bit' }, { name: 'Compressed', type: 'bit' }],
      rows: [[null, 'nightly', String(req.params.path).endsWith('.trn') ? 2 : 1, 1, database, 'SQL1', '3500000', new Date('2024-07-01T00:00:00Z'), new Date('2024-07-01T00:01:00Z'), 'FULL', false, true, true]],
    }));

  it('restores under a new name: MOVE every file (FILELISTONLY) to the default folders, as parameters', async () => {
    header('app');
    exists(sim, false);
    fileList();
    sim.on('InstanceDefaultDataPath', { columns: ['data_path', 'log_path'], rows: [['/var/opt/mssql/data/', '/var/opt/mssql/log/']] });
    sim.on(/^RESTORE DATABASE/, { messages: [{ number: 3211, message: '50 percent processed.' }, { number: 3211, message: '100 percent processed.' }] });
    const progress: Array<number | undefined> = [];
    dbState(sim, () => (sim.queries().some((q) => q.sql.startsWith('RESTORE DATABASE')) ? 'ONLINE' : undefined));
    await db('app copy').restore('/b/app.bak', { onProgress: (p) => progress.push(p.percent) });
    const restore = sent().find((q) => q.sql.startsWith('RESTORE DATABASE'));
    expect(restore?.sql).toBe('RESTORE DATABASE @db FROM DISK = @path WITH FILE = @file, MOVE @move0 TO @to0, MOVE @move1 TO @to1, RECOVERY, STATS = 10');
    expect(restore?.params).toEqual({ db: 'app copy', path: '/b/app.bak', file: 1, move0: 'app', to0: '/var/opt/mssql/data/app copy_app.mdf', move1: 'app_log', to1: '/var/opt/mssql/log/app copy_app_log.ldf' });
    expect(progress).toEqual([50, 100, 100]);
  });

  it('refuses to restore over an existing database without replace', async () => {
    header('app');
    exists(sim, true);
    await expect(db('app').restore('/b/app.bak')).rejects.toThrow(ValidationError);
    expect(sent().some((q) => q.sql.startsWith('RESTORE DATABASE'))).toBe(false);
  });

  it('replace with sessions needs force; point in time applies log backups with STOPAT', async () => {
    header('app');
    exists(sim, true);
    sessions(sim, 1);
    await expect(db('app').restore('/b/app.bak', { replace: true })).rejects.toThrow(DatabaseInUseError);
    acceptChanges(sim);
    fileList();
    await db('app').restore('/b/app.bak', { replace: true, force: true, logs: ['/b/1.trn', '/b/2.trn'], stopAt: '2024-07-01T12:00:00Z', relocate: { dataFolder: 'D:\\data' } });
    const changes = sent().filter((q) => /^(ALTER|RESTORE (DATABASE|LOG))/.test(q.sql));
    expect(changes.map((q) => q.sql)).toEqual([
      // OFFLINE, not SINGLE_USER: no other client can take a slot between the two statements
      'ALTER DATABASE [app] SET OFFLINE WITH ROLLBACK IMMEDIATE',
      'RESTORE DATABASE @db FROM DISK = @path WITH FILE = @file, MOVE @move0 TO @to0, MOVE @move1 TO @to1, REPLACE, NORECOVERY, STOPAT = @stopAt, STATS = 10',
      'RESTORE LOG @db FROM DISK = @path WITH FILE = @file, NORECOVERY, STOPAT = @stopAt, STATS = 10',
      'RESTORE LOG @db FROM DISK = @path WITH FILE = @file, RECOVERY, STOPAT = @stopAt, STATS = 10',
    ]);
    expect(changes[1]?.params).toMatchObject({ to0: 'D:\\data\\app_app.mdf', to1: 'D:\\data\\app_app_log.ldf' });
    expect(changes[3]?.params).toEqual({ db: 'app', path: '/b/2.trn', file: 1, stopAt: '2024-07-01T12:00:00.000' });
    expect(changes[3]?.declaration).toMatch(/@stopAt varchar\(/);
    // every backup set was read in full before anything of the existing database was touched
    const verify = sent().filter((q) => q.sql.startsWith('RESTORE VERIFYONLY')).map((q) => q.params.path);
    expect(verify).toEqual(['/b/app.bak', '/b/1.trn', '/b/2.trn']);
    expect(sent().findIndex((q) => q.sql.startsWith('RESTORE VERIFYONLY'))).toBeLessThan(sent().findIndex((q) => q.sql.startsWith('ALTER')));
  });

  it('verifyBackup resolves on success and rejects with the server error when the backup is bad', async () => {
    sim.on('RESTORE VERIFYONLY', { messages: ['The backup set on file 1 is valid.'] }, { times: 1 });
    const ok = await db('app').verifyBackup('/b/app.bak');
    expect(ok.data).toMatchObject({ valid: true, source: '/b/app.bak' });
    expect(ok.messages).toEqual(['The backup set on file 1 is valid.']);
    sim.on('RESTORE VERIFYONLY', { error: { number: 3013, class: 16, message: 'VERIFY DATABASE is terminating abnormally.' } });
    const e = await db('app').verifyBackupWith('/b/bad.bak', { checksum: true }).catch((x: unknown) => x);
    expect(QueryError.isInstance(e)).toBe(true);
    expect((e as QueryError).serverCode).toBe('3013');
    expect(sent().at(-1)?.sql).toBe('RESTORE VERIFYONLY FROM DISK = @path WITH FILE = @file, CHECKSUM');
  });

  it('readBackupHeader maps HEADERONLY; backupHistory reads msdb and gathers striped devices', async () => {
    header('app');
    const [h] = await db('app').readBackupHeader('/b/app.bak');
    expect(h).toMatchObject({ position: 1, databaseName: 'app', backupType: 'full', sizeBytes: 3500000, hasChecksums: true, compressed: true, description: 'nightly' });
    sim.on('FROM msdb.dbo.backupset bs', {
      columns: [{ name: 'backup_set_id', type: 'int' }, 'type', { name: 'backup_start_date', type: 'datetime' }, { name: 'backup_finish_date', type: 'datetime' }, { name: 'backup_size', type: 'decimal', precision: 20, scale: 0 }, { name: 'is_copy_only', type: 'bit' }, 'physical_device_name'],
      rows: [[9, 'D', new Date('2024-07-01T00:00:00Z'), new Date('2024-07-01T00:01:00Z'), '100', false, '/b/a1.bak'], [9, 'D', new Date('2024-07-01T00:00:00Z'), new Date('2024-07-01T00:01:00Z'), '100', false, '/b/a2.bak'], [8, 'L', null, null, '5', false, '/b/1.trn']],
    });
    const history = await db('app').backupHistory({ limit: 2, type: 'full' });
    expect(history.map((x) => [x.id, x.type, x.devices])).toEqual([[9, 'full', ['/b/a1.bak', '/b/a2.bak']], [8, 'transaction_log', ['/b/1.trn']]]);
    expect(sent().at(-1)?.params).toEqual({ db: 'app', limit: 2, type: 'D', since: null });
    await db('app').backupHistory({ since: '2024-07-01T10:00:00Z' });
    // msdb holds the server's local time: the instant goes as the server's wall clock (varchar), not as UTC
    expect(sent().at(-1)?.params.since).toBe('2024-07-01T10:00:00.000');
  });
});

describe('SQL Server extras (simulator)', () => {
  it('setRecoveryModel, shrink and checkIntegrity', async () => {
    exists(sim, true);
    acceptChanges(sim);
    sim.on('DBCC SHRINKDATABASE', { columns: [{ name: 'DbId', type: 'smallint' }, { name: 'FileId', type: 'int' }, { name: 'CurrentSize', type: 'int' }], rows: [[5, 1, 1024]] });
    await db('app').setRecoveryModel('bulk_logged');
    const shrink = await db('app').shrink({ targetPercent: 10 });
    expect(shrink.data).toEqual([{ DbId: 5, FileId: 1, CurrentSize: 1024 }]);
    await db('app').checkIntegrity({ physicalOnly: true });
    const q = sent().filter((x) => !x.sql.startsWith('SELECT'));
    expect(q.map((x) => x.sql)).toEqual(['ALTER DATABASE [app] SET RECOVERY BULK_LOGGED', 'DBCC SHRINKDATABASE (@db, @target) WITH NO_INFOMSGS', 'DBCC CHECKDB (@db) WITH NO_INFOMSGS, ALL_ERRORMSGS, PHYSICAL_ONLY']);
    expect(q[1]?.params).toEqual({ db: 'app', target: 10 });
    await expect(db('app').setRecoveryModel('nope' as never)).rejects.toThrow(ValidationError);
  });

  it('checkIntegrity rejects with the DBCC error when corruption is found', async () => {
    exists(sim, true);
    sim.on('DBCC CHECKDB', { error: { number: 8939, class: 16, message: 'Table error: Object ID 0, index ID -1, partition ID 0, alloc unit ID 0 (type Unknown), page (1:1). Test (IS_OFF (BUF_IOERR, pBUF->bstat)) failed.' } });
    const e = await db('app').checkIntegrity().catch((x: unknown) => x);
    expect(QueryError.isInstance(e)).toBe(true);
    expect((e as QueryError).serverCode).toBe('8939');
  });

  it('lists schemas and tables through the database\'s own catalog', async () => {
    exists(sim, true);
    sim.on('.sys.schemas s WHERE', { columns: ['name'], rows: [['dbo'], ['sales']] });
    sim.on('.sys.objects o', { columns: ['schema', 'name', 'type'], rows: [['dbo', 'orders', 'U '], ['dbo', 'v_orders', 'V ']] });
    expect(await db('my]db').listSchemas()).toEqual(['dbo', 'sales']);
    expect(await db('my]db').listTables('dbo')).toEqual([{ schema: 'dbo', name: 'orders', kind: 'table' }, { schema: 'dbo', name: 'v_orders', kind: 'view' }]);
    const q = sent().filter((x) => x.sql.includes('.sys.'));
    expect(q[0]?.sql).toContain('FROM [my]]db].sys.schemas');
    expect(q[1]?.params).toEqual({ schema: 'dbo' });
  });
});
