// Backups of real files: one consistent snapshot while ANOTHER PROCESS writes, progress by
// pages, cancellation between steps, VACUUM INTO, overwrite rules, verification.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, promises as fs, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseManager, OperationCancelledError, ValidationError, type ProgressEvent } from '@gds/database';
import '../src/index.js';
import type { SQLiteDatabase } from '../src/index.js';
import { fill, mapped, openFile, seed, tempDir, writeInChild } from './helpers.js';

const dir = tempDir('backup');
const backups = tempDir('backup-b');
let manager: DatabaseManager<SQLiteDatabase>;

beforeAll(async () => {
  manager = (await DatabaseManager.connect(`sqlite://${dir}`)) as DatabaseManager<SQLiteDatabase>;
});
afterAll(async () => {
  await manager.close();
  rmSync(dir, { recursive: true, force: true });
  rmSync(backups, { recursive: true, force: true });
});


describe.each([['wal'], ['delete']] as const)('backup while another process writes (%s mode)', (journalMode) => {
  it('the copy passes integrity_check and holds one consistent snapshot', async () => {
    const db = manager.getDatabase(`busy_${journalMode}`);
    await db.create({ journalMode });
    await fill(db, 8);
    const writer = await writeInChild(await db.file());
    const target = join(backups, `busy_${journalMode}.db`);
    const events: ProgressEvent[] = [];
    // small steps: many chances for the writer to commit between them
    const r = await db.backup(target, { pagesPerStep: 64, onProgress: (p) => events.push(p) }).catch(async (e: unknown) => {
      await writer.stop();
      throw e;
    });
    const committed = await writer.stop();
    expect(r.isSuccess()).toBe(true);
    expect(events.length).toBeGreaterThan(10);
    // nothing but the copy (checked before this test opens it: a read-only open of a WAL file makes -wal/-shm)
    expect(readdirSync(backups).filter((n) => n.startsWith(`busy_${journalMode}`))).toEqual([`busy_${journalMode}.db`]);
    const copy = openFile(target, { readonly: true });
    try {
      expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
      const a = copy.prepare('SELECT count(*) AS n, total(v) AS s FROM a').get() as { n: number; s: number };
      const b = copy.prepare('SELECT count(*) AS n, total(v) AS s FROM b').get() as { n: number; s: number };
      // every transaction wrote the same row to a and b: a torn copy would differ
      expect(a).toEqual(b);
      expect(a.n).toBeGreaterThan(0);
      if (journalMode === 'wal') expect(committed).toBeGreaterThan(a.n); // the writer went on during the copy
      expect((copy.prepare('SELECT count(*) AS n FROM big').get() as { n: number }).n).toBe(8000);
    } finally {
      copy.close();
    }
  }, 60_000);
});

it('progress is reported by pages, up to 100%', async () => {
  const db = manager.getDatabase('progress');
  await db.create({ pageSize: 4096 });
  await fill(db, 2);
  const pages = (await db.getMetadata()).pageCount;
  const events: ProgressEvent[] = [];
  const r = await db.backup(join(backups, 'progress.db'), { pagesPerStep: 100, onProgress: (p) => events.push(p) });
  expect(events.length).toBeGreaterThanOrEqual(Math.floor(pages / 100));
  for (let i = 1; i < events.length; i++) expect(events[i]!.bytes!).toBeGreaterThanOrEqual(events[i - 1]!.bytes!);
  expect(events.at(-1)).toMatchObject({ percent: 100, bytes: pages * 4096, message: `${pages}/${pages} pages` });
  expect(r.data).toMatchObject({ type: 'full', format: 'sqlite3', sizeBytes: pages * 4096, details: { method: 'backup-api', pages } });
}, 30_000);

it('a cancellation between steps stops the copy and leaves neither the target nor a partial file', async () => {
  const db = manager.getDatabase('cancel');
  await db.create();
  await fill(db, 4);
  const controller = new AbortController();
  let seen = 0;
  const target = join(backups, 'cancel.db');
  const before = readdirSync(backups).sort();
  const error = await db
    .backup(target, { pagesPerStep: 10, signal: controller.signal, onProgress: () => { if (++seen === 3) controller.abort(); } })
    .catch((e: unknown) => e);
  expect(OperationCancelledError.isInstance(error)).toBe(true);
  expect(seen).toBeLessThan(10); // it stopped at the next step, not at the end
  expect(existsSync(target)).toBe(false);
  expect(readdirSync(backups).sort()).toEqual(before);
}, 30_000);

describe('mmap: the source is read through a memory map only when asked to', () => {
  it.each([[true], [false]] as const)('mmap %s: the copy is whole, and the file is mapped during the copy exactly when mmap is on', async (mmap) => {
    const db = manager.getDatabase(`mmap_${mmap}`);
    await db.create({ journalMode: 'wal' });
    await fill(db, 2);
    const file = await db.file();
    const seen: boolean[] = [];
    const target = join(backups, `mmap_${mmap}.db`);
    const r = await db.backup(target, { mmap, pagesPerStep: 50, onProgress: (p) => { if ((p.percent ?? 0) < 100) seen.push(mapped(file)); } });
    expect(r.isSuccess()).toBe(true);
    expect(seen.length).toBeGreaterThan(3);
    // with mmap on, SQLite maps the file at a fetch in the first step (the first sample may come before)
    if (mmap) expect(seen.slice(1).every(Boolean)).toBe(true);
    else expect(seen).not.toContain(true);
    expect(mapped(file)).toBe(false); // the map ends with gds's handle
    const copy = openFile(target, { readonly: true });
    try {
      expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
      expect((copy.prepare('SELECT count(*) AS n FROM big').get() as { n: number }).n).toBe(2000);
    } finally {
      copy.close();
    }
  }, 30_000);
  it('a dry run shows the pragma, for VACUUM INTO too, and writes nothing', async () => {
    const db = manager.getDatabase('mmap_dry');
    await db.create();
    for (const method of ['backup-api', 'vacuum-into'] as const) {
      const r = await db.backup(join(backups, `mmap_dry_${method}.db`), { mmap: true, method, dryRun: true });
      expect(r.statements.some((s) => s.startsWith('PRAGMA mmap_size = 2147418112'))).toBe(true);
      expect(existsSync(join(backups, `mmap_dry_${method}.db`))).toBe(false);
    }
  });
});

