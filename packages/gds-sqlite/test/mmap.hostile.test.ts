// Hostile tests of backup({ mmap: true }) on real files: another PROCESS writes during the copy and
// checkpoints after every batch (so pages of the mapped file are rewritten and the file grows under
// the map), in WAL and rollback-journal mode, by the backup API and VACUUM INTO; and a cancellation
// in the middle of a mapped copy. GDS_TEST_TIMINGS=1 prints what was measured.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { DatabaseManager, OperationCancelledError } from '@gds/database';
import '../src/index.js';
import type { SQLiteDatabase } from '../src/index.js';
import { fill, mapped, openFile, tempDir } from './helpers.js';

const dir = tempDir('mmap-hostile');
const backups = tempDir('mmap-hostile-b');
const measured: Record<string, unknown> = {};
let manager: DatabaseManager<SQLiteDatabase>;
const DRIVER = createRequire(__filename).resolve('better-sqlite3');

beforeAll(async () => {
  manager = (await DatabaseManager.connect(`sqlite://${dir}`)) as DatabaseManager<SQLiteDatabase>;
});
afterAll(async () => {
  await manager.close();
  rmSync(dir, { recursive: true, force: true });
  rmSync(backups, { recursive: true, force: true });
  if (process.env.GDS_TEST_TIMINGS) console.log(`mmap.hostile: ${JSON.stringify(measured)}`);
});



/**
 * Another process that, until stopped, commits transactions writing the same value to tables a and
 * b plus an 8 KiB blob to c (the file grows), and, once `startCheckpoints` exists, asks for a
 * checkpoint after every 20 of them (in WAL mode: pages of the main file are rewritten while the
 * copy maps it). Before that, no checkpoint at all (wal_autocheckpoint 0): a checkpoint that has
 * written page 1 but not yet grown the file makes backup()'s header check read the live file as
 * truncated, before any copying (reported apart, not what this file tests).
 */
function churnInChild(file: string, startCheckpoints: string): Promise<{ stop(): Promise<{ commits: number; checkpoints: number }> }> {
  const script = `
    const D = require(${JSON.stringify(DRIVER)});
    const d = new D(${JSON.stringify(file)}, { fileMustExist: true, timeout: 10000 });
    d.exec('CREATE TABLE IF NOT EXISTS a (id INTEGER PRIMARY KEY, v INTEGER); CREATE TABLE IF NOT EXISTS b (id INTEGER PRIMARY KEY, v INTEGER); CREATE TABLE IF NOT EXISTS c (id INTEGER PRIMARY KEY, v BLOB)');
    const wal = d.pragma('journal_mode', { simple: true }) === 'wal';
    d.pragma('wal_autocheckpoint = 0');
    const fs = require('node:fs');
    const ia = d.prepare('INSERT INTO a (v) VALUES (?)'), ib = d.prepare('INSERT INTO b (v) VALUES (?)'), ic = d.prepare('INSERT INTO c (v) VALUES (randomblob(8192))');
    const tx = d.transaction((v) => { ia.run(v); ib.run(v); ic.run(); });
    let n = 0, cps = 0, stop = false;
    process.stdin.on('end', () => { stop = true; });
    process.stdin.resume();
    const loop = () => {
      for (let i = 0; i < 20 && !stop; i++) { try { tx(n + 1); n++; } catch (e) {} }
      if (wal && !stop && fs.existsSync(${JSON.stringify(startCheckpoints)})) { try { d.pragma('wal_checkpoint(PASSIVE)'); cps++; } catch (e) {} }
      if (n > 0 && n <= 20) process.stdout.write('go\\n');
      if (stop) { d.close(); process.stdout.write('n=' + n + ' c=' + cps + '\\n'); process.exit(0); }
      setImmediate(loop);
    };
    loop();`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  return new Promise((resolve) => {
    const check = setInterval(() => {
      if (!out.includes('go')) return;
      clearInterval(check);
      resolve({
        stop: () =>
          new Promise((done) => {
            child.once('exit', () => {
              const m = /n=(\d+) c=(\d+)/.exec(out);
              done({ commits: Number(m?.[1] ?? -1), checkpoints: Number(m?.[2] ?? -1) });
            });
            child.stdin.end();
          }),
      });
    }, 5);
  });
}

