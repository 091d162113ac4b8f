// Issue 12 item 2, the plain-SQL scan against the real psql 15 and a real server: every file in
// test/evidence/plain-dump-lexing.json is fed to psql (does its meta-command run?) and to the scan;
// hostile dumps that desynchronise a byte scan from psql (settings that change how psql lexes, the
// lexer's corner cases) are restored with gds: refused, the meta-command did not run (no marker
// file), the database being replaced is unchanged. A real pg_dump 15 plain dump whose comments,
// names and rows hold the same words passes the scan and restores intact.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DatabaseManager } from '@gds/database';
import { startPostgres, type PostgresCluster } from '@gds/testkit';
import '../src/index.js';
import type { PostgreSQLConnection, PostgreSQLDatabase } from '../src/index.js';
import { scanPlainDump } from '../src/postgres-plain-dump.js';

interface LexCase { lines: string[]; runs: boolean; refused: boolean; why: string }
const lexing = JSON.parse(readFileSync(join(__dirname, 'evidence', 'plain-dump-lexing.json'), 'utf8')) as { cases: LexCase[] };

let cluster: PostgresCluster;
let manager: DatabaseManager;
let dir: string;
let dump: string; // a real pg_dump 15 plain dump of 'words'
const db = (name: string) => manager.getDatabase(name) as PostgreSQLDatabase;
const pg = () => manager.connection as PostgreSQLConnection;
const mark = () => join(dir, `mark-${Math.random().toString(36).slice(2)}`);

/** The real psql, without gds (no \restrict, no scan): does the file's meta-command run? */
function psql(file: string, database: string): void {
  const r = spawnSync('psql', ['-X', '-q', '-f', file, `host=127.0.0.1 port=${cluster.primary.port} user=postgres dbname=${database}`], { encoding: 'utf8', timeout: 30_000 });
  expect(r.error).toBeUndefined();
}

async function oid(name: string): Promise<string | undefined> {
  const rows = await pg().query<{ oid: string }>('select oid::text as oid from pg_catalog.pg_database where datname = $1', [name]);
  return rows[0]?.oid;
}

/** What the database holds: log's rows, its comment, the functions and the view (md5s). */
async function contents(name: string): Promise<Record<string, string | null>> {
  const [row] = await pg().query<Record<string, string | null>>(
    "select (select md5(string_agg(l::text, '|' order by id)) from public.log l) as rows, obj_description('public.log'::regclass) as comment, " +
      "(select md5(string_agg(pg_get_functiondef(p.oid), '|' order by proname)) from pg_proc p where pronamespace = 'public'::regnamespace) as functions, " +
      "md5(pg_get_viewdef('public.v'::regclass)) as view",
    [],
    { database: name },
  );
  await pg().release(name);
  return row ?? {};
}

beforeAll(async () => {
  cluster = await startPostgres();
  manager = await DatabaseManager.connect(cluster.primary.url('postgres'));
  dir = await mkdtemp(join(tmpdir(), 'gds-pg-plain-safety-'));
  await db('words').create();
  // the words the scan watches for, where they must not count: literals, comments, data, column names, bodies
  await pg().query(
    [
      'create table log (id int primary key, client_encoding text, standard_conforming_strings boolean, note text check (note !~ \'^\\d+\\\\$\'))',
      "comment on table log is 'set client_encoding = ''SJIS''; SET NAMES ''SJIS''; set_config(''standard_conforming_strings'', ''off'', false) \\! touch x'",
      "insert into log values (1, 'SJIS', false, E'SET standard_conforming_strings = off;\\n\\\\! touch x\\n\\\\.\\nsel\\u00e9ct'), (2, 'UTF8', true, 'caf\u00e9 $$ :USER ''q''')",
      "create function f() returns text language sql as $$ select set_config('client_encoding', current_setting('client_encoding'), false) $$",
      'create function g() returns int language sql begin atomic select 1; select case when true then 2 end; end',
      'create view v as select (array[1,2,3])[1:2] as s, e\'\\\\\' as bs, 1e5 as n',
    ].join(';'),
    [],
    { database: 'words' },
  );
  await pg().release('words');
  dump = join(dir, 'words.sql');
  await db('words').backup(dump, { format: 'plain' });
}, 180_000);

afterAll(async () => {
  await manager?.close();
  await cluster?.stop();
  await rm(dir, { recursive: true, force: true });
}, 60_000);

describe("item 2: the scan agrees with the real psql 15 on where a meta-command runs", () => {
  it.each(lexing.cases.map((c) => [c.why, c] as const))('%s', async (_why, c) => {
    const m = mark();
    const file = join(dir, 'lex.sql');
    await writeFile(file, `--\n-- PostgreSQL database dump\n--\n\nSET client_encoding = 'UTF8';\nSET standard_conforming_strings = on;\n${c.lines.join('\n').replace('MARK', m)}\n`);
    psql(file, 'postgres');
    expect(existsSync(m)).toBe(c.runs);
    await rm(m, { force: true });
    const refused = await scanPlainDump(file).then(() => false, () => true);
    expect(refused).toBe(c.refused);
  }, 40_000);
});

