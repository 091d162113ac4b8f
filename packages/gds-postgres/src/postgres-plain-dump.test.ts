import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PlainDumpRefusal, requirePsqlRestrict, scanPlainDump } from './postgres-plain-dump.js';
import { psqlHasRestrict } from './postgres-plain-dump-restrict.js';

/** pg_dump's header statements and the statements that change psql's lexing (test/evidence/plain-dump-settings.json). */
const settings = JSON.parse(readFileSync(join(__dirname, '..', 'test', 'evidence', 'plain-dump-settings.json'), 'utf8')) as { accepted: string[]; refused: string[] };
/** Files the real psql runs a meta-command from (test/evidence/plain-dump-lexing.json; checked with psql in plain-dump.safety.test.ts). */
const lexing = JSON.parse(readFileSync(join(__dirname, '..', 'test', 'evidence', 'plain-dump-lexing.json'), 'utf8')) as { cases: { lines: string[]; runs: boolean; refused: boolean; why: string }[] };

const HEAD = '--\n-- PostgreSQL database dump\n--\n\n\\restrict Abc123\n\nSET client_encoding = \'UTF8\';\nSET standard_conforming_strings = on;\n';
const TAIL = '\n--\n-- PostgreSQL database dump complete\n--\n\n\\unrestrict Abc123\n\n';

let dir: string;
let n = 0;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gds-plain-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(body: string, whole = false): Promise<string> {
  const path = join(dir, `f${n++}.sql`);
  await writeFile(path, whole ? body : HEAD + body + TAIL);
  return path;
}

