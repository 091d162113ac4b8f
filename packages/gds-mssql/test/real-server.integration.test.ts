// The shared conformance suite and SQL Server extras against a real SQL Server: one named by
// GDS_TEST_MSSQL_URL (e.g. mssql://sa:pw@host:1433/master?trustServerCertificate=true), or a
// container where a Docker engine runs. Elsewhere it prints one line saying why it skipped.
// Backup paths are on the server: GDS_TEST_MSSQL_BACKUP_DIR (default /var/opt/mssql/data, the
// Linux image's data folder; use e.g. C:\Temp on Windows).
import { randomBytes } from 'node:crypto';
import { expect, it } from '@jest/globals';
import { DatabaseManager, Secret, type ConnectionConfig, type Database } from '@gds/database';
import { describeWithServer, runConformanceSuite } from '@gds/testkit/jest';
import '../src/index.js';
import { quoteIdentifier, type MSSQLConnection, type MSSQLDatabase } from '../src/index.js';
import { parseMssqlUrl } from '../src/mssql-config.js';

const dir = process.env.GDS_TEST_MSSQL_BACKUP_DIR ?? '/var/opt/mssql/data';
const sep = dir.includes('\\') ? '\\' : '/';
const run = randomBytes(4).toString('hex');
const backupPath = (label: string) => `${dir.replace(/[\\/]+$/, '')}${sep}gds_${run}_${label}.bak`;
const conn = (db: Database) => db.connection as MSSQLConnection;

async function seed(db: Database): Promise<void> {
  const t = `${quoteIdentifier(db.name)}.dbo.items`;
  await conn(db).query(`CREATE TABLE ${t} (id int PRIMARY KEY, label nvarchar(50) NOT NULL)`);
  await conn(db).query(`INSERT INTO ${t} (id, label) SELECT v.n, CONCAT(N'item ', v.n) FROM (VALUES (1),(2),(3),(4),(5)) v(n)`);
}

async function snapshot(db: Database): Promise<unknown> {
  const rows = await conn(db).query<{ n: number; c: number }>(`SELECT COUNT(*) AS n, CHECKSUM_AGG(CHECKSUM(id, label)) AS c FROM ${quoteIdentifier(db.name)}.dbo.items`);
  return rows[0];
}

describeWithServer('mssql', 'SQL Server (real server)', (server) => {
  runConformanceSuite({
    name: 'mssql',
    connect: () => DatabaseManager.connect(server().url),
    seed,
    snapshot,
    backupTarget: (label) => backupPath(label),
    // '"' is left out: SQL Server names the files after the database, and Windows refuses it in file names
    hostileNames: ['gds_conf_semi; DROP DATABASE gds_conf_canary; --', 'gds_conf_[bracket]]', "gds_conf_it's", 'gds_conf_ünï_çødé'],
    // ONE config object holding the server's password as a Secret (two managers are built from it)
    connectionConfig: (): ConnectionConfig => {
      const { password, ...rest } = parseMssqlUrl(server().url);
      return { ...rest, type: 'mssql', ...(password === undefined ? {} : { password: password instanceof Secret ? password : new Secret(String(password)) }) };
    },
    skipSafety: {
      // the new-name half of the case is covered on the simulator (defects.sim.test.ts: a cancelled restore into a new name)
      'cancelled-restore': 'RESTORE ... WITH REPLACE overwrites in place: a cancel once it started leaves the database RESTORING, not as it was (README: Restoring over an existing database)',
    },
  });

  it('backs up with progress, verifies, reads the header and the history, and reads AG state', async () => {
    const manager = await DatabaseManager.connect(server().url);
    const db = manager.getDatabase(`gds_extra_${run}`) as MSSQLDatabase;
    try {
      await db.create({ recoveryModel: 'full' });
      await seed(db);
      const percents: number[] = [];
      const path = backupPath('extra');
      const r = await db.backup(path, { checksum: true, stats: 25, onProgress: (p) => p.percent !== undefined && percents.push(p.percent) });
      expect(r.data?.sizeBytes).toBeGreaterThan(0);
      expect(percents.at(-1)).toBe(100);
      expect((await db.verifyBackupWith(path, { checksum: true })).data?.valid).toBe(true);
      const [header] = await db.readBackupHeader(path);
      expect(header).toMatchObject({ databaseName: db.name, backupType: 'full', hasChecksums: true });
      expect((await db.backupHistory({ limit: 1 }))[0]?.devices).toEqual([path]);
      await db.backup(backupPath('extra_log'), { type: 'transaction_log' });
      await db.checkIntegrity();
      await db.shrink({ truncateOnly: true });
      const m = await db.getMetadata();
      expect(m.recoveryModel).toBe('FULL');
      expect(m.lastFullBackup).toBeInstanceOf(Date);
      const cfg = await db.ha!.getConfiguration();
      if (m.availabilityGroup) expect(cfg?.name).toBe(m.availabilityGroup);
      else expect(cfg).toBeUndefined();
    } finally {
      if (await db.exists()) await db.drop({ force: true });
      await manager.close();
    }
  }, 180_000);
});
