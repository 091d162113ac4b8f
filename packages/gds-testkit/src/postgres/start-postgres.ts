// Starts a throwaway PostgreSQL primary (and optionally a streaming standby) in a temp directory.
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { appendFile, chown, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isAlive, readPostmasterPid, track, untrack, type TrackedCluster } from './exit-cleanup.js';
import { findPostgresBinaries, postgresMissingReason, type PostgresBinaries } from './find-binaries.js';
import { freePort } from './free-port.js';
import { asUser, cleanEnv, resolveServerUser, run, type ServerUser } from './run-command.js';
import { exitOnSignals } from '../signal-exit.js';

/**
 * Options of {@link startPostgres}.
 *
 * ### Examples
 * ```ts
 * const options: StartPostgresOptions = { standby: true, settings: { log_statement: 'all' } };
 * ```
 */
export interface StartPostgresOptions {
  /** Also start a streaming-replication standby of the primary (default false). */
  standby?: boolean;
  /**
   * How many streaming standbys to start (default 1 with `standby: true`, else 0). Each is made
   * by `pg_basebackup -R` and keeps PostgreSQL's default `application_name` (`walreceiver`).
   */
  standbys?: number;
  /** Name of the bootstrap superuser (default 'postgres'). */
  superuser?: string;
  /** Extra server settings (postgresql.conf names and values), applied to both servers. */
  settings?: Record<string, string>;
}

/**
 * One running PostgreSQL server of a throwaway cluster.
 *
 * ### Examples
 * ```ts
 * await using pg = await startPostgres();
 * const url = pg.primary.url('postgres'); // postgres://postgres@127.0.0.1:54021/postgres
 * ```
 */
export interface PostgresNode {
  readonly host: '127.0.0.1';
  readonly port: number;
  /** The superuser; authentication is `trust`, so no password is needed. */
  readonly user: string;
  readonly dataDir: string;
  readonly logFile: string;
  /** A connection URL for `database` (default 'postgres'). */
  url(database?: string): string;
  /** The postmaster pid (first line of postmaster.pid), or undefined once it has stopped. */
  pid(): Promise<number | undefined>;
}

/**
 * A throwaway cluster: a primary, maybe a standby, and the temp directory holding both.
 *
 * ### Examples
 * ```ts
 * const pg = await startPostgres({ standby: true });
 * try { console.log(pg.primary.url(), pg.standby?.url()); } finally { await pg.stop(); }
 * ```
 */
export interface PostgresCluster extends AsyncDisposable {
  readonly primary: PostgresNode;
  /** The first standby (`standbys[0]`), when there is one. */
  readonly standby?: PostgresNode;
  /** Every standby, in start order. */
  readonly standbys: readonly PostgresNode[];
  readonly binaries: PostgresBinaries;
  /** The temp directory holding data directories, sockets and logs; removed by stop(). */
  readonly rootDir: string;
  /** Milliseconds spent in each start phase (standby: all standbys together, 0 without one). */
  readonly timings: { readonly initdb: number; readonly primaryStart: number; readonly standby: number };
  /** Stops the servers (immediate mode) and removes rootDir; safe to call more than once. */
  stop(): Promise<void>;
}

interface Context {
  readonly binaries: PostgresBinaries;
  readonly user: ServerUser;
  readonly superuser: string;
  readonly rootDir: string;
  readonly tracked: TrackedCluster;
}

const SETTING_NAME = /^[A-Za-z_][A-Za-z0-9_.]*$/;
const STREAMING_TIMEOUT_MS = 15_000;

