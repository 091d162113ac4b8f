// A live WAL database that another process writes and checkpoints is backed up, not refused as
// "truncated": a checkpoint writes page 1 (with the new page count) before the file has grown, so
// a header ahead of the length is normal for a file in use. Before the fix 100 of 102 backups
// were refused in this situation.
import { afterAll, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { DatabaseManager } from '@gds/database';
import '../src/index.js';
import type { SQLiteDatabase } from '../src/index.js';
import { openFile, tempDir } from './helpers.js';

const DRIVER = createRequire(__filename).resolve('better-sqlite3');
const dir = tempDir('live-header');
const backups = tempDir('live-header-b');
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(backups, { recursive: true, force: true });
});

/** Another process: 4 inserts of 8 KiB, then a passive checkpoint, every millisecond, until its stdin ends or 2000 rounds (64 MiB) are done. */
function checkpointer(file: string): { ready: Promise<void>; stop(): Promise<number> } {
  const script = `
    const d = new (require(${JSON.stringify(DRIVER)}))(${JSON.stringify(file)}, { fileMustExist: true, timeout: 10000 });
    d.pragma('wal_autocheckpoint = 0');
    d.exec('CREATE TABLE IF NOT EXISTS c (v BLOB)');
    const ins = d.prepare('INSERT INTO c VALUES (randomblob(8192))');
    let cps = 0, rounds = 0, stop = false;
    process.stdin.on('end', () => { stop = true; });
    process.stdin.resume();
    const loop = () => {
      if (rounds++ < 2000) {
        for (let i = 0; i < 4; i++) ins.run();
        try { d.pragma('wal_checkpoint(PASSIVE)'); cps++; } catch (e) {}
        if (cps === 1) process.stdout.write('go\\n');
      }
      if (stop) { d.close(); process.stdout.write('checkpoints=' + cps + '\\n'); process.exit(0); }
      setTimeout(loop, 1);
    };
    loop();`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  const ready = new Promise<void>((resolve) => child.stdout.on('data', (d: Buffer) => ((out += String(d)), out.includes('go') && resolve())));
  return {
    ready,
    stop: () =>
      new Promise<number>((resolve) => {
        child.on('exit', () => resolve(Number(/checkpoints=(\d+)/.exec(out)?.[1] ?? 0)));
        child.stdin.end();
      }),
  };
}

it('backups of a WAL database that another process writes and checkpoints all succeed, each copy whole', async () => {
  const manager = (await DatabaseManager.connect(`sqlite://${dir}`)) as DatabaseManager<SQLiteDatabase>;
  try {
    const db = manager.getDatabase('busy');
    await db.create({ journalMode: 'wal' });
    const h = openFile(await db.file());
    h.exec('CREATE TABLE big (v BLOB)');
    const ins = h.prepare('INSERT INTO big VALUES (randomblob(1000))');
    h.transaction(() => {
      for (let i = 0; i < 8000; i++) ins.run();
    })();
    h.close();
    const other = checkpointer(await db.file());
    await other.ready;
    const failures: string[] = [];
    let done = 0;
    try {
      for (let i = 0; i < 30; i++) {
        const target = join(backups, `b${i}.db`);
        const r = await db.backup(target).catch((e: unknown) => e as Error);
        if (r instanceof Error) failures.push(r.message);
        else {
          done++;
          const check = openFile(target, { readonly: true });
          try {
            expect(check.pragma('quick_check', { simple: true })).toBe('ok');
            expect((check.prepare('SELECT count(*) AS n FROM big').get() as { n: number }).n).toBe(8000);
          } finally {
            check.close();
          }
          rmSync(target, { force: true });
        }
      }
    } finally {
      const checkpoints = await other.stop();
      expect(checkpoints).toBeGreaterThan(30); // the other process checkpointed throughout
    }
    expect(failures).toEqual([]);
    expect(done).toBe(30);
  } finally {
    await manager.close();
  }
}, 120_000);