describe('item 2: a hostile plain dump is refused before psql runs, its meta-command does not run, the replaced database is unchanged', () => {
  // each: lines injected into a real dump, after pg_dump's header (MARK: the marker file)
  const hostile: [string, string[]][] = [
    ["set_config turns standard_conforming_strings off, then '\\' ' hides the meta-command from a byte scan", ["SELECT set_config('standard_conforming_strings', 'off', false);", "SELECT '\\' ' \\! touch MARK", "'"]],
    ['SET SESSION standard_conforming_strings = off', ['SET SESSION standard_conforming_strings = off;', "SELECT '\\' ' \\! touch MARK", "'"]],
    ['SET standard_conforming_strings TO off', ['SET standard_conforming_strings TO off;', "SELECT '\\' ' \\! touch MARK", "'"]],
    ['unquoted SET client_encoding = SJIS, then a backslash inside an SJIS character', ['SET client_encoding = SJIS;', "SELECT E'\u0081\\' \\! touch MARK #'", "';"]],
    ["SET NAMES 'SJIS'", ["SET NAMES 'SJIS';", "SELECT E'\u0081\\' \\! touch MARK #'", "';"]],
    ...lexing.cases.filter((c) => c.runs).map((c): [string, string[]] => [c.why, c.lines]),
  ];

  it.each(hostile)('%s', async (_what, lines) => {
    const m = mark();
    const text = await readFile(dump, 'latin1');
    const at = text.indexOf('SET check_function_bodies');
    const evil = Buffer.from(`${text.slice(0, at)}SET search_path = public;\n${lines.join('\n').replace('MARK', m)}\n${text.slice(at)}`, 'latin1');
    const file = join(dir, 'evil.sql');
    await writeFile(file, evil);
    // the control: the same file, without pg_dump's \restrict lines, fed to psql alone runs the meta-command
    const bare = join(dir, 'evil-bare.sql');
    await writeFile(bare, evil.toString('latin1').replace(/^\\(un)?restrict .*$/gm, ''), 'latin1');
    if (!(await db('scratch').exists())) await db('scratch').create();
    psql(bare, 'scratch');
    expect(existsSync(m)).toBe(true);
    await rm(m, { force: true });
    await db('scratch').drop({ force: true });
    // gds: refused before psql runs
    if (!(await db('keep').exists())) await db('keep').restore(dump);
    const before = await contents('keep');
    const beforeOid = await oid('keep');
    await expect(db('keep').restore(file, { replace: true })).rejects.toThrow(/line \d+/);
    expect(existsSync(m)).toBe(false);
    expect(await oid('keep')).toBe(beforeOid);
    expect(await contents('keep')).toEqual(before);
  }, 90_000);
});

describe('item 2: a real pg_dump 15 plain dump holding the watched words in literals, comments, data and names restores', () => {
  it('passes the scan and restores with the rows, comment and functions intact', async () => {
    const text = await readFile(dump, 'utf8');
    expect(text).toMatch(/^SET client_encoding = 'UTF8';$/m);
    expect(text).toMatch(/^SET standard_conforming_strings = on;$/m);
    expect(text).toMatch(/^COPY public\.log \(id, client_encoding, standard_conforming_strings, note\) FROM stdin;$/m);
    const scan = await scanPlainDump(dump);
    expect(scan.copyBlocks).toBe(1);
    await db('words_copy').restore(dump);
    expect(await contents('words_copy')).toEqual(await contents('words'));
    expect((await contents('words')).rows).toMatch(/^[0-9a-f]{32}$/);
    const [row] = await pg().query<{ c: string; g: number }>("select obj_description('public.log'::regclass) as c, public.g() as g", [], { database: 'words_copy' });
    expect(row?.c).toContain('SET NAMES');
    expect(row?.g).toBe(2);
  }, 90_000);
});

describe('item 2: a psql without \\restrict is refused for a plain restore, before anything changes', () => {
  it('a psql reporting 15.13 never runs, and the database being replaced keeps its oid and contents', async () => {
    const bin = join(dir, 'old-psql');
    const ran = join(dir, 'old-psql-ran');
    await rm(bin, { recursive: true, force: true });
    await import('node:fs/promises').then((f) => f.mkdir(bin));
    // answers --version like psql 15.13 (before the 2025 \restrict releases); any other call leaves a mark
    await writeFile(join(bin, 'psql'), `#!/bin/sh\nif [ "$1" = "--version" ]; then echo "psql (PostgreSQL) 15.13"; exit 0; fi\ntouch ${ran}\nexit 0\n`, { mode: 0o755 });
    await db('keep_old_psql').create();
    await pg().query("create table t (id int); insert into t values (1), (2)", [], { database: 'keep_old_psql' });
    await pg().release('keep_old_psql');
    const before = await oid('keep_old_psql');
    const e = await db('keep_old_psql').restore(dump, { replace: true, binDir: bin }).catch((err: unknown) => err as Error);
    expect(e).toBeInstanceOf(Error);
    expect(e.message).toMatch(/Invalid restore tool/);
    expect(JSON.stringify(e)).toMatch(/15\.13/);
    expect(existsSync(ran)).toBe(false);
    expect(await oid('keep_old_psql')).toBe(before);
    const rows = await pg().query<{ n: string }>('select count(*)::text as n from t', [], { database: 'keep_old_psql' });
    await pg().release('keep_old_psql');
    expect(rows[0]?.n).toBe('2');
    const side = await pg().query<{ n: string }>("select count(*)::text as n from pg_database where datname like 'gds_restore_%'", []);
    expect(side[0]?.n).toBe('0');
  });
});
