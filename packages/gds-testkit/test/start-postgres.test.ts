// Real PostgreSQL: primary + streaming standby, cleanup by stop(), by process exit, as root and as non-root.
import { describe, it, expect, beforeAll } from '@jest/globals';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import vm from 'node:vm';
import { findPostgresBinaries, postgresMissingReason, startPostgres, type PostgresNode } from '../src/postgres/index.js';

const TIMEOUT = 60_000;
const packageDir = path.resolve(__dirname, '..');
const repoRoot = path.resolve(packageDir, '../..');
const distEntry = path.join(packageDir, 'dist/postgres/index.js');
const isRoot = process.getuid?.() === 0;
const binaries = findPostgresBinaries();
const psqlBin = binaries?.psql ?? '/usr/bin/psql';
const itPg = binaries ? it : it.skip;
if (!binaries) console.log(`skipping real-PostgreSQL tests: ${postgresMissingReason()}`);

function psql(node: Pick<PostgresNode, 'port' | 'user'>, sql: string): string {
  const args = ['-X', '-w', '-h', '127.0.0.1', '-p', String(node.port), '-U', node.user, '-d', 'postgres', '-Atc', sql];
  return execFileSync(psqlBin, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PGCONNECT_TIMEOUT: '5' } }).trim();
}

async function poll<T>(probe: () => T | undefined, ms: number): Promise<T | undefined> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      const value = probe();
      if (value !== undefined) return value;
    } catch {
      // not yet
    }
    if (Date.now() >= deadline) return undefined;
    await sleep(50);
  }
}

/** The errno of process.kill(pid, 0) once the process is gone. The orphaned postmaster stays a zombie until
 * PID 1 reaps it, which on this kind of machine takes up to ~1 s, so poll for ESRCH. */
function killZeroCode(pid: number): Promise<string | undefined> {
  return poll(() => {
    try {
      process.kill(pid, 0);
      return undefined;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      return code === 'ESRCH' ? code : undefined;
    }
  }, 20_000); // returns as soon as it is gone; the deadline is for a loaded CI machine
}

function connectErrorCode(port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(undefined);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code));
  });
}

function uidOfProcess(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('Uid:'));
  return Number(line?.split(/\s+/)[1]);
}

/** Builds dist/ when it is missing or older than the sources, for the child processes that import it. */
function ensureDist(): void {
  // src/postgres and the files it shares with the other launchers (src/*.ts: signal-exit, server-user, ...)
  const sources = [
    ...readdirSync(path.join(packageDir, 'src/postgres')).map((f) => path.join(packageDir, 'src/postgres', f)),
    ...readdirSync(path.join(packageDir, 'src')).filter((f) => f.endsWith('.ts')).map((f) => path.join(packageDir, 'src', f)),
  ];
  const newestSource = Math.max(...sources.map((file) => statSync(file).mtimeMs));
  if (existsSync(distEntry) && statSync(distEntry).mtimeMs >= newestSource) return;
  const build = spawnSync(path.join(repoRoot, 'node_modules/.bin/tsc'), ['-p', 'packages/gds-testkit/tsconfig.build.json'], {
    cwd: repoRoot,
    encoding: 'utf8',
  });
  // Other parts of the package may not type-check yet; tsc still emits, which is all the children need.
  if (!existsSync(distEntry) || statSync(distEntry).mtimeMs < newestSource) {
    throw new Error(`building @gds/testkit failed:\n${build.stdout}${build.stderr}`);
  }
}

/** Runs an ESM snippet (with `startPostgres` imported from dist) in a child node, optionally as another OS user. */
function runChild(body: string, asUser?: string): { status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string } {
  const code = `import { startPostgres } from ${JSON.stringify(pathToFileURL(distEntry).href)};\n${body}`;
  const nodeArgs = ['--input-type=module', '-e', code];
  const [file, args] = asUser ? ['runuser', ['-u', asUser, '--', process.execPath, ...nodeArgs]] : [process.execPath, nodeArgs];
  const result = spawnSync(file, args, { cwd: '/', encoding: 'utf8', timeout: TIMEOUT - 5000 });
  return { status: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr };
}

/** How many clusters the exit handler would clean up, read from the real process (not jest's copy). */
function liveClusterCount(): number | undefined {
  const host = vm.runInThisContext('process') as Record<symbol, Set<unknown> | undefined>;
  return host[Symbol.for('@gds/testkit/postgres/live-clusters')]?.size;
}

