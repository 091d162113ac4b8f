// Starts a throwaway MariaDB primary (and GTID replicas) in a temp directory, with real authentication.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isAlive, track, untrack, type TrackedCluster } from '../postgres/exit-cleanup.js';
import { freePort } from '../postgres/free-port.js';
import { runSql, sqlString, writeClientDefaults, type MariadbRow } from './client.js';
import { findMariadbBinaries, mariadbMissingReason, type MariadbBinaries } from './find-binaries.js';
import { readGreeting } from './greeting.js';
import { installTemplate } from './install-template.js';
import { exitOnSignals } from '../signal-exit.js';
import { asUser, cleanEnv, resolveServerUser, run, type ServerUser } from './run-command.js';
import { accountsSql, checkSettings, optionFile, type MariadbSetting, type NodeConfig } from './server-config.js';

/**
 * Options of {@link startMariadb}.
 *
 * ### Examples
 * ```ts
 * const options: StartMariadbOptions = { replica: 2, semiSync: true, settings: { 'slave-net-timeout': 5 } };
 * ```
 */
export interface StartMariadbOptions {
  /** Replicas to start (`true` = 1; default none), each replicating from the primary with GTIDs (`slave_pos`). */
  replica?: boolean | number;
  /** Switch semi-synchronous replication on (built into MariaDB 10.3+; default false: asynchronous). */
  semiSync?: boolean;
  /** Extra server options (option-file names and values) for every node; the launcher's own options are refused. */
  settings?: Record<string, MariadbSetting>;
  /** Name of the password-protected test user (default 'gds'). */
  testUser?: string;
}

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

/**
 * A throwaway MariaDB primary, its replicas, and the temp directory holding everything.
 *
 * ### Examples
 * ```ts
 * const db = await startMariadb({ replica: 1 });
 * try {
 *   await db.primary.query('CREATE DATABASE app');
 *   await db.waitForReplicas();
 * } finally {
 *   await db.stop();
 * }
 * ```
 */
export interface MariadbCluster extends AsyncDisposable {
  readonly primary: MariadbNode;
  readonly replicas: readonly MariadbNode[];
  /** The first replica, if any. */
  readonly replica: MariadbNode | undefined;
  readonly accounts: Readonly<Record<MariadbAccountName, MariadbAccount>>;
  readonly binaries: MariadbBinaries;
  /** The version the primary announces, such as '10.11.19-MariaDB-0+deb12u1-log'. */
  readonly version: string;
  /** Whether semi-synchronous replication is on. */
  readonly semiSync: boolean;
  /** The temp directory holding data directories, sockets, option files and logs; removed by stop(). */
  readonly rootDir: string;
  /**
   * Milliseconds: mariadb-install-db (0 when this process had already run it: its result is copied), copying
   * it into each node's data directory, starting all servers (in parallel), replicas attached and caught up.
   */
  readonly timings: { readonly installDb: number; readonly copy: number; readonly start: number; readonly replication: number };
  /** Waits until every replica has applied everything the primary has logged (MASTER_GTID_WAIT). */
  waitForReplicas(timeoutMs?: number): Promise<void>;
  /** Kills the servers (SIGKILL: the data is thrown away) and removes rootDir; safe to call more than once. */
  stop(): Promise<void>;
}

interface Context {
  readonly binaries: MariadbBinaries;
  readonly user: ServerUser;
  readonly rootDir: string;
  readonly tracked: TrackedCluster;
  readonly children: ChildProcess[];
}

interface Spec {
  readonly name: string;
  readonly role: 'primary' | 'replica';
  readonly serverId: number;
  readonly dataDir: string;
}

const READY_TIMEOUT_MS = 30_000;
const REPLICATION_TIMEOUT_MS = 20_000;
const MAX_REPLICAS = 8;

function replicaCount(option: boolean | number | undefined): number {
  const count = option === true ? 1 : option === false || option === undefined ? 0 : option;
  if (!Number.isInteger(count) || count < 0 || count > MAX_REPLICAS) {
    throw new Error(`replica must be a boolean or an integer from 0 to ${MAX_REPLICAS}, got ${String(option)}`);
  }
  return count;
}

function runAsServer(ctx: Context, file: string, args: readonly string[]): Promise<string> {
  const [command, argv] = asUser(ctx.user, file, args);
  return run(command, argv, { cwd: ctx.rootDir, timeoutMs: 120_000 });
}

