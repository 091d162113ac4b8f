// The SQLite behaviour the engine relies on (test/evidence/sqlite-sources.json), shown on real
// files with the driver directly.
import { afterAll, expect, it } from '@jest/globals';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { openFile, tempDir, writeInChild } from './helpers.js';

interface Rule { id: string; rule: string; repository?: string; path?: string; source?: string; minimumVersion?: string }
const evidence = JSON.parse(readFileSync(join(__dirname, 'evidence', 'sqlite-sources.json'), 'utf8')) as { rules: Rule[] };
const rule = (id: string) => evidence.rules.find((r) => r.id === id)!;
const dir = tempDir('evidence');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('every rule names what it states and where it comes from (a source file, or a trial here)', () => {
  for (const r of evidence.rules) {
    expect(r.rule.length).toBeGreaterThan(20);
    if (r.repository) expect(r.path).toBeDefined();
    else if (!r.source) expect(r.rule).toMatch(/tried here/);
  }
});

it(rule('backup-restart').rule, async () => {
  const file = join(dir, 'restart.db');
  const d = new BetterSqlite3(file);
  d.exec('PRAGMA journal_mode = WAL; CREATE TABLE big (v BLOB)');
  const ins = d.prepare('INSERT INTO big VALUES (randomblob(1000))');
  d.transaction(() => { for (let i = 0; i < 4000; i++) ins.run(); })();
  d.close();
  const writer = await writeInChild(file);
  const src = openFile(file);
  let restarts = 0;
  let last = Infinity;
  let steps = 0;
  await src
    .backup(join(dir, 'restart-copy.db'), {
      progress: ({ remainingPages }) => {
        if (remainingPages > last) restarts++;
        last = remainingPages;
        if (++steps > 400 || restarts > 2) throw new Error('enough');
        return 16;
      },
    })
    .catch(() => undefined);
  src.close();
  await writer.stop();
  expect(restarts).toBeGreaterThan(0);
}, 30_000);

it(rule('pragma-no-parameters').rule, () => {
  const h = new BetterSqlite3(join(dir, 'p.db'));
  expect(() => h.prepare('PRAGMA user_version = ?')).toThrow(/syntax error/);
  expect(h.prepare('SELECT count(*) AS n FROM pragma_table_list WHERE schema = ?').get('main')).toEqual({ n: 1 });
  expect(() => h.prepare('VACUUM INTO ?').run(join(dir, 'into.db'))).not.toThrow();
  h.close();
});

it(rule('encoding-first-schema').rule, () => {
  const check = (file: string, work: (h: BetterSqlite3.Database) => void) => {
    const h = new BetterSqlite3(file);
    h.exec("PRAGMA encoding = 'UTF-16le'");
    work(h);
    h.close();
    const r = new BetterSqlite3(file, { readonly: true });
    const enc = r.pragma('encoding', { simple: true });
    r.close();
    return enc;
  };
  expect(check(join(dir, 'e1.db'), (h) => h.exec('PRAGMA user_version = 1'))).toBe('UTF-8');
  expect(check(join(dir, 'e2.db'), (h) => h.exec('PRAGMA user_version = 1; VACUUM'))).toBe('UTF-8');
  expect(check(join(dir, 'e3.db'), (h) => h.exec('CREATE TABLE t (x); DROP TABLE t; VACUUM'))).toBe('UTF-16le');
});

it(`the bundled SQLite has pragma_table_list (${rule('pragma-table-list').minimumVersion}+)`, () => {
  const h = new BetterSqlite3(':memory:');
  const v = (h.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v.split('.').map(Number);
  const min = rule('pragma-table-list').minimumVersion!.split('.').map(Number);
  expect(v[0]! * 1e6 + v[1]! * 1e3 + v[2]!).toBeGreaterThanOrEqual(min[0]! * 1e6 + min[1]! * 1e3 + min[2]!);
  h.close();
});

it(rule('better-sqlite3-cache-size').rule, () => {
  const d = new BetterSqlite3(':memory:');
  try {
    expect(d.pragma('cache_size', { simple: true })).toBe(-16000);
    expect(d.pragma('compile_options', { simple: false })).toContainEqual({ compile_options: 'DEFAULT_CACHE_SIZE=-16000' });
  } finally {
    d.close();
  }
});
