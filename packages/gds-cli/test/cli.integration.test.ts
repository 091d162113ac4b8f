// The gds command as a real subprocess against a real PostgreSQL server.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile, mkdir, symlink, cp, realpath } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Value } from 'typebox/value';
import { DatabaseManager, DatabaseMetadataSchema } from '@gds/database';
import { startPostgres, type PostgresCluster } from '@gds/testkit';
import '@gds/postgres';
import type { PostgreSQLConnection } from '@gds/postgres';
import { built, gds, root, skipLine } from './helpers.js';

let cluster: PostgresCluster;
let url: string;
let dir: string;
let admin: DatabaseManager;
const pg = () => admin.connection as PostgreSQLConnection;
const exists = (name: string) => admin.databaseExists(name);
const json = (text: string) => JSON.parse(text) as Record<string, unknown>;

skipLine('gds CLI subprocess tests');
(built ? describe : describe.skip)('gds (subprocess, real PostgreSQL)', () => {
  beforeAll(async () => {
    cluster = await startPostgres();
    url = cluster.primary.url('postgres');
    admin = await DatabaseManager.connect(url);
    dir = await mkdtemp(join(tmpdir(), 'gds-cli-test-'));
  }, 120_000);
  afterAll(async () => {
    await admin?.close();
    await cluster?.stop();
    await rm(dir, { recursive: true, force: true });
  }, 60_000);

  it('--version and --help load no engine and exit 0; usage errors exit 2', async () => {
    const v = await gds(['--version']);
    expect(v.code).toBe(0);
    expect(v.stdout.trim()).toBe(JSON.parse(readFileSync(join(root, 'packages/gds-cli/package.json'), 'utf8')).version);
    const h = await gds(['--help']);
    expect(h.code).toBe(0);
    expect(h.stdout).toMatch(/Exit codes: 0 success, 1 the operation failed, 2 usage error/);
    expect(h.stdout).toMatch(/postgres +postgresql-specific operations/);
    expect((await gds(['bogus'])).code).toBe(2);
    expect((await gds(['drop'])).code).toBe(2);
    const noUrl = await gds(['ls']);
    expect(noUrl.code).toBe(2);
    expect(noUrl.stderr).toBe('gds: no target: pass --url <url> or set GDS_URL (e.g. postgres://user@host:5432/postgres)\n');
    const helpDrop = await gds(['help', 'drop']);
    expect(helpDrop.code).toBe(0);
    expect(helpDrop.stdout).toMatch(/Usage: gds drop \[options\] <db>/);
  }, 30_000);

  it('ls --json prints one document whose databases match the metadata schema; GDS_URL works too', async () => {
    const r = await gds(['ls', '--json'], { env: { GDS_URL: url } });
    expect(r.code).toBe(0);
    const doc = json(r.stdout);
    expect(doc.ok).toBe(true);
    const dbs = doc.databases as Record<string, unknown>[];
    expect(dbs.map((d) => d.name)).toContain('postgres');
    for (const d of dbs) expect(Value.Check(DatabaseMetadataSchema, d)).toBe(true);
    const table = await gds(['--url', url, 'ls']);
    expect(table.stdout).toMatch(/^name\tsize\towner\tstate\taccess$/m); // piped: tsv
  }, 30_000);

  it('create, info, schemas, tables, state and drop with the right exit codes', async () => {
    const created = await gds(['--url', url, 'create', 'cli db', '--opt', 'template=template0', '--opt', 'connection-limit=9']);
    expect(created.code).toBe(0);
    expect(created.stdout).toContain('ran: CREATE DATABASE "cli db" WITH TEMPLATE = "template0" CONNECTION LIMIT = 9');
    const info = json((await gds(['--url', url, '--json', 'info', 'cli db'])).stdout);
    expect(info).toMatchObject({ ok: true, database: { name: 'cli db', connectionLimit: 9 } });
    await pg().query('create table t (x int)', [], { database: 'cli db' });
    await pg().release('cli db');
    expect(json((await gds(['--url', url, '--json', 'schemas', 'cli db'])).stdout)).toEqual({ ok: true, database: 'cli db', schemas: ['public'] });
    expect(json((await gds(['--url', url, '--json', 'tables', 'cli db', '--schema', 'public'])).stdout)).toEqual({
      ok: true,
      database: 'cli db',
      tables: [{ schema: 'public', name: 't', kind: 'table' }],
    });
    const again = await gds(['--url', url, 'create', 'cli db']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already exists/);
    expect(again.stderr).toMatch(/hint: /);
    expect((await gds(['--url', url, 'create', 'x', '--opt', 'conection-limit=1'])).stderr).toMatch(/unknown --opt conection-limit \(did you mean --opt connection-limit\?\)/);

    const offline = await gds(['--url', url, '--yes', 'state', 'cli db', 'offline']);
    expect(offline.code).toBe(0);
    expect(json((await gds(['--url', url, '--json', 'state', 'cli db'])).stdout)).toMatchObject({ state: 'offline', accessMode: 'multi_user' });
    expect((await gds(['--url', url, 'state', 'cli db', 'online'])).code).toBe(0);
    expect((await gds(['--url', url, 'state', 'cli db', 'sideways'])).code).toBe(2);
    expect((await gds(['--url', url, '--yes', 'drop', 'cli db'])).code).toBe(0);
    expect(await exists('cli db')).toBe(false);
    expect((await gds(['--url', url, '--yes', 'drop', 'cli db'])).code).toBe(1);
  }, 30_000);

  it('destructive commands refuse without --yes when not on a terminal, and --dry-run changes nothing', async () => {
    await admin.getDatabase('keep me').create();
    for (const args of [['drop', 'keep me'], ['state', 'keep me', 'offline'], ['state', 'keep me', 'single-user'], ['restore', 'keep me', '/nowhere.dump', '--replace']]) {
      const r = await gds(['--url', url, ...args]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/without confirmation: not on a terminal; pass --yes/);
    }
    const dry = await gds(['--url', url, '--dry-run', 'drop', 'keep me', '--force']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toBe('dry run, nothing changed. Would run:\n  DROP DATABASE "keep me" WITH (FORCE)\n');
    const dryJson = json((await gds(['--url', url, '--dry-run', '--json', 'state', 'keep me', 'offline'])).stdout);
    expect(dryJson).toMatchObject({ ok: true, result: { dryRun: true, statements: ['ALTER DATABASE "keep me" ALLOW_CONNECTIONS false'] } });
    expect(await exists('keep me')).toBe(true);
    expect((await admin.getDatabase('keep me').getMetadata()).state).toBe('online');
  }, 30_000);

  it('backup, verify and restore; a failure in --json mode is one JSON document', async () => {
    await admin.getDatabase('cli src').create();
    await pg().query('create table orders as select g as id from generate_series(1, 1000) g', [], { database: 'cli src' });
    await pg().release('cli src');
    const target = join(dir, 'src.dump');
    const b = await gds(['--url', url, '--json', 'backup', 'cli src', target]);
    expect(b.code).toBe(0);
    expect(json(b.stdout)).toMatchObject({ ok: true, result: { success: true, data: { target, format: 'custom' } } });
    expect(b.stderr).toBe('');
    const v = json((await gds(['--url', url, '--json', 'verify', target])).stdout);
    expect(v).toMatchObject({ ok: true, result: { data: { valid: true } } });
    expect((await gds(['--url', url, 'restore', 'cli copy', target])).code).toBe(0);
    const [row] = await pg().query<{ n: number }>('select count(*)::int as n from orders', [], { database: 'cli copy' });
    await pg().release('cli copy');
    expect(row?.n).toBe(1000);
    const refused = await gds(['--url', url, '--json', 'restore', 'cli copy', target]);
    expect(refused.code).toBe(1);
    const doc = json(refused.stdout);
    expect(doc).toMatchObject({ ok: false, exitCode: 1, error: { code: 'VALIDATION' } });
    expect(String((doc.error as Record<string, unknown>).message)).toMatch(/already holds objects/);
    expect((await gds(['--url', url, '--yes', 'restore', 'cli copy', target, '--replace'])).code).toBe(0);
  }, 30_000);

  it('postgres vacuum is reachable under the engine name', async () => {
    const r = await gds(['--url', url, '--json', 'postgres', 'vacuum', 'cli src', '--table', 'public.orders']);
    expect(r.code).toBe(0);
    expect(json(r.stdout)).toMatchObject({ ok: true, result: { statements: ['VACUUM (FULL false, ANALYZE true) "public"."orders"'] } });
    expect((await gds(['--url', url, 'postgres', 'vacuum', 'cli src', '--full'])).code).toBe(2);
  }, 30_000);

  it('HA status and lag print JSON', async () => {
    const s = json((await gds(['--url', url, '--json', 'ha', 'status'])).stdout);
    // a standalone server is no healthy HA configuration: there is no standby to fail over to (issue 12 item 12)
    expect(s).toMatchObject({ ok: true, database: 'postgres', status: 'unknown', healthy: false, configuration: null });
    expect(json((await gds(['--url', url, '--json', 'ha', 'lag'])).stdout)).toEqual({ ok: true, database: 'postgres', lag: {} });
    expect((await gds(['--url', url, 'ha', 'failover', '--target', url])).code).toBe(2);
  }, 30_000);

  it('ha status, lag and failover on a primary with a streaming standby', async () => {
    const ha = await startPostgres({ standby: true });
    try {
      const primary = ha.primary.url('postgres');
      const standby = ha.standby!.url('postgres');
      const status = json((await gds(['--url', primary, '--json', 'ha', 'status'])).stdout);
      expect(status).toMatchObject({ ok: true, status: 'healthy', healthy: true, configuration: { type: 'streaming_replication' } });
      expect(((status.configuration as { nodes: { role: string }[] }).nodes).map((n) => n.role).sort()).toEqual(['primary', 'standby']);
      const lag = json((await gds(['--url', primary, '--json', 'ha', 'lag'])).stdout) as { lag: Record<string, number> };
      expect(Object.values(lag.lag)).toHaveLength(1);
      const refused = await gds(['--url', primary, 'ha', 'failover', '--target', standby]);
      expect(refused.code).toBe(2);
      const dry = json((await gds(['--url', primary, '--json', '--dry-run', 'ha', 'failover', '--target', standby])).stdout);
      expect(dry).toMatchObject({ ok: true, result: { dryRun: true } });
      const done = await gds(['--url', primary, '--yes', 'ha', 'failover', '--target', standby]);
      expect(done.code).toBe(0);
      expect(done.stdout).toMatch(/promoted postgresql:\/\/127\.0\.0\.1:\d+\/postgres/);
      expect(json((await gds(['--url', standby, '--json', 'ls'])).stdout).ok).toBe(true);
      const promoted = await DatabaseManager.connect(standby);
      expect((await promoted.getServerMetadata()).isReplica).toBe(false);
      await promoted.close();
    } finally {
      await ha.stop();
    }
  }, 120_000);

  it('never echoes a password: wrong password, unreachable server, unknown engine', async () => {
    await pg().query("create role cli_pw login password 'Right-Cli-1'");
    const hba = join(cluster.primary.dataDir, 'pg_hba.conf');
    await writeFile(hba, `host all cli_pw 127.0.0.1/32 scram-sha-256\n${await readFile(hba, 'utf8')}`);
    await pg().query('select pg_reload_conf()');
    const wrong = await gds(['--url', `postgres://cli_pw:Wr0ng-S3cret@127.0.0.1:${cluster.primary.port}/postgres`, 'ls']);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/password authentication failed/);
    expect(wrong.stderr).toMatch(/hint: the server refused the password from the URL: check it/); // a wrong password, not a missing one
    expect(wrong.stdout + wrong.stderr).not.toContain('Wr0ng-S3cret');
    const wrongJson = await gds(['--json', '--url', `postgres://cli_pw:Wr0ng-S3cret@127.0.0.1:${cluster.primary.port}/postgres`, 'ls']);
    expect(json(wrongJson.stdout)).toMatchObject({ ok: false, error: { code: 'AUTHENTICATION' } });
    expect(wrongJson.stdout + wrongJson.stderr).not.toContain('Wr0ng-S3cret');
    const right = await gds(['--url', `postgres://cli_pw:Right-Cli-1@127.0.0.1:${cluster.primary.port}/postgres`, '--json', 'ls']);
    expect(right.code).toBe(0);
    const unknown = await gds(['--url', 'oracle://root:My-Secret-9@db/x', 'ls']);
    expect(unknown.code).toBe(2);
    // the installed engines (found by their package.json gds.engine) and their schemes
    expect(unknown.stderr).toMatch(/^gds: no installed gds engine handles oracle:\/\/ URLs \(installed: [^)]*\): install the gds engine package for oracle:\/\/ \(npm install <package>\)\n$/);
    for (const scheme of ['postgres', 'postgresql', 'mssql', 'sqlserver', 'mongodb', 'mongodb+srv', 'snowflake']) expect(unknown.stderr).toContain(` ${scheme}://`);
    const down = await gds(['--url', 'postgres://u:Down-Secret-1@127.0.0.1:1/x', 'ls']);
    expect(down.code).toBe(1);
    expect(down.stdout + down.stderr).not.toContain('Down-Secret-1');
  }, 30_000);

  it('says to install the engine package of the scheme when no installed engine handles it', async () => {
    // a copy of the CLI installed with the core only (no engine packages)
    const app = join(dir, 'only-core');
    await mkdir(join(app, 'node_modules', '@gds'), { recursive: true });
    await cp(join(root, 'packages/gds-cli/dist'), join(app, 'dist'), { recursive: true });
    await cp(join(root, 'packages/gds-cli/package.json'), join(app, 'package.json'));
    await symlink(join(root, 'packages/gds-database'), join(app, 'node_modules/@gds/database'));
    for (const dep of ['commander', 'cli-table3', 'cli-progress']) await symlink(await realpath(join(root, 'packages/gds-cli/node_modules', dep)), join(app, 'node_modules', dep));
    const r = await gds(['--url', 'mssql://sa:Mssql-Secret-1@db/master', 'ls'], { binPath: join(app, 'dist/bin.js'), cwd: app }); // outside the repo: no workspace around
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('gds: no installed gds engine handles mssql:// URLs (installed: none): install the gds engine package for mssql:// (npm install <package>)\n');
  }, 30_000);

  it('Ctrl-C during a backup ends pg_dump and leaves no partial file', async () => {
    await admin.getDatabase('cli big').create();
    await pg().query("create table big as select g as id, repeat(md5(g::text), 30) as payload from generate_series(1, 300000) g", [], { database: 'cli big' });
    await pg().release('cli big');
    const target = join(dir, 'big.sql');
    // only the pg_dumps talking to this file's cluster (gds passes port='<port>' in the conninfo):
    // other jest workers run pg_dump against their own clusters at the same time
    const ours = `port='${cluster.primary.port}'`;
    const pgDumps = () =>
      readdirSync('/proc')
        .filter((p) => /^\d+$/.test(p))
        .filter((p) => {
          try {
            const argv = readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0');
            return argv[0]?.endsWith('/pg_dump') && argv.some((a) => a.includes(ours)) && !readFileSync(`/proc/${p}/stat`, 'utf8').includes(') Z ');
          } catch {
            return false;
          }
        });
    let sent = false;
    const r = await gds(['--url', url, 'backup', 'cli big', target, '--opt', 'format=plain'], {
      onSpawn: (child) => {
        const timer = setInterval(() => {
          if (!sent && pgDumps().length > 0) {
            sent = true;
            child.kill('SIGINT');
            clearInterval(timer);
          }
        }, 20);
        child.on('close', () => clearInterval(timer));
      },
    });
    expect(sent).toBe(true);
    expect(r.code).toBe(130);
    expect(r.stderr).toMatch(/cancelling/);
    expect(existsSync(target)).toBe(false);
    expect(readdirSync(dir).filter((f) => f.includes('gds-partial'))).toEqual([]);
    // the SIGTERM'd pg_dump may still be exiting: wait for it with a generous deadline (not a fixed sleep)
    for (let i = 0; i < 100 && pgDumps().length > 0; i++) await new Promise((res) => setTimeout(res, 100));
    expect(pgDumps()).toEqual([]);
  }, 60_000);
});
