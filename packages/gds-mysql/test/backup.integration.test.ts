// Backup / verify / restore round trips against a real MariaDB (or MySQL with GDS_TEST_MYSQL_URL),
// compared by row counts and CHECKSUM TABLE read with mysql2, not through gds.
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { mkdtempSync, promises as fs, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseManager, type ProgressEvent } from '@gds/database';
import '../src/index.js';
import type { MySQLDatabase } from '../src/mysql-database.js';
import { parseMysqlUrl } from '../src/mysql-config.js';
import { fingerprint, rawQuery, rawSession } from './helpers.js';
import { describeWithMysqlServers } from './servers.js';

const tmp = mkdtempSync(join(tmpdir(), 'gds-mysql-backup-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let counter = 0;
const unique = (label: string) => `m2_${label}_${process.pid}_${counter++}`;

describeWithMysqlServers('backup and restore', (server) => {
  let manager: DatabaseManager;
  beforeAll(async () => {
    manager = await DatabaseManager.connect(server().url);
  });
  // the databases go with the throwaway server (or stay, named m2_*, on a GDS_TEST_* server)
  afterAll(async () => {
    await manager?.close();
  });
  const db = (name: string) => manager.getDatabase(name) as MySQLDatabase;

  /** Tables with a foreign key, binary and 4-byte UTF-8 data, NULLs, a view and `rows` rows. */
  async function seedRich(name: string, rows = 3000): Promise<MySQLDatabase> {
    const d = db(name);
    await d.create({ charset: 'utf8mb4', collation: 'utf8mb4_bin' });
    const s = await rawSession(server().url, name);
    try {
      await s.query('CREATE TABLE parent (id INT PRIMARY KEY, name VARCHAR(50) NOT NULL) ENGINE=InnoDB');
      await s.query('CREATE TABLE child (id INT PRIMARY KEY, parent_id INT NOT NULL, data BLOB, note TEXT, FOREIGN KEY (parent_id) REFERENCES parent(id)) ENGINE=InnoDB');
      await s.query('CREATE TABLE `we;ird ``name` (k VARCHAR(20) PRIMARY KEY, v TEXT) ENGINE=InnoDB');
      await s.query("INSERT INTO parent VALUES (1, 'one'), (2, 'two ✓ 😀'), (3, 'th\\'ree')");
      for (let i = 0; i < rows; i += 500) {
        const values = Array.from({ length: Math.min(500, rows - i) }, (_, j) => [i + j, ((i + j) % 3) + 1, Buffer.from([0, 92, 39, 10, (i + j) % 256]), j % 7 === 0 ? null : `line ${i + j}\nsystem touch /tmp/never; \\! x`]);
        await s.query('INSERT INTO child VALUES ?', [values]);
      }
      await s.execute('INSERT INTO `we;ird ``name` VALUES (?, ?), (?, ?)', ['a', '-- \\g', 'b', null]);
      await s.query('CREATE VIEW big_children AS SELECT c.id, p.name FROM child c JOIN parent p ON p.id = c.parent_id WHERE c.id > 10');
    } finally {
      await s.end();
    }
    return d;
  }
  const viewRows = async (name: string) => (await rawQuery<{ n: number }>(server().url, `SELECT COUNT(*) AS n FROM \`${name}\`.big_children`))[0]?.n;

  it.each(['none', 'gzip', 'zstd'] as const)('round trip with compress %s: row counts and checksums equal, the view works, verify reads the whole file', async (compress) => {
    const source = await seedRich(unique(`src_${compress}`));
    const expected = await fingerprint(server().url, source);
    expect(Object.keys(expected)).toHaveLength(3);
    const file = join(tmp, `rt_${compress}.sql${compress === 'none' ? '' : compress === 'gzip' ? '.gz' : '.zst'}`);
    const progress: ProgressEvent[] = [];
    const backup = await source.backup(file, { compress, onProgress: (p) => progress.push(p) });
    expect(backup.isSuccess()).toBe(true);
    expect(progress.at(-1)?.percent).toBe(100);
    const head = readFileSync(file).subarray(0, 4);
    if (compress === 'gzip') expect([head[0], head[1]]).toEqual([0x1f, 0x8b]);
    if (compress === 'zstd') expect(head.readUInt32LE(0)).toBe(0xfd2fb528);
    if (compress === 'none') expect(readFileSync(file, 'utf8')).toMatch(/-- Dump completed/);
    const verified = await source.verifyBackup(file);
    expect(verified.data?.valid).toBe(true);
    expect(verified.data?.details?.tables).toBe(3); // the view's placeholder is a view (mariadb-dump 10.11), not a table

    const copy = db(unique(`copy_${compress}`));
    const restoreProgress: ProgressEvent[] = [];
    await copy.restore(file, { onProgress: (p) => restoreProgress.push(p) });
    expect(restoreProgress.at(-1)?.percent).toBe(100);
    expect(await fingerprint(server().url, copy)).toEqual(expected);
    expect(await viewRows(copy.name)).toBe(await viewRows(source.name));
  }, 120_000);

  it('replace swaps in the restored tables and view, keeps the database and its collation, and leaves no side database', async () => {
    const source = await seedRich(unique('rsrc'), 1000);
    const expected = await fingerprint(server().url, source);
    const file = join(tmp, 'replace.sql.gz');
    await source.backup(file, { compress: 'gzip' });
    const target = db(unique('rtarget'));
    await target.create({ charset: 'latin1', collation: 'latin1_swedish_ci' });
    await rawQuery(server().url, `CREATE TABLE \`${target.name}\`.old_table (x INT)`);
    await rawQuery(server().url, `INSERT INTO \`${target.name}\`.old_table VALUES (1), (2)`);
    await rawQuery(server().url, `CREATE VIEW \`${target.name}\`.old_view AS SELECT x FROM \`${target.name}\`.old_table`);
    const result = await target.restore(file, { replace: true, force: true });
    expect(result.isSuccess()).toBe(true);
    expect(await fingerprint(server().url, target)).toEqual(expected);
    expect(await viewRows(target.name)).toBe(await viewRows(source.name));
    const objects = await rawQuery<{ name: string }>(server().url, 'SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? ORDER BY 1', [target.name]);
    expect(objects.map((o) => o.name)).toEqual(['big_children', 'child', 'parent', 'we;ird `name']);
    const [schema] = await rawQuery<{ c: string }>(server().url, 'SELECT DEFAULT_COLLATION_NAME AS c FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [target.name]);
    expect(schema?.c).toBe('latin1_swedish_ci');
    // the foreign key moved with its tables and still holds
    await expect(rawQuery(server().url, `INSERT INTO \`${target.name}\`.child (id, parent_id) VALUES (999999, 42)`)).rejects.toThrow(/foreign key/i);
    const side = await rawQuery(server().url, "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 'gds\\_re%'");
    expect(side).toEqual([]);
  }, 120_000);

  it('tables and excludeTables choose what is dumped', async () => {
    const source = await seedRich(unique('sel'), 100);
    const only = join(tmp, 'only.sql');
    await source.backup(only, { tables: ['parent'] });
    const a = db(unique('only'));
    await a.restore(only);
    expect(Object.keys(await fingerprint(server().url, a))).toEqual(['parent']);
    const without = join(tmp, 'without.sql');
    await source.backup(without, { excludeTables: ['child', 'big_children'], routines: false, events: false });
    const b = db(unique('without'));
    await b.restore(without);
    expect(Object.keys(await fingerprint(server().url, b)).sort()).toEqual(['parent', 'we;ird `name']);
  }, 120_000);

  it('the password never reaches a command line or the environment, and the option file is gone afterwards', async () => {
    const { password } = parseMysqlUrl(server().url);
    const secret = typeof password === 'string' ? password : password?.reveal();
    if (!secret) throw new Error('the test account has no password: this case needs one');
    const source = await seedRich(unique('pw'), 10);
    const s = await rawSession(server().url, source.name);
    try {
      await s.query('CREATE TABLE bulk (id INT PRIMARY KEY, v LONGTEXT)');
      for (let i = 0; i < 40; i++) await s.query('INSERT INTO bulk VALUES (?, REPEAT(MD5(?), 16384))', [i, String(i)]); // 512 KB each
    } finally {
      await s.end();
    }
    const seen: string[] = [];
    let sampling = true;
    const children = async (): Promise<string[]> => {
      const tasks = await fs.readdir('/proc/self/task').catch(() => [] as string[]);
      const lists = await Promise.all(tasks.map((t) => fs.readFile(`/proc/self/task/${t}/children`, 'utf8').catch(() => '')));
      return lists.join(' ').split(/\s+/).filter(Boolean);
    };
    const sampler = (async () => {
      while (sampling) {
        for (const pid of await children()) {
          const cmd = await fs.readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
          if (!/mariadb-dump|mysqldump/.test(cmd)) continue;
          seen.push(cmd.replaceAll('\0', ' '));
          seen.push(await fs.readFile(`/proc/${pid}/environ`, 'utf8').catch(() => ''));
        }
        await new Promise((r) => setImmediate(r));
      }
    })();
    // and a synchronous look from each progress event, which comes while the tool runs: the
    // asynchronous sampler alone may miss a short dump on a loaded machine
    const lookNow = () => {
      const read = (path: string) => {
        try {
          return readFileSync(path, 'utf8');
        } catch {
          return '';
        }
      };
      const tasks = (() => {
        try {
          return readdirSync('/proc/self/task');
        } catch {
          return [] as string[];
        }
      })();
      for (const pid of tasks.map((t) => read(`/proc/self/task/${t}/children`)).join(' ').split(/\s+/).filter(Boolean)) {
        const cmd = read(`/proc/${pid}/cmdline`);
        if (!/mariadb-dump|mysqldump/.test(cmd)) continue;
        seen.push(cmd.replaceAll('\0', ' '));
        seen.push(read(`/proc/${pid}/environ`));
      }
    };
    await source.backup(join(tmp, 'pw.sql'), { onProgress: lookNow });
    sampling = false;
    await sampler;
    expect(seen.length).toBeGreaterThan(0); // the dump tool was seen running
    expect(seen.join('\n')).not.toContain(secret);
    expect(seen.join('\n')).not.toContain('MYSQL_PWD');
    expect(seen.join('\n')).toContain('--defaults-file=');
    expect(readdirSync(tmpdir()).filter((n) => n.startsWith(`gds-mysql-${process.pid}-`))).toEqual([]);
  }, 120_000);

  it('routines, triggers and events come back into a new database, and replace carries them (and drops the old ones)', async () => {
    const source = db(unique('prog'));
    await source.create();
    const s = await rawSession(server().url, source.name);
    try {
      await s.query('CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(20))');
      await s.query("CREATE TRIGGER t_bi BEFORE INSERT ON t FOR EACH ROW SET NEW.v = CONCAT(NEW.v, ';!')");
      await s.query("CREATE TRIGGER t_bi2 BEFORE INSERT ON t FOR EACH ROW FOLLOWS t_bi SET NEW.v = CONCAT(NEW.v, '2')");
      await s.query("SET SESSION sql_mode = 'NO_BACKSLASH_ESCAPES,ANSI_QUOTES'");
      await s.query('CREATE PROCEDURE p(IN n INT) BEGIN SELECT n * 2 AS twice; END');
      await s.query("CREATE FUNCTION f(n INT) RETURNS VARCHAR(20) DETERMINISTIC RETURN CONCAT(n + 1, 'a\\b')");
      await s.query("SET SESSION sql_mode = DEFAULT");
      await s.query('CREATE VIEW fv AS SELECT f(id) AS x FROM t');
      await s.query('CREATE EVENT e ON SCHEDULE EVERY 1 DAY DISABLE DO DELETE FROM t WHERE id < 0');
      await s.query("INSERT INTO t VALUES (1, 'a')");
    } finally {
      await s.end();
    }
    const file = join(tmp, 'prog.sql');
    await source.backup(file);
    const programs = async (name: string) => ({
      triggers: (await rawQuery<{ n: string; o: number }>(server().url, 'SELECT TRIGGER_NAME AS n, ACTION_ORDER AS o FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ? ORDER BY ACTION_ORDER', [name])).map((r) => `${r.n}:${r.o}`),
      routines: (await rawQuery<{ n: string; m: string }>(server().url, 'SELECT ROUTINE_NAME AS n, SQL_MODE AS m FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ? ORDER BY 1', [name])).map((r) => `${r.n}:${r.m}`),
      events: (await rawQuery<{ n: string; st: string }>(server().url, 'SELECT EVENT_NAME AS n, STATUS AS st FROM information_schema.EVENTS WHERE EVENT_SCHEMA = ?', [name])).map((r) => `${r.n}:${r.st}`),
      views: (await rawQuery<{ n: string }>(server().url, 'SELECT TABLE_NAME AS n FROM information_schema.VIEWS WHERE TABLE_SCHEMA = ?', [name])).map((r) => r.n),
    });
    const expected = await programs(source.name);
    expect(expected.triggers).toEqual(['t_bi:1', 't_bi2:2']);
    expect(expected.routines).toEqual(['f:ANSI_QUOTES,NO_BACKSLASH_ESCAPES', 'p:ANSI_QUOTES,NO_BACKSLASH_ESCAPES']);
    const copy = db(unique('prog_copy'));
    await copy.restore(file);
    expect(await programs(copy.name)).toEqual(expected);
    const works = async (name: string) => (await rawQuery<{ v: string; x: string }>(server().url, `SELECT v, (SELECT x FROM \`${name}\`.fv LIMIT 1) AS x FROM \`${name}\`.t`))[0];
    expect(await works(copy.name)).toEqual({ v: 'a;!2', x: '2a\\b' });

    // replace onto a database with its own table, trigger, procedure and event: the old ones go, the dump's come
    const target = db(unique('prog_target'));
    await target.create();
    const t = await rawSession(server().url, target.name);
    try {
      await t.query('CREATE TABLE keep (x INT)');
      await t.query('CREATE TRIGGER keep_bi BEFORE INSERT ON keep FOR EACH ROW SET NEW.x = NEW.x + 1');
      await t.query('CREATE PROCEDURE old_p() SELECT 1');
      await t.query('CREATE EVENT old_e ON SCHEDULE EVERY 1 DAY DISABLE DO SELECT 1');
    } finally {
      await t.end();
    }
    const result = await target.restore(file, { replace: true, force: true });
    expect(result.message).toMatch(/2 triggers/);
    expect(await programs(target.name)).toEqual(expected);
    expect(Object.keys(await fingerprint(server().url, target))).toEqual(['t']);
    expect(await works(target.name)).toEqual({ v: 'a;!2', x: '2a\\b' });
    // and again onto itself
    await target.restore(file, { replace: true, force: true });
    expect(await programs(target.name)).toEqual(expected);
    expect(await rawQuery(server().url, "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 'gds\\_re%'")).toEqual([]);
  }, 120_000);
});
