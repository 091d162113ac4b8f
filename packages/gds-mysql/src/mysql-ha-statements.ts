/**
 * The replication statements of each flavour, built once as {@link Statement} objects (what a
 * dry run shows is what runs), and the mapping of `SHOW REPLICA STATUS` rows to one shape.
 *
 * Where the flavours differ (test/evidence/mysql8-replication.json, mariadb-replication.json):
 * - MariaDB keeps the MASTER/SLAVE column names in both `SHOW SLAVE STATUS` and its 10.5.1+
 *   synonym `SHOW REPLICA STATUS`, configures with `CHANGE MASTER TO ... MASTER_USE_GTID=`, and
 *   has semi-sync built in (10.3.3+): `rpl_semi_sync_master_enabled` / `rpl_semi_sync_slave_enabled`.
 * - MySQL 8.0.22+ renames the statements (`SHOW REPLICA STATUS`, `SHOW REPLICAS`, `STOP/START/RESET
 *   REPLICA`) and the columns (`Source_Host`, `Replica_IO_Running`, `Seconds_Behind_Source`...);
 *   8.0.23+ configures with `CHANGE REPLICATION SOURCE TO ... SOURCE_AUTO_POSITION = 1`; 8.0.26+
 *   names the semi-sync plugins and variables source/replica; `super_read_only` fences SUPER users.
 *
 * `CHANGE MASTER TO` / `CHANGE REPLICATION SOURCE TO` take no placeholders: their string
 * values are literals through {@link quoteString}, the port a checked integer.
 *
 * @module
 */
import { statement, type Statement } from '@gds/database/engine';
import type { ServerInfo } from './mysql-connection.js';
import { quoteString } from './mysql-quote.js';

/** The version facts the statements depend on. */
export type ReplicationServer = Pick<ServerInfo, 'flavor' | 'major' | 'minor' | 'patch'>;

const atLeast = (s: ReplicationServer, major: number, minor: number, patch: number): boolean =>
  s.major !== major ? s.major > major : s.minor !== minor ? s.minor > minor : s.patch >= patch;

/** Whether the server has the REPLICA spellings (MariaDB 10.5.1+, MySQL 8.0.22+). */
export function hasReplicaKeyword(s: ReplicationServer): boolean {
  return s.flavor === 'mariadb' ? atLeast(s, 10, 5, 1) : atLeast(s, 8, 0, 22);
}

/** Whether semi-sync uses the source/replica names (MySQL 8.0.26+); MariaDB keeps master/slave. */
export function semiSyncNames(s: ReplicationServer): { source: string; replica: string; sourcePlugin?: { name: string; soname: string }; replicaPlugin?: { name: string; soname: string } } {
  if (s.flavor === 'mariadb') return { source: 'rpl_semi_sync_master', replica: 'rpl_semi_sync_slave' };
  if (atLeast(s, 8, 0, 26)) {
    return {
      source: 'rpl_semi_sync_source',
      replica: 'rpl_semi_sync_replica',
      sourcePlugin: { name: 'rpl_semi_sync_source', soname: 'semisync_source.so' },
      replicaPlugin: { name: 'rpl_semi_sync_replica', soname: 'semisync_replica.so' },
    };
  }
  return {
    source: 'rpl_semi_sync_master',
    replica: 'rpl_semi_sync_slave',
    sourcePlugin: { name: 'rpl_semi_sync_master', soname: 'semisync_master.so' },
    replicaPlugin: { name: 'rpl_semi_sync_slave', soname: 'semisync_slave.so' },
  };
}

const word = (s: ReplicationServer): 'REPLICA' | 'SLAVE' => (hasReplicaKeyword(s) ? 'REPLICA' : 'SLAVE');

/** `SHOW REPLICA STATUS` (or `SHOW SLAVE STATUS` before the synonym). */
export const showReplicaStatus = (s: ReplicationServer): Statement => statement(`SHOW ${word(s)} STATUS`);

/** The replicas registered with this primary: `SHOW REPLICAS` (MySQL 8.0.22+), `SHOW REPLICA HOSTS` (MariaDB 10.5.1+), else `SHOW SLAVE HOSTS`. */
export const showReplicaHosts = (s: ReplicationServer): Statement =>
  statement(!hasReplicaKeyword(s) ? 'SHOW SLAVE HOSTS' : s.flavor === 'mysql' ? 'SHOW REPLICAS' : 'SHOW REPLICA HOSTS');

/** `STOP REPLICA` (both threads), or one thread. */
export const stopReplica = (s: ReplicationServer, thread?: 'IO_THREAD' | 'SQL_THREAD'): Statement => statement(`STOP ${word(s)}${thread ? ` ${thread}` : ''}`);

