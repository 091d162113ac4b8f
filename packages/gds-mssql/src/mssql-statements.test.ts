import { describe, expect, it } from '@jest/globals';
import { namedParams, VarChar } from './mssql-connection.js';
import * as B from './mssql-backup-statements.js';
import * as H from './mssql-ha-statements.js';
import * as S from './mssql-statements.js';

/** A statement with its parameters by name, to compare with a literal. */
const named = (s: S.MssqlStatement) => ({ text: s.text, params: namedParams(s) });

const HOSTILE = "x]; DROP DATABASE canary; --";
const QUOTED = '[x]]; DROP DATABASE canary; --]';

describe('createDatabase', () => {
  it('is bare without options', () => {
    expect(named(S.createDatabase('app'))).toEqual({ text: 'CREATE DATABASE [app]', params: {} });
  });

  it('with files, filegroups, containment and collation', () => {
    const s = S.createDatabase('Sales DB', {
      containment: 'partial',
      collation: 'Latin1_General_100_CI_AS_SC_UTF8',
      dataFiles: [{ name: 'sales', path: "D:\\data\\it's.mdf", size: '100MB', maxSize: 'UNLIMITED', growth: '64MB' }],
      filegroups: [{ name: 'archive]', default: true, files: [{ name: 'arch1', path: 'E:\\a1.ndf' }] }, { name: 'mem', contains: 'memory_optimized_data', files: [{ name: 'mem1', path: 'E:\\mem' }] }],
      logFiles: [{ name: 'sales_log', path: 'L:\\sales.ldf', size: '1GB', growth: '10%' }],
    });
    expect(s.text).toBe(
      "CREATE DATABASE [Sales DB] CONTAINMENT = PARTIAL ON PRIMARY (NAME = [sales], FILENAME = N'D:\\data\\it''s.mdf', SIZE = 100MB, MAXSIZE = UNLIMITED, FILEGROWTH = 64MB), " +
        "FILEGROUP [archive]]] DEFAULT (NAME = [arch1], FILENAME = N'E:\\a1.ndf'), FILEGROUP [mem] CONTAINS MEMORY_OPTIMIZED_DATA (NAME = [mem1], FILENAME = N'E:\\mem') " +
        "LOG ON (NAME = [sales_log], FILENAME = N'L:\\sales.ldf', SIZE = 1GB, FILEGROWTH = 10%) COLLATE Latin1_General_100_CI_AS_SC_UTF8",
    );
  });

  it('quotes hostile names', () => {
    expect(S.createDatabase(HOSTILE).text).toBe(`CREATE DATABASE ${QUOTED}`);
    expect(S.dropDatabase(HOSTILE).text).toBe(`DROP DATABASE ${QUOTED}`);
  });
});

describe('ALTER DATABASE', () => {
  it.each([
    [S.alterSet('app', 'OFFLINE', 'ROLLBACK IMMEDIATE'), 'ALTER DATABASE [app] SET OFFLINE WITH ROLLBACK IMMEDIATE'],
    [S.alterSet('app', 'SINGLE_USER', 'NO_WAIT'), 'ALTER DATABASE [app] SET SINGLE_USER WITH NO_WAIT'],
    [S.alterSet('app', 'ONLINE'), 'ALTER DATABASE [app] SET ONLINE'],
    [S.setRecoveryModel('app', 'simple'), 'ALTER DATABASE [app] SET RECOVERY SIMPLE'],
    [S.setCompatibilityLevel('app', 160), 'ALTER DATABASE [app] SET COMPATIBILITY_LEVEL = 160'],
  ])('%j', (s, text) => {
    expect(s.text).toBe(text);
    expect(namedParams(s)).toEqual({});
  });
});

describe('BACKUP', () => {
  it('full by default, database and paths as parameters, STATS 10, NOINIT', () => {
    expect(named(B.backupDatabase(HOSTILE, ['/b/x.bak']))).toEqual({ text: 'BACKUP DATABASE @db TO DISK = @path0 WITH NOINIT, STATS = 10', params: { db: HOSTILE, path0: '/b/x.bak' } });
  });

  it('every option', () => {
    const s = B.backupDatabase('app', ['/b/1.bak', '/b/2.bak'], { type: 'differential', copyOnly: true, compression: false, checksum: true, format: true, name: 'n', description: 'd', stats: 1 });
    expect(s.text).toBe('BACKUP DATABASE @db TO DISK = @path0, DISK = @path1 WITH DIFFERENTIAL, COPY_ONLY, NO_COMPRESSION, CHECKSUM, FORMAT, INIT, NAME = @name, DESCRIPTION = @description, STATS = 1');
    expect(namedParams(s)).toEqual({ db: 'app', path0: '/b/1.bak', path1: '/b/2.bak', name: 'n', description: 'd' });
    expect(B.backupDatabase('app', ['/b/l.trn'], { type: 'transaction_log' }).text).toBe('BACKUP LOG @db TO DISK = @path0 WITH NOINIT, STATS = 10');
  });
});

