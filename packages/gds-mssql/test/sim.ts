// Scripting helpers for the TDS simulator tests: a simulator with the replies every test needs
// (server version, existence, session counts) and fixtures shaped like SQL Server's documented
// catalog columns.
import { TdsSimulator, type TdsCatalog, type TdsColumn, type TdsValue } from '@gds/testkit/tds';
import { DatabaseManager } from '@gds/database';
import '../src/index.js';

export const PASSWORD = 'sim-Passw0rd!';

/** A simulator accepting sa/PASSWORD that answers the version query. */
export async function startSim(): Promise<TdsSimulator> {
  const sim = await TdsSimulator.start({ users: { sa: PASSWORD } });
  answerVersion(sim);
  return sim;
}

export function answerVersion(sim: TdsSimulator): void {
  // nothing to script: the simulator answers SERVERPROPERTY('ProductVersion'/'Edition'/'EngineEdition') and the UTC offset itself
  void sim;
}

export function connect(sim: TdsSimulator): Promise<DatabaseManager> {
  return DatabaseManager.connect(sim.url('sa', PASSWORD));
}

const int = (name: string): TdsColumn => ({ name, type: 'int' });

/** `SELECT COUNT(*) ... FROM sys.databases WHERE name = @db` answers `exists`. */
export function exists(sim: TdsSimulator, yes: boolean, times?: number): void {
  sim.on('SELECT COUNT(*) AS n FROM sys.databases WHERE name = @db', { columns: [int('n')], rows: [[yes ? 1 : 0]] }, { times });
  sim.on('SELECT d.state_desc, d.user_access_desc', { columns: ['state_desc', 'user_access_desc', int('in_ag')], rows: yes ? [['ONLINE', 'MULTI_USER', 0]] : [] }, { times });
}

/** The other-sessions count; `undefined`: the login lacks VIEW SERVER STATE (the DMV shows only its own session). */
export function sessions(sim: TdsSimulator, n: number | undefined): void {
  sim.on('FROM sys.dm_exec_sessions WHERE database_id = DB_ID(@db)', { columns: [int('n'), int('sees')], rows: [[n ?? 0, n === undefined ? 0 : 1]] });
}

/** sys.databases state of a database (`state_desc`, `user_access_desc`, in an availability group). */
export function dbState(sim: TdsSimulator, state: string | (() => string | undefined), inAg = false): void {
  sim.on('SELECT d.state_desc, d.user_access_desc', () => {
    const now = typeof state === 'function' ? state() : state;
    return { columns: ['state_desc', 'user_access_desc', int('in_ag')], rows: now === undefined ? [] : [[now, 'MULTI_USER', inAg ? 1 : 0]] };
  });
}

/** Every other statement (ALTER, DROP, CREATE...) succeeds. */
export function acceptChanges(sim: TdsSimulator): void {
  sim.on(/^(ALTER|DROP|CREATE|DBCC|BACKUP|RESTORE DATABASE|RESTORE LOG|RESTORE VERIFYONLY)/, { rowCount: 0 });
}

export const DB_COLUMNS: TdsColumn[] = [
  { name: 'name' },
  int('database_id'),
  { name: 'owner' },
  { name: 'create_date', type: 'datetime' },
  { name: 'collation_name' },
  { name: 'state_desc' },
  { name: 'user_access_desc' },
  { name: 'is_read_only', type: 'bit' },
  { name: 'recovery_model_desc' },
  { name: 'compatibility_level', type: 'tinyint' },
  { name: 'page_verify_option_desc' },
  { name: 'is_auto_close_on', type: 'bit' },
  { name: 'is_auto_shrink_on', type: 'bit' },
  { name: 'containment_desc' },
  { name: 'size_bytes', type: 'bigint' },
  { name: 'availability_group' },
  int('sessions'),
  int('sees_sessions'),
  int('utc_offset'),
];

export function dbRow(name: string, id: number, over: Partial<Record<string, TdsValue>> = {}): TdsValue[] {
  const base: Record<string, TdsValue> = {
    name,
    database_id: id,
    owner: 'sa',
    create_date: new Date('2024-01-02T03:04:05.000Z'),
    collation_name: 'SQL_Latin1_General_CP1_CI_AS',
    state_desc: 'ONLINE',
    user_access_desc: 'MULTI_USER',
    is_read_only: false,
    recovery_model_desc: 'FULL',
    compatibility_level: 160,
    page_verify_option_desc: 'CHECKSUM',
    is_auto_close_on: false,
    is_auto_shrink_on: false,
    containment_desc: 'NONE',
    size_bytes: 16777216,
    availability_group: null,
    sessions: 0,
    sees_sessions: 1,
    utc_offset: 0,
    ...over,
  };
  return DB_COLUMNS.map((c) => base[c.name] ?? null);
}

export const FILE_COLUMNS: TdsColumn[] = [
  int('database_id'),
  int('file_id'),
  { name: 'name' },
  { name: 'physical_name' },
  { name: 'type_desc' },
  { name: 'size_bytes', type: 'bigint' },
  int('max_size'),
  int('growth'),
  { name: 'is_percent_growth', type: 'bit' },
  int('data_space_id'),
  { name: 'state_desc' },
];

