// One mariadb-install-db run per process: a data directory every cluster starts from as a copy.
import { chmod, chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { track, untrack, type TrackedCluster } from '../postgres/exit-cleanup.js';
import type { MariadbBinaries } from './find-binaries.js';
import { asUser, run, type ServerUser } from './run-command.js';
import { installSql, optionFile } from './server-config.js';

/** A finished install: `dataDir` is never started; copy it (`cp -a`) to get a fresh server. */
export interface InstallTemplate {
  readonly dataDir: string;
  /** Milliseconds mariadb-install-db took (for the cluster that waited for it; later ones reuse it). */
  readonly installMs: number;
}

const templates = new Map<string, Promise<InstallTemplate>>();

async function logTail(file: string, lines = 20): Promise<string> {
  try {
    return (await readFile(file, 'utf8')).trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

async function install(binaries: MariadbBinaries, user: ServerUser): Promise<InstallTemplate> {
  const rootDir = await mkdtemp(path.join(os.tmpdir(), 'gds-mariadb-install-'));
  // No server runs here; the exit handler only deletes the directory.
  const tracked: TrackedCluster = { rootDir, nodes: [] };
  track(tracked);
  const dataDir = path.join(rootDir, 'data');
  const cnf = path.join(rootDir, 'install.cnf');
  const log = path.join(rootDir, 'install.err');
  const extra = path.join(rootDir, 'install.sql');
  const tmpDir = path.join(rootDir, 'tmp');
  try {
    await chmod(rootDir, 0o700);
    await mkdir(tmpDir, { mode: 0o700 });
    const config = {
      dataDir,
      socket: path.join(rootDir, 'install.sock'),
      port: 0,
      serverId: 1,
      logFile: log,
      pidFile: path.join(rootDir, 'install.pid'),
      tmpDir,
      osUser: user.name,
      role: 'primary' as const,
      semiSync: false,
      initFile: undefined,
      settings: {},
    };
    await writeFile(cnf, optionFile(config), { mode: 0o640 });
    await writeFile(extra, installSql(), { mode: 0o640 });
    if (user.name !== undefined) for (const file of [rootDir, tmpDir, cnf, extra]) await chown(file, user.uid, user.gid);
    const started = Date.now();
    const args = [`--defaults-file=${cnf}`, '--skip-test-db', '--skip-name-resolve', '--auth-root-authentication-method=socket', `--extra-file=${extra}`];
    const [command, argv] = asUser(user, binaries.installDb, args);
    await run(command, argv, { cwd: rootDir, timeoutMs: 120_000 });
    return { dataDir, installMs: Date.now() - started };
  } catch (error) {
    const tail = await logTail(log);
    await rm(rootDir, { recursive: true, force: true, maxRetries: 3 });
    untrack(tracked);
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`mariadb-install-db failed: ${reason}${tail ? `\n--- last lines of install.err ---\n${tail}` : ''}`, { cause: error });
  }
}

/**
 * The process's install of these binaries for this OS user, made on first use (concurrent callers share
 * it) and deleted at process exit; `reused` is false for the caller that waited for the install. A failed
 * install is not cached.
 */
export async function installTemplate(binaries: MariadbBinaries, user: ServerUser): Promise<InstallTemplate & { readonly reused: boolean }> {
  const key = `${binaries.mariadbd}\0${binaries.version}\0${user.uid}`;
  const existing = templates.get(key);
  if (existing !== undefined) return { ...(await existing), reused: true };
  const created = install(binaries, user);
  templates.set(key, created);
  created.catch(() => templates.delete(key));
  return { ...(await created), reused: false };
}
