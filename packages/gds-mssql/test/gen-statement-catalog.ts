// Generates test/evidence/statement-catalog.json (format: /work/notes/catalog-format.md): every
// statement the provider sends, as dry runs return them (OperationResult.statements), over a
// matrix of options and servers (SQL Server 2016, 2017, 2019, 2022, 2025, Managed Instance), plus
// the reads each operation makes before it (operation "read:<op>", as the simulator received them,
// parameters in the dry-run comment form). Refused combinations have no statements and say why.
// Run by statement-catalog.test.ts; GDS_WRITE_STATEMENT_CATALOG=1 rewrites the file.
import { DatabaseManager, GdsError, type OperationResult } from '@gds/database';
import { TdsSimulator, type TdsColumn, type TdsRequest, type TdsValue } from '@gds/testkit/tds';
import type { MSSQLDatabase } from '../src/index.js';
import { versionRule } from '../src/mssql-capabilities.js';
import { describeMssqlStatement, tsql } from '../src/mssql-statements.js';
import '../src/index.js';
import { PASSWORD } from './sim.js';

/** One entry of the catalog. */
export interface CatalogEntry {
  operation: string;
  options: Record<string, unknown>;
  server: string;
  statements: string[];
  refused?: string;
}

/** The servers of the matrix: name, LOGINACK version, EngineEdition. */
export const SERVERS: ReadonlyArray<{ server: string; version: [number, number, number]; engineEdition: number }> = [
  { server: '13 (SQL Server 2016)', version: [13, 0, 7037], engineEdition: 3 },
  { server: '14 (SQL Server 2017)', version: [14, 0, 3485], engineEdition: 3 },
  { server: '15 (SQL Server 2019)', version: [15, 0, 4405], engineEdition: 2 },
  { server: '16 (SQL Server 2022)', version: [16, 0, 4135], engineEdition: 3 },
  { server: '17 (SQL Server 2025)', version: [17, 0, 1000], engineEdition: 3 },
  { server: 'Azure SQL Managed Instance (EngineEdition 8)', version: [16, 0, 5000], engineEdition: 8 },
];

const int = (name: string): TdsColumn => ({ name, type: 'int' });
const AG: Array<string | TdsColumn> = ['ag_name', 'automated_backup_preference_desc', int('failure_condition_level'), int('health_check_timeout'), 'replica_server_name', 'endpoint_url', 'availability_mode_desc', 'failover_mode_desc', 'secondary_role_allow_connections_desc', 'role_desc', 'connected_state_desc', 'synchronization_health_desc', 'operational_state_desc', 'last_connect_error_description', { name: 'is_local', type: 'bit' }, 'synchronization_state_desc'];
const replica = (name: string, role: string, local: boolean, mode = 'SYNCHRONOUS_COMMIT', failover = 'AUTOMATIC'): TdsValue[] => ['AG]1', 'PRIMARY', 3, 30000, name, `TCP://${name.toLowerCase()}:5022`, mode, failover, 'NO', role, 'CONNECTED', 'HEALTHY', null, null, local, 'SYNCHRONIZED'];

/** A simulator scripted as a server holding database `app` (ONLINE, 2 other sessions), backups under /b, and its availability group. */
function script(sim: TdsSimulator, state: { present: boolean; dbState: string }): void {
  sim.on('SELECT COUNT(*) AS n FROM sys.databases WHERE name = @db', (r) => ({ columns: [int('n')], rows: [[state.present && r.params.db === 'app' ? 1 : 0]] }));
  sim.on('SELECT d.state_desc, d.user_access_desc', (r) => ({ columns: ['state_desc', 'user_access_desc', int('in_ag')], rows: state.present && r.params.db === 'app' ? [[state.dbState, 'MULTI_USER', 0]] : [] }));
  sim.on('FROM sys.dm_exec_sessions WHERE database_id = DB_ID(@db)', { columns: [int('n'), int('sees')], rows: [[2, 1]] });
  sim.on('xp_fileexist', { columns: [int('File Exists'), int('File is a Directory'), int('Parent Directory Exists')], rows: [[0, 0, 1]] });
  sim.on('RESTORE HEADERONLY', (r) => ({ columns: [{ name: 'BackupType', type: 'smallint' }, { name: 'Position', type: 'smallint' }, 'DatabaseName'], rows: [[String(r.params.path).endsWith('.trn') ? 2 : 1, 1, 'app']] }));
  sim.on('RESTORE FILELISTONLY', { columns: ['LogicalName', 'PhysicalName', 'Type'], rows: [['app', 'C:\\data\\app.mdf', 'D'], ['app_log', 'C:\\data\\app_log.ldf', 'L']] });
  sim.on('RESTORE VERIFYONLY', { messages: ['The backup set on file 1 is valid.'] });
  sim.on('InstanceDefaultDataPath', { columns: ['data_path', 'log_path'], rows: [['/var/opt/mssql/data/', '/var/opt/mssql/log/']] });
  sim.on('ar.replica_server_name, ar.endpoint_url', { columns: AG, rows: [replica('SQL1', 'PRIMARY', true), replica('SQL2', 'SECONDARY', false), replica('SQL3', 'SECONDARY', false, 'ASYNCHRONOUS_COMMIT', 'MANUAL')] });
}