describe.each([
  ['wal', 'backup-api'],
  ['wal', 'vacuum-into'],
  ['delete', 'backup-api'],
] as const)('mmap backup while another process writes and checkpoints (%s mode, %s)', (journalMode, method) => {
  it('the copy passes integrity_check, holds one snapshot, and the map ends with the backup', async () => {
    const name = `churn_${journalMode}_${method.replace('-', '_')}`;
    const db = manager.getDatabase(name);
    await db.create({ journalMode });
    await fill(db, 16);
    const file = await db.file();
    const sizeBefore = statSync(file).size;
    const marker = join(dir, `${name}.checkpoints`);
    const writer = await churnInChild(file, marker);
    const target = join(backups, `${name}.db`);
    const seenMapped: boolean[] = [];
    const sizes: number[] = [];
    const started = performance.now();
    const r = await db.backup(target, { mmap: true, method, pagesPerStep: 16, onProgress: (p) => {
        if ((p.percent ?? 0) >= 100) return;
        if (sizes.length === 0) writeFileSync(marker, '');
        seenMapped.push(mapped(file));
        sizes.push(statSync(file).size);
      } }).catch(async (e: unknown) => {
      await writer.stop();
      throw e;
    });
    const ms = Math.round(performance.now() - started);
    const churn = await writer.stop();
    expect(r.isSuccess()).toBe(true);
    expect(mapped(file)).toBe(false);
    expect(readdirSync(backups).filter((n) => n.startsWith(name))).toEqual([`${name}.db`]);
    if (method === 'backup-api') expect(seenMapped.slice(1).some(Boolean)).toBe(true);
    const copy = openFile(target, { readonly: true });
    try {
      expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
      const a = copy.prepare('SELECT count(*) AS n, total(v) AS s FROM a').get() as { n: number; s: number };
      const b = copy.prepare('SELECT count(*) AS n, total(v) AS s FROM b').get() as { n: number; s: number };
      const c = copy.prepare('SELECT count(*) AS n FROM c').get() as { n: number };
      expect(a).toEqual(b); // every transaction wrote the same row to a and b: a torn copy would differ
      expect(c.n).toBe(a.n);
      expect(a.n).toBeGreaterThan(0);
      if (journalMode === 'wal') {
        expect(churn.commits).toBeGreaterThan(a.n); // the writer went on during the copy
        // checkpoints wrote to (and grew) the main file while the copy mapped it
        if (method === 'backup-api') {
          expect(churn.checkpoints).toBeGreaterThan(0);
          expect(Math.max(...sizes)).toBeGreaterThan(Math.min(...sizes));
        }
      }
      expect((copy.prepare('SELECT count(*) AS n FROM big').get() as { n: number }).n).toBe(16000);
      measured[name] = { ms, steps: sizes.length, growthDuringCopyKiB: sizes.length ? (Math.max(...sizes) - Math.min(...sizes)) / 1024 : undefined, copiedRows: a.n, ...churn, sizeBeforeMiB: +(sizeBefore / 2 ** 20).toFixed(1), sizeAfterMiB: +(statSync(file).size / 2 ** 20).toFixed(1) };
    } finally {
      copy.close();
    }
  }, 90_000);
});

it('a cancellation in the middle of a mapped copy stops it at the next step, leaves no target and no partial file, and unmaps the source', async () => {
  const db = manager.getDatabase('mmap_cancel');
  await db.create({ journalMode: 'wal' });
  await fill(db, 4);
  const file = await db.file();
  const controller = new AbortController();
  let seen = 0;
  let mappedAtAbort = false;
  const target = join(backups, 'mmap_cancel.db');
  const before = readdirSync(backups).sort();
  const error = await db
    .backup(target, {
      mmap: true,
      pagesPerStep: 10,
      signal: controller.signal,
      onProgress: () => {
        if (++seen === 3) {
          mappedAtAbort = mapped(file);
          controller.abort();
        }
      },
    })
    .catch((e: unknown) => e);
  expect(OperationCancelledError.isInstance(error)).toBe(true);
  expect(mappedAtAbort).toBe(true);
  expect(seen).toBeLessThan(10);
  expect(existsSync(target)).toBe(false);
  expect(readdirSync(backups).sort()).toEqual(before);
  expect(mapped(file)).toBe(false);
  // the source is whole and writable afterwards (no read transaction or lock left)
  const h = openFile(file);
  try {
    h.exec("INSERT INTO big (v) VALUES (x'00')");
    expect(h.pragma('integrity_check', { simple: true })).toBe('ok');
  } finally {
    h.close();
  }
}, 30_000);
