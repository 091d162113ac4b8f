// The shared conformance suite against the TDS SIMULATOR (a loopback server speaking TDS to real
// tedious, not SQL Server): the statements gds sends are answered by TdsCatalog, which keeps the
// server's state (databases, state, access, sessions, backup files) and sends SQL Server's
// documented replies and errors; the catalog reads (sys.databases, files, msdb) are answered here
// from that state. What the simulator cannot model is skipped with a printed reason. This is not
// a real-server run: test/real-server.integration.test.ts is.
import { afterAll, beforeAll, describe, jest } from '@jest/globals';
import { DatabaseManager, Secret, type ConnectionConfig, type Database } from '@gds/database';
import { TdsCatalog, type TdsSimulator, type TdsValue } from '@gds/testkit/tds';
import { printSkip, runConformanceSuite } from '@gds/testkit/jest';
import { parseMssqlUrl } from '../src/mssql-config.js';
import { DB_COLUMNS, dbRow, FILE_COLUMNS, fileRows, PASSWORD, startSim, useCatalog } from './sim.js';

let sim: TdsSimulator;
// The conformance suite's cases (declared by @gds/testkit) have no timeout of their own, so jest's
// 5 s default; several take 1-2.5 s here on a quiet machine: 60 s each for a loaded CI machine.
jest.setTimeout(60_000);

const catalog = new TdsCatalog();
const ids = new Map<string, number>();
const idOf = (name: string) => ids.get(name) ?? (ids.set(name, ids.size + 5), ids.size + 4);

/** The catalog reads the provider sends, answered from the catalog's state (as the server would). */
function answerCatalogReads(s: TdsSimulator): void {
  useCatalog(s, catalog);
  const wanted = (param: unknown) => [...catalog.databases.values()].filter((d) => param === null || param === undefined || param === d.name);
  s.on('d.recovery_model_desc', (req) => ({
    columns: DB_COLUMNS,
    rows: wanted(req.params.name).map((d) =>
      dbRow(d.name, idOf(d.name), { state_desc: d.state, user_access_desc: d.access, sessions: d.sessions, utc_offset: s.utcOffsetMinutes } as Partial<Record<string, TdsValue>>),
    ),
  }));
  // listDatabases without metadata: the catalog holds user databases only (database_id > 4)
  s.on('SELECT name FROM sys.databases WHERE @all = 1 OR database_id > 4', () => ({ columns: ['name'], rows: [...catalog.databases.keys()].sort().map((n) => [n]) }));
  s.on('mf.physical_name', (req) => ({ columns: FILE_COLUMNS, rows: wanted(req.params.name).flatMap((d) => fileRows(d.name, idOf(d.name))) }));
  s.on('FROM msdb.dbo.backupset b', { columns: ['database_name', 'type', { name: 'backup_finish_date', type: 'datetime' }, { name: 'time_zone', type: 'smallint' }], rows: [] });
  s.on('.sys.filegroups', { columns: [{ name: 'data_space_id', type: 'int' }, 'name', 'type_desc', { name: 'is_default', type: 'bit' }, { name: 'is_read_only', type: 'bit' }], rows: [[1, 'PRIMARY', 'ROWS_FILEGROUP', true, false]] });
}

const entry = (db: Database) => {
  const d = catalog.databases.get(db.name);
  if (!d) throw new Error(`${db.name} is not on the simulated server`);
  return d;
};

describe('SQL Server conformance on the TDS simulator (not a real server)', () => {
  beforeAll(async () => {
    sim = await startSim();
    answerCatalogReads(sim);
  });
  afterAll(async () => {
    await sim?.close();
  });

  printSkip('conformance mssql (simulator): the data is an opaque value per database in TdsCatalog (seed/snapshot set and read it), not rows');
  runConformanceSuite({
    name: 'mssql (TDS simulator)',
    connect: () => DatabaseManager.connect(sim.url('sa', PASSWORD)),
    // the simulated server's data: what BACKUP copies into the file and RESTORE puts back
    seed: async (db) => {
      entry(db).data = `rows of ${db.name} @ ${Date.now()}`;
    },
    snapshot: async (db) => entry(db).data,
    backupTarget: (label) => `/var/opt/mssql/data/gds_sim_${label}.bak`,
    localBackupFiles: 'the simulator keeps backup files in its catalog, not on this machine (no zero-byte, text or truncated files, no partials)',
    // a file SQL Server cannot read as a backup (3241, "incorrectly formed"), in the catalog
    garbageSources: async (label) => {
      const path = `/var/opt/mssql/data/gds_sim_${label}_damaged.bak`;
      catalog.files.set(path, { damaged: true });
      return [path];
    },
    hostileNames: ['gds_conf_semi; DROP DATABASE gds_conf_canary; --', 'gds_conf_[bracket]]', "gds_conf_it's", 'gds_conf_ünï_çødé'],
    connectionConfig: (): ConnectionConfig => {
      const { password, ...rest } = parseMssqlUrl(sim.url('sa', PASSWORD));
      return { ...rest, type: 'mssql', password: password instanceof Secret ? password : new Secret(String(password ?? PASSWORD)) };
    },
    // the simulator counts other sessions per database (sys.dm_exec_sessions is answered from it)
    openSession: async (db) => {
      entry(db).sessions += 1;
      return async () => {
        const d = catalog.databases.get(db.name);
        if (d) d.sessions = Math.max(0, d.sessions - 1);
      };
    },
    skipSafety: {
      'cancelled-restore': 'RESTORE ... WITH REPLACE overwrites in place: a cancel once it started leaves the database RESTORING on a real server (the simulator answers at once, so a pass here would prove nothing)',
    },
  });
});