const show = (q: TdsRequest): string => describeMssqlStatement(tsql(q.sql, Object.fromEntries(Object.entries(q.params).map(([k, v]) => [k, v instanceof Date ? v.toISOString() : (v as string | number | boolean | null)]))));

type Case = [operation: string, options: Record<string, unknown>, run: (db: MSSQLDatabase, o: Record<string, unknown>, manager: DatabaseManager) => Promise<OperationResult<unknown>>, state?: { present: boolean; dbState: string }];

const files = { dataFiles: [{ name: 'app', path: '/var/opt/mssql/data/app.mdf', size: '100MB', maxSize: 'UNLIMITED', growth: '64MB' }], logFiles: [{ name: 'app_log', path: '/var/opt/mssql/log/app_log.ldf', size: '50MB', growth: '10%' }], filegroups: [{ name: 'FG2', contains: 'rows', default: true, files: [{ name: 'app2', path: '/var/opt/mssql/data/app2.ndf' }] }] };
const absent = { present: false, dbState: 'ONLINE' };

const CASES = (maxLevel: number): Case[] => [
  ['create', {}, (db, o) => db.create(o), absent],
  ['create', { collation: 'Latin1_General_100_CI_AS_SC_UTF8', recoveryModel: 'full', compatibilityLevel: maxLevel }, (db, o) => db.create(o), absent],
  ['create', { compatibilityLevel: 170 }, (db, o) => db.create(o), absent],
  ['create', { containment: 'partial', ...files }, (db, o) => db.create(o), absent],
  ['drop', {}, (db, o) => db.drop(o)],
  ['drop', { force: true }, (db, o) => db.drop(o)],
  ['drop', { force: true, '(database OFFLINE)': true }, (db, o) => db.drop(o), { present: true, dbState: 'OFFLINE' }],
  ['setOffline', { force: true }, (db, o) => db.setOffline(o)],
  ['setOnline', {}, (db, o) => db.setOnline(o)],
  ['setSingleUserMode', { force: true }, (db, o) => db.setSingleUserMode(o)],
  ['setRestrictedUserMode', { force: true }, (db, o) => db.setRestrictedUserMode(o)],
  ['setMultiUserMode', {}, (db, o) => db.setMultiUserMode(o)],
  ['backup', {}, (db, o) => db.backup('/b/app.bak', o)],
  ['backup', { compression: true, checksum: true, copyOnly: true, init: true, name: 'nightly', description: "it's full", stats: 5, files: ['/b/app_2.bak'] }, (db, o) => db.backup('/b/app.bak', o)],
  ['backup', { type: 'differential', format: true }, (db, o) => db.backup('/b/app_diff.bak', o)],
  ['backup', { type: 'transaction_log', append: true }, (db, o) => db.backup('/b/app_1.trn', o)],
  ['restore', { '(new name)': 'app_copy' }, (_db, o, manager) => manager.getDatabase('app_copy').restore('/b/app.bak', o) as Promise<OperationResult<unknown>>],
  ['restore', { replace: true, force: true, logs: ['/b/app_1.trn', '/b/app_2.trn'], stopAt: '2025-01-31T12:00:00Z', checksum: true, relocate: { dataFolder: 'D:\\data', logFolder: 'L:\\log' } }, (db, o) => db.restore('/b/app.bak', o)],
  ['restore', { norecovery: true, fileNumber: 1, replace: true, force: true }, (db, o) => db.restore('/b/app.bak', o)],
  ['restore', { stopAt: '2025-01-31T12:00:00Z', '(log backup onto a RESTORING database)': true }, (db, o) => db.restore('/b/app_3.trn', o), { present: true, dbState: 'RESTORING' }],
  // verification only reads (it takes no dryRun): it runs, against a scripted valid backup
  ['verifyBackup', {}, (db) => db.verifyBackup('/b/app.bak')],
  ['verifyBackupWith', { fileNumber: 2, checksum: true }, (db) => db.verifyBackupWith('/b/app.bak', { fileNumber: 2, checksum: true })],
  ['setRecoveryModel', { model: 'bulk_logged' }, (db, o) => db.setRecoveryModel('bulk_logged', o)],
  ['setRecoveryModel', { model: 'full' }, (db, o) => db.setRecoveryModel('full', o)],
  ['shrink', { targetPercent: 10 }, (db, o) => db.shrink(o)],
  ['shrink', { truncateOnly: true }, (db, o) => db.shrink(o)],
  ['checkIntegrity', { physicalOnly: true, noIndex: true }, (db, o) => db.checkIntegrity(o)],
  ['ha.setSyncMode', { mode: 'asynchronous' }, (db, o) => db.ha!.setSyncMode('asynchronous' as never, o)],
  ['ha.addNode', { name: "SQL'4", endpointUrl: 'TCP://sql4.corp:5022', availabilityMode: 'synchronous', failoverMode: 'automatic' }, (db) => db.ha!.addNode({ name: "SQL'4", endpointUrl: 'TCP://sql4.corp:5022', availabilityMode: 'synchronous', failoverMode: 'automatic' }, { dryRun: true })],
  ['ha.removeNode', { name: 'SQL3' }, (db, o) => db.ha!.removeNode('SQL3', o)],
];