/** `START REPLICA` (both threads), or one thread. */
export const startReplica = (s: ReplicationServer, thread?: 'IO_THREAD' | 'SQL_THREAD'): Statement => statement(`START ${word(s)}${thread ? ` ${thread}` : ''}`);

/** `RESET REPLICA ALL`: forgets the source (host, user, password, positions). */
export const resetReplicaAll = (s: ReplicationServer): Statement => statement(`RESET ${word(s)} ALL`);

/** The Binlog Dump threads (replicas, or binlog readers) connected to this server. */
export const DUMP_THREADS: Statement = statement(
  "SELECT ID AS id, USER AS user, HOST AS host, COMMAND AS command, STATE AS state, TIME AS time FROM information_schema.PROCESSLIST WHERE COMMAND LIKE 'Binlog Dump%' ORDER BY ID",
);

/** The semi-sync variables and status counters (both names, whichever the server has). */
export const SEMI_SYNC_VARIABLES: Statement = statement("SHOW GLOBAL VARIABLES LIKE 'rpl_semi_sync%'");
/** The semi-sync status counters. */
export const SEMI_SYNC_STATUS: Statement = statement("SHOW GLOBAL STATUS LIKE 'Rpl_semi_sync%'");

/** One server's identity, GTID positions and read-only state, by flavour (column aliases are the same). */
export function serverState(s: ReplicationServer): Statement {
  if (s.flavor === 'mariadb') {
    return statement(
      'SELECT @@GLOBAL.server_id AS serverId, @@GLOBAL.read_only AS readOnly, NULL AS superReadOnly, @@GLOBAL.log_bin AS logBin, @@GLOBAL.log_slave_updates AS logReplicaUpdates, ' +
        '@@GLOBAL.gtid_binlog_pos AS binlogPos, @@GLOBAL.gtid_slave_pos AS appliedPos, @@GLOBAL.gtid_current_pos AS currentPos, @@GLOBAL.gtid_strict_mode AS gtidStrict',
    );
  }
  const logReplica = atLeast(s, 8, 0, 26) ? 'log_replica_updates' : 'log_slave_updates';
  return statement(
    `SELECT @@GLOBAL.server_id AS serverId, @@GLOBAL.read_only AS readOnly, @@GLOBAL.super_read_only AS superReadOnly, @@GLOBAL.log_bin AS logBin, @@GLOBAL.${logReplica} AS logReplicaUpdates, ` +
      "@@GLOBAL.gtid_executed AS binlogPos, @@GLOBAL.gtid_executed AS appliedPos, @@GLOBAL.gtid_executed AS currentPos, @@GLOBAL.gtid_mode = 'ON' AS gtidStrict",
  );
}

/**
 * Fences a server: MariaDB `read_only` (users with READ_ONLY ADMIN still write), MySQL
 * `super_read_only` (which also sets `read_only`, and stops SUPER users too).
 */
export const fence = (s: ReplicationServer): Statement => statement(s.flavor === 'mariadb' ? 'SET GLOBAL read_only = ON' : 'SET GLOBAL super_read_only = ON');

/** Makes a server writable: `read_only = OFF` (on MySQL this also turns `super_read_only` off). */
export const UNFENCE: Statement = statement('SET GLOBAL read_only = OFF');

/** MySQL: lifts super_read_only and keeps read_only (a fence undone on a server that was read-only before). */
export const SUPER_READ_ONLY_OFF: Statement = statement('SET GLOBAL super_read_only = OFF');

/** Read-only without super_read_only: what a replica gets (MariaDB's and MySQL's usual replica setting). */
export const READ_ONLY_ON: Statement = statement('SET GLOBAL read_only = ON');

/** Waits up to `seconds` for this server to have applied `position`: `MASTER_GTID_WAIT` (0 = reached) / `WAIT_FOR_EXECUTED_GTID_SET` (0 = reached). */
export function waitForPosition(s: ReplicationServer, position: string, seconds: number): Statement {
  return s.flavor === 'mariadb'
    ? statement('SELECT MASTER_GTID_WAIT(?, ?) AS r', [position, seconds])
    : statement('SELECT WAIT_FOR_EXECUTED_GTID_SET(?, ?) AS r', [position, seconds]);
}

/** Where and how a replica connects to its source; unset fields keep what the replica has (the server's rule). */
export interface SourceSpec {
  readonly host: string;
  readonly port: number;
  readonly user?: string;
  readonly password?: string;
  /** MariaDB only: `slave_pos` (the default) or `current_pos` (a former primary whose own binlog holds GTIDs its slave position lacks). */
  readonly mariadbGtid?: 'slave_pos' | 'current_pos';
}

