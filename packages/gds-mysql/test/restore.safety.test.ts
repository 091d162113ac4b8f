// Restores from hostile or broken files against a real MariaDB: client commands never run (a
// canary file must not appear), the database being replaced stays as it was, nothing is left behind.
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, promises as fs, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DatabaseManager, GdsError, ValidationError } from '@gds/database';
import { hostTag } from '@gds/database/engine';
import '../src/index.js';
import type { MySQLDatabase } from '../src/mysql-database.js';
import { parseMysqlUrl, resolveConfig } from '../src/mysql-config.js';
import { clientArgs } from '../src/mysql-restore.js';
import { findTool, runTool, writeDefaultsFile } from '../src/mysql-tools.js';
import { fingerprint, rawQuery, rawSession, seed } from './helpers.js';
import { describeWithMysqlServers } from './servers.js';

const tmp = mkdtempSync(join(tmpdir(), 'gds-mysql-restore-safety-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let counter = 0;
const unique = (label: string) => `m2s_${label}_${process.pid}_${counter++}`;

describeWithMysqlServers('restore safety', (server) => {
  let manager: DatabaseManager;
  let good: string; // a complete dump of a seeded database
  let goodText: string;
  beforeAll(async () => {
    manager = await DatabaseManager.connect(server().url);
    const src = manager.getDatabase(unique('src')) as MySQLDatabase;
    await src.create();
    await seed(server().url, src, 300);
    good = join(tmp, 'good.sql');
    await src.backup(good);
    goodText = await fs.readFile(good, 'utf8');
  }, 120_000);
  afterAll(async () => {
    await manager?.close();
  });
  const sideDatabases = async () => (await rawQuery<{ n: string }>(server().url, "SELECT SCHEMA_NAME AS n FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 'gds\\_re%'")).map((r) => r.n);
  const allDatabases = async () => (await rawQuery<{ n: string }>(server().url, 'SELECT SCHEMA_NAME AS n FROM information_schema.SCHEMATA ORDER BY 1')).map((r) => r.n);

  /** Dumps with a client command put where the client would run it; each writes its own canary file. */
  const hostile = (): { label: string; text: string; canary: string }[] => {
    const cut = goodText.indexOf('UNLOCK TABLES;');
    const variants: [string, (c: string) => string][] = [
      ['system line', (c) => `system touch ${c}\n`],
      ['SYSTEM after a statement', (c) => `SELECT 1; SYSTEM touch ${c};\n`],
      ['backslash-bang', (c) => `\\! touch ${c}\n`],
      ['backslash-bang in an executable comment', (c) => `/*!50000 \\! touch ${c} */;\n`],
      ['after a hidden comment', (c) => `/* x */ system touch ${c};\n`],
      ['source', (c) => `source ${c}\n`],
      ['use another database', () => 'use mysql\n'],
      ['NO_BACKSLASH_ESCAPES string trick', (c) => `SET sql_mode = 'NO_BACKSLASH_ESCAPES';\nSELECT 'a\\'; \\! touch ${c} ;';\n`],
    ];
    return variants.map(([label, make], i) => {
      const canary = join(tmp, `canary_${i}`);
      return { label, canary, text: goodText.slice(0, cut) + make(canary) + goodText.slice(cut) };
    });
  };

  it('a hostile dump is refused, runs no client command, and leaves the replaced database exactly as it was', async () => {
    const db = manager.getDatabase(unique('keep')) as MySQLDatabase;
    await db.create();
    await seed(server().url, db, 50);
    const before = await fingerprint(server().url, db);
    const databases = await allDatabases();
    for (const { label, text, canary } of hostile()) {
      for (const compress of ['none', 'gzip'] as const) {
        const file = join(tmp, `hostile.sql${compress === 'gzip' ? '.gz' : ''}`);
        await fs.writeFile(file, compress === 'gzip' ? gzipSync(text) : text);
        // force: the seeding session may still be in the process list for a moment (it has just quit)
        await expect(db.restore(file, { replace: true, force: true })).rejects.toThrow(ValidationError);
        expect({ label, canary: existsSync(canary) }).toEqual({ label, canary: false });
        expect(await fingerprint(server().url, db)).toEqual(before);
        // into a new name: no database is created
        const fresh = manager.getDatabase(unique('fresh')) as MySQLDatabase;
        await expect(fresh.restore(file)).rejects.toThrow(/client command|sql_mode|line \d+/);
        expect(existsSync(canary)).toBe(false);
        expect(await allDatabases()).toEqual(databases);
        expect(await db.verifyBackup(file).catch((e: unknown) => e)).toBeInstanceOf(ValidationError);
      }
    }
  }, 180_000);

  it('the client itself (second guard) runs no command: a hostile file fed past the scan stops at the command', async () => {
    const { text, canary } = hostile()[0]!;
    const file = join(tmp, 'past-the-scan.sql');
    // without mariadb-dump's own sandbox line: only gds's client options stand in the way
    const bare = text.replace(/^\/\*M!999999\\- enable the sandbox mode \*\/ ?\n/, '');
    expect(bare).not.toContain('sandbox mode');
    await fs.writeFile(file, bare);
    const target = manager.getDatabase(unique('bare')) as MySQLDatabase;
    await target.create();
    const config = resolveConfig(parseMysqlUrl(server().url));
    const client = await findTool('client', { flavor: server().flavor });
    const defaults = writeDefaultsFile(config, client.flavor);
    async function* feed() {
      yield await fs.readFile(file);
    }
    try {
      await expect(runTool(client, [defaults.argument, ...clientArgs(target.name, false, undefined)], { stdin: feed() })).rejects.toThrow(/failed/);
    } finally {
      defaults.remove();
    }
    expect(existsSync(canary)).toBe(false);
  }, 60_000);

  it('truncated, zero-byte, text, cut gzip and --compact files are refused and the data kept', async () => {
    const db = manager.getDatabase(unique('broken')) as MySQLDatabase;
    await db.create();
    await seed(server().url, db, 50);
    const before = await fingerprint(server().url, db);
    const databases = await allDatabases();
    const gz = gzipSync(goodText);
    const sources: [string, Buffer | string][] = [
      ['truncated', goodText.slice(0, Math.floor(goodText.length / 2))],
      ['without the completion line', goodText.replace(/-- Dump completed.*\n?$/, '')],
      ['zero bytes', ''],
      ['text', 'hello, this is not a dump\n'],
      ['cut gzip', gz.subarray(0, Math.floor(gz.length / 2))],
      ['compact (no header)', goodText.split('\n').filter((l) => !l.startsWith('--')).join('\n')],
    ];
    for (const [label, content] of sources) {
      const file = join(tmp, `broken_${label.replaceAll(' ', '_')}`);
      await fs.writeFile(file, content);
      const error = await db.restore(file, { replace: true, force: true }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect({ label, refused: GdsError.isInstance(error) && ValidationError.isInstance(error) }).toEqual({ label, refused: true });
      expect(await fingerprint(server().url, db)).toEqual(before);
      expect(await allDatabases()).toEqual(databases);
      expect(await sideDatabases()).toEqual([]);
    }
  }, 180_000);

  it('the next restore drops the side database of a dead restore on this host, and only reports a gds_replaced_ one', async () => {
    const dead = `gds_restore_999999999_${hostTag()}_abcdef`;
    const aside = `gds_replaced_999999999_${hostTag()}_abcdef`;
    const live = `gds_restore_${process.ppid}_${hostTag()}_abcdef`; // a running process: its restore may be in progress
    for (const name of [dead, aside, live]) await rawQuery(server().url, `CREATE DATABASE \`${name}\``);
    const fresh = manager.getDatabase(unique('after')) as MySQLDatabase;
    const result = await fresh.restore(good);
    expect(result.messages.join('\n')).toContain(`dropped '${dead}'`);
    expect(result.messages.join('\n')).toContain(`'${aside}' holds the tables an interrupted restore`);
    const left = await sideDatabases();
    expect(left).not.toContain(dead);
    expect(left).toContain(aside);
    expect(left).toContain(live);
    for (const name of [aside, live]) await rawQuery(server().url, `DROP DATABASE \`${name}\``);
  }, 60_000);

  it('when a restored definition cannot be made after the swap, the swap is undone: the old tables, view, trigger and procedure are back', async () => {
    // the backup's view reads a table of another database, which disappears right before the swap
    const dep = unique('dep');
    await rawQuery(server().url, `CREATE DATABASE \`${dep}\``);
    await rawQuery(server().url, `CREATE TABLE \`${dep}\`.t (x INT)`);
    const src = manager.getDatabase(unique('undo_src')) as MySQLDatabase;
    await src.create();
    await rawQuery(server().url, `CREATE TABLE \`${src.name}\`.n (id INT)`);
    await rawQuery(server().url, `CREATE VIEW \`${src.name}\`.outside AS SELECT x FROM \`${dep}\`.t`);
    const file = join(tmp, 'undo.sql');
    await src.backup(file);

    const db = manager.getDatabase(unique('undo')) as MySQLDatabase;
    await db.create();
    await seed(server().url, db, 20);
    const s = await rawSession(server().url, db.name);
    try {
      await s.query('CREATE TRIGGER items_bi BEFORE INSERT ON items FOR EACH ROW SET NEW.label = UPPER(NEW.label)');
      await s.query('CREATE PROCEDURE p_old() SELECT COUNT(*) FROM items');
    } finally {
      await s.end();
    }
    const before = await fingerprint(server().url, db);
    const objects = async () =>
      rawQuery(server().url, 'SELECT * FROM (SELECT TABLE_NAME AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? UNION ALL SELECT TRIGGER_NAME FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ? UNION ALL SELECT ROUTINE_NAME FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ?) o ORDER BY n', [db.name, db.name, db.name]);
    const objectsBefore = await objects();
    expect(objectsBefore.map((o) => (o as { n: string }).n)).toEqual(['cheap', 'items', 'items_bi', 'odd `name` t', 'p_old']);
    const client = await findTool('client', { flavor: server().flavor });
    const defaults = writeDefaultsFile(resolveConfig(parseMysqlUrl(server().url)), client.flavor);
    let dropped = false;
    try {
      const error = await db
        .restore(file, {
          replace: true,
          force: true,
          onProgress: (p) => {
            if (p.percent === 100 && !dropped) {
              dropped = true;
              execFileSync(client.path, [defaults.argument, '-e', `DROP TABLE \`${dep}\`.t`]); // synchronously: before the swap goes on
            }
          },
        })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(dropped).toBe(true);
      expect(GdsError.isInstance(error)).toBe(true);
      expect(String((error as Error).message)).toMatch(/doesn't exist|1146/);
    } finally {
      defaults.remove();
    }
    expect(await fingerprint(server().url, db)).toEqual(before);
    expect(await objects()).toEqual(objectsBefore);
    await rawQuery(server().url, `INSERT INTO \`${db.name}\`.items (id, label, price) VALUES (100000, 'lower', 1)`);
    const [row] = await rawQuery<{ label: string }>(server().url, `SELECT label FROM \`${db.name}\`.items WHERE id = 100000`);
    expect(row?.label).toBe('LOWER'); // the old trigger is back and works
    expect(await sideDatabases()).toEqual([]);
  }, 120_000);

  it('a restore into a database that holds objects is refused without replace; into an existing empty one it works in place', async () => {
    const db = manager.getDatabase(unique('full')) as MySQLDatabase;
    await db.create();
    await seed(server().url, db, 10);
    const before = await fingerprint(server().url, db);
    await expect(db.restore(good)).rejects.toThrow(/already holds objects/);
    expect(await fingerprint(server().url, db)).toEqual(before);
    const empty = manager.getDatabase(unique('empty')) as MySQLDatabase;
    await empty.create({ collation: 'utf8mb4_bin', charset: 'utf8mb4' });
    await empty.restore(good);
    expect(Object.keys(await fingerprint(server().url, empty)).sort()).toEqual(['items', 'odd `name` t']);
  }, 120_000);

  it('a restore whose SQL fails half-way removes what it created (new name) or empties again (existing empty database)', async () => {
    const cut = goodText.indexOf('UNLOCK TABLES;');
    const failing = join(tmp, 'failing.sql');
    await fs.writeFile(failing, `${goodText.slice(0, cut)}INSERT INTO no_such_table VALUES (1);\n${goodText.slice(cut)}`);
    const databases = await allDatabases();
    const fresh = manager.getDatabase(unique('failnew')) as MySQLDatabase;
    await expect(fresh.restore(failing)).rejects.toThrow(/mariadb|mysql/);
    expect(await allDatabases()).toEqual(databases);
    const empty = manager.getDatabase(unique('failempty')) as MySQLDatabase;
    await empty.create();
    await expect(empty.restore(failing)).rejects.toThrow();
    expect(await rawQuery(server().url, 'SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?', [empty.name])).toEqual([]);
    const keep = manager.getDatabase(unique('failkeep')) as MySQLDatabase;
    await keep.create();
    await seed(server().url, keep, 20);
    const before = await fingerprint(server().url, keep);
    await expect(keep.restore(failing, { replace: true, force: true })).rejects.toThrow();
    expect(await fingerprint(server().url, keep)).toEqual(before);
    expect(await sideDatabases()).toEqual([]);
  }, 120_000);
});