/**
 * Runs the matrix and returns the catalog.
 *
 * ### Examples
 * ```ts
 * const entries = await generateStatementCatalog();
 * ```
 */
export async function generateStatementCatalog(): Promise<CatalogEntry[]> {
  const out: CatalogEntry[] = [];
  for (const s of SERVERS) {
    const sim = await TdsSimulator.start({ users: { sa: PASSWORD }, version: s.version, engineEdition: s.engineEdition, utcOffsetMinutes: 60 });
    const manager = await DatabaseManager.connect(sim.url('sa', PASSWORD));
    try {
      for (const [operation, options, run, state = { present: true, dbState: 'ONLINE' }] of CASES(versionRule(s.version[0], s.engineEdition).maxCompatibilityLevel)) {
        sim.reset();
        script(sim, state);
        const db = manager.getDatabase('app') as MSSQLDatabase;
        // '(...)' keys describe the case; model/mode/name are arguments, not options
        const opts = Object.fromEntries(Object.entries({ ...options, dryRun: true }).filter(([k]) => !k.startsWith('(') && !['model', 'mode', 'name'].includes(k)));
        let entry: CatalogEntry;
        try {
          const r = await run(db, opts, manager);
          entry = { operation, options, server: s.server, statements: [...r.statements] };
        } catch (error) {
          entry = { operation, options, server: s.server, statements: [], refused: GdsError.isInstance(error) ? `${error.name}: ${error.message}` : String(error) };
        }
        const reads = sim.queries().filter((q) => !/^select cast\(SERVERPROPERTY\('ProductVersion'\)/.test(q.sql)).map(show);
        out.push(entry);
        if (reads.length) out.push({ operation: `read:${operation}`, options, server: s.server, statements: reads });
      }
      sim.reset();
      for (const [operation, run] of [
        ['read:listDatabases', () => manager.listDatabases({ withMetadata: true })],
        ['read:getMetadata', () => manager.getDatabase('app').getMetadata()],
        ['read:backupHistory', () => (manager.getDatabase('app') as MSSQLDatabase).backupHistory({ since: '2025-01-31T12:00:00Z', type: 'full', limit: 5 })],
        ['read:readBackupHeader', () => (manager.getDatabase('app') as MSSQLDatabase).readBackupHeader('/b/app.bak')],
        ['read:ha.monitorLag', () => manager.getDatabase('app').ha!.monitorLag()],
        ['read:listTables', () => manager.getDatabase('app').listTables('dbo')],
        ['read:getServerMetadata', () => manager.getServerMetadata()],
      ] as Array<[string, () => Promise<unknown>]>) {
        sim.reset();
        await run().catch(() => undefined); // the reads are what counts; unscripted answers fail
        out.push({ operation, options: {}, server: s.server, statements: sim.queries().filter((q) => !/^select cast\(SERVERPROPERTY\('ProductVersion'\)/.test(q.sql)).map(show) });
      }
    } finally {
      await manager.close();
      await sim.close();
    }
  }
  return out;
}
