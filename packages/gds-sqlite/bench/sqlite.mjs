#!/usr/bin/env node
// Backup of a ~200 MB SQLite database: gds (`db.backup()`, the online backup API with progress
// and a snapshot read transaction; and `db.backup({ mmap: true })`) against better-sqlite3's own
// `backup()` and the sqlite3 command's `.backup` (skipped, with the reason printed, when the
// command is absent). Medians of RUNS runs each, in rotating order, after one warm-up each, with a
// `sync` before each run; prints the ratios (goal <= 1.05x). BENCH_DIR puts the files elsewhere
// than the temporary directory (e.g. /dev/shm: no disk, so the CPU cost alone).
//
//   pnpm --filter @gds/sqlite run build && node packages/gds-sqlite/bench/sqlite.mjs [sizeMB] [runs]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DatabaseManager } from '@gds/database';
import '@gds/sqlite';

const require = createRequire(import.meta.url);
const Driver = require('better-sqlite3');
const SIZE_MB = Number(process.argv[2] ?? 200);
const RUNS = Number(process.argv[3] ?? 5);

const base = process.env.BENCH_DIR ?? tmpdir();
const dir = mkdtempSync(join(base, 'gds-sqlite-bench-'));
const out = mkdtempSync(join(base, 'gds-sqlite-bench-out-'));
const src = join(dir, 'bench.db');
try {
  const t0 = performance.now();
  const d = new Driver(src);
  d.exec('PRAGMA journal_mode = WAL; CREATE TABLE big (id INTEGER PRIMARY KEY, k TEXT, v BLOB); CREATE INDEX big_k ON big(k)');
  const ins = d.prepare("INSERT INTO big (k, v) VALUES (hex(randomblob(8)), randomblob(900))");
  const rows = SIZE_MB * 1000;
  d.transaction(() => {
    for (let i = 0; i < rows; i++) ins.run();
  })();
  d.close();
  console.log(`source: ${(statSync(src).size / 1048576).toFixed(1)} MiB (${rows} rows, WAL mode), made in ${((performance.now() - t0) / 1000).toFixed(1)} s; ${RUNS} runs each`);

  const manager = await DatabaseManager.connect(`sqlite://${dir}`);
  const db = manager.getDatabase('bench');
  const cli = spawnSync('sqlite3', ['-version'], { encoding: 'utf8' });
  const hasCli = cli.status === 0;

  const methods = {
    'gds backup()': async (target) => {
      let events = 0;
      await db.backup(target, { onProgress: () => events++ });
      return `${events} progress events`;
    },
    // reads through mmap: one copy of each page fewer (an I/O error then crashes the process)
    'gds backup({ mmap })': async (target) => {
      await db.backup(target, { mmap: true });
    },
    'gds backup() 100 pages/step': async (target) => {
      await db.backup(target, { pagesPerStep: 100 });
    },
    'better-sqlite3 backup()': async (target) => {
      const h = new Driver(src, { readonly: true });
      try {
        await h.backup(target);
      } finally {
        h.close();
      }
    },
    // the driver's floor: the whole copy in one sqlite3_backup_step call, no yields between steps
    'better-sqlite3 one step': async (target) => {
      const h = new Driver(src, { readonly: true });
      try {
        await h.backup(target, { progress: () => 0x7fffffff });
      } finally {
        h.close();
      }
    },
    ...(hasCli
      ? {
          'sqlite3 .backup': async (target) => {
            const r = spawnSync('sqlite3', [src, `.backup '${target.replace(/'/g, "''")}'`], { encoding: 'utf8' });
            if (r.status !== 0) throw new Error(`sqlite3 failed: ${r.stderr}`);
          },
        }
      : {}),
  };
  if (!hasCli) console.log(`SKIP the sqlite3 .backup comparison: the sqlite3 command is not installed (${cli.error?.message ?? cli.stderr}); apt-get install sqlite3`);
  else console.log(`sqlite3 command ${cli.stdout.trim().split(' ')[0]}; better-sqlite3 bundles SQLite ${new Driver(':memory:').prepare('select sqlite_version() v').get().v}`);

  const names = Object.keys(methods);
  const times = Object.fromEntries(names.map((n) => [n, []]));
  const notes = {};
  for (let run = -1; run < RUNS; run++) {
    const order = names.map((_, i) => names[(i + Math.max(run, 0)) % names.length]);
    for (const name of order) {
      const target = join(out, 'copy.db');
      rmSync(target, { force: true });
      spawnSync('sync'); // the previous copy's deletion and writes are not charged to this one
      const start = performance.now();
      const note = await methods[name](target);
      const ms = performance.now() - start;
      if (statSync(target).size < statSync(src).size * 0.9) throw new Error(`${name}: the copy is too small`);
      if (run >= 0) times[name].push(ms);
      if (note) notes[name] = note;
    }
  }
  // gds's own cost, free of the machine's noise: the time of db.backup() outside the driver's
  // backup() call (checks, the snapshot transaction, the rename), measured in the same run
  const original = Driver.prototype.backup;
  let inside = 0;
  Driver.prototype.backup = async function (...args) {
    const start = performance.now();
    try {
      return await original.apply(this, args);
    } finally {
      inside += performance.now() - start;
    }
  };
  const outside = [];
  for (let i = 0; i < RUNS; i++) {
    const target = join(out, 'copy.db');
    rmSync(target, { force: true });
    inside = 0;
    const start = performance.now();
    await db.backup(target);
    const total = performance.now() - start;
    outside.push({ ms: total - inside, share: (total - inside) / total });
  }
  Driver.prototype.backup = original;
  await manager.close();
  const shares = outside.map((o) => o.share).sort((a, b) => a - b);
  console.log(`gds backup() outside the driver's backup(): ${outside.map((o) => o.ms.toFixed(1)).join(', ')} ms; median share ${(100 * shares[Math.floor(shares.length / 2)]).toFixed(1)}% of the backup's time`);
  // on a shared machine the minimum is the least disturbed run; both are printed
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const min = (xs) => Math.min(...xs);
  for (const name of names) {
    console.log(`${name.padEnd(30)} median ${median(times[name]).toFixed(0).padStart(6)} ms, min ${min(times[name]).toFixed(0).padStart(6)} ms  (${times[name].map((t) => t.toFixed(0)).join(', ')})${notes[name] ? `  ${notes[name]}` : ''}`);
  }
  for (const mine of ['gds backup()', 'gds backup({ mmap })']) {
    for (const other of names.filter((n) => !n.startsWith('gds'))) {
      const byMedian = median(times[mine]) / median(times[other]);
      const byMin = min(times[mine]) / min(times[other]);
      console.log(`ratio ${mine} / ${other}: ${byMedian.toFixed(3)}x by median, ${byMin.toFixed(3)}x by min ${byMedian <= 1.05 ? '(within the 1.05x goal)' : '(OVER the 1.05x goal)'}`);
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
  rmSync(out, { recursive: true, force: true });
}
