// Real pg_dump 15 dumps (tar, directory) that are cut, bit-flipped or miss a member or file: what each
// structural check of postgres-verify.ts says, and what the real pg_restore does with the same input.
// The cases, their expected verdicts and pg_restore's measured behaviour are data in
// test/evidence/dump-truncation.json, with the pg_dump source rules they follow.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cp, mkdtemp, open, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { findPostgresBinaries, postgresMissingReason, startPostgres, type PostgresCluster } from '@gds/testkit';
import { checkDirectoryDump, checkTarDump, dataEntryIds, DumpStructureError, walkTar } from './postgres-verify.js';

type Format = 'tar' | 'directory' | 'directory-gzip' | 'directory-inserts';
interface Case {
  readonly id: string;
  readonly format: Format;
  readonly what: string;
  /** What the structural check must say: accepted, or refused with a message matching `message`. */
  readonly verdict: 'accepted' | 'refused';
  readonly message?: string;
  /** What `pg_restore -f -` did with the same input here (15.x): exit 0, an error, or no end within the bound. */
  readonly pgRestore: 'exit 0' | 'error' | 'hangs';
  /** Rows of table t in pg_restore's output: all 3000, or fewer (data lost without an error). */
  readonly rows?: 'all' | 'fewer';
}
interface Evidence {
  readonly formats: {
    readonly tar: { readonly blockSize: number; readonly endOfArchiveBlocks: number; readonly firstMember: string; readonly lastMember: string; readonly memberNames: readonly string[] };
    readonly directory: { readonly fileNames: readonly string[] };
    readonly tableDataEnds: { readonly copy: string; readonly inserts: string; readonly emptyInserts: string };
  };
  readonly cases: readonly Case[];
}

const evidence = JSON.parse(readFileSync(join(__dirname, '../test/evidence/dump-truncation.json'), 'utf8')) as Evidence;
const ROWS = 3000;
const PG_RESTORE_BOUND_MS = 8000;
const binaries = findPostgresBinaries();
const itPg = binaries?.pgDump && binaries.pgRestore ? it : it.skip;
if (!binaries?.pgDump || !binaries.pgRestore) console.log(`skipping the real pg_dump/pg_restore checks: ${binaries ? 'no pg_dump or pg_restore next to the server' : postgresMissingReason()}`);

let cluster: PostgresCluster;
let dir: string;
const dumps = {} as Record<Format, string>;
const lists = {} as Record<Format, string[]>;

function tool(name: 'pgDump' | 'pgRestore' | 'psql'): string {
  const file = name === 'psql' ? (binaries?.psql ?? '/usr/bin/psql') : binaries?.[name];
  if (!file) throw new Error(`no ${name}`);
  return file;
}

function connArgs(): string[] {
  return ['-h', '127.0.0.1', '-p', String(cluster.primary.port), '-U', cluster.primary.user];
}

