// Test helpers: real files in temporary folders, seeded and fingerprinted through better-sqlite3
// directly (not through gds), and other PROCESSES holding locks or writing, as other
// applications would.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Database } from '@gds/database';
import BetterSqlite3 from 'better-sqlite3';
import type { SQLiteDatabase } from '../src/index.js';

/** A fresh temporary folder. */
export const tempDir = (label: string): string => mkdtempSync(join(tmpdir(), `gds-sqlite-${label}-`));

/** Opens a database file with the driver directly. */
export function openFile(file: string, options: { readonly?: boolean } = {}): BetterSqlite3.Database {
  return new BetterSqlite3(file, { fileMustExist: true, readonly: options.readonly ?? false });
}

/** Puts two tables with rows, an index, a view and a WITHOUT ROWID table in the database. */
export async function seed(db: Database, rows = 200): Promise<void> {
  const h = openFile(await (db as SQLiteDatabase).file());
  try {
    h.exec(`CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, price REAL, data BLOB);
      CREATE INDEX IF NOT EXISTS items_name ON items(name);
      CREATE TABLE IF NOT EXISTS tags (tag TEXT PRIMARY KEY, n INTEGER) WITHOUT ROWID;
      CREATE VIEW IF NOT EXISTS cheap AS SELECT * FROM items WHERE price < 10;`);
    const ins = h.prepare('INSERT INTO items (name, price, data) VALUES (?, ?, randomblob(64))');
    const tag = h.prepare('INSERT OR REPLACE INTO tags (tag, n) VALUES (?, ?)');
    h.transaction(() => {
      for (let i = 0; i < rows; i++) ins.run(`item ${i} 'quoted' "double"`, i * 0.5);
      for (let i = 0; i < 10; i++) tag.run(`tag-${i}`, i);
    })();
  } finally {
    h.close();
  }
}

/** Row counts and a checksum of every row of every user table, read from the file. */
export async function fingerprint(db: Database): Promise<Record<string, { rows: number; sha1: string }>> {
  const h = openFile(await (db as SQLiteDatabase).file(), { readonly: true });
  try {
    const tables = h.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all() as string[];
    const out: Record<string, { rows: number; sha1: string }> = {};
    for (const t of tables) {
      const rows = h.prepare(`SELECT * FROM "${t.replace(/"/g, '""')}" ORDER BY 1`).raw().all();
      const hash = createHash('sha1');
      for (const r of rows) hash.update(JSON.stringify(r, (_k, v: unknown) => (Buffer.isBuffer(v) ? v.toString('hex') : v)));
      out[t] = { rows: rows.length, sha1: hash.digest('hex') };
    }
    return out;
  } finally {
    h.close();
  }
}

const DRIVER = require.resolve('better-sqlite3');

/** A child process holding `file` open: `write` in a write transaction, `read` in a read transaction, `open` just open. */
export interface Holder {
  child: ChildProcess;
  /** Ends its transaction, closes the file and waits for the process to exit. */
  release(): Promise<void>;
}

/**
 * Starts another process that opens `file` and holds a lock (or, `open`, only the file) until
 * released; resolves once it holds it.
 */
export function holdInChild(file: string, mode: 'write' | 'read' | 'open'): Promise<Holder> {
  const script = `
    const D = require(${JSON.stringify(DRIVER)});
    const d = new D(${JSON.stringify(file)}, { fileMustExist: true, timeout: 0 });
    const mode = ${JSON.stringify(mode)};
    if (mode === 'write') { d.exec('BEGIN IMMEDIATE'); d.prepare("CREATE TABLE IF NOT EXISTS _held (x)").run(); }
    else if (mode === 'read') { d.exec('BEGIN'); d.prepare('SELECT count(*) FROM sqlite_schema').get(); }
    else { d.prepare('SELECT count(*) FROM sqlite_schema').get(); }
    process.stdout.write('ready\\n');
    process.stdin.on('end', () => { if (d.inTransaction) d.exec('ROLLBACK'); d.close(); process.exit(0); });
    process.stdin.resume();`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`holder exited early (${code}): ${stderr}`)));
    child.stdout!.once('data', () => {
      child.removeAllListeners('exit');
      resolve({
        child,
        release: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null) return done();
            child.once('exit', () => done());
            child.stdin!.end();
          }),
      });
    });
  });
}

/**
 * Starts another process that writes to `file` without pause: each transaction inserts the same
 * row into `a` and into `b` (so any consistent snapshot has equal counts and sums). Resolves once
 * it has written; `stop()` ends it and resolves with how many transactions it committed.
 */
export function writeInChild(file: string): Promise<{ stop(): Promise<number> }> {
  const script = `
    const D = require(${JSON.stringify(DRIVER)});
    const d = new D(${JSON.stringify(file)}, { fileMustExist: true, timeout: 10000 });
    d.exec('CREATE TABLE IF NOT EXISTS a (id INTEGER PRIMARY KEY, v INTEGER); CREATE TABLE IF NOT EXISTS b (id INTEGER PRIMARY KEY, v INTEGER)');
    const ia = d.prepare('INSERT INTO a (v) VALUES (?)'), ib = d.prepare('INSERT INTO b (v) VALUES (?)');
    const tx = d.transaction((v) => { ia.run(v); ib.run(v); });
    let n = 0, stop = false;
    process.stdin.on('end', () => { stop = true; });
    process.stdin.resume();
    const loop = () => { for (let i = 0; i < 50 && !stop; i++) { try { tx(n + 1); n++; } catch (e) {} } if (n > 0 && n <= 50) process.stdout.write('go\\n'); if (stop) { d.close(); process.stdout.write('n=' + n + '\\n'); process.exit(0); } setImmediate(loop); };
    loop();`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  return new Promise((resolve) => {
    const check = setInterval(() => {
      if (!out.includes('go')) return;
      clearInterval(check);
      resolve({
        stop: () =>
          new Promise<number>((done) => {
            child.once('exit', () => done(Number(/n=(\d+)/.exec(out)?.[1] ?? -1)));
            child.stdin!.end();
          }),
      });
    }, 5);
  });
}

/** Fills `db` with about `mb` MiB in table big (1000-byte blobs). */
export async function fill(db: SQLiteDatabase, mb: number): Promise<void> {
  const h = openFile(await db.file());
  h.exec('CREATE TABLE IF NOT EXISTS big (id INTEGER PRIMARY KEY, v BLOB)');
  const ins = h.prepare('INSERT INTO big (v) VALUES (randomblob(1000))');
  h.transaction(() => {
    for (let i = 0; i < mb * 1000; i++) ins.run();
  })();
  h.close();
}

/** Whether this process maps `file` (Linux /proc/self/maps; SQLite maps the main file when mmap_size > 0). */
export const mapped = (file: string): boolean => readFileSync('/proc/self/maps', 'utf8').split('\n').some((line) => line.endsWith(` ${file}`));
