import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExternalToolError, Secret, type GdsError } from '@gds/database';
import { resolveConfig, type PostgreSQLConfigInput } from './postgres-config.js';
import { commandLine, conninfo, findTool, runTool, toolCandidates, toolEnv, type PgTool } from './postgres-tools.js';

let root: string;
let n = 0;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'gds-pg-tools-'));
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

/** A fresh folder under the test's temp dir. */
function freshDir(): string {
  const dir = join(root, `d${++n}`);
  mkdirSync(dir);
  return dir;
}

/** Writes an executable shell script `name` into `dir` and returns its path. */
function script(dir: string, name: string, body: string, mode = 0o755): string {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, mode);
  return path;
}

/** A folder holding a fake `name` whose --version prints `versionLine`. */
function fakeVersionTool(name: string, versionLine: string): string {
  const dir = freshDir();
  script(dir, name, `echo '${versionLine}'`);
  return dir;
}

const fakeTool = (path: string, name = 'pg_dump'): PgTool => ({ name, path, version: '16.2', major: 16 });

/** The environment scripts run with: only PATH (to find sh, sleep, printf). */
const baseEnv = (): NodeJS.ProcessEnv => ({ PATH: process.env.PATH ?? '/usr/bin:/bin' });

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected the promise to reject');
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(check: () => boolean, ms = 2000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return check();
}

