import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PlainDumpRefusal, scanPlainDump } from './postgres-plain-dump.js';

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
    expect((e as Error).message).toMatch(/meta-command/);
  });

  it('refuses an empty file, a text file and a cluster dump', async () => {
    await expect(scanPlainDump(await file('', true))).rejects.toThrow(/is empty/);
    await expect(scanPlainDump(await file('hello, I am a text file\n', true))).rejects.toThrow(/not a pg_dump plain dump/);
    await expect(scanPlainDump(await file('--\n-- PostgreSQL database cluster dump\n--\n', true))).rejects.toThrow(/not a pg_dump plain dump/);
  });

  it('refuses encodings whose characters can hold a backslash byte, and standard_conforming_strings off', async () => {
    await expect(scanPlainDump(await file("SET client_encoding = 'SJIS';\n"))).rejects.toThrow(/SJIS/);
    await expect(scanPlainDump(await file('SET standard_conforming_strings = off;\n'))).rejects.toThrow(/standard_conforming_strings/);
  });

  it('reads a meta-command split across read chunks', async () => {
    const filler = `SELECT '${'x'.repeat((1 << 20) - 200)}';\n`;
    const path = await file(`${filler}SELECT 1; \\! id\n`);
    await expect(scanPlainDump(path)).rejects.toThrow(/meta-command "\\! id"/);
  });
});
