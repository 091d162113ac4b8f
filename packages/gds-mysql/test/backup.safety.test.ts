// Backups that are cancelled, fail, or meet a hostile target or name, against a real MariaDB:
// nothing at the target, no partial file, no tool process and no option file left behind.
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { existsSync, mkdtempSync, promises as fs, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseManager, DatabaseNotFoundError, GdsError, ValidationError } from '@gds/database';
import '../src/index.js';
import { parseMysqlUrl } from '../src/mysql-config.js';
import type { MySQLDatabase } from '../src/mysql-database.js';
import { rawSession, seed } from './helpers.js';
import { describeWithMysqlServers } from './servers.js';

const tmp = mkdtempSync(join(tmpdir(), 'gds-mysql-backup-safety-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let counter = 0;
const unique = (label: string) => `m2b_${label}_${process.pid}_${counter++}`;

/** The pids of this process's dump-tool children (Linux /proc). Synchronous, so that a progress callback can
 * look and cancel in the same tick, before the dump can finish (an 80 MB dump without compression
 * finished under CI load while an asynchronous look was still reading /proc). */
function dumpChildren(): string[] {
  const tasks = (() => {
    try {
      return readdirSync('/proc/self/task');
    } catch {
      return [] as string[];
    }
  })();
  const read = (path: string) => {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return '';
    }
  };
  return tasks
    .map((t) => read(`/proc/self/task/${t}/children`))
    .join(' ')
    .split(/\s+/)
    .filter(Boolean)
    .filter((pid) => /mariadb-dump|mysqldump|zstd/.test(read(`/proc/${pid}/cmdline`)));
}
const optionFolders = () => readdirSync(tmpdir()).filter((n) => n.startsWith(`gds-mysql-${process.pid}-`));

describeWithMysqlServers('backup safety', (server) => {
  let manager: DatabaseManager;
  let big: MySQLDatabase;
  beforeAll(async () => {
    manager = await DatabaseManager.connect(server().url);
    big = manager.getDatabase(unique('big')) as MySQLDatabase;
    await big.create();
    const s = await rawSession(server().url, big.name);
    try {
      await s.query('CREATE TABLE bulk (id INT PRIMARY KEY, v LONGTEXT) ENGINE=InnoDB');
      for (let i = 0; i < 160; i++) await s.query('INSERT INTO bulk VALUES (?, REPEAT(MD5(?), 16384))', [i, String(i)]); // 80 MB of SQL
    } finally {
      await s.end();
    }
  }, 240_000);
  afterAll(async () => {
    await manager?.close();
  });

  it.each(['none', 'gzip', 'zstd'] as const)('cancelled mid-dump (compress %s): no file, no partial file, no tool process, no option file', async (compress) => {
    const folder = join(tmp, `cancel_${compress}`);
    await fs.mkdir(folder);
    const target = join(folder, 'big.sql');
    const controller = new AbortController();
    let sawRunning = false;
    // cancel as soon as the dump tool is seen running (a 5 ms look, not a progress event: the first
    // sample comes after 500 ms, and under CI load an uncompressed dump was done by then)
    const look = setInterval(() => {
      if (!controller.signal.aborted && dumpChildren().length > 0) {
        sawRunning = true;
        controller.abort();
      }
    }, 5);
    const error = await big
      .backup(target, { compress, signal: controller.signal })
      .then(
        () => undefined,
        (e: unknown) => e,
      )
      .finally(() => clearInterval(look));
    expect(GdsError.isInstance(error)).toBe(true);
    expect(sawRunning).toBe(true); // the cancel came while the dump tool ran
    expect(await fs.readdir(folder)).toEqual([]);
    expect(dumpChildren()).toEqual([]);
    expect(optionFolders()).toEqual([]);
  }, 120_000);

  it('a throwing onProgress breaks nothing: the backup completes and verifies', async () => {
    const target = join(tmp, 'throwing.sql.gz');
    let calls = 0;
    const result = await big.backup(target, {
      compress: 'gzip',
      onProgress: () => {
        calls++;
        throw new Error('a user callback that throws');
      },
    });
    expect(result.isSuccess()).toBe(true);
    expect(calls).toBeGreaterThan(1);
    expect((await big.verifyBackup(target)).data?.valid).toBe(true);
  }, 120_000);

  it('an existing target is refused without overwrite, a link always; overwrite replaces a regular file', async () => {
    const db = manager.getDatabase(unique('small')) as MySQLDatabase;
    await db.create();
    await seed(server().url, db, 10);
    const target = join(tmp, 'exists.sql');
    await fs.writeFile(target, 'precious');
    await expect(db.backup(target)).rejects.toThrow(ValidationError);
    expect(await fs.readFile(target, 'utf8')).toBe('precious');
    const link = join(tmp, 'link.sql');
    symlinkSync(target, link);
    await expect(db.backup(link, { overwrite: true })).rejects.toThrow(/symbolic link/);
    expect(await fs.readFile(target, 'utf8')).toBe('precious');
    await db.backup(target, { overwrite: true });
    expect(await fs.readFile(target, 'utf8')).toMatch(/-- Dump completed/);
    expect(readdirSync(tmp).filter((n) => n.includes('gds-partial') || n.includes('gds-old'))).toEqual([]);
  }, 60_000);

  it('dry runs show the tool command lines (no password) and change nothing', async () => {
    const db = manager.getDatabase(unique('dry')) as MySQLDatabase;
    await db.create();
    await seed(server().url, db, 10);
    const target = join(tmp, 'dry.sql');
    const backup = await db.backup(target, { dryRun: true, compress: 'gzip' });
    expect(backup.dryRun).toBe(true);
    expect(backup.statements.join('\n')).toMatch(/mariadb-dump|mysqldump/);
    expect(backup.statements.join('\n')).toContain('--single-transaction');
    expect(existsSync(target)).toBe(false);
    await db.backup(target);
    const fresh = manager.getDatabase(unique('dry_new')) as MySQLDatabase;
    const restore = await fresh.restore(target, { dryRun: true });
    expect(restore.statements.join('\n')).toMatch(/CREATE DATABASE/);
    expect(restore.statements.join('\n')).toMatch(/--binary-mode/);
    expect(await fresh.exists()).toBe(false);
    const { password } = parseMysqlUrl(server().url);
    const secret = typeof password === 'string' ? password : password?.reveal();
    if (secret) expect([...backup.statements, ...restore.statements].join('\n')).not.toContain(secret);
  }, 60_000);

  it('a table name that looks like an option stays a name (after --), and a failed dump leaves nothing', async () => {
    const db = manager.getDatabase(unique('opt')) as MySQLDatabase;
    await db.create();
    await seed(server().url, db, 10);
    const stray = join(tmp, 'stray.sql');
    const target = join(tmp, 'opt.sql');
    await expect(db.backup(target, { tables: [`--result-file=${stray}`] })).rejects.toThrow(/mariadb-dump|mysqldump/);
    expect(existsSync(stray)).toBe(false);
    expect(existsSync(target)).toBe(false);
    expect(readdirSync(tmp).filter((n) => n.includes('gds-partial'))).toEqual([]);
    await expect((manager.getDatabase(unique('missing')) as MySQLDatabase).backup(join(tmp, 'missing.sql'))).rejects.toThrow(DatabaseNotFoundError);
    expect(optionFolders()).toEqual([]);
  }, 60_000);
});