function quoteSetting(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

/** The settings block appended to postgresql.conf (no shell is involved, so any value is safe). */
function settingsBlock(sockDir: string, extra: Record<string, string>): string {
  const settings: Record<string, string> = {
    listen_addresses: '127.0.0.1',
    unix_socket_directories: sockDir,
    fsync: 'off',
    max_wal_senders: '10',
    wal_level: 'replica',
    max_connections: '100',
    ...extra,
  };
  const lines = Object.entries(settings).map(([name, value]) => `${name} = ${quoteSetting(value)}`);
  return `\n# added by @gds/testkit startPostgres\n${lines.join('\n')}\n`;
}

function runAsServer(ctx: Context, file: string, args: readonly string[]): Promise<string> {
  const [command, argv] = asUser(ctx.user, file, args);
  return run(command, argv, { cwd: ctx.rootDir });
}

async function logTail(file: string, lines = 20): Promise<string> {
  try {
    return (await readFile(file, 'utf8')).trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** Starts the server in `dataDir` on a fresh port, retrying with another port if the first was taken. */
async function startServer(ctx: Context, dataDir: string, logFile: string): Promise<number> {
  for (let attempt = 1; ; attempt += 1) {
    const port = await freePort();
    try {
      await runAsServer(ctx, ctx.binaries.pgCtl, ['-D', dataDir, '-l', logFile, '-w', '-t', '30', '-o', `-p ${port}`, 'start']);
      return port;
    } catch (error) {
      if (attempt >= 3 || !/could not bind|already in use/i.test(await logTail(logFile, 5))) throw error;
    }
  }
}

function makeNode(superuser: string, port: number, dataDir: string, logFile: string): PostgresNode {
  return {
    host: '127.0.0.1',
    port,
    user: superuser,
    dataDir,
    logFile,
    url: (database = 'postgres') =>
      `postgres://${encodeURIComponent(superuser)}@127.0.0.1:${port}/${encodeURIComponent(database)}`,
    pid: () => readPostmasterPid(dataDir),
  };
}

function psqlPath(binaries: PostgresBinaries): string | undefined {
  for (const file of [binaries.psql, '/usr/bin/psql']) {
    if (file === undefined) continue;
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // try the next one
    }
  }
  return undefined;
}

function psqlValue(psql: string, node: PostgresNode, sql: string): Promise<string> {
  const args = ['-X', '-w', '-h', node.host, '-p', String(node.port), '-U', node.user, '-d', 'postgres', '-Atc', sql];
  return new Promise((resolve) => {
    execFile(psql, args, { env: cleanEnv(), encoding: 'utf8', timeout: 5000 }, (error, stdout) => resolve(error ? '' : stdout.trim()));
  });
}

/** Waits until the primary reports `count` streaming standbys (or, without psql, the standby log says so). */
async function waitForStreaming(ctx: Context, primary: PostgresNode, standby: PostgresNode, count: number): Promise<void> {
  const psql = psqlPath(ctx.binaries);
  const deadline = Date.now() + STREAMING_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const streaming = psql
      ? Number(await psqlValue(psql, primary, "select count(*) from pg_stat_replication where state = 'streaming'")) >= count
      : /started streaming WAL/.test(await logTail(standby.logFile, 200));
    if (streaming) return;
    await sleep(50);
  }
  throw new Error(`standby on port ${standby.port} did not start streaming within ${STREAMING_TIMEOUT_MS} ms`);
}

async function stopCluster(ctx: Context): Promise<void> {
  for (const node of ctx.tracked.nodes) {
    const current = await readPostmasterPid(node.dataDir);
    const pid = current ?? node.pid;
    if (current !== undefined) {
      await runAsServer(ctx, ctx.binaries.pgCtl, ['stop', '-D', node.dataDir, '-m', 'immediate', '-w', '-t', '30']).catch(() => undefined);
    }
    if (pid !== undefined && isAlive(pid)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
      for (let i = 0; i < 100 && isAlive(pid); i += 1) await sleep(20);
    }
  }
  await rm(ctx.rootDir, { recursive: true, force: true, maxRetries: 3 });
  untrack(ctx.tracked);
}

/** Reads the log tails (before they are deleted), cleans up, and builds the error to rethrow. */
async function failAndCleanUp(ctx: Context, error: unknown, logFiles: readonly string[]): Promise<Error> {
  const tails: string[] = [];
  for (const file of logFiles) {
    const tail = await logTail(file);
    if (tail) tails.push(`--- last lines of ${path.basename(file)} ---\n${tail}`);
  }
  const cleanup = await stopCluster(ctx).then(
    () => 'removed',
    (cleanupError: unknown) => `cleanup failed: ${String(cleanupError)}`,
  );
  const reason = error instanceof Error ? error.message : String(error);
  return new Error([`startPostgres failed (${ctx.rootDir} ${cleanup}): ${reason}`, ...tails].join('\n'), { cause: error });
}

/**
 * Starts a throwaway PostgreSQL primary (and optionally a streaming standby) on free loopback ports, in a
 * fresh temp directory that stop() removes; clusters not stopped are killed and removed at process exit,
 * including an exit by SIGTERM, SIGINT or SIGHUP (turned into a normal exit, status 128 + n, when nobody
 * else listens to them; a CI timeout or a closed terminal would otherwise leave the servers running).
 *
 * ### Examples
 * ```ts
 * await using pg = await startPostgres({ standby: true });
 * console.log(pg.primary.url('postgres'), pg.standby?.port);
 * ```
 */
export async function startPostgres(options: StartPostgresOptions = {}): Promise<PostgresCluster> {
  const binaries = findPostgresBinaries();
  if (!binaries) throw new Error(postgresMissingReason());
  const superuser = options.superuser ?? 'postgres';
  for (const name of Object.keys(options.settings ?? {})) {
    if (!SETTING_NAME.test(name)) throw new Error(`invalid PostgreSQL setting name: ${JSON.stringify(name)}`);
  }
  const user = resolveServerUser();
  exitOnSignals();
  const rootDir = await mkdtemp(path.join(os.tmpdir(), 'gds-pg-'));
  const ctx: Context = { binaries, user, superuser, rootDir, tracked: { rootDir, nodes: [] } };
  track(ctx.tracked);
  const standbyCount = options.standbys ?? (options.standby ? 1 : 0);
  if (!Number.isInteger(standbyCount) || standbyCount < 0 || standbyCount > 8) throw new Error(`standbys must be an integer from 0 to 8, not ${String(options.standbys)}`);
  const primaryDir = path.join(rootDir, 'primary');
  // the first standby keeps the folder and log names it always had
  const suffix = (i: number) => (i === 0 ? '' : String(i + 1));
  const logs = {
    primary: path.join(rootDir, 'primary.log'),
    standbys: Array.from({ length: standbyCount }, (_, i) => path.join(rootDir, `standby${suffix(i)}.log`)),
  };
  const timings = { initdb: 0, primaryStart: 0, standby: 0 };
  try {
    const sockDir = path.join(rootDir, 'sock');
    await mkdir(sockDir, { mode: 0o700 });
    if (user.name !== undefined) {
      await chown(rootDir, user.uid, user.gid);
      await chown(sockDir, user.uid, user.gid);
    }
    let started = Date.now();
    await runAsServer(ctx, binaries.initdb, ['-D', primaryDir, '-U', superuser, '-A', 'trust', '-E', 'UTF8', '--locale=C.UTF-8', '-N']);
    await appendFile(path.join(primaryDir, 'postgresql.conf'), settingsBlock(sockDir, options.settings ?? {}));
    timings.initdb = Date.now() - started;

    started = Date.now();
    ctx.tracked.nodes.unshift({ dataDir: primaryDir, pid: undefined });
    const primary = makeNode(superuser, await startServer(ctx, primaryDir, logs.primary), primaryDir, logs.primary);
    ctx.tracked.nodes[0]!.pid = await primary.pid();
    timings.primaryStart = Date.now() - started;

    const standbys: PostgresNode[] = [];
    started = Date.now();
    for (let i = 0; i < standbyCount; i++) {
      const standbyDir = path.join(rootDir, `standby${suffix(i)}`);
      const backupArgs = ['-h', '127.0.0.1', '-p', String(primary.port), '-U', superuser, '-D', standbyDir];
      await runAsServer(ctx, binaries.pgBasebackup, [...backupArgs, '-R', '-X', 'stream', '-c', 'fast', '-N']);
      ctx.tracked.nodes.unshift({ dataDir: standbyDir, pid: undefined });
      const standby = makeNode(superuser, await startServer(ctx, standbyDir, logs.standbys[i]!), standbyDir, logs.standbys[i]!);
      ctx.tracked.nodes[0]!.pid = await standby.pid();
      await waitForStreaming(ctx, primary, standby, i + 1);
      standbys.push(standby);
    }
    timings.standby = standbyCount ? Date.now() - started : 0;
    let stopping: Promise<void> | undefined;
    const stop = (): Promise<void> => (stopping ??= stopCluster(ctx));
    return { primary, standby: standbys[0], standbys, binaries, rootDir, timings, stop, [Symbol.asyncDispose]: stop };
  } catch (error) {
    throw await failAndCleanUp(ctx, error, [logs.primary, ...logs.standbys]);
  }
}
