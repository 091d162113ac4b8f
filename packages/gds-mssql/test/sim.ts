// Scripting helpers for the TDS simulator tests: a simulator with the replies every test needs
// (server version, existence, session counts) and fixtures shaped like SQL Server's documented
// catalog columns.
import { TdsSimulator, type TdsColumn, type TdsValue } from '@gds/testkit/tds';
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
  sim.on("cast(SERVERPROPERTY('ProductVersion') as nvarchar(128)) as version", { columns: ['version', 'edition'], rows: [['16.0.4135.4', 'Developer Edition (64-bit)']] });
}

export function connect(sim: TdsSimulator): Promise<DatabaseManager> {
  return DatabaseManager.connect(sim.url('sa', PASSWORD));
}

const int = (name: string): TdsColumn => ({ name, type: 'int' });

/** `SELECT COUNT(*) ... FROM sys.databases WHERE name = @db` answers `exists`. */
export function exists(sim: TdsSimulator, yes: boolean, times?: number): void {
  sim.on('SELECT COUNT(*) AS n FROM sys.databases WHERE name = @db', { columns: [int('n')], rows: [[yes ? 1 : 0]] }, { times });
}

/** The other-sessions count. */
export function sessions(sim: TdsSimulator, n: number): void {
  sim.on('FROM sys.dm_exec_sessions WHERE database_id = DB_ID(@db)', { columns: [int('n')], rows: [[n]] });
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
  { name: 'last_full_backup', type: 'datetime' },
  { name: 'last_diff_backup', type: 'datetime' },
  { name: 'last_log_backup', type: 'datetime' },
  { name: 'availability_group' },
  int('sessions'),
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
    last_full_backup: new Date('2024-06-01T00:00:00.000Z'),
    last_diff_backup: null,
    last_log_backup: null,
    availability_group: null,
    sessions: 0,
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

/** Scripts the metadata queries for the given databases. */
export function databases(sim: TdsSimulator, dbs: Array<{ name: string; id: number; over?: Partial<Record<string, TdsValue>> }>): void {
  sim.on('d.recovery_model_desc', (req) => ({
    columns: DB_COLUMNS,
    rows: dbs.filter((d) => req.params.name === null || req.params.name === d.name).map((d) => dbRow(d.name, d.id, d.over)),
  }));
  sim.on('mf.physical_name', (req) => ({
    columns: FILE_COLUMNS,
    rows: dbs.filter((d) => req.params.name === null || req.params.name === d.name).flatMap((d) => fileRows(d.name, d.id)),
  }));
  sim.on('.sys.filegroups', { columns: [int('data_space_id'), 'name', 'type_desc', { name: 'is_default', type: 'bit' }, { name: 'is_read_only', type: 'bit' }], rows: [[1, 'PRIMARY', 'ROWS_FILEGROUP', true, false]] });
}
