// Real MariaDB: primary + GTID replicas (async and semi-sync), real authentication, cleanup by stop() and by process exit.
import { describe, it, expect, beforeAll } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import vm from 'node:vm';
import { findMariadbBinaries, MariadbSqlError, mariadbMissingReason, startMariadb, type MariadbNode } from '../src/mariadb/index.js';
import { resolveTestServer, testServerEnvNames, testServerSkipReason } from '../src/resolve-test-server.js';

const TIMEOUT = 90_000;
/** What the launcher relies on, with the page or observation behind each value (test/evidence/mariadb-launcher.json). */
const evidence = JSON.parse(readFileSync(path.join(__dirname, 'evidence/mariadb-launcher.json'), 'utf8')) as {
  masterGtidWait: { reached: number; timedOut: number };
  gtidEmptyReplica: { usingGtidColumn: string };
  semiSync: { primaryVariable: string; primaryStatus: string; replicaStatus: string };
  accessDenied: { wrongPassword: number; noAccountNoPassword: number };
};
const packageDir = path.resolve(__dirname, '..');
const repoRoot = path.resolve(packageDir, '../..');
const distEntry = path.join(packageDir, 'dist/mariadb/index.js');
const isRoot = process.getuid?.() === 0;
const binaries = findMariadbBinaries();
const itDb = binaries ? it : it.skip;
if (!binaries) console.log(`skipping real-MariaDB tests: ${mariadbMissingReason()}`);