describe('RESTORE and DBCC', () => {
  it('restore with moves, replace, norecovery, stopat', () => {
    const s = B.restoreDatabase('copy', '/b/a.bak', { kind: 'DATABASE', file: 2, moves: [{ logical: 'a', physical: '/d/copy_a.mdf' }], replace: true, norecovery: true, stopAt: new VarChar('2024-01-01T00:00:00.000'), checksum: true, stats: 5 });
    expect(s.text).toBe('RESTORE DATABASE @db FROM DISK = @path WITH FILE = @file, MOVE @move0 TO @to0, REPLACE, CHECKSUM, NORECOVERY, STOPAT = @stopAt, STATS = 5');
    expect(namedParams(s)).toEqual({ db: 'copy', path: '/b/a.bak', file: 2, move0: 'a', to0: '/d/copy_a.mdf', stopAt: new VarChar('2024-01-01T00:00:00.000') });
    // a varchar local time, never an nvarchar carrying a zone the server would drop
    expect(S.describeMssqlStatement(s)).toContain("@stopAt = '2024-01-01T00:00:00.000'");
  });

  it('verify, header, file list, shrink, checkdb', () => {
    expect(B.verifyOnly('/b/a.bak').text).toBe('RESTORE VERIFYONLY FROM DISK = @path WITH FILE = @file');
    expect(namedParams(B.headerOnly('/b/a.bak'))).toEqual({ path: '/b/a.bak' });
    expect(namedParams(B.fileListOnly('/b/a.bak', 3))).toEqual({ path: '/b/a.bak', file: 3 });
    expect(named(S.shrinkDatabase('app', { truncateOnly: true }))).toEqual({ text: 'DBCC SHRINKDATABASE (@db, TRUNCATEONLY) WITH NO_INFOMSGS', params: { db: 'app' } });
    expect(named(S.checkDb(HOSTILE, { noIndex: true }))).toEqual({ text: 'DBCC CHECKDB (@db, NOINDEX) WITH NO_INFOMSGS, ALL_ERRORMSGS', params: { db: HOSTILE } });
  });

  it('catalog reads of a database use its quoted name and parameters', () => {
    expect(S.listSchemas(HOSTILE, false).text).toContain(`FROM ${QUOTED}.sys.schemas`);
    expect(namedParams(S.listTables('app', undefined))).toEqual({ schema: null });
  });
});

describe('describeMssqlStatement', () => {
  it('shows parameters as a one-line comment, quoted as N literals', () => {
    expect(S.describeMssqlStatement(S.tsql('BACKUP DATABASE @db TO DISK = @path0', { db: "it's", path0: 'a\nb' }))).toBe("BACKUP DATABASE @db TO DISK = @path0 -- @db = N'it''s', @path0 = N'a\\nb'");
    expect(S.describeMssqlStatement(S.tsql('x', {}))).toBe('x');
    expect(S.describeMssqlStatement(S.tsql('x', { n: 1, b: true, z: null }))).toBe('x -- @n = 1, @b = true, @z = NULL');
  });
});

describe('statement objects', () => {
  it('carry their parameters as [name, value] pairs (the core Statement), frozen', () => {
    const s = S.databaseExists('app');
    expect(s.params).toEqual([['db', 'app']]);
    expect(Object.isFrozen(s)).toBe(true);
    expect(Object.isFrozen(s.params)).toBe(true);
  });

  it('a failover shows the server it runs on; the AG statements quote names and replicas', () => {
    expect(S.describeMssqlStatement(H.agFailover('AG]1', false, 'mssql://sql2:1433/master'))).toBe('ALTER AVAILABILITY GROUP [AG]]1] FAILOVER -- on mssql://sql2:1433/master');
    expect(H.agFailover('AG', true, 'x').text).toBe('ALTER AVAILABILITY GROUP [AG] FORCE_FAILOVER_ALLOW_DATA_LOSS');
    expect(H.agRemoveReplica('AG', "SQL'3").text).toBe("ALTER AVAILABILITY GROUP [AG] REMOVE REPLICA ON N'SQL''3'");
    expect(H.agModifyReplica('AG', 'SQL2', 'FAILOVER_MODE = MANUAL').text).toBe("ALTER AVAILABILITY GROUP [AG] MODIFY REPLICA ON N'SQL2' WITH (FAILOVER_MODE = MANUAL)");
  });

  it('another engine\'s positional parameters are refused, not sent under wrong names', () => {
    expect(() => namedParams({ text: 'select $1', params: ['app'] })).toThrow(/\[name, value\] pair/);
  });
});
