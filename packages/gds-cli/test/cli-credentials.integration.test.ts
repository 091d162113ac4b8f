// Passwords without argv: the gds command (a real subprocess) against a real PostgreSQL server
// whose role `app` must give a password (scram-sha-256). Each way of giving it works, a missing
// one and a wrong one get different messages, and the password is never on the command line of
// gds or of the pg_dump it starts (/proc/<pid>/cmdline, which every local user can read).
import { spawn } from 'node:child_process';
import { chmodSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { addPasswordRole, startPostgres, type PasswordRole, type PostgresCluster } from '@gds/testkit';
import { bin, built, root, skipLine, type Run } from './helpers.js';

const PASSWORD = 'Sup3r-S3cret-pw-7f3a';
let cluster: PostgresCluster;
let role: PasswordRole;
let dir: string;

/** Every process's command line, as other users see it. */
function commandLines(): { pid: number; argv: string }[] {
  const out: { pid: number; argv: string }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      out.push({ pid: Number(entry), argv: readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ') });
    } catch {
      // ended meanwhile
    }
  }
  return out;
}

/** Runs gds with `stdin` piped in, watching every process's command line while it runs. */
function run(args: string[], options: { stdin?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Run & { seen: string[] }> {
  return new Promise((resolve) => {
    const env: NodeJS.ProcessEnv = { ...process.env, GDS_URL: '', HOME: dir, ...options.env };
    for (const k of Object.keys(env)) if (k.startsWith('PG') && !(options.env && k in options.env)) delete env[k];
    const child = spawn(process.execPath, [bin, ...args], { cwd: root, env, stdio: ['pipe', 'pipe', 'pipe'] });
    const seen = new Set<string>();
    const watch = setInterval(() => {
      for (const p of commandLines()) if (/gds-cli\/dist\/bin\.js|pg_dump/.test(p.argv)) seen.add(p.argv);
    }, 3);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.stdin.end(options.stdin ?? '');
    child.on('close', (code) => {
      clearInterval(watch);
      resolve({ code, stdout, stderr, seen: [...seen] });
    });
  });
}

skipLine('gds CLI credentials tests');
(built ? describe : describe.skip)('passwords without argv (subprocess, real PostgreSQL with scram-sha-256)', () => {
  beforeAll(async () => {
    cluster = await startPostgres();
    role = await addPasswordRole(cluster, { user: 'app', password: PASSWORD });
    dir = await mkdtemp(join(tmpdir(), 'gds-cred-'));
  }, 120_000);
  afterAll(async () => {
    await cluster?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 60_000); // stopping the cluster and removing its files: jest's 5 s default is tight on a loaded machine

  it('the server really asks: no password is refused, and it says none was given (not that it is wrong)', async () => {
    const r = await run(['--url', role.url(), 'ls']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/password authentication failed/);
    expect(r.stderr).toMatch(/the server asks for a password and none was given: pipe it to --password-stdin/);
  }, 30_000);

  it('a wrong password gets another message, naming where it came from', async () => {
    const r = await run(['--password-stdin', '--url', role.url(), 'ls'], { stdin: 'not-it\n' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/the server refused the password from --password-stdin/);
    const env = await run(['--url', role.url(), 'ls'], { env: { PGPASSWORD: 'not-it' } });
    expect(env.stderr).toMatch(/refused the password from PGPASSWORD/);
  }, 30_000);

  it('--password-stdin works, and a backup by pg_dump never has the password on a command line', async () => {
    const file = join(dir, 'p.dump');
    const r = await run(['--password-stdin', '--url', role.url(), '--yes', 'backup', 'postgres', file], { stdin: `${PASSWORD}\n` });
    expect(r.stderr).not.toContain(PASSWORD);
    expect(r.code).toBe(0);
    expect(readFileSync(file).subarray(0, 5).toString()).toBe('PGDMP');
    expect(r.seen.some((a) => a.includes('bin.js'))).toBe(true);
    expect(r.seen.some((a) => /pg_dump/.test(a))).toBe(true);
    expect(r.seen.filter((a) => a.includes(PASSWORD))).toEqual([]);
  }, 60_000);

  it('libpq\'s ways work: PGPASSWORD, PGPASSFILE (0600; a readable one is ignored), ~/.pgpass, and GDS_URL', async () => {
    expect((await run(['--url', role.url(), 'ls'], { env: { PGPASSWORD: PASSWORD } })).code).toBe(0);
    const pgpass = join(dir, 'pgpass');
    writeFileSync(pgpass, `# host:port:db:user:password\n127.0.0.1:${cluster.primary.port}:*:app:${PASSWORD}\n`);
    chmodSync(pgpass, 0o600);
    const ok = await run(['--url', role.url(), 'ls'], { env: { PGPASSFILE: pgpass } });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/postgres/);
    chmodSync(pgpass, 0o644);
    const open = await run(['--url', role.url(), 'ls'], { env: { PGPASSFILE: pgpass } });
    expect(open.code).toBe(1);
    expect(open.stderr).toMatch(/group or world access/);
    expect(open.stderr).toMatch(/none was given/);
    writeFileSync(join(dir, '.pgpass'), `*:*:*:app:${PASSWORD}\n`);
    chmodSync(join(dir, '.pgpass'), 0o600);
    expect((await run(['--url', role.url(), 'ls'])).code).toBe(0);
    await rm(join(dir, '.pgpass'));
    const viaEnv = await run(['ls'], { env: { GDS_URL: role.url().replace('app@', `app:${PASSWORD}@`) } });
    expect(viaEnv.code).toBe(0);
    expect(viaEnv.seen.filter((a) => a.includes(PASSWORD))).toEqual([]);
  }, 60_000);

  it('sslmode=require against a server without TLS gets the TLS hint', async () => {
    const r = await run(['--url', `${cluster.primary.url('postgres')}?sslmode=require`, 'ls']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/hint: TLS failed: check sslmode/);
  }, 30_000);

  it('a service file (PGSERVICEFILE + PGSERVICE) gives host, port and user', async () => {
    const services = join(dir, 'services.conf');
    writeFileSync(services, `[sales]\nhost=127.0.0.1\nport=${cluster.primary.port}\nuser=app\ndbname=postgres\n`);
    const r = await run(['--url', 'postgres://', 'ls'], { env: { PGSERVICEFILE: services, PGSERVICE: 'sales', PGPASSWORD: PASSWORD } });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  }, 30_000);
});