/**
 * Points a replica at a source with GTID auto-positioning: MariaDB `CHANGE MASTER TO ...
 * MASTER_USE_GTID=slave_pos`; MySQL 8.0.23+ `CHANGE REPLICATION SOURCE TO ... SOURCE_AUTO_POSITION = 1`,
 * before that `CHANGE MASTER TO ... MASTER_AUTO_POSITION = 1`. The statement takes no placeholders:
 * strings are quoted literals, the port a checked integer.
 *
 * ### Examples
 * ```ts
 * changeSource({ flavor: 'mariadb', major: 10, minor: 11, patch: 6 }, { host: 'db1', port: 3306 }).text;
 * // "CHANGE MASTER TO MASTER_HOST = 'db1', MASTER_PORT = 3306, MASTER_USE_GTID = slave_pos"
 * ```
 */
export function changeSource(s: ReplicationServer, spec: SourceSpec): Statement {
  if (!Number.isInteger(spec.port) || spec.port < 1 || spec.port > 65535) throw new RangeError(`not a TCP port: ${String(spec.port)}`);
  if (spec.host === '') throw new RangeError('the source host must not be empty');
  const source = s.flavor === 'mysql' && atLeast(s, 8, 0, 23);
  const p = source ? 'SOURCE' : 'MASTER';
  const parts = [`${p}_HOST = ${quoteString(spec.host)}`, `${p}_PORT = ${spec.port}`];
  if (spec.user !== undefined) parts.push(`${p}_USER = ${quoteString(spec.user)}`);
  if (spec.password !== undefined) parts.push(`${p}_PASSWORD = ${quoteString(spec.password)}`);
  parts.push(s.flavor === 'mariadb' ? `MASTER_USE_GTID = ${spec.mariadbGtid ?? 'slave_pos'}` : `${p}_AUTO_POSITION = 1`);
  return statement(`${source ? 'CHANGE REPLICATION SOURCE TO' : 'CHANGE MASTER TO'} ${parts.join(', ')}`);
}

/** `SET GLOBAL <semi-sync variable> = ON|OFF` for the source or replica side. */
export function setSemiSync(s: ReplicationServer, side: 'source' | 'replica', on: boolean): Statement {
  return statement(`SET GLOBAL ${semiSyncNames(s)[side]}_enabled = ${on ? 'ON' : 'OFF'}`);
}

/** MySQL: loads a semi-sync plugin (MariaDB has it built in). */
export function installPlugin(plugin: { name: string; soname: string }): Statement {
  return statement(`INSTALL PLUGIN ${plugin.name} SONAME ${quoteString(plugin.soname)}`);
}

/** Whether a plugin is loaded and active. */
export const pluginActive = (name: string): Statement => statement("SELECT PLUGIN_STATUS AS status FROM information_schema.PLUGINS WHERE PLUGIN_NAME = ?", [name]);

/** A `SHOW REPLICA STATUS` row in one shape, whatever the flavour and version named its columns. */
export interface ReplicaStatus {
  readonly sourceHost: string;
  readonly sourcePort: number;
  readonly sourceUser: string;
  readonly sourceServerId: number | undefined;
  /** `Yes`, `No` or `Connecting`. */
  readonly ioRunning: string;
  /** `Yes` or `No`. */
  readonly sqlRunning: string;
  readonly ioState: string;
  readonly sqlState: string;
  readonly lastIoErrno: number;
  readonly lastIoError: string;
  readonly lastSqlErrno: number;
  readonly lastSqlError: string;
  /** `Seconds_Behind_Master` / `Seconds_Behind_Source`: null while the SQL thread is stopped or the IO thread is not connected. */
  readonly secondsBehind: number | null;
  readonly sourceLogFile: string;
  readonly readPosition: number;
  readonly relaySourceLogFile: string;
  readonly execPosition: number;
  /** MariaDB `Using_Gtid` (`No`, `Slave_Pos`, `Current_Pos`); MySQL `Auto_Position` 1 → `Auto_Position`. */
  readonly gtidMode: string;
  /** GTIDs received from the source: MariaDB `Gtid_IO_Pos`, MySQL `Retrieved_Gtid_Set`. */
  readonly receivedGtids: string;
  /** MySQL `Executed_Gtid_Set`; MariaDB has no such column (its applied position is `@@gtid_slave_pos`). */
  readonly executedGtids: string | undefined;
}