async function ownByServer(ctx: Context, file: string): Promise<void> {
  if (ctx.user.name !== undefined) await chown(file, ctx.user.uid, ctx.user.gid);
}

async function logTail(file: string, lines = 20): Promise<string> {
  try {
    return (await readFile(file, 'utf8')).trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

function files(rootDir: string, name: string): { cnf: string; log: string; out: string; pid: string; socket: string } {
  const at = (suffix: string): string => path.join(rootDir, `${name}${suffix}`);
  return { cnf: at('.cnf'), log: at('.err'), out: at('.out'), pid: at('.pid'), socket: at('.sock') };
}

/** Spawns mariadbd on a fresh port and waits for its handshake; retries with another port if the first was taken. */
async function startServer(ctx: Context, spec: Spec, config: Omit<NodeConfig, 'port'>): Promise<{ port: number; pid: number; version: string }> {
  const f = files(ctx.rootDir, spec.name);
  for (let attempt = 1; ; attempt += 1) {
    const port = await freePort();
    await writeFile(f.cnf, optionFile({ ...config, port }), { mode: 0o640 });
    await ownByServer(ctx, f.cnf);
    const out = openSync(f.out, 'a');
    let child: ChildProcess;
    try {
      // As root the server switches to `user=` of its option file itself, so the pid we get is mariadbd's.
      child = spawn(ctx.binaries.mariadbd, [`--defaults-file=${f.cnf}`], { cwd: ctx.rootDir, env: cleanEnv(), detached: true, stdio: ['ignore', out, out] });
    } finally {
      closeSync(out);
    }
    child.unref();
    child.once('error', () => undefined);
    const pid = child.pid;
    if (pid === undefined) throw new Error(`could not spawn ${ctx.binaries.mariadbd}`);
    ctx.children.push(child);
    ctx.tracked.nodes.unshift({ dataDir: spec.dataDir, pid });
    const version = await waitReady(child, port);
    if (version !== undefined) return { port, pid, version };
    const tail = `${await logTail(f.log, 10)}\n${await logTail(f.out, 10)}`;
    if (attempt >= 3 || !/Address already in use|Bind on TCP\/IP port/i.test(tail)) {
      throw new Error(`${spec.name}: mariadbd ${child.exitCode === null ? 'did not answer' : `exited with ${child.exitCode}`} (port ${port})`);
    }
    // The port was taken between freePort() and the bind: that server has exited; forget its pid and retry.
    const stale = ctx.tracked.nodes.findIndex((node) => node.pid === pid);
    if (stale >= 0 && !isAlive(pid)) ctx.tracked.nodes.splice(stale, 1);
  }
}

/** Resolves with the announced version once the server answers on `port`, or undefined if it exits first. */
async function waitReady(child: ChildProcess, port: number): Promise<string | undefined> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) return undefined;
    const greeting = await readGreeting(port, 1000);
    if (greeting !== undefined && 'version' in greeting) return greeting.version;
    if (greeting !== undefined) throw new Error(`port ${port} answered with an error: ${greeting.error}`);
    await sleep(15);
  }
  child.kill('SIGKILL');
  return undefined;
}