describe('scanPlainDump', () => {
  it("accepts SQL whose backslashes are all inside strings, identifiers, comments, bodies and COPY data, and finds pg_dump's restrict lines", async () => {
    const body = [
      "CREATE TABLE public.\"we\\ird\" (a text);",
      "COMMENT ON TABLE public.\"we\\ird\" IS 'back\\slash '' and quote';",
      "SELECT E'\\' \\! not a command', E'it\\'s';",
      "-- a comment with \\! rm -rf",
      '/* nested /* \\! x */ still \\q */ SELECT 1;',
      'CREATE FUNCTION f() RETURNS text LANGUAGE sql AS $_$ select \'\\! no\' $_$;',
      'CREATE FUNCTION g() RETURNS text LANGUAGE plpgsql AS $$ begin return $x$\\q$x$; end $$;',
      'SELECT $1, a$b, x1$a$ FROM t;',
      "SELECT e'\\' \\! in an e string', $q$ \\! in a body $q$;",
      'COPY public."we\\ird" (a) FROM stdin;',
      '\\! data, not a command',
      'tab\\there\t\\N',
      '\\.',
      'SELECT 2;',
    ].join('\n');
    const path = await file(body);
    const scan = await scanPlainDump(path);
    expect(scan.copyBlocks).toBe(1);
    const text = await readFile(path, 'latin1');
    expect(scan.restrictLines.map(([a, b]) => text.slice(a, b))).toEqual(['\\restrict Abc123\n', '\\unrestrict Abc123\n']);
    expect(scan.statements).toBeGreaterThanOrEqual(9);
  });

  it.each([
    ['a shell escape on its own line', '\\! touch /tmp/x\n', 1],
    ['a shell escape after a statement', "SELECT 'a'; \\! touch /tmp/x\n", 1],
    ['a shell escape after an E string ends', "SELECT E'a\\\\'; \\! id\n", 1],
    ['a shell escape after a dollar body ends', 'SELECT $q$ x $q$ \\! id\n', 1],
    ['a meta-command after COPY data ends', 'COPY t (a) FROM stdin;\nx\n\\.\n\\o /tmp/out\n', 4],
    ['\\connect (a --create dump)', '\\connect other\n', 1],
    ['\\set with backticks', "\\set x `id`\n", 1],
    ['a second restrict line not alone on its line', 'SELECT 1; \\unrestrict Abc123\n', 1],
    ['\\copy', '\\copy t from /etc/passwd\n', 1],
    // psql's lexer (psqlscan.l) read exactly: each of these would slip past a naive scan
    ['a comment ended by a carriage return', '-- note\r\\! id\n', 1],
    ["1e'...' (a number then a standard string, not an E string)", "SELECT 1e'\\' \\! id\n", 1],
    ['a dollar quote right after a number', 'SELECT 1$a$ $a$; \\! id\n', 1],
    ['a dollar quote right after a parameter', 'SELECT $1$a$ $a$; \\! id\n', 1],
    ['a dollar quote right after a quoted identifier', 'SELECT "x"$a$ $a$; \\! id\n', 1],
  ])('refuses %s', async (_what, body, lineInBody) => {
    const path = await file(body);
    const e = await scanPlainDump(path).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(PlainDumpRefusal);
    expect((e as PlainDumpRefusal).line).toBe(HEAD.split('\n').length - 1 + lineInBody);
    expect((e as Error).message).toMatch(/meta-command|psql 13\/14/);
  });

  it('refuses an empty file, a text file and a cluster dump', async () => {
    await expect(scanPlainDump(await file('', true))).rejects.toThrow(/is empty/);
    await expect(scanPlainDump(await file('hello, I am a text file\n', true))).rejects.toThrow(/not a pg_dump plain dump/);
    await expect(scanPlainDump(await file('--\n-- PostgreSQL database cluster dump\n--\n', true))).rejects.toThrow(/not a pg_dump plain dump/);
  });

  it('refuses encodings whose characters can hold a backslash byte, and standard_conforming_strings off', async () => {
    await expect(scanPlainDump(await file("SET client_encoding = 'SJIS';\n"))).rejects.toThrow(/SJIS.*client_encoding/);
    await expect(scanPlainDump(await file('SET standard_conforming_strings = off;\n'))).rejects.toThrow(/standard_conforming_strings/);
  });

  it('reads a meta-command split across read chunks', async () => {
    const filler = `SELECT '${'x'.repeat((1 << 20) - 200)}';\n`;
    const path = await file(`${filler}SELECT 1; \\! id\n`);
    await expect(scanPlainDump(path)).rejects.toThrow(/meta-command "\\! id"/);
  });

  it.each(lexing.cases.map((c) => [c.why, c] as const))('agrees with psql (evidence): %s', async (_why, c) => {
    const body = c.lines.join('\n').replace('MARK', '/tmp/gds-never-made') + '\n';
    const refused = await scanPlainDump(await file(body)).then(() => false, (e: unknown) => e instanceof PlainDumpRefusal);
    expect(refused).toBe(c.refused);
    if (c.runs) expect(refused).toBe(true);
  });

  it.each(settings.refused)('refuses %s (it changes how psql lexes what follows), naming its line', async (stmt) => {
    const e = await scanPlainDump(await file(`SELECT 1;\n${stmt}\nSELECT 2;\n`)).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(PlainDumpRefusal);
    expect((e as PlainDumpRefusal).line).toBe(HEAD.split('\n').length - 1 + 2);
  });

  it.each(settings.accepted)('accepts %s', async (stmt) => {
    await expect(scanPlainDump(await file(`${stmt}\n`))).resolves.toMatchObject({ statements: 3 });
  });

  it('refuses what psql would lex with settings gds cannot know (before the header SETs)', async () => {
    const pre = '--\n-- PostgreSQL database dump\n--\n\n';
    await expect(scanPlainDump(await file(`${pre}-- caf\u00e9\nSET client_encoding = 'UTF8';\n`, true))).rejects.toThrow(/non-ASCII byte before/);
    await expect(scanPlainDump(await file(`${pre}SET client_encoding = 'UTF8';\nSELECT 'a\\' \\! id';\n`, true))).rejects.toThrow(/backslash right before a quote in a string before/);
    await expect(scanPlainDump(await file(`${pre}SET client_encoding = 'UTF8';\nSELECT 'a\\\\', 'b\\c';\nSET standard_conforming_strings = on;\n`, true))).resolves.toMatchObject({ statements: 3 });
    await expect(scanPlainDump(await file(`${pre}SET client_encoding = 'UTF8';\nSET standard_conforming_strings = on;\nSELECT 'caf\u00e9 a\\b';\n`, true))).resolves.toMatchObject({ statements: 3 });
  });

  it('refuses a psql variable psql defines (its value would be lexed), keeps slices and casts', async () => {
    await expect(scanPlainDump(await file('SELECT :USER;\n'))).rejects.toThrow(/:USER/);
    await expect(scanPlainDump(await file("SELECT (ARRAY[1,2])[1:2], 'a'::text, x::int FROM t;\n"))).resolves.toMatchObject({ statements: 3 });
  });

  it("refuses a number directly followed by e'' (psql 13/14 and 15+ lex it differently)", async () => {
    for (const s of ["SELECT 1e'x';", "SELECT 1.e'x';", "SELECT $1e'x';", "SELECT 1.5e'x';", "SELECT 1e5e'x';"]) {
      await expect(scanPlainDump(await file(`${s}\n`))).rejects.toThrow(/psql 13\/14/);
    }
    await expect(scanPlainDump(await file("SELECT 1e5, 1.5, $1, 1..2, e'x';\n"))).resolves.toMatchObject({ statements: 3 });
  });

  it('recognises COPY ... FROM stdin by its tokens, at any length, and refuses COPY forms it cannot read', async () => {
    const cols = Array.from({ length: 40 }, (_, i) => `"column number ${i}"`).join(', ');
    const long = await scanPlainDump(await file(`COPY public."a long table name" (${cols}) FROM stdin WITH (FORMAT text, NULL '\\N', FREEZE false);\n'\n\\.\nSELECT 1;\n`));
    expect(long.copyBlocks).toBe(1);
    const mixed = await scanPlainDump(await file('copy BINARY s.t\n  (a)\n  from /* c */ STDOUT;\n\\! data\n\\.\n'));
    expect(mixed.copyBlocks).toBe(1);
    const out = await scanPlainDump(await file("COPY (SELECT 'FROM stdin') TO stdout;\nCOPY t TO stdout;\nCOPY t FROM '/tmp/f';\n"));
    expect(out.copyBlocks).toBe(0);
    await expect(scanPlainDump(await file('COPY t WITH OIDS FROM stdin;\n\\.\n'))).rejects.toThrow(/COPY statement .* form gds cannot read/);
    await expect(scanPlainDump(await file('COPY t FROM stdin; -- c\n\\.\n'))).rejects.toThrow(/text after COPY/);
  });

  it('ends statements where psql does (CREATE FUNCTION ... BEGIN ATOMIC ... END)', async () => {
    const body = 'CREATE FUNCTION public.f() RETURNS integer\n    LANGUAGE sql\n    BEGIN ATOMIC\n SELECT 1;\n SELECT CASE WHEN true THEN 1 END;\nEND;\nCOPY public.t (a) FROM stdin;\n\\! data\n\\.\n';
    const scan = await scanPlainDump(await file(body));
    expect(scan.copyBlocks).toBe(1);
  });
});

