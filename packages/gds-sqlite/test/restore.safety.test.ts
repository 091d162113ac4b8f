// Restore: the source verified first, the target replaced atomically, nothing left behind on
// failure, round trips compared by row checksums.
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { promises as fs, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseManager, ValidationError } from '@gds/database';
import '../src/index.js';
import type { SQLiteDatabase } from '../src/index.js';
import { fingerprint, openFile, seed, tempDir } from './helpers.js';

const dir = tempDir('restore');
const backups = tempDir('restore-b');
let manager: DatabaseManager<SQLiteDatabase>;
const listing = () => readdirSync(dir).sort();

beforeAll(async () => {
  manager = (await DatabaseManager.connect(`sqlite://${dir}`)) as DatabaseManager<SQLiteDatabase>;
});
afterAll(async () => {
  await manager.close();
  rmSync(dir, { recursive: true, force: true });
  rmSync(backups, { recursive: true, force: true });
});

it('round trip: backup, restore into a new name and over an existing one, rows compared by checksum; journal modes as documented', async () => {
  const src = manager.getDatabase('rt_src');
  await src.create({ journalMode: 'wal', applicationId: 42, userVersion: 3 });
  await seed(src, 1000);
  const expected = await fingerprint(src);
  const backup = join(backups, 'rt.db');
  await src.backup(backup);
  const fresh = manager.getDatabase('rt_new');
  const r = await fresh.restore(backup);
  expect(r.statements[0]).toBe(`PRAGMA integrity_check(20) -- in ${backup}`);
  expect(await fingerprint(fresh)).toEqual(expected);
  expect(await fresh.getMetadata()).toMatchObject({ journalMode: 'wal', applicationId: 42, userVersion: 3 }); // the backup's
  const other = manager.getDatabase('rt_old');
  await other.create();
  await seed(other, 3);
  await other.restore(backup, { replace: true });
  expect(await fingerprint(other)).toEqual(expected);
  expect((await other.getMetadata()).journalMode).toBe('delete'); // 'keep': the replaced database's
  await other.restore(backup, { replace: true, journalMode: 'wal', check: 'quick' });
  expect((await other.getMetadata()).journalMode).toBe('wal');
  expect(listing().filter((n) => n.includes('gds-partial') || n.includes('gds-old'))).toEqual([]);
}, 60_000);

it('a damaged source is refused before anything is touched; a new name gets no file', async () => {
  const src = manager.getDatabase('bad_src');
  await src.create();
  await seed(src, 1000);
  const backup = join(backups, 'bad.db');
  await src.backup(backup);
  const size = (await fs.stat(backup)).size;
  const fd = await fs.open(backup, 'r+');
  await fd.write(Buffer.alloc(4096, 0x42), 0, 4096, Math.floor(size / 4096 / 2) * 4096);
  await fd.close();
  const target = manager.getDatabase('bad_target');
  await target.create();
  await seed(target, 5);
  const before = await fingerprint(target);
  const files = listing();
  const error = await target.restore(backup, { replace: true }).catch((e: unknown) => e);
  expect(ValidationError.isInstance(error)).toBe(true);
  expect((error as ValidationError).issues.length).toBeGreaterThan(0);
  expect(await fingerprint(target)).toEqual(before);
  expect(listing()).toEqual(files);
  await expect(manager.getDatabase('bad_new').restore(backup)).rejects.toThrow(ValidationError);
  expect(listing()).toEqual(files);
}, 60_000);

it('a restore cancelled while it copies leaves the target and the folder as they were', async () => {
  const src = manager.getDatabase('fail_src');
  await src.create();
  await seed(src, 100);
  const backup = join(backups, 'fail.db');
  await src.backup(backup);
  const target = manager.getDatabase('fail_target');
  await target.create();
  await seed(target, 5);
  const before = await fingerprint(target);
  const files = listing();
  // the restore copies with the backup API: abort it at its first progress report
  const controller = new AbortController();
  await expect(target.restore(backup, { replace: true, pagesPerStep: 1, signal: controller.signal, onProgress: () => controller.abort() })).rejects.toThrow(/cancel/i);
  expect(await fingerprint(target)).toEqual(before);
  expect(listing()).toEqual(files);
}, 60_000);

it('the restored file is a new file (a rename), so a reader of the old file keeps reading the old data', async () => {
  const src = manager.getDatabase('swap_src');
  await src.create();
  await seed(src, 10);
  const backup = join(backups, 'swap.db');
  await src.backup(backup);
  const target = manager.getDatabase('swap_target');
  await target.create();
  const h = openFile(await target.file());
  h.exec('CREATE TABLE marker (x); INSERT INTO marker VALUES (1)');
  const inodeBefore = (await fs.stat(await target.file())).ino;
  await target.restore(backup, { replace: true }); // h is idle: it holds no lock in rollback mode
  expect((await fs.stat(await target.file())).ino).not.toBe(inodeBefore);
  expect(await fingerprint(target)).toEqual(await fingerprint(src));
  expect(h.prepare('SELECT count(*) AS n FROM marker').get()).toEqual({ n: 1 });
  h.close();
}, 60_000);
