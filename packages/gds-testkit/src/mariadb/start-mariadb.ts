// Starts a throwaway MariaDB primary (and GTID replicas) in a temp directory, with real authentication.
import { randomBytes } from 'node:crypto';
import { chmod, chown, mkdir, mkdtemp, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { track } from '../postgres/exit-cleanup.js';
import { writeClientDefaults } from './client.js';
import { makeNode, type MariadbAccount, type MariadbAccountName, type MariadbNode } from './cluster-node.js';
import { findMariadbBinaries, mariadbMissingReason, type MariadbBinaries } from './find-binaries.js';
import { installTemplate } from './install-template.js';
import { attachReplica, waitForReplicas, waitForSemiSyncClients } from './replication.js';
import { failAndCleanUp, files, ownByServer, runAsServer, startServer, stopCluster, type Context, type Spec } from './server-process.js';
import { exitOnSignals } from '../signal-exit.js';
import { resolveServerUser } from './run-command.js';
import { accountsSql, checkSettings, type MariadbSetting, type NodeConfig } from './server-config.js';

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

const REPLICATION_TIMEOUT_MS = 20_000;
const MAX_REPLICAS = 8;

function replicaCount(option: boolean | number | undefined): number {
  const count = option === true ? 1 : option === false || option === undefined ? 0 : option;
  if (!Number.isInteger(count) || count < 0 || count > MAX_REPLICAS) {
    throw new Error(`replica must be a boolean or an integer from 0 to ${MAX_REPLICAS}, got ${String(option)}`);
  }
  return count;
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