describe('requirePsqlRestrict', () => {
  it.each(['13.22', '14.19', '15.14', '15.18', '16.10', '17.6', '17.10', '18.0', '18beta1', '19devel'])('accepts psql %s (it has \\restrict)', (v) => {
    expect(() => requirePsqlRestrict(v)).not.toThrow();
  });
  it.each([
    ['15.13', /15\.14 or newer/],
    ['14.18', /14\.19 or newer/],
    ['13.21', /13\.22 or newer/],
    ['16.9', /16\.10 or newer/],
    ['17.5', /17\.6 or newer/],
    ['12.22', /13\.22, 14\.19, 15\.14, 16\.10, 17\.6/],
  ])('refuses psql %s, saying which psql is needed and how to point gds at it', (v, need) => {
    const e = (() => {
      try {
        requirePsqlRestrict(v);
      } catch (err) {
        return err;
      }
      return undefined;
    })();
    expect(e).toBeInstanceOf(PlainDumpRefusal);
    expect((e as Error).message).toMatch(need);
    expect((e as Error).message).toMatch(/binDir.*--opt bin-dir=/);
  });
});

describe('psqlHasRestrict', () => {
  it('is true from the 2025 security releases on (13.22, 14.19, 15.14, 16.10, 17.6, 18)', () => {
    expect(['13.22', '14.19', '15.14', '15.18', '16.10', '17.6', '18.0', '19'].map(psqlHasRestrict)).toEqual(Array(8).fill(true));
    expect(['12.22', '13.21', '14.18', '15.13', '16.9', '17.5', '11.0'].map(psqlHasRestrict)).toEqual(Array(7).fill(false));
  });
  it('is the one rule requirePsqlRestrict applies (one table of versions)', () => {
    const versions = ['11.0', '12.22', '13.21', '13.22', '14.18', '14.19', '15.4', '15.13', '15.14', '16.9', '16.10', '17.5', '17.6', '17.10', '18.0', '18beta1', '19devel'];
    const accepted = (v: string) => {
      try {
        requirePsqlRestrict(v);
        return true;
      } catch {
        return false;
      }
    };
    expect(versions.map(accepted)).toEqual(versions.map(psqlHasRestrict));
  });
});