function runOk(file: string, args: readonly string[]): string {
  const result = spawnSync(file, args, { encoding: 'utf8', timeout: 60_000 });
  if (result.status !== 0) throw new Error(`${file} ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

function listOf(path: string): string[] {
  return runOk(tool('pgRestore'), ['--list', path]).split('\n');
}

/** What pg_restore makes of `path` (SQL to stdout, nothing restored): its outcome and how many rows of table t it printed. */
function pgRestore(path: string): { outcome: Case['pgRestore']; rows: number } {
  const result = spawnSync(tool('pgRestore'), ['-f', '-', path], { encoding: 'utf8', timeout: PG_RESTORE_BOUND_MS, killSignal: 'SIGKILL', maxBuffer: 256 * 1024 * 1024 });
  const lines = (result.stdout ?? '').split('\n');
  const start = lines.findIndex((l) => l.startsWith('COPY public.t '));
  let rows = 0;
  // t's rows are '<id>\t<md5>' (the last one maybe cut short); a dump without the end marker runs on into other SQL
  if (start >= 0) for (let i = start + 1; i < lines.length && /^\d+(\t[0-9a-f]*)?$/.test(lines[i]!); i++) rows++;
  const outcome = result.signal === 'SIGKILL' ? 'hangs' : result.status === 0 ? 'exit 0' : 'error';
  return { outcome, rows };
}

async function verdict(format: Format, path: string): Promise<{ verdict: 'accepted' | 'refused'; message: string }> {
  try {
    if (format === 'tar') await checkTarDump(path, lists.tar);
    else await checkDirectoryDump(path, lists[format]);
    return { verdict: 'accepted', message: '' };
  } catch (error) {
    if (error instanceof DumpStructureError) return { verdict: 'refused', message: error.message };
    throw error;
  }
}

async function flipByte(file: string, offset: number): Promise<void> {
  const handle = await open(file, 'r+');
  try {
    const b = Buffer.alloc(1);
    await handle.read(b, 0, 1, offset);
    b[0] = (b[0] ?? 0) ^ 0x01;
    await handle.write(b, 0, 1, offset);
  } finally {
    await handle.close();
  }
}

/** One ustar member (header + data + padding), as pg_dump's tarCreateHeader writes it. */
function tarMember(name: string, data: Buffer): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100, 'latin1');
  h.write('0000600\0', 100, 'latin1');
  h.write('0004000\0', 108, 'latin1');
  h.write('0002000\0', 116, 'latin1');
  h.write(`${data.length.toString(8).padStart(11, '0')}\0`, 124, 'latin1');
  h.write(`${Math.floor(Date.now() / 1000).toString(8).padStart(11, '0')}\0`, 136, 'latin1');
  h.write('        ', 148, 'latin1');
  h.write('0', 156, 'latin1');
  h.write('ustar\0' + '00', 257, 'latin1');
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return Buffer.concat([h, data, Buffer.alloc((512 - (data.length % 512)) % 512)]);
}

/** Re-assembles the tar dump with `edit` applied to its members (drop one, shorten one), ending with two zero blocks. */
async function rebuildTar(source: string, target: string, edit: (name: string, data: Buffer) => Buffer | undefined): Promise<void> {
  const bytes = await readFile(source);
  const parts: Buffer[] = [];
  for (const m of await walkTar(source)) {
    const data = edit(m.name, bytes.subarray(m.offset, m.offset + m.size));
    if (data) parts.push(tarMember(m.name, data));
  }
  await writeFile(target, Buffer.concat([...parts, Buffer.alloc(1024)]));
}

/** Cuts COPY text after its `n`th row (a row boundary: the file still ends with a newline). */
function firstRows(data: Buffer, n: number): Buffer {
  let at = -1;
  for (let i = 0; i < n; i++) at = data.indexOf(0x0a, at + 1);
  return data.subarray(0, at + 1);
}

/** The dump id of table t's data (the same in every dump of the database, as pg_dump numbers objects alike). */
const tableT = () => /^(\d+);/.exec(lists.tar.find((l) => / TABLE DATA public t /.test(l)) ?? '')![1]!;
const blobFile = async (d: string) => (await readdir(d)).find((n) => n.startsWith('blob_'))!;

/** How each case of the evidence is made from the intact dump (a copy of it at `path`). */
const makers: Record<string, (path: string) => Promise<void>> = {
  'tar-intact': async () => undefined,
  'tar-cut-in-table-data': async (p) => {
    const m = (await walkTar(p)).find((x) => x.name === `${tableT()}.dat`)!;
    await truncate(p, m.offset + Math.floor(m.size / 2));
  },
  'tar-cut-in-header': async (p) => {
    const m = (await walkTar(p)).find((x) => x.name === `${tableT()}.dat`)!;
    await truncate(p, m.offset - 512 + 100);
  },
  'tar-cut-before-second-table': async (p) => {
    const members = await walkTar(p);
    const i = members.findIndex((x) => x.name === `${tableT()}.dat`);
    const next = members[i + 1]!;
    await truncate(p, next.offset - 512);
  },
  'tar-cut-before-restore-sql': async (p) => {
    const m = (await walkTar(p)).find((x) => x.name === 'restore.sql')!;
    await truncate(p, m.offset - 512);
  },
  'tar-no-end-blocks': async (p) => truncate(p, (await stat(p)).size - 1024),
  'tar-cut-in-end-blocks': async (p) => truncate(p, (await stat(p)).size - 100),
  'tar-flip-in-header': async (p) => {
    const m = (await walkTar(p)).find((x) => x.name === `${tableT()}.dat`)!;
    await flipByte(p, m.offset - 512 + 1);
  },
  'tar-flip-in-rows': async (p) => {
    const m = (await walkTar(p)).find((x) => x.name === `${tableT()}.dat`)!;
    const bytes = await readFile(p);
    // a digit of an id in the middle of the rows: still a well-formed row
    let at = m.offset + Math.floor(m.size / 2);
    at = bytes.indexOf(0x0a, at) + 1;
    await flipByte(p, at);
  },
  'tar-table-member-removed': async (p) => rebuildTar(dumps.tar, p, (name, data) => (name === `${tableT()}.dat` ? undefined : data)),
  'tar-blob-member-removed': async (p) => rebuildTar(dumps.tar, p, (name, data) => (name.startsWith('blob_') ? undefined : data)),
  'tar-table-rows-dropped': async (p) => rebuildTar(dumps.tar, p, (name, data) => (name === `${tableT()}.dat` ? firstRows(data, ROWS / 2) : data)),
  'directory-intact': async () => undefined,
  'directory-cut-mid-row': async (p) => {
    const f = join(p, `${tableT()}.dat`);
    await truncate(f, Math.floor((await stat(f)).size / 2));
  },
  'directory-cut-at-row-boundary': async (p) => {
    const f = join(p, `${tableT()}.dat`);
    await writeFile(f, firstRows(await readFile(f), ROWS / 2));
  },
  'directory-end-marker-cut': async (p) => {
    const f = join(p, `${tableT()}.dat`);
    await truncate(f, (await stat(f)).size - evidence.formats.tableDataEnds.copy.length);
  },
  'directory-table-file-removed': async (p) => rm(join(p, `${tableT()}.dat`)),
  'directory-blob-file-removed': async (p) => rm(join(p, await blobFile(p))),
  'directory-blobs-toc-removed': async (p) => rm(join(p, 'blobs.toc')),
  'directory-toc-removed': async (p) => rm(join(p, 'toc.dat')),
  'directory-flip-in-rows': async (p) => {
    const f = join(p, `${tableT()}.dat`);
    const bytes = await readFile(f);
    await flipByte(f, bytes.indexOf(0x0a, Math.floor(bytes.length / 2)) + 1);
  },
  'directory-gzip-intact': async () => undefined,
  'directory-gzip-cut-in-half': async (p) => {
    const f = join(p, `${tableT()}.dat.gz`);
    await truncate(f, Math.floor((await stat(f)).size / 2));
  },
  'directory-gzip-trailer-cut': async (p) => {
    const f = join(p, `${tableT()}.dat.gz`);
    await truncate(f, (await stat(f)).size - 8);
  },
  'directory-gzip-flip': async (p) => flipByte(join(p, `${tableT()}.dat.gz`), Math.floor((await stat(join(p, `${tableT()}.dat.gz`))).size / 2)),
  'directory-gzip-recompressed-rows-dropped': async (p) => {
    const f = join(p, `${tableT()}.dat.gz`);
    await writeFile(f, gzipSync(firstRows(gunzipSync(await readFile(f)), ROWS / 2)));
  },
  'directory-gzip-blob-cut': async (p) => {
    const f = join(p, await blobFile(p));
    await truncate(f, (await stat(f)).size - 4);
  },
  'directory-inserts-intact': async () => undefined,
  'directory-inserts-cut-at-statement': async (p) => {
    const f = join(p, `${tableT()}.dat`);
    await writeFile(f, firstRows(await readFile(f), ROWS / 2));
  },
};

beforeAll(async () => {
  if (!binaries?.pgDump || !binaries.pgRestore) return;
  cluster = await startPostgres();
  dir = await mkdtemp(join(tmpdir(), 'gds-pg-verify-'));
  const psql = (sql: string, database: string) => runOk(tool('psql'), [...connArgs(), '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', database, '-c', sql]);
  psql('create database d', 'postgres');
  // t: 3000 rows (the one cut), u: 2 rows (after t in the archive), e: empty, and one large object
  psql(`create table t as select g as id, md5(g::text) as v from generate_series(1, ${ROWS}) g; create table u (a int); insert into u values (1), (2); create table e (a int); select lo_from_bytea(0, 'a large object'::bytea)`, 'd');
  const dump = (format: Format, args: string[]) => {
    dumps[format] = join(dir, format);
    runOk(tool('pgDump'), [...connArgs(), ...args, '-f', dumps[format], 'd']);
    lists[format] = listOf(dumps[format]);
  };
  dump('tar', ['-Ft']);
  dump('directory', ['-Fd', '-Z0']);
  dump('directory-gzip', ['-Fd']);
  dump('directory-inserts', ['-Fd', '-Z0', '--inserts']);
}, 120_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  await cluster?.stop();
}, 60_000); // stopping the cluster and removing its files: jest's 5 s default is tight on a loaded machine

describe('what pg_dump 15 writes (the rules in test/evidence/dump-truncation.json)', () => {
  itPg('a tar dump: 512-byte ustar blocks, toc.dat first, NNNN.dat per data entry, blob_<oid>.dat + blobs.toc, restore.sql last, two zero blocks', async () => {
    const rules = evidence.formats.tar;
    const members = await walkTar(dumps.tar);
    const bytes = await readFile(dumps.tar);
    expect(bytes.length % rules.blockSize).toBe(0);
    expect(bytes.subarray(bytes.length - rules.endOfArchiveBlocks * rules.blockSize).every((b) => b === 0)).toBe(true);
    expect(members[0]?.name).toBe(rules.firstMember);
    expect(members.at(-1)?.name).toBe(rules.lastMember);
    for (const m of members) expect(rules.memberNames.some((p) => new RegExp(p).test(m.name))).toBe(true);
    const entries = dataEntryIds(lists.tar);
    expect(entries.filter((e) => !e.blobs).map((e) => `${e.id}.dat`).sort()).toEqual(members.filter((m) => /^\d+\.dat$/.test(m.name)).map((m) => m.name).sort());
    expect(entries.filter((e) => e.blobs)).toHaveLength(1);
    expect(members.filter((m) => m.name.startsWith('blob_'))).toHaveLength(1);
  });

  itPg('a directory dump: toc.dat, NNNN.dat(.gz) per table, blob_<oid>.dat(.gz) + blobs.toc; table data ends with the COPY or INSERT end', async () => {
    const rules = evidence.formats;
    for (const format of ['directory', 'directory-gzip', 'directory-inserts'] as const) {
      const names = await readdir(dumps[format]);
      expect(names).toContain('toc.dat');
      for (const n of names) expect(rules.directory.fileNames.some((p) => new RegExp(p).test(n))).toBe(true);
      for (const { id, blobs } of dataEntryIds(lists[format])) {
        if (blobs) continue;
        const name = names.find((n) => n === `${id}.dat` || n === `${id}.dat.gz`)!;
        expect(name.endsWith('.gz')).toBe(format === 'directory-gzip');
        const raw = await readFile(join(dumps[format], name));
        const text = (name.endsWith('.gz') ? gunzipSync(raw) : raw).toString('latin1');
        const ends = rules.tableDataEnds;
        if (format === 'directory-inserts') expect(text === ends.emptyInserts || text.endsWith(ends.inserts)).toBe(true);
        else expect(text.endsWith(ends.copy)).toBe(true);
      }
    }
  });

  itPg('dataEntryIds picks the TABLE DATA and BLOBS lines of pg_restore --list, not comments or the BLOB metadata entry', () => {
    const entries = dataEntryIds(lists.tar);
    expect(entries.map((e) => e.blobs)).toEqual([false, false, false, true]);
    const blobMeta = lists.tar.filter((l) => / BLOB - /.test(l));
    expect(blobMeta).toHaveLength(1);
    expect(dataEntryIds(blobMeta)).toEqual([]);
    expect(dataEntryIds(lists.tar.filter((l) => l.startsWith(';')))).toEqual([]);
    for (const e of entries) expect(lists.tar.some((l) => l.startsWith(`${e.id}; `))).toBe(true);
  });
});

describe('each damaged dump: the structural check and the real pg_restore', () => {
  const formats = new Set(evidence.cases.map((c) => c.format));
  for (const format of formats) {
    for (const c of evidence.cases.filter((x) => x.format === format)) {
      itPg(`${format}: ${c.what} -> ${c.verdict} (pg_restore: ${c.pgRestore}${c.rows ? `, ${c.rows} rows` : ''})`, async () => {
        const make = makers[c.id];
        expect(make).toBeDefined();
        const path = join(dir, c.id);
        await cp(dumps[format], path, { recursive: true });
        await make!(path);
        const got = await verdict(format, path);
        expect(got.verdict).toBe(c.verdict);
        if (c.message) expect(got.message).toMatch(new RegExp(c.message));
        // the structural check reads the file and ends: it never waits like pg_restore can
        const restored = pgRestore(path);
        console.log(`${c.id}: gds ${got.verdict}${got.message ? ` (${got.message})` : ''}; pg_restore ${restored.outcome}, ${restored.rows} of ${ROWS} rows of t`);
        expect(restored.outcome).toBe(c.pgRestore);
        if (c.rows === 'all') expect(restored.rows).toBe(ROWS);
        if (c.rows === 'fewer') expect(restored.rows).toBeLessThan(ROWS);
      }, 30_000);
    }
  }

  itPg('every case of the evidence is made by this test, and every maker has a case', () => {
    expect(Object.keys(makers).sort()).toEqual(evidence.cases.map((c) => c.id).sort());
  });
});