export function fileRows(name: string, id: number): TdsValue[][] {
  return [
    [id, 1, name, `/var/opt/mssql/data/${name}.mdf`, 'ROWS', 8388608, -1, 8192, false, 1, 'ONLINE'],
    [id, 2, `${name}_log`, `/var/opt/mssql/data/${name}_log.ldf`, 'LOG', 8388608, 268435456, 10, true, 0, 'ONLINE'],
  ];
}

/** msdb.dbo.backupset rows: database, type (D/I/L), finish instant, copy-only. */
export type BackupSetRow = { database: string; type: 'D' | 'I' | 'L'; finished: Date; copyOnly?: boolean; timeZone?: number };

/**
 * Scripts the metadata queries for the given databases. `backups` play msdb.dbo.backupset (the
 * query's own filter on is_copy_only and the newest per type is applied here, as the server
 * would); `msdbDenied` makes msdb refuse the login (229), as for a login without msdb access.
 */
export function databases(
  sim: TdsSimulator,
  dbs: Array<{ name: string; id: number; over?: Partial<Record<string, TdsValue>> }>,
  msdb: { backups?: BackupSetRow[]; denied?: boolean } = {},
): void {
  sim.on('d.recovery_model_desc', (req) => ({
    columns: DB_COLUMNS,
    rows: dbs.filter((d) => req.params.name === null || req.params.name === d.name).map((d) => dbRow(d.name, d.id, { utc_offset: sim.utcOffsetMinutes, ...d.over })),
  }));
  sim.on('FROM msdb.dbo.backupset b', (req) => {
    if (msdb.denied) return { error: { number: 229, class: 14, message: "The SELECT permission was denied on the object 'backupset', database 'msdb', schema 'dbo'." } };
    const sql = req.sql;
    const rows = (msdb.backups ?? [])
      .filter((b) => (req.params.name === null || req.params.name === b.database) && !(b.copyOnly && /is_copy_only = 0/.test(sql)))
      .sort((a, b) => b.finished.getTime() - a.finished.getTime())
      .filter((b, i, all) => all.findIndex((x) => x.database === b.database && x.type === b.type) === i);
    return {
      columns: ['database_name', 'type', { name: 'backup_finish_date', type: 'datetime' }, { name: 'time_zone', type: 'smallint' }],
      // the simulator writes datetime in its own zone; a set taken in another zone (time_zone) carries that zone's wall clock
      rows: rows.map((b) => [b.database, b.type, b.timeZone === undefined ? b.finished : new Date(b.finished.getTime() + (b.timeZone * 15 - sim.utcOffsetMinutes) * 60_000), b.timeZone ?? 127]),
    };
  });
  sim.on('mf.physical_name', (req) => ({
    columns: FILE_COLUMNS,
    rows: dbs.filter((d) => req.params.name === null || req.params.name === d.name).flatMap((d) => fileRows(d.name, d.id)),
  }));
  sim.on('.sys.filegroups', { columns: [int('data_space_id'), 'name', 'type_desc', { name: 'is_default', type: 'bit' }, { name: 'is_read_only', type: 'bit' }], rows: [[1, 'PRIMARY', 'ROWS_FILEGROUP', true, false]] });
}

/**
 * Installs `catalog` (the simulator's documented statement answers) and answers the provider's
 * catalog reads from its state: existence, state/access, other sessions (user sessions, with
 * VIEW SERVER STATE), and the server's default data folders.
 */
export function useCatalog(sim: TdsSimulator, catalog: TdsCatalog): void {
  sim.useCatalog(catalog);
  const db = (req: { params: Record<string, unknown> }) => catalog.databases.get(String(req.params.db));
  sim.on('SELECT COUNT(*) AS n FROM sys.databases WHERE name = @db', (req) => ({ columns: [int('n')], rows: [[db(req) ? 1 : 0]] }));
  sim.on('SELECT d.state_desc, d.user_access_desc', (req) => {
    const d = db(req);
    return { columns: ['state_desc', 'user_access_desc', int('in_ag')], rows: d ? [[d.state, d.access, 0]] : [] };
  });
  sim.on('FROM sys.dm_exec_sessions WHERE database_id = DB_ID(@db)', (req) => ({ columns: [int('n'), int('sees')], rows: [[db(req)?.sessions ?? 0, 1]] }));
  sim.on('InstanceDefaultDataPath', { columns: ['data_path', 'log_path'], rows: [['/var/opt/mssql/data/', '/var/opt/mssql/log/']] });
  sim.on('xp_fileexist', (req) => ({ columns: [int('File Exists'), int('File is a Directory'), int('Parent Directory Exists')], rows: [[catalog.files.has(String(req.params.path)) ? 1 : 0, 0, 1]] }));
  sim.on('FROM msdb.dbo.backupset WHERE database_name = @db ORDER BY backup_set_id DESC', { columns: ['backup_size'], rows: [] });
}
