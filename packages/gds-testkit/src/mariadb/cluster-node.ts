// One running server of a throwaway MariaDB cluster: its public shape and the handle startMariadb returns for it.
import path from 'node:path';
import { isAlive } from '../postgres/exit-cleanup.js';
import { runSql, type MariadbRow } from './client.js';
import { files, type Context, type Spec } from './server-process.js';

/** The accounts every node has: `root` (no password, from 127.0.0.1), `test` and `replication` (random passwords). */
export type MariadbAccountName = 'root' | 'test' | 'replication';

/**
 * A user name and password of the throwaway servers (`root` has the empty password).
 *
 * ### Examples
 * ```ts
 * const { user, password }: MariadbAccount = cluster.accounts.test; // 'gds', 32 hex digits
 * ```
 */
export interface MariadbAccount {
  readonly user: string;
  readonly password: string;
}

/**
 * Options of {@link MariadbNode.query}.
 *
 * ### Examples
 * ```ts
 * await node.query('SELECT CURRENT_USER() AS me', { account: 'test', database: 'app' });
 * ```
 */
export interface MariadbQueryOptions {
  /** Who connects (default 'root'). */
  account?: MariadbAccountName;
  /** The default database of the session. */
  database?: string;
  /** Milliseconds before the client is killed (default 30000). */
  timeoutMs?: number;
}

/**
 * One running server of a throwaway MariaDB cluster.
 *
 * ### Examples
 * ```ts
 * await using db = await startMariadb({ replica: true });
 * db.primary.url(); // 'mariadb://root@127.0.0.1:40121/'
 * const rows = await db.replica!.query('SHOW SLAVE STATUS');
 * ```
 */
export interface MariadbNode {
  /** 'primary', 'replica1', 'replica2', ... */
  readonly name: string;
  readonly role: 'primary' | 'replica';
  readonly host: '127.0.0.1';
  readonly port: number;
  /** The unix socket (root@localhost authenticates there by the OS user: unix_socket). */
  readonly socket: string;
  readonly serverId: number;
  readonly dataDir: string;
  /** The server's error log. */
  readonly logFile: string;
  /** The option file the server was started with (`--defaults-file`). */
  readonly optionFile: string;
  /** The mariadbd process id. */
  readonly pid: number;
  /** A connection URL: `mariadb://root@127.0.0.1:<port>/<database>`, or with the account's password. */
  url(database?: string, account?: MariadbAccountName): string;
  /** An option file holding the account's user and password, for `mariadb`/`mariadb-dump --defaults-file=`. */
  defaultsFile(account?: MariadbAccountName): string;
  /** Runs statements through the `mariadb` client; resolves with the rows of the last result set. */
  query(sql: string, options?: MariadbQueryOptions): Promise<MariadbRow[]>;
  /** Like {@link MariadbNode.query}, with the rows of every result set. */
  queryAll(sql: string, options?: MariadbQueryOptions): Promise<MariadbRow[][]>;
  /** Whether the server process still runs. */
  isRunning(): boolean;
}

/** The handle of a started server: its paths, URLs, client option files and queries through the `mariadb` client. */
export function makeNode(ctx: Context, spec: Spec, started: { port: number; pid: number }, accounts: Record<MariadbAccountName, MariadbAccount>): MariadbNode {
  const f = files(ctx.rootDir, spec.name);
  const defaultsFile = (account: MariadbAccountName = 'root'): string => path.join(ctx.rootDir, `client-${account}.cnf`);
  const queryAll = (sql: string, options: MariadbQueryOptions = {}): Promise<MariadbRow[][]> =>
    runSql({ client: ctx.binaries.client, port: started.port, defaultsFile: defaultsFile(options.account), cwd: ctx.rootDir }, sql, options);
  return {
    name: spec.name,
    role: spec.role,
    host: '127.0.0.1',
    port: started.port,
    socket: f.socket,
    serverId: spec.serverId,
    dataDir: spec.dataDir,
    logFile: f.log,
    optionFile: f.cnf,
    pid: started.pid,
    url: (database = '', account = 'root') => {
      const { user, password } = accounts[account];
      const auth = password === '' ? encodeURIComponent(user) : `${encodeURIComponent(user)}:${encodeURIComponent(password)}`;
      return `mariadb://${auth}@127.0.0.1:${started.port}/${encodeURIComponent(database)}`;
    },
    defaultsFile,
    queryAll,
    query: async (sql, options) => (await queryAll(sql, options)).at(-1) ?? [],
    isRunning: () => isAlive(started.pid),
  };
}
