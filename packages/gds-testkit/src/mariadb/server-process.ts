// The server processes of a throwaway MariaDB cluster: their files, spawning mariadbd and waiting for its
// handshake, and killing everything (with the log tails of a failed start).
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { chown, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isAlive, untrack, type TrackedCluster } from '../postgres/exit-cleanup.js';
import { freePort } from '../postgres/free-port.js';
import type { MariadbBinaries } from './find-binaries.js';
import { readGreeting } from './greeting.js';
import { asUser, cleanEnv, run, type ServerUser } from './run-command.js';
import { optionFile, type NodeConfig } from './server-config.js';

/** One cluster being started: its binaries, OS user, directory, tracked pids and child processes. */
export interface Context {
  readonly binaries: MariadbBinaries;
  readonly user: ServerUser;
  readonly rootDir: string;
  readonly tracked: TrackedCluster;
  readonly children: ChildProcess[];
}

/** One node to start: its name, role, server_id and data directory. */
export interface Spec {
  readonly name: string;
  readonly role: 'primary' | 'replica';
  readonly serverId: number;
  readonly dataDir: string;
}

const READY_TIMEOUT_MS = 30_000;

/** Runs a command as the servers' OS user, in the cluster's directory. */
export function runAsServer(ctx: Context, file: string, args: readonly string[]): Promise<string> {
  const [command, argv] = asUser(ctx.user, file, args);
  return run(command, argv, { cwd: ctx.rootDir, timeoutMs: 120_000 });
}

/** Gives a file to the servers' OS user (when running as root). */
export async function ownByServer(ctx: Context, file: string): Promise<void> {
  if (ctx.user.name !== undefined) await chown(file, ctx.user.uid, ctx.user.gid);
}

async function logTail(file: string, lines = 20): Promise<string> {
  try {
    return (await readFile(file, 'utf8')).trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** The files of a node in the cluster's directory: option file, error log, stdout, pid file and socket. */
export function files(rootDir: string, name: string): { cnf: string; log: string; out: string; pid: string; socket: string } {
  const at = (suffix: string): string => path.join(rootDir, `${name}${suffix}`);
  return { cnf: at('.cnf'), log: at('.err'), out: at('.out'), pid: at('.pid'), socket: at('.sock') };
}

/** Spawns mariadbd on a fresh port and waits for its handshake; retries with another port if the first was taken. */
export async function startServer(ctx: Context, spec: Spec, config: Omit<NodeConfig, 'port'>): Promise<{ port: number; pid: number; version: string }> {
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
    const version = await waitReady(child, port, f.socket);
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

/**
 * Resolves with the announced version once the server answers on `port`, or undefined if it exits
 * first. The answer counts only once `socket` exists: mariadbd makes its unix socket after it has
 * bound the TCP port (sql/mysqld.cc network_init: the TCP listener first, then the unix socket), so another server that took the port between freePort() and
 * this bind (another jest worker's) is never taken for this one.
 */
async function waitReady(child: ChildProcess, port: number, socket: string): Promise<string | undefined> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) return undefined;
    const greeting = await readGreeting(port, 1000);
    if (greeting !== undefined && existsSync(socket)) {
      if ('version' in greeting) return greeting.version;
      throw new Error(`port ${port} answered with an error: ${greeting.error}`);
    }
    await sleep(15);
  }
  child.kill('SIGKILL');
  return undefined;
}

/** Kills the servers (SIGKILL), removes the cluster's directory and untracks it. */
export async function stopCluster(ctx: Context): Promise<void> {
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
export async function failAndCleanUp(ctx: Context, error: unknown, names: readonly string[]): Promise<Error> {
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