/** Runs SQL with the `mariadb` client as the given user and password (from an option file, never argv). */
function client(port: number, user: string, password: string, sql: string): string {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'gds-mdb-client-'));
  try {
    const defaults = path.join(scratch, 'my.cnf');
    writeFileSync(defaults, `[client]\nuser=${user}\n${password === '' ? '' : `password=${password}\n`}`, { mode: 0o600 });
    const args = [`--defaults-file=${defaults}`, '--protocol=TCP', '-h', '127.0.0.1', '-P', String(port), '--connect-timeout=5', '-N', '-B', '-e', sql];
    return execFileSync(binaries!.client, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** The client's stderr when it fails (for asserting refusals). */
function clientError(port: number, user: string, password: string, sql: string): string {
  try {
    client(port, user, password, sql);
    return '';
  } catch (error) {
    return String((error as { stderr?: unknown }).stderr ?? error);
  }
}

function root(node: Pick<MariadbNode, 'port'>, sql: string): string {
  return client(node.port, 'root', '', sql);
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
    await sleep(20);
  }
}

/** ESRCH once the process is gone (an orphan stays a zombie until PID 1 reaps it, so poll). */
function killZeroCode(pid: number): Promise<string | undefined> {
  return poll(() => {
    try {
      process.kill(pid, 0);
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z' ? 'ESRCH' : undefined;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      return code === 'ESRCH' || code === 'ENOENT' ? 'ESRCH' : undefined;
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

function slaveStatus(node: MariadbNode): Promise<Record<string, string | null> | undefined> {
  return node.query('SHOW SLAVE STATUS').then((rows) => rows[0]);
}

/** How many clusters the exit handler would clean up, read from the real process (not jest's copy). */
function liveClusterCount(): number | undefined {
  const host = vm.runInThisContext('process') as Record<symbol, Set<unknown> | undefined>;
  return host[Symbol.for('@gds/testkit/postgres/live-clusters')]?.size;
}

describe('findMariadbBinaries', () => {
  itDb('finds a MariaDB server, install-db and client, and reads the version', () => {
    expect(binaries!.version).toMatch(/^\d+\.\d+\.\d+-MariaDB/);
    expect(binaries!.major * 100 + binaries!.minor).toBeGreaterThanOrEqual(1003); // semi-sync built in from 10.3
    for (const file of [binaries!.mariadbd, binaries!.installDb, binaries!.client]) expect(existsSync(file)).toBe(true);
  });

  it('honours GDS_MARIADB_BIN_DIR, and startMariadb fails with the one-line reason when nothing is there', async () => {
    const empty = mkdtempSync(path.join(os.tmpdir(), 'gds-nobin-'));
    const saved = process.env['GDS_MARIADB_BIN_DIR'];
    process.env['GDS_MARIADB_BIN_DIR'] = empty;
    try {
      expect(findMariadbBinaries()).toBeUndefined();
      expect(mariadbMissingReason()).toContain(empty);
      await expect(startMariadb()).rejects.toThrow(mariadbMissingReason());
    } finally {
      if (saved === undefined) delete process.env['GDS_MARIADB_BIN_DIR'];
      else process.env['GDS_MARIADB_BIN_DIR'] = saved;
      rmSync(empty, { recursive: true, force: true });
    }
    expect(mariadbMissingReason()).not.toContain('\n');
  });
});

describe('startMariadb', () => {
  itDb(
    'starts a primary and a GTID replica that replicates, shows a stopped SQL thread, and stop() leaves nothing',
    async () => {
      const live = liveClusterCount() ?? 0;
      const db = await startMariadb({ replica: true });
      const { primary, replica } = db;
      const pids = [primary.pid, replica!.pid];
      const sockets = [primary.socket, replica!.socket];
      const t = db.timings;
      console.log(`MariaDB ${db.version}: install-db ${t.installDb} ms, copy ${t.copy} ms, start ${t.start} ms, replica attached+caught up ${t.replication} ms`);
      expect(t.installDb).toBeGreaterThan(0); // the first cluster of this test file runs mariadb-install-db
      try {
        expect(replica).toBeDefined();
        expect(db.replicas).toHaveLength(1);
        // This cluster, and the install its clusters copy when this module made one (the template cache is per
        // module instance, so per test file under jest, while the live set is the whole process's: an earlier
        // test file's template may still be in it)
        expect(liveClusterCount()).toBe(live + (t.installDb > 0 ? 2 : 1));
        expect(primary.url()).toBe(`mariadb://root@127.0.0.1:${primary.port}/`);
        expect(replica!.url('app', 'test')).toBe(`mariadb://gds:${db.accounts.test.password}@127.0.0.1:${replica!.port}/app`);
        expect(db.version).toBe(root(primary, 'SELECT VERSION()'));
        expect(db.version).toContain(binaries!.version);
        for (const socket of sockets) expect(statSync(socket).isSocket()).toBe(true);

        // Replication, read through an independent client: rows written on the primary appear on the replica.
        expect(await slaveStatus(replica!)).toMatchObject({ Slave_IO_Running: 'Yes', Slave_SQL_Running: 'Yes', Using_Gtid: evidence.gtidEmptyReplica.usingGtidColumn, Master_Port: String(primary.port) });
        expect(root(replica!, 'SELECT @@read_only, @@server_id')).toBe('1\t2');
        root(primary, 'CREATE DATABASE app; CREATE TABLE app.t (id INT PRIMARY KEY, v VARCHAR(20)); INSERT INTO app.t VALUES (1, "one"), (2, "two")');
        const written = Date.now();
        const seen = await poll(() => (root(replica!, 'SELECT GROUP_CONCAT(v ORDER BY id) FROM app.t') === 'one,two' ? Date.now() : undefined), 10_000);
        expect(seen).toBeDefined();
        console.log(`rows visible on the replica ${seen! - written} ms after the commit on the primary`);
        const primaryPos = root(primary, 'SELECT @@gtid_binlog_pos');
        expect(primaryPos).toMatch(/^0-1-\d+$/);
        expect(await poll(() => (root(replica!, 'SELECT @@gtid_slave_pos') === primaryPos ? true : undefined), 10_000)).toBe(true);
        expect(root(replica!, 'SELECT @@gtid_current_pos')).toBe(primaryPos);
        expect(root(primary, 'SHOW SLAVE HOSTS')).toBe(`2\t127.0.0.1\t${replica!.port}\t1`);

        // A stopped SQL thread is visible, and the replica stops applying (the IO thread still receives).
        await replica!.query('STOP SLAVE SQL_THREAD');
        expect(await slaveStatus(replica!)).toMatchObject({ Slave_IO_Running: 'Yes', Slave_SQL_Running: 'No' });
        root(primary, 'INSERT INTO app.t VALUES (3, "three")');
        const ahead = root(primary, 'SELECT @@gtid_binlog_pos');
        expect(await poll(async () => ((await slaveStatus(replica!))?.['Gtid_IO_Pos'] === ahead ? true : undefined), 10_000)).toBeDefined();
        expect(root(replica!, 'SELECT COUNT(*) FROM app.t')).toBe('2');
        expect(root(replica!, 'SELECT @@gtid_slave_pos')).toBe(primaryPos);
        expect(Number(root(replica!, `SELECT MASTER_GTID_WAIT('${ahead}', 0.2)`))).toBe(evidence.masterGtidWait.timedOut);
        await replica!.query('START SLAVE SQL_THREAD');
        expect(Number(root(replica!, `SELECT MASTER_GTID_WAIT('${ahead}', 10)`))).toBe(evidence.masterGtidWait.reached);
        await db.waitForReplicas(10_000);
        expect(root(replica!, 'SELECT COUNT(*) FROM app.t')).toBe('3');
        expect(root(replica!, 'SELECT @@gtid_slave_pos')).toBe(ahead);
      } finally {
        await db.stop();
      }
      for (const pid of pids) expect(await killZeroCode(pid)).toBe('ESRCH');
      expect(await connectErrorCode(primary.port)).toBe('ECONNREFUSED');
      expect(await connectErrorCode(replica!.port)).toBe('ECONNREFUSED');
      for (const socket of sockets) expect(existsSync(socket)).toBe(false);
      expect(existsSync(db.rootDir)).toBe(false);
      expect(liveClusterCount()).toBe(live + (t.installDb > 0 ? 1 : 0)); // the install template stays until the process exits
      expect(primary.isRunning()).toBe(false);
      await expect(db.stop()).resolves.toBeUndefined(); // idempotent
    },
    TIMEOUT,
  );

  itDb(
    'uses real authentication: passwordless root from 127.0.0.1 only, a password-protected test user, a replication-only user',
    async () => {
      const db = await startMariadb();
      try {
        const { port } = db.primary;
        const { test, replication } = db.accounts;
        expect(test.user).toBe('gds');
        expect(test.password).toMatch(/^[0-9a-f]{32}$/);
        expect(client(port, test.user, test.password, 'SELECT CURRENT_USER()')).toBe('gds@127.0.0.1');
        const denied = (code: number): RegExp => new RegExp(`ERROR ${code} \\(28000\\)`);
        expect(clientError(port, test.user, 'wrong', 'SELECT 1')).toMatch(denied(evidence.accessDenied.wrongPassword));
        expect(clientError(port, test.user, '', 'SELECT 1')).toMatch(denied(evidence.accessDenied.wrongPassword));
        expect(clientError(port, 'nobody', '', 'SELECT 1')).toMatch(denied(evidence.accessDenied.noAccountNoPassword));
        expect(clientError(port, replication.user, replication.password, 'SELECT COUNT(*) FROM mysql.user')).toMatch(/ERROR 1142/);
        expect(client(port, replication.user, replication.password, 'SHOW GRANTS')).toMatch(/GRANT REPLICATION SLAVE ON \*\.\*/);
        // The grant tables are in force (no --skip-grant-tables): a new user appears only once created.
        expect(clientError(port, 'later', 'pw1', 'SELECT 1')).toMatch(/ERROR 1045/);
        root(db.primary, "CREATE USER 'later'@'127.0.0.1' IDENTIFIED BY 'pw1'");
        expect(client(port, 'later', 'pw1', 'SELECT CURRENT_USER()')).toBe('later@127.0.0.1');
        // The helper's query() goes through an option file; its errors carry the server's number.
        expect(await db.primary.query('SELECT CURRENT_USER() AS me', { account: 'test' })).toEqual([{ me: 'gds@127.0.0.1' }]);
        expect(await db.primary.query('SHOW SLAVE STATUS')).toEqual([]); // an empty result set
        const failure = await db.primary.query('SELECT nosuch').catch((error: unknown) => error);
        expect(failure).toBeInstanceOf(MariadbSqlError);
        expect(failure).toMatchObject({ errno: 1054, sqlState: '42S22' });
        expect(await db.primary.query("SELECT NULL AS n, 'NULL' AS s, 'a<b>&\"c''\\t' AS x")).toEqual([{ n: null, s: 'NULL', x: 'a<b>&"c\'\t' }]);
        // No password in a server's or the client's command line.
        const cmdline = readFileSync(`/proc/${db.primary.pid}/cmdline`, 'utf8');
        expect(cmdline).not.toContain(test.password);
        expect(readFileSync(db.primary.optionFile, 'utf8')).not.toContain(test.password);
      } finally {
        await db.stop();
      }
    },
    TIMEOUT,
  );

  itDb(
    'starts two semi-synchronous replicas: the primary waits for an acknowledgement per commit',
    async () => {
      const db = await startMariadb({ replica: 2, semiSync: true });
      try {
        expect(db.semiSync).toBe(true);
        expect(db.replicas.map((r) => r.serverId)).toEqual([2, 3]);
        const status = (node: MariadbNode, name: string): string => root(node, `SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = '${name}'`);
        expect(status(db.primary, evidence.semiSync.primaryStatus)).toBe('ON');
        expect(status(db.primary, 'RPL_SEMI_SYNC_MASTER_CLIENTS')).toBe('2');
        for (const replica of db.replicas) expect(status(replica, evidence.semiSync.replicaStatus)).toBe('ON');
        expect(readFileSync(db.primary.optionFile, 'utf8')).toContain(evidence.semiSync.primaryVariable.replace(/_/g, '-'));
        const before = Number(status(db.primary, 'RPL_SEMI_SYNC_MASTER_YES_TX'));
        root(db.primary, 'CREATE DATABASE semi; CREATE TABLE semi.t (id INT PRIMARY KEY); INSERT INTO semi.t VALUES (1)');
        expect(Number(status(db.primary, 'RPL_SEMI_SYNC_MASTER_YES_TX'))).toBeGreaterThanOrEqual(before + 3);
        expect(status(db.primary, 'RPL_SEMI_SYNC_MASTER_NO_TX')).toBe('0');
        await db.waitForReplicas();
        for (const replica of db.replicas) expect(root(replica, 'SELECT COUNT(*) FROM semi.t')).toBe('1');
        expect(root(db.primary, 'SHOW SLAVE HOSTS').split('\n').map((line) => line.split('\t')[0]).sort()).toEqual(['2', '3']);
      } finally {
        await db.stop();
      }
      expect(existsSync(db.rootDir)).toBe(false);
    },
    TIMEOUT,
  );

  itDb(
    `runs the servers as ${isRoot ? "the 'mysql' OS user (we are root)" : 'the current user'}, applies settings and refuses managed ones`,
    async () => {
      await expect(startMariadb({ settings: { datadir: '/elsewhere' } })).rejects.toThrow(/managed by startMariadb/);
      await expect(startMariadb({ settings: { 'skip-grant-tables': true } })).rejects.toThrow(/managed by startMariadb/);
      await expect(startMariadb({ settings: { 'bad name; x': 1 } })).rejects.toThrow(/invalid MariaDB option name/);
      await expect(startMariadb({ replica: 9 })).rejects.toThrow(/from 0 to 8/);
      const db = await startMariadb({ settings: { 'max-connections': 77, sql_mode: 'ANSI_QUOTES,NO_BACKSLASH_ESCAPES' }, testUser: 'o\'b\\"r' });
      try {
        const expectedUid = isRoot ? Number(execFileSync('id', ['-u', 'mysql'], { encoding: 'utf8' })) : process.getuid!();
        expect(uidOfProcess(db.primary.pid)).toBe(expectedUid);
        expect(root(db.primary, 'SELECT @@max_connections, @@sql_mode')).toBe('77\tANSI_QUOTES,NO_BACKSLASH_ESCAPES');
        expect(await db.primary.query('SELECT CURRENT_USER() AS me', { account: 'test' })).toEqual([{ me: 'o\'b\\"r@127.0.0.1' }]);
        expect(db.primary.url('', 'test')).toBe(`mariadb://o'b%5C%22r:${db.accounts.test.password}@127.0.0.1:${db.primary.port}/`);
      } finally {
        await db[Symbol.asyncDispose]();
      }
      expect(await killZeroCode(db.primary.pid)).toBe('ESRCH');
      expect(existsSync(db.rootDir)).toBe(false);
    },
    TIMEOUT,
  );

  itDb(
    'cleans up and reports the server log when the server cannot start',
    async () => {
      const live = liveClusterCount();
      const failure = await startMariadb({ settings: { 'no-such-option': 1 } }).then(
        () => undefined,
        (error: unknown) => error as Error,
      );
      expect(failure?.message).toMatch(/unknown variable 'no-such-option=1'/);
      const rootDir = /(\/\S*gds-mariadb-\w+) removed\)/.exec(failure?.message ?? '')?.[1];
      expect(rootDir).toBeDefined();
      expect(existsSync(rootDir!)).toBe(false);
      expect(liveClusterCount()).toBe(live);
    },
    TIMEOUT,
  );
});

describe('resolveTestServer for MySQL and MariaDB', () => {
  it('honours GDS_TEST_MYSQL_URL and GDS_TEST_MARIADB_URL', async () => {
    expect(testServerEnvNames('mysql')).toEqual(['GDS_TEST_MYSQL_URL']);
    expect(testServerEnvNames('mariadb')).toEqual(['GDS_TEST_MARIADB_URL']);
    const env = { GDS_TEST_MYSQL_URL: 'mysql://root:pw@db.example:3306/', GDS_TEST_MARIADB_URL: 'mariadb://root@db.example:3307/' } as NodeJS.ProcessEnv;
    expect(await resolveTestServer('mysql', { env })).toMatchObject({ kind: 'url', url: 'mysql://root:pw@db.example:3306/', description: 'GDS_TEST_MYSQL_URL' });
    expect(await resolveTestServer('mariadb', { env })).toMatchObject({ kind: 'url', url: 'mariadb://root@db.example:3307/' });
    const reason = testServerSkipReason('mysql', { env: { DOCKER_HOST: '' } as NodeJS.ProcessEnv, docker: false });
    expect(reason).toBe('mysql real-server suite skipped: no GDS_TEST_MYSQL_URL; no Docker engine');
  });

  itDb('starts a local throwaway MariaDB without a URL or Docker, and stops it', async () => {
    const options = { env: { DOCKER_HOST: '' } as NodeJS.ProcessEnv, docker: false };
    expect(testServerSkipReason('mariadb', options)).toBeUndefined();
    const server = await resolveTestServer('mariadb', options);
    expect(server.kind).toBe('local');
    if (server.kind === 'skip') return;
    const url = new URL(server.url);
    expect(url.protocol).toBe('mariadb:');
    expect(client(Number(url.port), 'root', '', 'SELECT 40 + 2')).toBe('42');
    await server.stop();
    expect(await connectErrorCode(Number(url.port))).toBe('ECONNREFUSED');
    expect(testServerSkipReason('mariadb', { ...options, local: false })).toBe(
      'mariadb real-server suite skipped: no GDS_TEST_MARIADB_URL; no Docker engine; local MariaDB not allowed (local: false)',
    );
  }, TIMEOUT);
});

/** Builds dist/ when it is missing or older than the sources, for the child processes that import it. */
function ensureDist(): void {
  // src/mariadb and the files it shares with the PostgreSQL launcher (src/*.ts: signal-exit, server-user, ...)
  const sources = [
    ...readdirSync(path.join(packageDir, 'src/mariadb')).map((f) => path.join(packageDir, 'src/mariadb', f)),
    ...readdirSync(path.join(packageDir, 'src')).filter((f) => f.endsWith('.ts')).map((f) => path.join(packageDir, 'src', f)),
  ];
  const newestSource = Math.max(...sources.map((file) => statSync(file).mtimeMs));
  if (existsSync(distEntry) && statSync(distEntry).mtimeMs >= newestSource) return;
  const build = spawnSync(path.join(repoRoot, 'node_modules/.bin/tsc'), ['-p', 'packages/gds-testkit/tsconfig.build.json'], { cwd: repoRoot, encoding: 'utf8' });
  if (!existsSync(distEntry) || statSync(distEntry).mtimeMs < newestSource) throw new Error(`building @gds/testkit failed:\n${build.stdout}${build.stderr}`);
}

/** Runs an ESM snippet (with `startMariadb` imported from dist) in a child node, optionally as another OS user. */
function runChild(body: string, asUser?: string): { status: number | null; stdout: string; stderr: string } {
  const code = `import { startMariadb } from ${JSON.stringify(pathToFileURL(distEntry).href)};\n${body}`;
  const nodeArgs = ['--input-type=module', '-e', code];
  const [file, args] = asUser ? ['runuser', ['-u', asUser, '--', process.execPath, ...nodeArgs]] : [process.execPath, nodeArgs];
  const result = spawnSync(file, args, { cwd: '/', encoding: 'utf8', timeout: TIMEOUT - 10_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function lastJson(stdout: string): Record<string, unknown> {
  return JSON.parse(stdout.trim().split('\n').pop() ?? '') as Record<string, unknown>;
}

describe('startMariadb in child processes (imports dist/)', () => {
  beforeAll(() => {
    if (binaries) ensureDist();
  }, TIMEOUT);

  itDb(
    isRoot ? "works for a non-root caller (the 'postgres' OS user runs its own servers)" : 'works for the current (non-root) user',
    async () => {
      if (!isRoot) console.log('the root/non-root cross check needs root; testing the non-root path as the current user only');
      const child = runChild(
        `import { existsSync } from 'node:fs';
        import os from 'node:os';
        const db = await startMariadb({ replica: true });
        const [who] = await db.replica.query('SELECT CURRENT_USER() AS me', { account: 'test' });
        const pids = [db.primary.pid, db.replica.pid];
        await db.stop();
        console.log(JSON.stringify({ uid: process.getuid(), tmpdir: os.tmpdir(), rootDir: db.rootDir, pids, ports: [db.primary.port, db.replica.port],
          who: who.me, rootExists: existsSync(db.rootDir) }));`,
        isRoot ? 'postgres' : undefined,
      );
      expect(child.stderr).toBe('');
      expect(child.status).toBe(0);
      const out = lastJson(child.stdout);
      if (isRoot) expect(out['uid']).toBe(Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })));
      expect(out['who']).toBe('gds@127.0.0.1');
      expect(String(out['rootDir']).startsWith(path.join(String(out['tmpdir']), 'gds-mariadb-'))).toBe(true);
      expect(out['rootExists']).toBe(false);
      for (const pid of out['pids'] as number[]) expect(await killZeroCode(pid)).toBe('ESRCH');
      for (const port of out['ports'] as number[]) expect(await connectErrorCode(port)).toBe('ECONNREFUSED');
    },
    TIMEOUT,
  );

  const leaks = [
    { how: 'process.exit() without stop()', replica: false, end: 'process.exit(0);', status: 0 },
    { how: 'an uncaught error (primary + replica)', replica: true, end: "throw new Error('test failed');", status: 1 },
    { how: 'SIGTERM (as jest sends a worker that does not exit in time)', replica: true, end: "process.kill(process.pid, 'SIGTERM'); setTimeout(() => undefined, 30_000);", status: 128 + 15 },
  ];
  for (const leak of leaks) {
    itDb(
      `kills the servers and removes the directory at exit after ${leak.how}`,
      async () => {
        const child = runChild(
          `import { readdirSync } from 'node:fs';
          import os from 'node:os';
          const installs = () => readdirSync(os.tmpdir()).filter((name) => name.startsWith('gds-mariadb-install-'));
          const before = installs();
          const db = await startMariadb({ replica: ${leak.replica} });
          const nodes = [db.primary, ...db.replicas];
          const mine = installs().filter((name) => !before.includes(name)).map((name) => os.tmpdir() + '/' + name);
          console.log(JSON.stringify({ pids: nodes.map((n) => n.pid), rootDir: db.rootDir, ports: nodes.map((n) => n.port), installs: mine }));
          ${leak.end}`,
        );
        expect(child.status).toBe(leak.status);
        const out = lastJson(child.stdout);
        const pids = out['pids'] as number[];
        expect(pids).toHaveLength(leak.replica ? 2 : 1);
        expect(existsSync(String(out['rootDir']))).toBe(false);
        // The process's mariadb-install-db result (the template every node copies) goes too.
        expect(out['installs']).toHaveLength(1);
        for (const dir of out['installs'] as string[]) expect(existsSync(dir)).toBe(false);
        for (const pid of pids) expect(await killZeroCode(pid)).toBe('ESRCH');
        for (const port of out['ports'] as number[]) expect(await connectErrorCode(port)).toBe('ECONNREFUSED');
      },
      TIMEOUT,
    );
  }
});
