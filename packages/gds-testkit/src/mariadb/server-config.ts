// The option file of one throwaway MariaDB server, and the bootstrap SQL that creates the test accounts.
import { sqlString } from './client.js';

/** A setting value as written to the option file; booleans become ON/OFF. */
export type MariadbSetting = string | number | boolean;

/** What one server's option file says. */
export interface NodeConfig {
  readonly dataDir: string;
  readonly socket: string;
  readonly port: number;
  readonly serverId: number;
  readonly logFile: string;
  readonly pidFile: string;
  readonly tmpDir: string;
  /** The OS user mariadbd switches to (we are root), or undefined. */
  readonly osUser: string | undefined;
  readonly role: 'primary' | 'replica';
  readonly semiSync: boolean;
  /** SQL run at start (`init-file`): the cluster's own accounts. */
  readonly initFile: string | undefined;
  readonly settings: Readonly<Record<string, MariadbSetting>>;
}

const SETTING_NAME = /^[A-Za-z][A-Za-z0-9_-]*$/;
/** Options the launcher owns: changing them would break start, cleanup or replication. */
const MANAGED = new Set(
  ['user', 'datadir', 'socket', 'port', 'bind_address', 'pid_file', 'log_error', 'tmpdir', 'server_id', 'log_bin', 'skip_grant_tables', 'skip_networking', 'report_host', 'report_port', 'relay_log', 'init_file'],
);

function normalName(name: string): string {
  return name.replace(/-/g, '_').toLowerCase();
}

/** Refuses setting names that are not option names, that the launcher manages, or values with line breaks. */
export function checkSettings(settings: Readonly<Record<string, MariadbSetting>>): void {
  for (const [name, value] of Object.entries(settings)) {
    if (!SETTING_NAME.test(name)) throw new Error(`invalid MariaDB option name: ${JSON.stringify(name)}`);
    if (MANAGED.has(normalName(name)) || normalName(name).startsWith('skip_grant')) {
      throw new Error(`MariaDB option ${JSON.stringify(name)} is managed by startMariadb and cannot be set`);
    }
    if (typeof value === 'string' && /[\n\r\0]/.test(value)) throw new Error(`MariaDB option ${name}: values cannot hold line breaks or NUL`);
  }
}

function optionLine(name: string, value: MariadbSetting): string {
  const text = typeof value === 'boolean' ? (value ? 'ON' : 'OFF') : String(value);
  return `${name}="${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/**
 * The `[mariadbd]` option file: loopback only, no name resolution, binary log with GTIDs on every node (so
 * any node can be promoted), durability traded for speed (fsyncs off, fast shutdown) since the data is
 * thrown away, and semi-sync switched on for the role when asked.
 */
export function optionFile(config: NodeConfig): string {
  const settings: Record<string, MariadbSetting> = {
    datadir: config.dataDir,
    socket: config.socket,
    port: config.port,
    'bind-address': '127.0.0.1',
    'skip-name-resolve': 'ON',
    'pid-file': config.pidFile,
    'log-error': config.logFile,
    tmpdir: config.tmpDir,
    'server-id': config.serverId,
    'log-bin': 'binlog',
    'relay-log': 'relay',
    'log-slave-updates': 'ON',
    'binlog-format': 'ROW',
    'gtid-strict-mode': 'ON',
    'report-host': '127.0.0.1',
    'report-port': config.port,
    'max-connections': 200,
    'performance-schema': 'OFF',
    'innodb-buffer-pool-size': '32M',
    'innodb-log-file-size': '8M',
    'innodb-flush-log-at-trx-commit': 2,
    'innodb-doublewrite': 'OFF',
    'innodb-fast-shutdown': 3,
    'innodb-buffer-pool-dump-at-shutdown': 'OFF',
    'innodb-buffer-pool-load-at-startup': 'OFF',
    'sync-binlog': 0,
    'character-set-server': 'utf8mb4',
    'collation-server': 'utf8mb4_general_ci',
  };
  if (config.osUser !== undefined) settings['user'] = config.osUser;
  if (config.initFile !== undefined) settings['init-file'] = config.initFile;
  if (config.role === 'replica') settings['read-only'] = 'ON';
  if (config.semiSync) settings[config.role === 'primary' ? 'rpl-semi-sync-master-enabled' : 'rpl-semi-sync-slave-enabled'] = 'ON';
  const lines = Object.entries({ ...settings, ...config.settings }).map(([name, value]) => optionLine(name, value));
  return `# written by @gds/testkit startMariadb\n[mariadbd]\n${lines.join('\n')}\n`;
}

/** The password-protected accounts of one cluster (every node creates the same ones from its init file). */
export interface ClusterAccounts {
  readonly test: { readonly user: string; readonly password: string };
  readonly replication: { readonly user: string; readonly password: string };
}

function account(user: string): string {
  return `${sqlString(user)}@${sqlString('127.0.0.1')}`;
}

/**
 * SQL run by mariadb-install-db after the system tables (`--extra-file`), once per process: root without a
 * password from 127.0.0.1 (root@localhost keeps unix-socket authentication). No secrets: the install is a
 * template that every cluster copies.
 */
export function installSql(): string {
  return [
    // The bootstrap runs with grant tables off; loading them makes CREATE USER and GRANT work.
    'FLUSH PRIVILEGES;',
    `CREATE USER ${account('root')};`,
    `GRANT ALL PRIVILEGES ON *.* TO ${account('root')} WITH GRANT OPTION;`,
    '',
  ].join('\n');
}

/**
 * The init file of every node of one cluster, kept out of the binary log so that each node creates the same
 * accounts itself: a password-protected test user with all privileges and a replication user that may
 * only replicate. One statement per line, as the init file wants.
 */
export function accountsSql(accounts: ClusterAccounts): string {
  const test = accounts.test;
  const repl = accounts.replication;
  return [
    'SET SESSION sql_log_bin = 0;',
    // The literals below escape backslashes, whatever sql_mode the settings chose (NO_BACKSLASH_ESCAPES).
    "SET SESSION sql_mode = '';",
    `CREATE USER ${account(test.user)} IDENTIFIED BY ${sqlString(test.password)};`,
    `GRANT ALL PRIVILEGES ON *.* TO ${account(test.user)} WITH GRANT OPTION;`,
    `CREATE USER ${account(repl.user)} IDENTIFIED BY ${sqlString(repl.password)};`,
    `GRANT REPLICATION SLAVE ON *.* TO ${account(repl.user)};`,
    '',
  ].join('\n');
}