/** The pids whose working directory is inside `rootDir`: a postmaster and every backend chdir to their data directory. */
function processesIn(rootDir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cwd = readlinkSync(`/proc/${entry}/cwd`);
      const state = readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ').pop()?.[0];
      if ((cwd === rootDir || cwd.startsWith(`${rootDir}/`)) && state !== 'Z') pids.push(Number(entry));
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return pids;
}

/** Kills what a failed run left behind (so that a failing test does not leak the cluster it tested). */
function removeLeftovers(rootDir: string): void {
  for (const pid of processesIn(rootDir)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  rmSync(rootDir, { recursive: true, force: true });
}

function lastJson(stdout: string): Record<string, unknown> {
  const line = stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(line) as Record<string, unknown>;
}

describe('findPostgresBinaries', () => {
  itPg('finds initdb, pg_ctl, postgres and pg_basebackup of one major version', () => {
    expect(binaries!.major).toBeGreaterThanOrEqual(10);
    for (const file of [binaries!.initdb, binaries!.pgCtl, binaries!.postgres, binaries!.pgBasebackup]) {
      expect(path.dirname(file)).toBe(binaries!.binDir);
      expect(existsSync(file)).toBe(true);
    }
  });

  it('honours GDS_PG_BIN_DIR, and startPostgres fails with the one-line reason when nothing is there', async () => {
    const empty = mkdtempSync(path.join(os.tmpdir(), 'gds-nobin-'));
    const saved = process.env['GDS_PG_BIN_DIR'];
    process.env['GDS_PG_BIN_DIR'] = empty;
    try {
      expect(findPostgresBinaries()).toBeUndefined();
      expect(postgresMissingReason()).toContain(empty);
      await expect(startPostgres()).rejects.toThrow(postgresMissingReason());
    } finally {
      if (saved === undefined) delete process.env['GDS_PG_BIN_DIR'];
      else process.env['GDS_PG_BIN_DIR'] = saved;
      rmSync(empty, { recursive: true, force: true });
    }
    expect(postgresMissingReason()).not.toContain('\n');
  });
});

describe('startPostgres', () => {
  itPg(
    'starts a primary and a streaming standby, replicates, and stop() leaves no process, port or directory',
    async () => {
      // counted as a difference: other test files that ran earlier in this jest worker share the process
      const earlier = liveClusterCount() ?? 0;
      const cluster = await startPostgres({ standby: true });
      const { primary, standby } = cluster;
      expect(standby).toBeDefined();
      const pids = [await primary.pid(), await standby!.pid()];
      expect(liveClusterCount()).toBe(earlier + 1);
      try {
        expect(primary.url('app')).toBe(`postgres://postgres@127.0.0.1:${primary.port}/app`);
        expect(psql(primary, 'select pg_is_in_recovery()')).toBe('f');
        expect(psql(standby!, 'select pg_is_in_recovery()')).toBe('t');
        expect(psql(primary, "select count(*) from pg_stat_replication where state = 'streaming'")).toBe('1');
        psql(primary, 'create table replicated (id int); insert into replicated values (42)');
        expect(await poll(() => psql(standby!, 'select id from replicated') || undefined, 10_000)).toBe('42');
      } finally {
        await cluster.stop();
      }
      for (const pid of pids) {
        expect(pid).toEqual(expect.any(Number));
        expect(await killZeroCode(pid!)).toBe('ESRCH');
      }
      expect(await connectErrorCode(primary.port)).toBe('ECONNREFUSED');
      expect(await connectErrorCode(standby!.port)).toBe('ECONNREFUSED');
      expect(existsSync(cluster.rootDir)).toBe(false);
      expect(liveClusterCount() ?? 0).toBe(earlier);
      await expect(cluster.stop()).resolves.toBeUndefined(); // idempotent
    },
    TIMEOUT,
  );

  itPg(
    `runs the server as ${isRoot ? "the 'postgres' OS user (we are root)" : 'the current user'}, applies settings, and disposes`,
    async () => {
      const cluster = await startPostgres({ superuser: 'gds admin', settings: { cluster_name: "it's a \\ test" } });
      const pid = (await cluster.primary.pid())!;
      try {
        const expectedUid = isRoot ? Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })) : process.getuid!();
        expect(uidOfProcess(pid)).toBe(expectedUid);
        expect(psql(cluster.primary, 'select current_user')).toBe('gds admin');
        expect(psql(cluster.primary, 'show cluster_name')).toBe("it's a \\ test");
        expect(cluster.primary.url()).toBe(`postgres://gds%20admin@127.0.0.1:${cluster.primary.port}/postgres`);
      } finally {
        await cluster[Symbol.asyncDispose]();
      }
      expect(await killZeroCode(pid)).toBe('ESRCH');
      expect(existsSync(cluster.rootDir)).toBe(false);
    },
    TIMEOUT,
  );

  itPg(
    'cleans up and reports the server log when the server cannot start',
    async () => {
      const failure = await startPostgres({ settings: { shared_buffers: 'lots' } }).then(
        () => undefined,
        (error: unknown) => error as Error,
      );
      expect(failure?.message).toMatch(/invalid value for parameter "shared_buffers"/);
      const rootDir = /(\/\S*gds-pg-\w+) removed\)/.exec(failure?.message ?? '')?.[1];
      expect(rootDir).toBeDefined();
      expect(existsSync(rootDir!)).toBe(false);
      await expect(startPostgres({ settings: { 'bad name; x': '1' } })).rejects.toThrow(/invalid PostgreSQL setting name/);
    },
    TIMEOUT,
  );
});