function makeNode(ctx: Context, spec: Spec, started: { port: number; pid: number }, accounts: Record<MariadbAccountName, MariadbAccount>): MariadbNode {
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

/** Points a replica at the primary with GTID auto-positioning (slave_pos) and starts both threads. */
async function attachReplica(replica: MariadbNode, primary: MariadbNode, repl: MariadbAccount): Promise<void> {
  await replica.query(
    [
      `CHANGE MASTER TO MASTER_HOST=${sqlString(primary.host)}, MASTER_PORT=${primary.port},`,
      `  MASTER_USER=${sqlString(repl.user)}, MASTER_PASSWORD=${sqlString(repl.password)},`,
      '  MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1;',
      'START SLAVE;',
    ].join('\n'),
  );
}

/** Waits until every replica runs both threads and has applied the primary's whole binary log. */
async function waitForReplicas(primary: MariadbNode, replicas: readonly MariadbNode[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const [position] = await primary.query('SELECT @@GLOBAL.gtid_binlog_pos AS pos');
  const pos = position?.['pos'] ?? '';
  for (const replica of replicas) {
    for (;;) {
      const [status] = await replica.query('SHOW SLAVE STATUS');
      const running = status?.['Slave_IO_Running'] === 'Yes' && status['Slave_SQL_Running'] === 'Yes';
      if (running) {
        const seconds = Math.max(0.001, (deadline - Date.now()) / 1000);
        const [waited] = await replica.query(`SELECT MASTER_GTID_WAIT(${sqlString(pos)}, ${seconds.toFixed(3)}) AS r`);
        if (waited?.['r'] === '0') break;
      }
      if (Date.now() >= deadline) {
        const why = status ? `IO ${status['Slave_IO_Running']}, SQL ${status['Slave_SQL_Running']}, ${status['Last_IO_Error'] || status['Last_SQL_Error'] || 'no error'}` : 'no replication configured';
        throw new Error(`${replica.name} did not catch up with ${pos || 'the primary'} within ${timeoutMs} ms (${why})`);
      }
      await sleep(20);
    }
  }
}

async function waitForSemiSyncClients(primary: MariadbNode, count: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [row] = await primary.query("SHOW GLOBAL STATUS LIKE 'Rpl_semi_sync_master_clients'");
    if (Number(row?.['Value']) >= count) return;
    if (Date.now() >= deadline) throw new Error(`semi-sync: ${row?.['Value'] ?? 0} of ${count} replicas connected as semi-sync clients`);
    await sleep(20);
  }
}

async function stopCluster(ctx: Context): Promise<void> {
  const pids = ctx.tracked.nodes.map((node) => node.pid).filter((pid): pid is number => pid !== undefined && isAlive(pid));
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  for (let i = 0; i < 250 && pids.some((pid) => isAlive(pid)); i += 1) await sleep(20);
  await rm(ctx.rootDir, { recursive: true, force: true, maxRetries: 3 });
  untrack(ctx.tracked);
}

/** Reads the log tails (before they are deleted), cleans up, and builds the error to rethrow. */
async function failAndCleanUp(ctx: Context, error: unknown, names: readonly string[]): Promise<Error> {
  const tails: string[] = [];
  for (const name of names) {
    const f = files(ctx.rootDir, name);
    for (const file of [f.log, f.out]) {
      const tail = await logTail(file);
      if (tail) tails.push(`--- last lines of ${path.basename(file)} ---\n${tail}`);
    }
  }
  const cleanup = await stopCluster(ctx).then(
    () => 'removed',
    (cleanupError: unknown) => `cleanup failed: ${String(cleanupError)}`,
  );
  const reason = error instanceof Error ? error.message : String(error);
  return new Error([`startMariadb failed (${ctx.rootDir} ${cleanup}): ${reason}`, ...tails].join('\n'), { cause: error });
}

function password(): string {
  return randomBytes(16).toString('hex');
}

/**
 * Starts a throwaway MariaDB primary (and optionally GTID replicas, semi-synchronous if asked) on free
 * loopback ports. `mariadb-install-db` runs once per process; every node starts from a copy of its result.
 * Authentication is real: root has no password from 127.0.0.1 only, the test and replication users have
 * random passwords. As root, the servers run as the `mysql` OS user. stop() kills everything and removes
 * the temp directory; clusters not stopped are killed and removed at process exit, including an exit by
 * SIGTERM, SIGINT or SIGHUP (turned into a normal exit when nobody else listens to them).
 *
 * ### Examples
 * ```ts
 * await using db = await startMariadb({ replica: true });
 * await db.primary.query('CREATE DATABASE app; CREATE TABLE app.t (id INT PRIMARY KEY)');
 * console.log(db.primary.url(), db.replica?.url('', 'test'));
 * ```
 */
export async function startMariadb(options: StartMariadbOptions = {}): Promise<MariadbCluster> {
  const binaries = findMariadbBinaries();
  if (!binaries) throw new Error(mariadbMissingReason());
  const replicas = replicaCount(options.replica);
  const settings = options.settings ?? {};
  checkSettings(settings);
  const testUser = options.testUser ?? 'gds';
  if (testUser === '' || testUser === 'root' || testUser.length > 80 || /\0/.test(testUser)) {
    throw new Error(`invalid test user name: ${JSON.stringify(testUser)}`);
  }
  const user = resolveServerUser();
  exitOnSignals();
  const rootDir = await mkdtemp(path.join(os.tmpdir(), 'gds-mariadb-'));
  const ctx: Context = { binaries, user, rootDir, tracked: { rootDir, nodes: [] }, children: [] };
  track(ctx.tracked);
  const accounts: Record<MariadbAccountName, MariadbAccount> = {
    root: { user: 'root', password: '' },
    test: { user: testUser, password: password() },
    replication: { user: 'gds_repl', password: password() },
  };
  const specs: Spec[] = [{ name: 'primary', role: 'primary', serverId: 1, dataDir: path.join(rootDir, 'primary') }];
  for (let i = 1; i <= replicas; i += 1) {
    specs.push({ name: `replica${i}`, role: 'replica', serverId: i + 1, dataDir: path.join(rootDir, `replica${i}`) });
  }
  const semiSync = options.semiSync === true && replicas > 0;
  const configOf = (spec: Spec): Omit<NodeConfig, 'port'> => {
    const f = files(rootDir, spec.name);
    const tmpDir = path.join(rootDir, 'tmp');
    return { dataDir: spec.dataDir, socket: f.socket, serverId: spec.serverId, logFile: f.log, pidFile: f.pid, tmpDir, osUser: user.name, role: spec.role, semiSync, initFile, settings };
  };
  const timings = { installDb: 0, copy: 0, start: 0, replication: 0 };
  const initFile = path.join(rootDir, 'accounts.sql');
  try {
    await chmod(rootDir, 0o700);
    await mkdir(path.join(rootDir, 'tmp'), { mode: 0o700 });
    if (user.name !== undefined) {
      await chown(rootDir, user.uid, user.gid);
      await chown(path.join(rootDir, 'tmp'), user.uid, user.gid);
    }
    for (const name of Object.keys(accounts) as MariadbAccountName[]) {
      await writeClientDefaults(path.join(rootDir, `client-${name}.cnf`), accounts[name].user, accounts[name].password);
    }

    await writeFile(initFile, accountsSql({ test: accounts.test, replication: accounts.replication }), { mode: 0o600 });
    await ownByServer(ctx, initFile);

    const template = await installTemplate(binaries, user);
    timings.installDb = template.reused ? 0 : template.installMs;
    let started = Date.now();
    await Promise.all(specs.map((spec) => runAsServer(ctx, 'cp', ['-a', template.dataDir, spec.dataDir])));
    timings.copy = Date.now() - started;

    started = Date.now();
    const running = await Promise.all(specs.map((spec) => startServer(ctx, spec, configOf(spec))));
    await unlink(initFile); // the accounts exist now; their passwords stay only in the client option files
    const nodes = specs.map((spec, i) => makeNode(ctx, spec, running[i]!, accounts));
    timings.start = Date.now() - started;
    const primary = nodes[0]!;
    const replicaNodes = nodes.slice(1);

    started = Date.now();
    if (options.semiSync === true) {
      const [row] = await primary.query("SHOW GLOBAL VARIABLES LIKE 'rpl_semi_sync_master_enabled'");
      if (row === undefined) throw new Error(`semi-synchronous replication is not built into MariaDB ${binaries.version}`);
    }
    await Promise.all(replicaNodes.map((replica) => attachReplica(replica, primary, accounts.replication)));
    await waitForReplicas(primary, replicaNodes, REPLICATION_TIMEOUT_MS);
    if (semiSync) await waitForSemiSyncClients(primary, replicaNodes.length, REPLICATION_TIMEOUT_MS);
    timings.replication = Date.now() - started;

    let stopping: Promise<void> | undefined;
    const stop = (): Promise<void> => (stopping ??= stopCluster(ctx));
    return {
      primary,
      replicas: replicaNodes,
      replica: replicaNodes[0],
      accounts,
      binaries,
      version: running[0]!.version,
      semiSync,
      rootDir,
      timings,
      waitForReplicas: (timeoutMs = REPLICATION_TIMEOUT_MS) => waitForReplicas(primary, replicaNodes, timeoutMs),
      stop,
      [Symbol.asyncDispose]: stop,
    };
  } catch (error) {
    throw await failAndCleanUp(ctx, error, specs.map((spec) => spec.name));
  }
}
