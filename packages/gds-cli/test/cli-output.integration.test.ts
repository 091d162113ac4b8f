// Output formats, --json usage errors, CLI-spelled hints, server messages, HA columns, the live
// HA view and help: the gds command as a real subprocess (and on a pseudo-terminal) against a
// real PostgreSQL primary + standby.
import { spawn, spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DatabaseManager } from '@gds/database';
import { startPostgres, type PostgresCluster } from '@gds/testkit';
import '@gds/postgres';
import type { PostgreSQLConnection } from '@gds/postgres';
import { bin, built, gds, skipLine, type Run } from './helpers.js';

const python = spawnSync('python3', ['-c', 'import pty'], { stdio: 'ignore' }).status === 0;

/** Runs gds on a pseudo-terminal for `seconds`, then sends `signal` (0 seconds: waits for the end). */
function onTerminal(args: string[], seconds = 0, signal = 'SIGINT', env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn('python3', [join(__dirname, 'pty-screen.py'), String(seconds), signal, process.execPath, bin, ...args], {
      env: { ...process.env, GDS_URL: '', NO_COLOR: '', TERM: 'xterm-256color', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const BOX = /[│─┌┐└┘├┤┬┴┼]/;
const ESC = '\x1b[';

let cluster: PostgresCluster;
let url: string;
let standbyUrl: string;
let admin: DatabaseManager;
const pg = () => admin.connection as PostgreSQLConnection;

skipLine('gds output/HA/help subprocess tests');
if (built && !python) process.stderr.write('SKIP terminal rendering tests: python3 with the pty module is not installed\n');
(built ? describe : describe.skip)('gds output, errors, hints, HA view and help (subprocess, real PostgreSQL primary + standby)', () => {
  beforeAll(async () => {
    cluster = await startPostgres({ standby: true });
    url = cluster.primary.url('postgres');
    standbyUrl = cluster.standby!.url('postgres');
    admin = await DatabaseManager.connect(url);
    for (const name of ['fmt_a', 'fmt_b', 'fmt_c']) await admin.getDatabase(name).create();
    await pg().query('create table big (id int, pad text)', [], { database: 'fmt_a' });
    await pg().query("insert into big select g, repeat('x', 200) from generate_series(1, 20000) g", [], { database: 'fmt_a' });
  }, 180_000);
  afterAll(async () => {
    await admin?.close();
    await cluster?.stop();
  }, 60_000);

  it('piped output is tsv with exact byte counts; csv and plain tables on request; no box drawing when not a terminal', async () => {
    const sizes = new Map((await admin.listDatabases({ withMetadata: true })).map((d) => [d.name, d] as const));
    const exact = (await sizes.get('fmt_a')!.metadata()).sizeBytes!;
    const tsv = await gds(['ls', '--url', url]);
    expect(tsv.code).toBe(0);
    const lines = tsv.stdout.trim().split('\n');
    expect(lines[0]).toBe('name\tsize\towner\tstate\taccess');
    const row = lines.find((l) => l.startsWith('fmt_a\t'))!.split('\t');
    expect(Number(row[1])).toBe(exact); // exact bytes, not '8.1 MiB'
    expect(tsv.stdout).not.toMatch(BOX);
    expect(tsv.stdout).not.toContain(ESC);
    const csv = await gds(['ls', '--url', url, '--format', 'csv']);
    expect(csv.stdout.split('\n')[0]).toBe('name,size,owner,state,access');
    expect(csv.stdout).toMatch(new RegExp(`^fmt_b,\\d+,postgres,online,multi_user$`, 'm'));
    const table = await gds(['ls', '--url', url, '--format', 'table']);
    expect(table.stdout).not.toMatch(BOX);
    const tLines = table.stdout.trim().split('\n');
    expect(tLines).toHaveLength(lines.length); // one line per database, no separator lines
    expect(tLines.find((l) => l.startsWith('fmt_a'))).toMatch(/^fmt_a +\d+(\.\d)? (KiB|MiB) +postgres +online +multi_user$/);
    const json = await gds(['ls', '--url', url, '--format', 'json']);
    const viaAlias = await gds(['ls', '--url', url, '--json']);
    expect(JSON.parse(json.stdout)).toEqual(JSON.parse(viaAlias.stdout));
  }, 60_000);

  (python ? it : it.skip)('on a terminal: a table with a header rule only, human sizes, state in colour; NO_COLOR turns colour off', async () => {
    const r = await onTerminal(['ls', '--url', url]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split(/\r?\n/);
    const dbRows = lines.filter((l) => /fmt_[abc]|postgres /.test(l));
    expect(lines.length).toBe(dbRows.length + 2); // header, its rule, one line per database
    expect(lines[1]).toMatch(/^[─ ]+$/);
    expect(r.stdout).toMatch(/\d+(\.\d)? (KiB|MiB)/);
    expect(r.stdout).toContain('\x1b[32monline\x1b[39m');
    const plain = await onTerminal(['ls', '--url', url], 0, 'SIGINT', { NO_COLOR: '1' });
    expect(plain.stdout).toMatch(/^[─ ]+$/m);
    expect(plain.stdout).not.toContain(ESC);
  }, 60_000);

  it('--json usage errors print { ok: false, exitCode: 2, error } on stdout; arguments are checked before connecting', async () => {
    // a listener that counts connections: a bad argument must never reach it
    let connections = 0;
    const server: Server = createServer((s) => {
      connections++;
      s.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const nowhere = `postgres://postgres@127.0.0.1:${port}/postgres`;
    try {
      const cases: [string[], RegExp][] = [
        [['bogus', '--json'], /unknown command 'bogus'/],
        [['drop', '--json'], /missing required argument 'db'/],
        [['ha', '--json'], /missing command/],
        [['ls', '--json', '--format', 'yaml', '--url', nowhere], /Allowed choices are table, json, tsv, csv/],
        [['ls', '--json', '--timeout', 'soon', '--url', nowhere], /--timeout takes a whole number/],
        [['ls', '--json', '--url', 'postgres://u@h:port/db'], /does not parse as a URL/],
        [['create', 'x', '--json', '--opt', 'ownr=app', '--url', nowhere], /unknown --opt ownr \(did you mean --opt owner\?\)/],
        [['create', 'x', '--json', '--opt', 'connection-limit=many', '--url', nowhere], /--opt connection-limit/],
        [['ls', '--json', '--url', nowhere, '--url', url], /given twice/],
        [['backup', 'x', '/tmp/gds-never', '--json', '--opt', 'formt=directory', '--url', nowhere], /unknown --opt formt \(did you mean --opt format\?\)/],
        [['backup', 'x', '/tmp/gds-never', '--json', '--opt', 'format=zip', '--url', nowhere], /--opt format must be one of custom, directory, tar, plain/],
        [['restore', 'x', '/tmp/gds-never', '--json', '--opt', 'jobz=4', '--url', nowhere], /unknown --opt jobz \(did you mean --opt jobs\?\)/],
      ];
      for (const [args, message] of cases) {
        const started = Date.now();
        const r = await gds(args);
        expect({ args, code: r.code }).toEqual({ args, code: 2 });
        const doc = JSON.parse(r.stdout) as { ok: boolean; exitCode: number; error: { code: string; message: string } };
        expect(doc).toMatchObject({ ok: false, exitCode: 2, error: { code: 'USAGE' } });
        expect(doc.error.message).toMatch(message);
        expect(Date.now() - started).toBeLessThan(5000);
      }
      expect(connections).toBe(0);
    } finally {
      server.close();
    }
  }, 90_000);

  it('hints and messages speak CLI: --opt names, allowed values, --force; no JSON pointers', async () => {
    const unknown = await gds(['create', 'hint_x', '--url', url, '--opt', 'ownr=app']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown --opt ownr \(did you mean --opt owner\?\); known: owner, encoding, locale/);
    const badEnum = await gds(['create', 'hint_x', '--url', url, '--opt', 'locale-provider=libcc']);
    expect(badEnum.code).toBe(2);
    expect(badEnum.stderr).toMatch(/--opt locale-provider must be one of libc, icu, builtin/);
    for (const r of [unknown, badEnum]) expect(r.stderr).not.toMatch(/\/[a-z]+[A-Za-z]*:|\(value\):/);
    expect(await admin.databaseExists('hint_x')).toBe(false);
    // a session in fmt_c: drop is refused, and the hint names --force (the API says force: true)
    const holder = await DatabaseManager.connect(cluster.primary.url('fmt_c'));
    try {
      await (holder.connection as PostgreSQLConnection).query('select 1', [], { database: 'fmt_c' });
      const refused = await gds(['drop', 'fmt_c', '--yes', '--url', url]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/hint: .*--force/);
      expect(refused.stderr).not.toContain('force: true');
      expect(await admin.databaseExists('fmt_c')).toBe(true);
    } finally {
      await holder.close();
    }
  }, 60_000);

  it('postgres vacuum --verbose prints the server INFO lines; a change on the standby gets a hint naming the primary', async () => {
    const v = await gds(['postgres', 'vacuum', 'fmt_a', '--verbose', '--table', 'big', '--url', url]);
    expect(v.code).toBe(0);
    expect(v.stdout).toMatch(/^INFO: vacuuming "fmt_a\.public\.big"/m);
    const refused = await gds(['create', 'on_standby', '--url', standbyUrl]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/read-only transaction/);
    expect(refused.stderr).toMatch(new RegExp(`hint: this server is a standby \\(pg_is_in_recovery\\(\\) is true\\): run changes on its primary, 127\\.0\\.0\\.1:${cluster.primary.port}`));
    expect(await admin.databaseExists('on_standby')).toBe(false);
  }, 60_000);

  it('ha status: the header once, then node, role, state, sync state, lag, lag bytes, endpoint and kind as columns', async () => {
    const r = await gds(['ha', 'status', '--url', url]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines.filter((l) => l.includes('streaming_replication'))).toHaveLength(1);
    const head = lines[1]!.split('\t');
    expect(head).toEqual(expect.arrayContaining(['node', 'role', 'state', 'healthy', 'sync state', 'lag', 'lag bytes', 'endpoint', 'kind']));
    const rows = lines.slice(2).map((l) => Object.fromEntries(l.split('\t').map((c, i) => [head[i], c])));
    const standby = rows.find((row) => row.role === 'standby')!;
    expect(standby['sync state']).toBe('async');
    expect(standby.kind).toBe('client');
    expect(standby['lag bytes']).toMatch(/^\d+$/);
    expect(rows.find((row) => row.role === 'primary')!.kind).toBe('listen');
  }, 60_000);

  (python ? it : it.skip)(
    'ha watch on a terminal: alternate screen, topology tree, coloured state, lag > 0 under write load with replay paused; Ctrl-C restores the terminal (130), SIGTERM too (143)',
    async () => {
      const standby = await DatabaseManager.connect(standbyUrl);
      const stopLoad = { stop: false };
      const load = (async () => {
        for (let i = 0; !stopLoad.stop; i++) await pg().query("insert into big select g, repeat('y', 200) from generate_series(1, 2000) g", [], { database: 'fmt_a' });
      })();
      try {
        await (standby.connection as PostgreSQLConnection).query('select pg_wal_replay_pause()');
        // 9 s of drawing at one frame a second: at least 3 frames (and 3 sparkline samples) even when the
        // CLI's start takes seconds on a loaded CI machine (6 s left little room for that)
        const r = await onTerminal(['ha', 'watch', '--interval', '1', '--url', url], 9, 'SIGINT');
        expect(r.code).toBe(130);
        expect(r.stdout.startsWith('\x1b[?1049h\x1b[?25l')).toBe(true);
        expect(r.stdout).toContain('\x1b[?25h\x1b[?1049l');
        // after leaving the alternate screen nothing but the cleared cancel notice follows
        const after = r.stdout.slice(r.stdout.lastIndexOf('\x1b[?1049l') + 8);
        expect(after).not.toMatch(/gds ha watch/);
        const frames = r.stdout.split('\x1b[H\x1b[2J').slice(1);
        expect(frames.length).toBeGreaterThanOrEqual(3);
        const coloured = frames[frames.length - 1]!;
        expect(coloured).toContain('\x1b[32m'); // a healthy state in green
        expect(coloured).toContain('\x1b[33mnot_synchronized'); // the paused standby in yellow
        const last = coloured.split('\x1b[').map((part, i) => (i === 0 ? part : part.replace(/^[0-9;]*m/, ''))).join('');
        expect(last).toMatch(/gds ha watch: streaming_replication /);
        expect(last).toMatch(new RegExp(`● 127\\.0\\.0\\.1:${cluster.primary.port} +primary`));
        expect(last).toMatch(/└─ .*● .* standby /);
        const lag = /lag (\d+(?:\.\d)?) (B|KiB|MiB|GiB)/.exec(last.split('\n').find((l) => l.includes('└─'))!);
        expect(lag).not.toBeNull();
        expect(Number(lag![1])).toBeGreaterThan(0);
        expect(last).toMatch(/[▁▂▃▄▅▆▇█]{3,}/);
        const term = await onTerminal(['ha', 'watch', '--interval', '1', '--url', url], 5, 'SIGTERM'); // after the first frame, even on a loaded machine
        expect(term.code).toBe(143);
        expect(term.stdout.endsWith('\x1b[?25h\x1b[?1049l') || term.stdout.includes('\x1b[?25h\x1b[?1049l')).toBe(true);
      } finally {
        stopLoad.stop = true;
        await load;
        await (standby.connection as PostgreSQLConnection).query('select pg_wal_replay_resume()').catch(() => undefined);
        await standby.close();
      }
    },
    90_000,
  );

  it('help: global options and examples in subcommand help; engine options from the schemas; --type per engine; --if-not-exists', async () => {
    const bare = await gds(['ha']);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toMatch(/Usage: gds ha \[options\] \[command\]/);
    expect((await gds(['help', 'ha'])).code).toBe(0);
    const h = await gds(['create', '--help']);
    expect(h.stdout).toMatch(/Global Options:[\s\S]*--url <url>[\s\S]*--format <format>/);
    expect(h.stdout).toMatch(/Examples:\n +\$ gds create app/);
    const opts = await gds(['postgres', 'options', 'create']);
    expect(opts.code).toBe(0);
    expect(opts.stdout).toMatch(/^create\ttemplate\tstring\ttemplate1\t/m);
    expect(opts.stdout).toMatch(/^create\tlocale-provider\tlibc \| icu \| builtin\t/m);
    const backupOpts = JSON.parse((await gds(['postgres', 'options', 'backup', '--json'])).stdout) as { commands: { options: { opt: string }[] }[] };
    expect(backupOpts.commands[0]!.options.map((o) => o.opt)).toContain('format');
    const vacuumOpts = await gds(['postgres', 'options', 'vacuum']);
    expect(vacuumOpts.stdout).toMatch(/^vacuum\tfull\tboolean\t/m);
    expect((await gds(['backup', 'fmt_a', '/tmp/never', '--type', 'incremental', '--url', url])).code).toBe(2);
    const diff = await gds(['backup', 'fmt_a', '/tmp/never', '--type', 'differential', '--url', url]);
    expect(diff.code).toBe(2);
    expect(diff.stderr).toMatch(/--type differential is not offered by postgresql .*; postgresql offers: full/);
    const first = await gds(['create', 'ine_db', '--if-not-exists', '--url', url]);
    expect(first.code).toBe(0);
    expect(await admin.databaseExists('ine_db')).toBe(true);
    const again = await gds(['create', 'ine_db', '--if-not-exists', '--url', url]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/already exists: nothing changed/);
    expect((await gds(['create', 'ine_db', '--url', url])).code).toBe(1);
  }, 60_000);
});