describe('startPostgres in child processes (imports dist/)', () => {
  beforeAll(() => {
    if (binaries) ensureDist();
  }, TIMEOUT);

  itPg(
    isRoot ? "works for a non-root caller: the 'postgres' OS user" : 'works for the current (non-root) user',
    async () => {
      if (!isRoot) console.log('the root/non-root cross check needs root; testing the non-root path as the current user only');
      const child = runChild(
        `import { execFileSync } from 'node:child_process';
        import { existsSync } from 'node:fs';
        import os from 'node:os';
        const pg = await startPostgres();
        const pid = await pg.primary.pid();
        const who = execFileSync(${JSON.stringify(psqlBin)}, ['-X', '-w', '-h', '127.0.0.1', '-p', String(pg.primary.port),
          '-U', 'postgres', '-d', 'postgres', '-Atc', 'select current_user'], { encoding: 'utf8' }).trim();
        await pg.stop();
        console.log(JSON.stringify({ uid: process.getuid(), tmpdir: os.tmpdir(), rootDir: pg.rootDir, pid, port: pg.primary.port,
          who, rootExists: existsSync(pg.rootDir) }));`,
        isRoot ? 'postgres' : undefined,
      );
      expect(child.stderr).toBe('');
      expect(child.status).toBe(0);
      const out = lastJson(child.stdout);
      if (isRoot) expect(out['uid']).toBe(Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })));
      expect(out['who']).toBe('postgres');
      expect(String(out['rootDir']).startsWith(path.join(String(out['tmpdir']), 'gds-pg-'))).toBe(true);
      expect(out['rootExists']).toBe(false);
      expect(existsSync(String(out['rootDir']))).toBe(false);
      expect(await killZeroCode(Number(out['pid']))).toBe('ESRCH');
      expect(await connectErrorCode(Number(out['port']))).toBe('ECONNREFUSED');
    },
    TIMEOUT,
  );

  const leaks = [
    { how: 'process.exit() without stop()', standby: false, end: 'process.exit(0);', status: 0 },
    { how: 'an uncaught error (primary + standby)', standby: true, end: "throw new Error('test failed');", status: 1 },
    // A signal's default action ends node without its 'exit' handlers; startPostgres must turn it into an exit.
    { how: 'SIGTERM (as CI or jest sends a process that does not end in time)', standby: true, end: "process.kill(process.pid, 'SIGTERM'); setTimeout(() => undefined, 30_000);", status: 128 + 15 },
    { how: 'SIGHUP (the terminal or ssh session went away)', standby: false, end: "process.kill(process.pid, 'SIGHUP'); setTimeout(() => undefined, 30_000);", status: 128 + 1 },
    { how: 'SIGINT (Ctrl-C)', standby: false, end: "process.kill(process.pid, 'SIGINT'); setTimeout(() => undefined, 30_000);", status: 128 + 2 },
  ];
  for (const leak of leaks) {
    itPg(
      `kills the servers and removes the directory at exit after ${leak.how}`,
      async () => {
        const child = runChild(
          `const pg = await startPostgres({ standby: ${leak.standby} });
          const pids = [await pg.primary.pid(), await pg.standby?.pid()].filter((pid) => pid !== undefined);
          console.log(JSON.stringify({ pids, rootDir: pg.rootDir, ports: [pg.primary.port, pg.standby?.port].filter(Boolean) }));
          ${leak.end}`,
        );
        const out = lastJson(child.stdout);
        const rootDir = String(out['rootDir']);
        try {
          const pids = out['pids'] as number[];
          expect(pids).toHaveLength(leak.standby ? 2 : 1);
          // One comparison, so that a failure shows everything left behind at once.
          const after = { status: child.status, signal: child.signal, rootDirExists: existsSync(rootDir), processesInRootDir: processesIn(rootDir).length };
          expect(after).toEqual({ status: leak.status, signal: null, rootDirExists: false, processesInRootDir: 0 });
          for (const pid of pids) expect(await killZeroCode(pid)).toBe('ESRCH');
          for (const port of out['ports'] as number[]) expect(await connectErrorCode(port)).toBe('ECONNREFUSED');
        } finally {
          removeLeftovers(rootDir);
        }
      },
      TIMEOUT,
    );
  }

  itPg(
    'kills the server and removes the directory when the jest running a test gets SIGTERM (a CI timeout)',
    async () => {
      const scratch = mkdtempSync(path.join(os.tmpdir(), 'gds-leak-report-'));
      const reportFile = path.join(scratch, 'report.json');
      const jest = spawn(
        process.execPath,
        [path.join(repoRoot, 'node_modules/jest/bin/jest.js'), '-c', 'packages/gds-testkit/jest.config.cjs', '--ci', '--runInBand', '--testMatch', '**/test/fixtures/hangs-with-a-cluster.fixture.ts'],
        { cwd: repoRoot, stdio: 'ignore', env: { ...process.env, GDS_LEAK_REPORT: reportFile } },
      );
      const ended = new Promise<{ status: number | null; signal: NodeJS.Signals | null }>((resolve) => jest.once('exit', (status, signal) => resolve({ status, signal })));
      let rootDir: string | undefined;
      try {
        const report = await poll(() => JSON.parse(readFileSync(reportFile, 'utf8')) as { pid: number; rootDir: string; port: number }, 40_000);
        expect(report).toBeDefined();
        rootDir = report!.rootDir;
        jest.kill('SIGTERM');
        const exit = await ended;
        const after = { ...exit, rootDirExists: existsSync(rootDir), processesInRootDir: processesIn(rootDir).length };
        expect(after).toEqual({ status: 128 + 15, signal: null, rootDirExists: false, processesInRootDir: 0 });
        expect(await killZeroCode(report!.pid)).toBe('ESRCH');
        expect(await connectErrorCode(report!.port)).toBe('ECONNREFUSED');
      } finally {
        jest.kill('SIGKILL');
        if (rootDir !== undefined) removeLeftovers(rootDir);
        rmSync(scratch, { recursive: true, force: true });
      }
    },
    TIMEOUT,
  );

  itPg(
    'kills the server and removes the directory when a jest test fails without stop()',
    async () => {
      const scratch = mkdtempSync(path.join(os.tmpdir(), 'gds-leak-report-'));
      const reportFile = path.join(scratch, 'report.json');
      try {
        const jest = spawnSync(
          path.join(repoRoot, 'node_modules/.bin/jest'),
          ['-c', 'packages/gds-testkit/jest.config.cjs', '--ci', '--runInBand', '--testMatch', '**/test/fixtures/leaks-a-cluster.fixture.ts'],
          { cwd: repoRoot, encoding: 'utf8', timeout: TIMEOUT - 5000, env: { ...process.env, GDS_LEAK_REPORT: reportFile } },
        );
        expect(jest.stderr).toMatch(/deliberate failure/);
        expect(jest.status).toBe(1);
        const report = JSON.parse(readFileSync(reportFile, 'utf8')) as { pid: number; rootDir: string; port: number };
        expect(existsSync(report.rootDir)).toBe(false);
        expect(await killZeroCode(report.pid)).toBe('ESRCH');
        expect(await connectErrorCode(report.port)).toBe('ECONNREFUSED');
      } finally {
        rmSync(scratch, { recursive: true, force: true });
      }
    },
    TIMEOUT,
  );
});