/** The columns: [MariaDB and MySQL before 8.0.22, MySQL 8.0.22+]. Exported for the evidence test. */
export const STATUS_COLUMNS = Object.freeze({
  sourceHost: ['Master_Host', 'Source_Host'],
  sourcePort: ['Master_Port', 'Source_Port'],
  sourceUser: ['Master_User', 'Source_User'],
  sourceServerId: ['Master_Server_Id', 'Source_Server_Id'],
  ioRunning: ['Slave_IO_Running', 'Replica_IO_Running'],
  sqlRunning: ['Slave_SQL_Running', 'Replica_SQL_Running'],
  ioState: ['Slave_IO_State', 'Replica_IO_State'],
  sqlState: ['Slave_SQL_Running_State', 'Replica_SQL_Running_State'],
  secondsBehind: ['Seconds_Behind_Master', 'Seconds_Behind_Source'],
  sourceLogFile: ['Master_Log_File', 'Source_Log_File'],
  readPosition: ['Read_Master_Log_Pos', 'Read_Source_Log_Pos'],
  relaySourceLogFile: ['Relay_Master_Log_File', 'Relay_Source_Log_File'],
  execPosition: ['Exec_Master_Log_Pos', 'Exec_Source_Log_Pos'],
} as const);

const text = (v: unknown): string => (v === null || v === undefined ? '' : String(v));
const int = (v: unknown): number => (v === null || v === undefined || v === '' ? 0 : Number(v));

/**
 * Maps a status row of either naming to {@link ReplicaStatus}.
 *
 * ### Examples
 * ```ts
 * replicaStatusOf({ Source_Host: 'db1', Replica_IO_Running: 'Yes', Seconds_Behind_Source: 0 }).ioRunning; // 'Yes'
 * ```
 */
export function replicaStatusOf(row: Readonly<Record<string, unknown>>): ReplicaStatus {
  const get = (key: keyof typeof STATUS_COLUMNS): unknown => {
    const [old, renamed] = STATUS_COLUMNS[key];
    return old in row ? row[old] : row[renamed];
  };
  const behind = get('secondsBehind');
  const serverId = get('sourceServerId');
  const autoPosition = row['Auto_Position'];
  return {
    sourceHost: text(get('sourceHost')),
    sourcePort: int(get('sourcePort')),
    sourceUser: text(get('sourceUser')),
    sourceServerId: serverId === null || serverId === undefined || serverId === '' ? undefined : Number(serverId),
    ioRunning: text(get('ioRunning')),
    sqlRunning: text(get('sqlRunning')),
    ioState: text(get('ioState')),
    sqlState: text(get('sqlState')),
    lastIoErrno: int(row['Last_IO_Errno']),
    lastIoError: text(row['Last_IO_Error']),
    lastSqlErrno: int(row['Last_SQL_Errno']),
    lastSqlError: text(row['Last_SQL_Error']),
    secondsBehind: behind === null || behind === undefined || behind === '' ? null : Number(behind),
    sourceLogFile: text(get('sourceLogFile')),
    readPosition: int(get('readPosition')),
    relaySourceLogFile: text(get('relaySourceLogFile')),
    execPosition: int(get('execPosition')),
    gtidMode: 'Using_Gtid' in row ? text(row['Using_Gtid']) : int(autoPosition) === 1 ? 'Auto_Position' : 'No',
    receivedGtids: text('Gtid_IO_Pos' in row ? row['Gtid_IO_Pos'] : row['Retrieved_Gtid_Set']).replace(/\s+/g, ''),
    executedGtids: 'Executed_Gtid_Set' in row ? text(row['Executed_Gtid_Set']).replace(/\s+/g, '') : undefined,
  };
}

/** A row of `SHOW SLAVE HOSTS` / `SHOW REPLICAS` in one shape. */
export interface ReplicaHost {
  readonly serverId: number;
  /** `report_host` of the replica ('' when it set none). */
  readonly host: string;
  /** `report_port` (0 when not set). */
  readonly port: number;
  readonly sourceId: number | undefined;
  /** MySQL's `Replica_UUID` / `Slave_UUID`. */
  readonly uuid: string | undefined;
}

/**
 * Maps a replica-hosts row of either naming (`Master_id`/`Source_Id`, `Slave_UUID`/`Replica_UUID`).
 *
 * ### Examples
 * ```ts
 * replicaHostOf({ Server_id: 2, Host: '10.0.0.2', Port: 3306, Master_id: 1 }).serverId; // 2
 * ```
 */
export function replicaHostOf(row: Readonly<Record<string, unknown>>): ReplicaHost {
  const pick = (...keys: string[]): unknown => keys.map((k) => row[k]).find((v) => v !== undefined);
  const source = pick('Master_id', 'Source_Id', 'Source_id');
  const uuid = pick('Replica_UUID', 'Slave_UUID');
  return {
    serverId: Number(pick('Server_id', 'Server_Id')),
    host: text(row['Host']),
    port: int(row['Port']),
    sourceId: source === undefined || source === null ? undefined : Number(source),
    uuid: uuid === undefined || uuid === null ? undefined : String(uuid),
  };
}
