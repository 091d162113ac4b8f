// Drop and restore against files that ANOTHER PROCESS holds: refused with DatabaseInUseError and
// the data kept, in rollback-journal and WAL mode; `force` is not a way to break the lock.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseInUseError, DatabaseManager, UnsupportedOperationError } from '@gds/database';
import '../src/index.js';
import type { SQLiteDatabase } from '../src/index.js';
import { fingerprint, holdInChild, seed, tempDir } from './helpers.js';

const dir = tempDir('locks');
const backups = tempDir('locks-b');
let manager: DatabaseManager<SQLiteDatabase>;

beforeAll(async () => {
  manager = (await DatabaseManager.connect(`sqlite://${dir}`)) as DatabaseManager<SQLiteDatabase>;
});
afterAll(async () => {
  await manager.close();
  rmSync(dir, { recursive: true, force: true });
  rmSync(backups, { recursive: true, force: true });
});

describe.each([['delete'], ['wal']] as const)('a database in %s journal mode held by another process', (journalMode) => {
  it.each([['write'], ['read']] as const)('drop is refused while the other process holds a %s transaction, and succeeds once it let go', async (mode) => {
    const db = manager.getDatabase(`held_${journalMode}_${mode}`);
    await db.create({ journalMode });
    await seed(db);
    const before = await fingerprint(db);
    const file = await db.file();
    const holder = await holdInChild(file, mode);
    try {
      const error = await db.drop().catch((e: unknown) => e);
      expect(DatabaseInUseError.isInstance(error)).toBe(true);
      expect((error as Error).message).toContain(file);
      expect((error as DatabaseInUseError).hint).toMatch(/force does not break a lock/);
      // force is not a way through: refused for what it is, nothing removed
      const forced = await db.drop({ force: true }).catch((e: unknown) => e);
      expect(UnsupportedOperationError.isInstance(forced)).toBe(true);
      expect((forced as Error).message).toMatch(/another process's SQLite connection or break its lock/);
      expect(existsSync(file)).toBe(true);
      expect(await db.exists()).toBe(true);
      expect(await fingerprint(db)).toEqual(before);
      // the journal mode was not changed by the refused attempt
      expect((await db.getMetadata()).journalMode).toBe(journalMode);
    } finally {
      await holder.release();
    }
    await db.drop();
    expect(await db.exists()).toBe(false);
    expect(readdirSync(dir).filter((n) => n.startsWith(db.name))).toEqual([]);
  }, 30_000);
});

it('in WAL mode a process that merely has the file open blocks drop too (it keeps its shared lock)', async () => {
  const db = manager.getDatabase('wal_open');
  await db.create({ journalMode: 'wal' });
  const holder = await holdInChild(await db.file(), 'open');
  try {
    await expect(db.drop()).rejects.toThrow(DatabaseInUseError);
    expect(await db.exists()).toBe(true);
  } finally {
    await holder.release();
  }
  await db.drop();
  expect(await db.exists()).toBe(false);
}, 30_000);

it('restore with replace is refused while another process writes the target; the target and the folder are as they were', async () => {
  const src = manager.getDatabase('r_src');
  await src.create();
  await seed(src, 50);
  const backup = join(backups, 'r_src.db');
  await src.backup(backup);
  const db = manager.getDatabase('r_target');
  await db.create({ journalMode: 'wal' });
  await seed(db, 7);
  const before = await fingerprint(db);
  const listing = readdirSync(dir).sort();
  const holder = await holdInChild(await db.file(), 'write');
  try {
    await expect(db.restore(backup, { replace: true })).rejects.toThrow(DatabaseInUseError);
    await expect(db.restore(backup, { replace: true, force: true })).rejects.toThrow(/force/);
  } finally {
    await holder.release();
  }
  expect(await fingerprint(db)).toEqual(before);
  expect(readdirSync(dir).sort()).toEqual(listing.filter((n) => !n.endsWith('-shm') && !n.endsWith('-wal')).concat(readdirSync(dir).filter((n) => n.endsWith('-shm') || n.endsWith('-wal'))).sort());
  expect(readdirSync(dir).filter((n) => n.includes('gds-partial'))).toEqual([]);
  // once released, the restore goes through and keeps the replaced database's WAL mode
  await db.restore(backup, { replace: true });
  expect(await fingerprint(db)).toEqual(await fingerprint(src));
  expect((await db.getMetadata()).journalMode).toBe('wal');
}, 30_000);
