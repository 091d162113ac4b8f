// Remembers running clusters and, at process exit, kills their servers and deletes their directories.
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { hostProcess } from '../host-process.js';

/** What must be undone for one cluster: servers (standby first) and the temp root. */
export interface TrackedCluster {
  readonly rootDir: string;
  /** Data directories, standby first; pids as read after start (postmaster.pid may be gone later). */
  readonly nodes: { dataDir: string; pid: number | undefined }[];
}

const host = hostProcess();
const REGISTRY = Symbol.for('@gds/testkit/postgres/live-clusters');
type HostWithRegistry = NodeJS.Process & { [REGISTRY]?: Set<TrackedCluster> };

/** The clusters still running, shared by every copy of this module in the process (jest loads one per test file). */
function liveClusters(): Set<TrackedCluster> {
  const holder = host as HostWithRegistry;
  let live = holder[REGISTRY];
  if (live === undefined) {
    const created = new Set<TrackedCluster>();
    holder[REGISTRY] = live = created;
    host.on('exit', () => destroyAllSync(created));
  }
  return live;
}

function parsePid(text: string): number | undefined {
  const pid = Number(text.split('\n')[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** The postmaster pid from the first line of `<dataDir>/postmaster.pid`, if the file exists. */
export async function readPostmasterPid(dataDir: string): Promise<number | undefined> {
  try {
    return parsePid(await readFile(path.join(dataDir, 'postmaster.pid'), 'utf8'));
  } catch {
    return undefined;
  }
}

function readPostmasterPidSync(dataDir: string): number | undefined {
  try {
    return parsePid(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * True while a process with this pid runs (EPERM means it exists but belongs to someone else). A zombie counts
 * as dead: an orphaned postmaster is reaped by PID 1, which in some containers happens only about once a second.
 * But on Linux a process whose main thread has ended shows a zombie leader while its other threads still run
 * (and hold its sockets open, listening): that one is alive until its last thread is gone (/proc/<pid>/task).
 */
export function isAlive(pid: number): boolean {
  try {
    host.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    // "<pid> (<comm>) <state> ..."; comm may contain spaces or parentheses, so split at the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    if (stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z') return true;
    return readdirSync(`/proc/${pid}/task`).some((task) => task !== String(pid));
  } catch {
    return host.platform !== 'linux';
  }
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    host.kill(pid, name);
  } catch {
    // already gone, or not ours to signal
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function waitDeadSync(pid: number, ms: number): boolean {
  const deadline = Date.now() + ms;
  while (isAlive(pid)) {
    if (Date.now() >= deadline) return false;
    sleepSync(20);
  }
  return true;
}

/** Stops one cluster synchronously: SIGQUIT (immediate shutdown), SIGKILL if that fails, then deletes its root. */
function destroySync(cluster: TrackedCluster): void {
  for (const node of cluster.nodes) {
    const pid = readPostmasterPidSync(node.dataDir) ?? node.pid;
    if (pid === undefined || !isAlive(pid)) continue;
    signal(pid, 'SIGQUIT');
    if (!waitDeadSync(pid, 5000)) {
      signal(pid, 'SIGKILL');
      waitDeadSync(pid, 2000);
    }
  }
  rmSync(cluster.rootDir, { recursive: true, force: true, maxRetries: 3 });
}

function destroyAllSync(live: Set<TrackedCluster>): void {
  for (const cluster of [...live]) {
    live.delete(cluster);
    try {
      destroySync(cluster);
    } catch {
      // best effort at exit: keep going with the others
    }
  }
}

/** Adds a cluster to the set cleaned up at process exit (installs the single 'exit' handler on first use). */
export function track(cluster: TrackedCluster): void {
  liveClusters().add(cluster);
}

/** Removes a cluster from the exit cleanup set (after it was stopped normally). */
export function untrack(cluster: TrackedCluster): void {
  liveClusters().delete(cluster);
}