function withEnv<T>(vars: Record<string, string | undefined>, fn: () => T): T {
  const saved: Record<string, string | undefined> = {};
  for (const k of Object.keys(vars)) {
    saved[k] = process.env[k];
    if (vars[k] === undefined) delete process.env[k];
    else process.env[k] = vars[k];
  }
  try {
    return fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

function config(input: PostgreSQLConfigInput = {}) {
  return resolveConfig(input);
}

describe('commandLine', () => {
  it('leaves plain arguments bare', () => {
    expect(commandLine('/usr/bin/pg_dump', ['--format=custom', '--file=/b/x.dump', '-v', 'user@host:5432', 'a,b%c+d'])).toBe(
      '/usr/bin/pg_dump --format=custom --file=/b/x.dump -v user@host:5432 a,b%c+d',
    );
  });

  it('single-quotes arguments with spaces or shell characters', () => {
    expect(commandLine('/usr/bin/pg_dump', ['--file=/b/x y.dump'])).toBe("/usr/bin/pg_dump '--file=/b/x y.dump'");
    expect(commandLine('/opt/my pg/bin/pg_dump', ['--dbname=a;b', '$HOME', '`id`', '*'])).toBe("'/opt/my pg/bin/pg_dump' '--dbname=a;b' '$HOME' '`id`' '*'");
    expect(commandLine('psql', [''])).toBe("psql ''");
    expect(commandLine('psql', ['a"b'])).toBe(`psql 'a"b'`);
  });

  it('escapes single quotes as quote, backslash-quote, quote', () => {
    expect(commandLine('pg_dump', ["it's"])).toBe("pg_dump 'it'\\''s'");
    expect(commandLine('pg_dump', ["dbname='it\\'s'"])).toBe("pg_dump 'dbname='\\''it\\'\\''s'\\'''");
  });
});

describe('conninfo', () => {
  const c = config({ host: 'db.example.com', port: 6543, user: 'app' });

  it('quotes every value', () => {
    expect(conninfo(c, 'sales')).toBe("host='db.example.com' port='6543' user='app' dbname='sales'");
    expect(conninfo(config(), 'my db')).toBe("host='localhost' port='5432' user='postgres' dbname='my db'");
  });

  it.each([
    ['a=b', "dbname='a=b'"],
    ["it's", "dbname='it\\'s'"],
    ['back\\slash', "dbname='back\\\\slash'"],
    ['postgres://x', "dbname='postgres://x'"],
    ['host=evil port=1', "dbname='host=evil port=1'"],
    ["x' host='evil", "dbname='x\\' host=\\'evil'"],
  ])('database %j -> %s', (database, tail) => {
    expect(conninfo(c, database)).toBe(`host='db.example.com' port='6543' user='app' ${tail}`);
  });

  it('quotes a socket directory, an IPv6 host and an odd user', () => {
    expect(conninfo(config({ host: '/var/run/postgresql', user: "o'neil" }), 'd')).toBe("host='/var/run/postgresql' port='5432' user='o\\'neil' dbname='d'");
    expect(conninfo(config({ host: '::1' }), 'd')).toBe("host='::1' port='5432' user='postgres' dbname='d'");
  });

  it('never carries the password', () => {
    const cfg = config({ password: 'C0nninfo-pw' });
    try {
      expect(conninfo(cfg, 'd')).not.toContain('C0nninfo-pw');
      expect(conninfo(cfg, 'd')).not.toContain('password');
    } finally {
      cfg.password?.forget();
    }
  });
});

describe('toolEnv', () => {
  it('drops inherited PG* variables and keeps the others', () => {
    // the connection's config is resolved before (libpq's variables it reads are then explicit in it): the tools get only what the config says
    const cfg = config();
    const env = withEnv({ PGHOST: 'evil.example.com', PGDATABASE: 'other', PGPASSWORD: 'inherited-pw', GDS_TEST_KEEP: 'kept' }, () => toolEnv(cfg));
    expect(env.PGHOST).toBeUndefined();
    expect(env.PGDATABASE).toBeUndefined();
    expect(env.PGPASSWORD).toBeUndefined();
    expect(env.GDS_TEST_KEEP).toBe('kept');
    expect(env.PATH).toBe(process.env.PATH);
    expect(process.env.PGHOST).toBeUndefined(); // restored (it was not set before)
    expect(Object.keys(env).filter((k) => k.startsWith('PG')).sort()).toEqual(['PGAPPNAME', 'PGCONNECT_TIMEOUT', 'PGSSLMODE']);
  });

  it('restores an existing PGHOST after the test helper', () => {
    const before = process.env.PGHOST;
    withEnv({ PGHOST: 'temporary' }, () => {
      expect(toolEnv(config()).PGHOST).toBeUndefined();
    });
    expect(process.env.PGHOST).toBe(before);
  });

  it('sets PGPASSWORD only when there is a non-empty password', () => {
    const cfg = config({ password: 'T00l-env-pw' });
    try {
      expect(toolEnv(cfg).PGPASSWORD).toBe('T00l-env-pw');
    } finally {
      cfg.password?.forget();
    }
    expect('PGPASSWORD' in toolEnv(config())).toBe(false);
    expect('PGPASSWORD' in toolEnv(config({ password: '' }))).toBe(false);
    const secret = new Secret('Secr3t-obj');
    try {
      expect(toolEnv(config({ password: secret })).PGPASSWORD).toBe('Secr3t-obj');
    } finally {
      secret.forget();
    }
  });

  it('sets PGSSLMODE, PGAPPNAME and PGCONNECT_TIMEOUT (seconds, rounded up, at least 1)', () => {
    const env = toolEnv(config());
    expect(env.PGSSLMODE).toBe('disable');
    expect(env.PGAPPNAME).toBe('gds-tools');
    expect(env.PGCONNECT_TIMEOUT).toBe('10');
    const custom = toolEnv(config({ ssl: 'verify-full', applicationName: 'etl', connectTimeoutMs: 1500 }));
    expect(custom.PGSSLMODE).toBe('verify-full');
    expect(custom.PGAPPNAME).toBe('etl-tools');
    expect(custom.PGCONNECT_TIMEOUT).toBe('2');
    expect(toolEnv(config({ ssl: true })).PGSSLMODE).toBe('require');
    expect(toolEnv(config({ ssl: 'prefer' })).PGSSLMODE).toBe('prefer');
    expect(toolEnv(config({ connectTimeoutMs: 1 })).PGCONNECT_TIMEOUT).toBe('1');
  });
});

describe('toolCandidates', () => {
  it('orders binDir, GDS_PG_BIN_DIR, the server major folder, other versioned folders, then PATH', () => {
    const list = toolCandidates('pg_dump', { binDir: '/opt/a', serverMajor: 16, env: { GDS_PG_BIN_DIR: '/opt/g', PATH: '/p1::/p2' } });
    expect(list.slice(0, 3)).toEqual(['/opt/a/pg_dump', '/opt/g/pg_dump', '/usr/lib/postgresql/16/bin/pg_dump']);
    expect(list.slice(-2)).toEqual(['/p1/pg_dump', '/p2/pg_dump']);
    const middle = list.slice(3, -2);
    for (const p of middle) expect(p).toMatch(/^\/usr\/lib\/postgresql\/\d+\/bin\/pg_dump$/);
    const majors = middle.map((p) => Number(/postgresql\/(\d+)\//.exec(p)![1]));
    expect([...majors].sort((a, b) => b - a)).toEqual(majors); // newest first
  });

  it('lists each path once', () => {
    const list = toolCandidates('psql', { binDir: '/p1', serverMajor: 16, env: { GDS_PG_BIN_DIR: '/p1/', PATH: '/p1:/usr/lib/postgresql/16/bin' } });
    expect(list.filter((p) => p === '/p1/psql')).toHaveLength(1);
    expect(list.filter((p) => p === '/usr/lib/postgresql/16/bin/psql')).toHaveLength(1);
    expect(list[0]).toBe('/p1/psql');
    expect(new Set(list).size).toBe(list.length);
  });

  it('without binDir, GDS_PG_BIN_DIR or serverMajor, only versioned folders and PATH', () => {
    const list = toolCandidates('pg_restore', { env: { PATH: '/x' } });
    expect(list[list.length - 1]).toBe('/x/pg_restore');
    for (const p of list.slice(0, -1)) expect(p).toMatch(/^\/usr\/lib\/postgresql\/\d+\/bin\/pg_restore$/);
  });

  it('reads GDS_PG_BIN_DIR and PATH from process.env when no env is given', () => {
    const list = withEnv({ GDS_PG_BIN_DIR: '/from/process/env', PATH: '/proc-path' }, () => toolCandidates('pg_dump', { binDir: '/b' }));
    expect(list.slice(0, 2)).toEqual(['/b/pg_dump', '/from/process/env/pg_dump']);
    expect(list[list.length - 1]).toBe('/proc-path/pg_dump');
  });

  it('an explicit env replaces process.env entirely', () => {
    const list = withEnv({ GDS_PG_BIN_DIR: '/from/process/env' }, () => toolCandidates('pg_dump', { env: {} }));
    expect(list).not.toContain('/from/process/env/pg_dump');
  });
});

describe('findTool', () => {
  it('refuses a pg_dump older than the server, saying what it found', async () => {
    const dir = fakeVersionTool('pg_dump', 'pg_dump (PostgreSQL) 9.6.24');
    const e = await rejection(findTool('pg_dump', { binDir: dir, serverMajor: 15, minMajor: 15, env: { PATH: '' } }));
    expect(ExternalToolError.isInstance(e)).toBe(true);
    const err = e as ExternalToolError;
    expect(err.message).toContain('older than the server');
    expect(err.message).toContain('9.6');
    expect(err.message).toBe(
      `pg_dump is older than the server (PostgreSQL 15): found ${join(dir, 'pg_dump')} (9.6); a dump by an older pg_dump would be refused or incomplete`,
    );
    expect(err.tool).toBe('pg_dump');
    expect(err.engine).toBe('postgresql');
    expect(err.hint).toBe('install the PostgreSQL client 15 or newer (apt-get install postgresql-client-15) or pass binDir');
  });

  it('accepts a newer pg_dump and reads its version', async () => {
    const dir = fakeVersionTool('pg_dump', 'pg_dump (PostgreSQL) 16.2');
    const tool = await findTool('pg_dump', { binDir: dir, serverMajor: 15, minMajor: 15, env: { PATH: '' } });
    expect(tool).toEqual({ name: 'pg_dump', path: join(dir, 'pg_dump'), version: '16.2', major: 16 });
  });

  it('reads a Debian-style version line', async () => {
    const dir = fakeVersionTool('pg_restore', 'pg_restore (PostgreSQL) 15.18 (Debian 15.18-1.pgdg120+1)');
    const tool = await findTool('pg_restore', { binDir: dir, env: { PATH: '' } });
    expect(tool.version).toBe('15.18');
    expect(tool.major).toBe(15);
  });

  it('without minMajor, an old tool is accepted', async () => {
    const dir = fakeVersionTool('pg_dump', 'pg_dump (PostgreSQL) 9.6.24');
    const tool = await findTool('pg_dump', { binDir: dir, env: { PATH: '' } });
    expect(tool.version).toBe('9.6');
    expect(tool.major).toBe(9);
  });

  it('finds the tool through GDS_PG_BIN_DIR in the env param', async () => {
    const dir = fakeVersionTool('pg_dump', 'pg_dump (PostgreSQL) 16.2');
    const tool = await findTool('pg_dump', { serverMajor: 15, minMajor: 15, env: { GDS_PG_BIN_DIR: dir, PATH: '' } });
    expect(tool.path).toBe(join(dir, 'pg_dump'));
    expect(tool.major).toBe(16);
  });

  it('skips a tool whose version cannot be read and one that is not executable', async () => {
    const garbage = fakeVersionTool('pg_dump', 'no version here');
    const notExec = freshDir();
    script(notExec, 'pg_dump', "echo 'pg_dump (PostgreSQL) 17.0'", 0o644);
    const good = fakeVersionTool('pg_dump', 'pg_dump (PostgreSQL) 16.2');
    const tool = await findTool('pg_dump', { binDir: garbage, env: { GDS_PG_BIN_DIR: good, PATH: notExec } });
    expect(tool.path).toBe(join(good, 'pg_dump'));
    const pastNotExec = await findTool('pg_dump', { binDir: notExec, env: { GDS_PG_BIN_DIR: good, PATH: '' } });
    expect(pastNotExec.path).toBe(join(good, 'pg_dump'));
  });

  it('stops at a too-old tool in binDir, but not at one in a folder whose name merely starts like binDir', async () => {
    const base = freshDir();
    const binDir = join(base, 'pg');
    mkdirSync(binDir); // holds no pg_dump
    const sibling = join(base, 'pg-old');
    mkdirSync(sibling);
    script(sibling, 'pg_dump', "echo 'pg_dump (PostgreSQL) 9.6.24'");
    const good = fakeVersionTool('pg_dump', 'pg_dump (PostgreSQL) 16.2');
    const tool = await findTool('pg_dump', { binDir, serverMajor: 15, minMajor: 15, env: { GDS_PG_BIN_DIR: sibling, PATH: good } });
    expect(tool.major).toBeGreaterThanOrEqual(15);
    expect(tool.path).not.toBe(join(sibling, 'pg_dump'));
    // a non-normalised binDir still stops the search at its own too-old tool
    const old = fakeVersionTool('pg_dump', 'pg_dump (PostgreSQL) 9.6.24');
    const e = await rejection(findTool('pg_dump', { binDir: `${old}/./`, serverMajor: 15, minMajor: 15, env: { GDS_PG_BIN_DIR: good, PATH: '' } }));
    expect((e as GdsError).message).toContain('older than the server');
    expect((e as GdsError).message).not.toContain(good);
  });

  it('says it was not found, with the install hint', async () => {
    const e = await rejection(findTool('gds_no_such_tool', { binDir: freshDir(), minMajor: 16, env: { PATH: '' } }));
    expect(ExternalToolError.isInstance(e)).toBe(true);
    expect((e as GdsError).message).toBe('gds_no_such_tool was not found (looked in binDir, GDS_PG_BIN_DIR, /usr/lib/postgresql/*/bin and PATH)');
    expect((e as GdsError).hint).toBe('install the PostgreSQL client 16 or newer (apt-get install postgresql-client-16) or pass binDir');
  });
});

describe('runTool', () => {
  it('writes stdin to the tool and closes it; without stdin the tool reads end of file at once', async () => {
    const path = script(freshDir(), 'psql', 'cat');
    async function* chunks() {
      yield Buffer.from('one ');
      yield 'two\n';
    }
    expect((await runTool(fakeTool(path, 'psql'), [], { env: baseEnv(), stdin: chunks() })).stdout).toBe('one two\n');
    expect((await runTool(fakeTool(path, 'psql'), [], { env: baseEnv() })).stdout).toBe('');
  });

  it('a tool that exits without reading all of stdin fails by its exit code, not by EPIPE', async () => {
    const path = script(freshDir(), 'psql', 'head -c 1 >/dev/null; exit 3');
    async function* big() {
      for (let i = 0; i < 64; i++) yield Buffer.alloc(1 << 16, 0x41);
    }
    const e = await rejection(runTool(fakeTool(path, 'psql'), [], { env: baseEnv(), stdin: big() }));
    expect((e as GdsError).message).toMatch(/exit code 3/);
  });

  it('resolves with stdout and passes the arguments without a shell', async () => {
    const path = script(freshDir(), 'pg_restore', 'for a in "$@"; do printf "[%s]\\n" "$a"; done');
    const { stdout } = await runTool(fakeTool(path, 'pg_restore'), ['--list', 'a b', "it's", '$HOME;`id`'], { env: baseEnv() });
    expect(stdout).toBe("[--list]\n[a b]\n[it's]\n[$HOME;`id`]\n");
  });

  it('passes the given environment only', async () => {
    const path = script(freshDir(), 'psql', 'printf "%s|%s" "$PGPASSWORD" "${PGHOST:-none}"');
    const { stdout } = await withEnv({ PGHOST: 'leaked' }, () => runTool(fakeTool(path, 'psql'), [], { env: { ...baseEnv(), PGPASSWORD: 'pw-in-env' } }));
    expect(stdout).toBe('pw-in-env|none');
  });

  it('rejects with ExternalToolError, exit code and stderr tail; onStderrLine gets each line', async () => {
    const path = script(freshDir(), 'pg_dump', "printf 'pg_dump: reading schemas\\n' >&2\nprintf 'pg_dump: error: first problem\\n\\n' >&2\nprintf 'pg_dump: error: connection lost\\n' >&2\nexit 3");
    const lines: string[] = [];
    const e = await rejection(runTool(fakeTool(path), ['--verbose'], { env: baseEnv(), onStderrLine: (l) => lines.push(l) }));
    expect(ExternalToolError.isInstance(e)).toBe(true);
    const err = e as ExternalToolError;
    expect(err.exitCode).toBe(3);
    expect(err.tool).toBe('pg_dump');
    expect(err.stderr).toBe('pg_dump: reading schemas\npg_dump: error: first problem\n\npg_dump: error: connection lost\n');
    expect(err.message).toBe('pg_dump failed (exit code 3): pg_dump: error: first problem |  | pg_dump: error: connection lost');
    expect(lines).toEqual(['pg_dump: reading schemas', 'pg_dump: error: first problem', 'pg_dump: error: connection lost']);
  });

  it('passes a last stderr line without a newline to onStderrLine too', async () => {
    const path = script(freshDir(), 'pg_dump', "printf 'first\\nlast words' >&2\nexit 1");
    const lines: string[] = [];
    const e = await rejection(runTool(fakeTool(path), [], { env: baseEnv(), onStderrLine: (l) => lines.push(l) }));
    expect((e as ExternalToolError).message).toBe('pg_dump failed (exit code 1): first | last words');
    expect((e as ExternalToolError).stderr).toBe('first\nlast words');
    expect(lines).toEqual(['first', 'last words']);
  });

  it('keeps a UTF-8 character split across two writes intact', async () => {
    const path = script(freshDir(), 'pg_dump', "printf '\\303' >&2\nsleep 0.2\nprintf '\\251t\\303\\251\\n' >&2");
    const lines: string[] = [];
    await runTool(fakeTool(path), [], { env: baseEnv(), onStderrLine: (l) => lines.push(l) });
    expect(lines).toEqual(['été']);
  });

  it('redacts live secrets from the lines, the message and the stderr tail', async () => {
    const secret = new Secret('Tool-S3cret-pw');
    try {
      const path = script(freshDir(), 'pg_dump', "echo 'password Tool-S3cret-pw rejected' >&2\nexit 2");
      const lines: string[] = [];
      const e = (await rejection(runTool(fakeTool(path), [], { env: baseEnv(), onStderrLine: (l) => lines.push(l) }))) as ExternalToolError;
      expect(lines).toEqual(['password *** rejected']);
      expect(e.message).not.toContain('Tool-S3cret-pw');
      expect(e.stderr).toBe('password *** rejected\n');
    } finally {
      secret.forget();
    }
  });

  it('rejects with ExternalToolError when the tool cannot be started', async () => {
    const e = await rejection(runTool(fakeTool(join(root, 'missing', 'pg_dump')), [], { env: baseEnv() }));
    expect(ExternalToolError.isInstance(e)).toBe(true);
    expect((e as GdsError).message).toMatch(/^pg_dump could not be started: .*ENOENT/);
  });

  it('rejects at once with the reason when the signal is already aborted', async () => {
    const dir = freshDir();
    const marker = join(dir, 'ran');
    const path = script(dir, 'pg_dump', `touch '${marker}'`);
    const ac = new AbortController();
    const reason = new Error('stop now');
    ac.abort(reason);
    await expect(runTool(fakeTool(path), [], { env: baseEnv(), signal: ac.signal })).rejects.toBe(reason);
    await new Promise((r) => setTimeout(r, 100));
    expect(existsSync(marker)).toBe(false);
  });

  it('kills a running tool when the signal aborts, promptly', async () => {
    const dir = freshDir();
    const pidFile = join(dir, 'pid');
    const path = script(dir, 'pg_dump', 'echo $$ > "$1"\necho started >&2\nexec sleep 30');
    const ac = new AbortController();
    const started = Date.now();
    const p = runTool(fakeTool(path), [pidFile], {
      env: baseEnv(),
      signal: ac.signal,
      onStderrLine: (line) => {
        if (line === 'started') ac.abort();
      },
    });
    const e = await rejection(p);
    expect(Date.now() - started).toBeLessThan(5000);
    expect((e as Error).name).toBe('AbortError');
    expect(e).toBe(ac.signal.reason);
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    expect(pid).toBeGreaterThan(0);
    expect(await waitFor(() => !isAlive(pid))).toBe(true);
  }, 10_000);

  it('escalates to SIGKILL when the tool ignores SIGTERM', async () => {
    const dir = freshDir();
    const pidFile = join(dir, 'pid');
    const path = script(dir, 'pg_dump', "trap '' TERM\necho $$ > \"$1\"\necho started >&2\nwhile :; do sleep 0.1; done");
    const ac = new AbortController();
    const started = Date.now();
    const e = await rejection(
      runTool(fakeTool(path), [pidFile], {
        env: baseEnv(),
        signal: ac.signal,
        onStderrLine: (line) => {
          if (line === 'started') ac.abort();
        },
      }),
    );
    const elapsed = Date.now() - started;
    expect(e).toBe(ac.signal.reason);
    expect(elapsed).toBeGreaterThanOrEqual(2900);
    expect(elapsed).toBeLessThan(8000);
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    expect(await waitFor(() => !isAlive(pid))).toBe(true);
  }, 15_000);
});