it('VACUUM INTO makes a compacted copy with the same rows', async () => {
  const db = manager.getDatabase('vac');
  await db.create();
  await seed(db, 2000);
  const h = openFile(await db.file());
  h.exec('DELETE FROM items WHERE id % 2 = 0');
  h.close();
  expect((await db.getMetadata()).freelistPages).toBeGreaterThan(0);
  const target = join(backups, 'vac.db');
  const r = await db.backup(target, { method: 'vacuum-into' });
  expect(r.statements.some((s) => s.startsWith('VACUUM INTO ? -- ?1 = '))).toBe(true);
  const copy = openFile(target, { readonly: true });
  expect(copy.prepare('SELECT count(*) AS n FROM items').get()).toEqual({ n: 1000 });
  expect(copy.pragma('freelist_count', { simple: true })).toBe(0);
  copy.close();
  expect((await fs.stat(target)).size).toBeLessThan((await fs.stat(await db.file())).size);
}, 30_000);

it('an existing target is refused without overwrite and replaced with it; a dry run writes nothing', async () => {
  const db = manager.getDatabase('over');
  await db.create();
  await seed(db, 10);
  const target = join(backups, 'over.db');
  await fs.writeFile(target, 'old contents');
  await expect(db.backup(target)).rejects.toThrow(ValidationError);
  expect(await fs.readFile(target, 'utf8')).toBe('old contents');
  const plan = await db.backup(target, { overwrite: true, dryRun: true });
  expect(plan.statements.join('\n')).toMatch(/BEGIN[\s\S]*sqlite3_backup_step[\s\S]*rename/);
  expect(await fs.readFile(target, 'utf8')).toBe('old contents');
  await db.backup(target, { overwrite: true, verify: 'full' });
  // never over the database itself or its companions, however the path is spelt
  const file = await db.file();
  for (const self of [file, `${file}-wal`, join(dir, '..', dir.split('/').pop()!, 'over.db')]) {
    await expect(db.backup(self, { overwrite: true })).rejects.toThrow(/is the database file itself/);
  }
  expect((await db.getMetadata()).tableCount).toBe(2);
  const copy = openFile(target, { readonly: true });
  expect(copy.prepare('SELECT count(*) AS n FROM items').get()).toEqual({ n: 10 });
  copy.close();
}, 30_000);

describe('verifyBackup', () => {
  it('a good backup is valid (integrity_check, or quick_check as an option) and leaves no companions', async () => {
    const db = manager.getDatabase('ver');
    await db.create({ journalMode: 'wal' });
    await seed(db, 100);
    const target = join(backups, 'ver.db');
    await db.backup(target);
    const full = await db.verifyBackup(target);
    expect(full.data).toMatchObject({ source: target, valid: true, entries: 2, details: { check: 'integrity_check', wal: true } });
    expect(full.statements).toEqual(['PRAGMA integrity_check(100) -- in ' + target]);
    const quick = await db.verifyBackupWith(target, { quick: true });
    expect(quick.data).toMatchObject({ valid: true, details: { check: 'quick_check' } });
    // a WAL-mode copy opened read-only makes -wal/-shm files: removed again
    expect(readdirSync(backups).filter((n) => n.startsWith('ver.db'))).toEqual(['ver.db']);
  }, 30_000);

  it('a damaged, truncated or foreign file is invalid with SQLite\'s problems; a missing one is refused', async () => {
    const db = manager.getDatabase('ver2');
    await db.create();
    await seed(db, 500);
    const target = join(backups, 'ver2.db');
    await db.backup(target);
    // overwrite a page in the middle (an index or table b-tree page) with garbage
    const size = (await fs.stat(target)).size;
    const fd = await fs.open(target, 'r+');
    await fd.write(Buffer.alloc(4096, 0x5a), 0, 4096, Math.floor(size / 4096 / 2) * 4096);
    await fd.close();
    const damaged = await db.verifyBackup(target);
    expect(damaged.data?.valid).toBe(false);
    expect((damaged.data?.details?.problems as string[]).length).toBeGreaterThan(0);
    const text = join(backups, 'text.db');
    await fs.writeFile(text, 'hello '.repeat(100));
    expect((await db.verifyBackup(text)).data).toMatchObject({ valid: false, details: { problems: [expect.stringMatching(/not an SQLite 3 database/)] } });
    const cut = join(backups, 'cut.db');
    await db.backup(cut);
    await fs.truncate(cut, 8192);
    expect((await db.verifyBackup(cut)).data).toMatchObject({ valid: false, details: { problems: [expect.stringMatching(/truncated/)] } });
    await expect(db.verifyBackup(join(backups, 'missing.db'))).rejects.toThrow(ValidationError);
  }, 30_000);
});
