// Metadata, create options, listing, tables and schemas, maintenance, state/access refusals
// and names, against real files.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { promises as fs, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseAlreadyExistsError, DatabaseManager, QueryError, UnsupportedOperationError, ValidationError } from '@gds/database';
import { sqliteEngine, type SQLiteConnection, type SQLiteDatabase } from '../src/index.js';
import { openFile, seed, tempDir } from './helpers.js';

const dir = tempDir('db');
let manager: DatabaseManager<SQLiteDatabase>;

beforeAll(async () => {
  manager = await DatabaseManager.connect(sqliteEngine, `sqlite://${dir}?extensions=.db,.sqlite`);
});
afterAll(async () => {
  await manager.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('create and metadata', () => {
  it('create applies every setting; the metadata reads them back with the file system facts', async () => {
    const db = manager.getDatabase('meta');
    const r = await db.create({ pageSize: 8192, journalMode: 'wal', autoVacuum: 'incremental', encoding: 'UTF-16le', applicationId: 0x47445331, userVersion: 7 });
    const temp = /^create (\S+), then rename it to /.exec(r.statements[0]!)![1]!;
    expect(temp).toMatch(new RegExp(`^${dir}/\\.meta\\.db\\.gds-partial-${process.pid}-`));
    expect(r.statements).toEqual([
      `create ${temp}, then rename it to ${join(dir, 'meta.db')} (never over an existing file)`,
      `PRAGMA page_size = 8192 -- in ${temp}`,
      `PRAGMA encoding = 'UTF-16le' -- in ${temp}`,
      `PRAGMA auto_vacuum = INCREMENTAL -- in ${temp}`,
      `PRAGMA application_id = ${0x47445331} -- in ${temp}`,
      `PRAGMA user_version = 7 -- in ${temp}`,
      `CREATE TABLE _gds_encoding (x) -- in ${temp}`,
      `DROP TABLE _gds_encoding -- in ${temp}`,
      `VACUUM -- in ${temp}`,
      `PRAGMA journal_mode = WAL -- in ${temp}`,
    ]);
    await seed(db, 20);
    const m = await db.getMetadata();
    expect(m).toMatchObject({
      name: 'meta',
      type: 'sqlite',
      file: join(dir, 'meta.db'),
      state: 'online',
      pageSize: 8192,
      journalMode: 'wal',
      autoVacuum: 'incremental',
      encoding: 'UTF-16le',
      applicationId: 0x47445331,
      userVersion: 7,
      tableCount: 2,
      freelistPages: 0,
    });
    expect(m.pageCount).toBe(statSync(join(dir, 'meta.db')).size / 8192);
    expect(m.schemaVersion).toBeGreaterThan(0);
    expect(m.files.main).toBe(statSync(join(dir, 'meta.db')).size);
    expect(m.sizeBytes).toBe(m.files.main + (m.files.wal ?? 0) + (m.files.shm ?? 0) + (m.files.journal ?? 0));
    expect(m.modified.getTime()).toBe(statSync(join(dir, 'meta.db')).mtime.getTime());
    // nothing but the file: the temporary name is gone, the WAL was checkpointed on close
    expect(readdirSync(dir).filter((n) => n.includes('meta'))).toEqual(['meta.db']);
  });

  it('create refuses an existing database and writes nothing in a dry run', async () => {
    const db = manager.getDatabase('twice');
    const plan = await db.create({ dryRun: true, journalMode: 'wal' });
    expect(plan.statements.length).toBe(4);
    expect(readdirSync(dir).filter((n) => n.includes('twice'))).toEqual([]);
    await db.create();
    await expect(db.create()).rejects.toThrow(DatabaseAlreadyExistsError);
  });

  it('lists SQLite files of every configured extension; other files, hidden files and names gds refuses are left out', async () => {
    await manager.getDatabase('listed').create();
    const h = openFile(join(dir, 'listed.db'));
    h.close();
    writeFileSync(join(dir, 'other.sqlite'), '');
    writeFileSync(join(dir, 'notes.db'), 'not a database at all, but has the extension');
    writeFileSync(join(dir, '.hidden.db'), '');
    writeFileSync(join(dir, 'readme.txt'), 'x');
    const names = (await manager.listDatabases()).map((d) => d.name);
    expect(names).toContain('listed');
    expect(names).toContain('other');
    expect(names).not.toContain('notes');
    expect(names).not.toContain('.hidden');
    expect(names).not.toContain('readme');
    const withMeta = await manager.listDatabases({ withMetadata: true });
    expect(withMeta.find((d) => d.name === 'other')?.cachedMetadata).toMatchObject({ file: join(dir, 'other.sqlite'), pageCount: 0 });
    // a non-SQLite file under a database's name is a typed error, not a crash
    await expect(manager.getDatabase('notes').getMetadata()).rejects.toThrow(QueryError);
    // and drop removes SQLite files only
    await expect(manager.getDatabase('notes').drop()).rejects.toThrow(/Not an SQLite database/);
    expect(readFileSync(join(dir, 'notes.db'), 'utf8')).toMatch(/^not a database/);
  });

  it('names are exact file names: case, quotes and semicolons kept; refused names change nothing outside the folder', async () => {
    const canary = join(dir, '..', `${dir.split('/').pop()}-canary.db`);
    writeFileSync(canary, 'canary');
    for (const bad of ['../' + canary.split('/').pop()!.replace(/\.db$/, ''), 'a/b', '..', '.x', 'x\u0000y']) {
      expect(() => manager.getDatabase(bad)).toThrow(ValidationError);
    }
    const a = manager.getDatabase('Case');
    await a.create();
    expect(await manager.getDatabase('case').exists()).toBe(false);
    expect(await fs.readFile(canary, 'utf8')).toBe('canary');
    rmSync(canary);
  });
});

describe('tables and schemas', () => {
  it('lists tables, views, virtual tables and flags WITHOUT ROWID and STRICT tables', async () => {
    const db = manager.getDatabase('objects');
    await db.create();
    const h = openFile(await db.file());
    h.exec(`CREATE TABLE plain (id INTEGER PRIMARY KEY, x TEXT);
      CREATE TABLE kv (k TEXT PRIMARY KEY, v BLOB) WITHOUT ROWID;
      CREATE TABLE typed (id INTEGER PRIMARY KEY, n INTEGER) STRICT;
      CREATE VIEW v_plain AS SELECT * FROM plain;
      CREATE VIRTUAL TABLE docs USING fts5(body);
      CREATE TABLE "odd ""name""" (x);`);
    h.close();
    const tables = await db.listTables();
    const by = Object.fromEntries(tables.map((t) => [t.name, t]));
    expect(by.plain).toMatchObject({ schema: 'main', kind: 'table', sqliteType: 'table', withoutRowid: false, strict: false });
    expect(by.kv).toMatchObject({ kind: 'table', withoutRowid: true });
    expect(by.typed).toMatchObject({ kind: 'table', strict: true });
    expect(by.v_plain).toMatchObject({ kind: 'view', sqliteType: 'view' });
    expect(by.docs).toMatchObject({ kind: 'other', sqliteType: 'virtual' });
    expect(by.docs_data).toMatchObject({ sqliteType: 'shadow' });
    expect(by['odd "name"']).toMatchObject({ kind: 'table' });
    expect(tables.some((t) => t.name.startsWith('sqlite_'))).toBe(false);
    expect(await db.listTables('main')).toEqual(tables);
    expect(await db.listTables('nope')).toEqual([]);
    expect(await db.listSchemas()).toEqual(['main']);
    expect(await db.listSchemas({ includeSystem: true })).toEqual(['main', 'temp']);
  });

  it('attached databases (the attach setting) are schemas with their tables', async () => {
    const audit = manager.getDatabase('audit_db');
    await audit.create();
    await (manager.connection as SQLiteConnection).query('CREATE TABLE events (id INTEGER PRIMARY KEY, what TEXT)', [], { database: 'audit_db' });
    const m = await DatabaseManager.connect(sqliteEngine, `sqlite://${dir}?attach=audit:audit_db`);
    try {
      const db = m.getDatabase('objects');
      expect(await db.listSchemas()).toEqual(['main', 'audit']);
      expect(await db.listTables('audit')).toEqual([{ schema: 'audit', name: 'events', kind: 'table', sqliteType: 'table', withoutRowid: false, strict: false }]);
      const conn = m.connection as SQLiteConnection;
      await conn.query('INSERT INTO audit.events (what) VALUES (?)', ['seen'], { database: 'objects' });
      expect(await conn.query('SELECT what FROM events', [], { database: 'audit_db' })).toEqual([{ what: 'seen' }]);
    } finally {
      await m.close();
    }
    const missing = await DatabaseManager.connect(sqliteEngine, `sqlite://${dir}?attach=x:not_there`);
    await expect(missing.getDatabase('objects').listSchemas()).rejects.toThrow(/not_there/);
    expect(readdirSync(dir)).not.toContain('not_there.db');
    await missing.close();
  });
});

describe('maintenance', () => {
  it('vacuum returns free pages, analyze writes statistics, optimize runs, integrity check reports', async () => {
    const db = manager.getDatabase('maint');
    await db.create();
    await seed(db, 3000);
    const h = openFile(await db.file());
    h.exec('DELETE FROM items WHERE id > 100');
    h.close();
    expect((await db.getMetadata()).freelistPages).toBeGreaterThan(0);
    const v = await db.vacuum();
    expect(v.statements).toEqual([`VACUUM -- in ${await db.file()}`]);
    expect((await db.getMetadata()).freelistPages).toBe(0);
    await db.analyze();
    expect((await db.listTables()).some((t) => t.name === 'sqlite_stat1')).toBe(false);
    const check = openFile(await db.file(), { readonly: true });
    expect((check.prepare('SELECT count(*) AS n FROM sqlite_stat1').get() as { n: number }).n).toBeGreaterThan(0);
    check.close();
    expect((await db.optimize()).statements).toEqual([`PRAGMA optimize -- in ${await db.file()}`]);
    const ok = await db.checkIntegrity();
    expect(ok.data).toEqual({ ok: true, problems: [], check: 'integrity_check' });
    expect((await db.checkIntegrity({ quick: true })).data?.check).toBe('quick_check');
  });

  it('integrity check finds a damaged page', async () => {
    const db = manager.getDatabase('broken');
    await db.create();
    await seed(db, 1000);
    const file = await db.file();
    const size = (await fs.stat(file)).size;
    const fd = await fs.open(file, 'r+');
    await fd.write(Buffer.alloc(4096, 0x33), 0, 4096, Math.floor(size / 4096 / 2) * 4096);
    await fd.close();
    const r = await db.checkIntegrity({ maxErrors: 5 }).catch((e: unknown) => e);
    if (r instanceof Error) expect(QueryError.isInstance(r)).toBe(true);
    else expect((r as { data?: { ok: boolean } }).data?.ok).toBe(false);
  });

  it('WAL checkpoints: passive, full and truncate (which empties the -wal file)', async () => {
    const db = manager.getDatabase('ckpt');
    await db.create({ journalMode: 'wal' });
    const conn = manager.connection as SQLiteConnection;
    const keeper = openFile(await db.file()); // keeps the WAL from being checkpointed on close
    keeper.prepare('SELECT 1').get();
    await conn.query('CREATE TABLE t (x)', [], { database: 'ckpt' });
    for (let i = 0; i < 50; i++) await conn.query('INSERT INTO t VALUES (?)', [i], { database: 'ckpt' });
    expect(statSync(`${await db.file()}-wal`).size).toBeGreaterThan(0);
    const passive = await db.checkpoint();
    expect(passive.statements).toEqual([`PRAGMA wal_checkpoint(PASSIVE) -- in ${await db.file()}`]);
    expect(passive.data?.log).toBeGreaterThan(0);
    expect((await db.checkpoint({ mode: 'full' })).data?.busy).toBe(0);
    const t = await db.checkpoint({ mode: 'truncate' });
    expect(t.data).toMatchObject({ busy: 0, log: 0, checkpointed: 0 });
    expect(statSync(`${await db.file()}-wal`).size).toBe(0);
    keeper.close();
    const rollback = manager.getDatabase('ckpt_delete');
    await rollback.create();
    expect((await rollback.checkpoint()).message).toMatch(/not in WAL mode/);
  });
});

describe('what an embedded file does not have', () => {
  it.each([
    ['setOffline', (db: SQLiteDatabase) => db.setOffline(), /no offline state/],
    ['setOnline', (db: SQLiteDatabase) => db.setOnline(), /no offline state/],
    ['setSingleUserMode', (db: SQLiteDatabase) => db.setSingleUserMode(), /no server to refuse or limit sessions/],
    ['setRestrictedUserMode', (db: SQLiteDatabase) => db.setRestrictedUserMode(), /no users or privileges/],
    ['differential backup', (db: SQLiteDatabase) => db.backup('/tmp/x', { type: 'differential' }), /copy the whole database/],
  ])('%s is refused with the reason', async (_label, call, reason) => {
    const db = manager.getDatabase('caps');
    if (!(await db.exists())) await db.create();
    const e = await call(db).catch((x: unknown) => x);
    expect(UnsupportedOperationError.isInstance(e)).toBe(true);
    expect((e as Error).message).toMatch(reason);
    expect(await db.getState()).toBe('online');
    expect(db.ha).toBeUndefined();
  });

  it('the server metadata is the SQLite library\'s', async () => {
    const s = await manager.getServerMetadata();
    expect(s).toMatchObject({ type: 'sqlite', endpoint: `sqlite://${dir}`, isReplica: false });
    expect(s.version).toMatch(/^3\.\d+\.\d+$/);
    expect(s.versionNumber).toBeGreaterThan(3_037_000); // pragma_table_list needs 3.37
  });

  it('a folder that does not exist is a connection error (or is created with createDirectory=true)', async () => {
    await expect(DatabaseManager.connect(`sqlite://${dir}/missing`)).rejects.toThrow(/is not a folder/);
    const m = await DatabaseManager.connect(`sqlite://${dir}/made?createDirectory=true`);
    expect(statSync(join(dir, 'made')).isDirectory()).toBe(true);
    await m.close();
  });

  it("'sqlite:relative/dir' (no //) reaches the engine, which resolves it against the working directory", async () => {
    await expect(DatabaseManager.connect('sqlite:relative/dir')).rejects.toThrow(`connect: ${join(process.cwd(), 'relative/dir')} is not a folder`);
    const conn = new (manager.connection.constructor as typeof SQLiteConnection)('sqlite:relative/dir');
    expect(conn.directory).toBe(join(process.cwd(), 'relative/dir'));
  });
});
