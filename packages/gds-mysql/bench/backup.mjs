// backup() against running the dump tool directly, on the same real throwaway MariaDB and data:
//   gds:    db.backup(file)                 (option file, size query, progress sampling, partial file + rename)
//   direct: mariadb-dump --defaults-file=<same kind of file> <the same options> --result-file=<file> -- bench
// and, for information, gds with compress 'zstd' against `mariadb-dump ... | zstd -q -c > file` (the
// zstd program; gds uses node:zlib where Node has zstd, else the same program).
// Medians of RUNS interleaved runs after one warm-up each; prints the ratio (goal <= 1.05x). Not a test.
// Run: node packages/gds-mysql/bench/backup.mjs [rows=400000] [runs=5]
// Needs the built core and testkit (pnpm --filter @gds/database --filter @gds/testkit run build);
// @gds/mysql itself is bundled from src with esbuild, so it runs while the package is changing.
import { buildSync } from 'esbuild';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const ROWS = Number(process.argv[2] ?? 400_000);
const RUNS = Number(process.argv[3] ?? 5);
const bundle = join(here, `.bench-backup-${process.pid}.mjs`);
buildSync({ entryPoints: [join(here, '..', 'src', 'index.ts')], bundle: true, platform: 'node', format: 'esm', packages: 'external', outfile: bundle, logLevel: 'error' });
const { startMariadb } = await import(pathToFileURL(join(here, '..', '..', 'gds-testkit', 'dist', 'index.js')).href);
const { DatabaseManager } = await import(pathToFileURL(join(here, '..', '..', 'gds-database', 'dist', 'index.js')).href);
await import(pathToFileURL(bundle).href);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const run = (cmd, args, { stdoutTo } = {}) =>
  new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', stdoutTo ? 'pipe' : 'ignore', 'inherit'] });
    if (stdoutTo) stdoutTo(child.stdout);
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} exited ${code}`))));
  });

const cluster = await startMariadb();
const out = mkdtempSync(join(tmpdir(), 'gds-mysql-bench-'));
try {
  const { user, password } = cluster.accounts.test;
  const t0 = performance.now();
  await cluster.primary.query('CREATE DATABASE bench');
  await cluster.primary.query(
    `CREATE TABLE bench.orders (id INT PRIMARY KEY, customer INT NOT NULL, code CHAR(32) NOT NULL, amount DECIMAL(12,2), placed DATETIME, note TEXT, KEY (customer)) ENGINE=InnoDB;
     INSERT INTO bench.orders SELECT seq, seq MOD 9973, MD5(seq), seq / 7, '2024-01-01' + INTERVAL seq SECOND, CONCAT(REPEAT(MD5(seq * 3), 2), ' it''s \\\\ "quoted"') FROM seq_1_to_${ROWS};
     CREATE TABLE bench.customers (id INT PRIMARY KEY, name VARCHAR(80)) ENGINE=InnoDB;
     INSERT INTO bench.customers SELECT seq, CONCAT('customer ', seq) FROM seq_0_to_9972;`,
    { timeoutMs: 600_000, database: 'bench' },
  );
  console.log(`seeded ${ROWS} rows in ${((performance.now() - t0) / 1000).toFixed(1)} s (MariaDB ${cluster.version})`);

  const manager = await DatabaseManager.connect(cluster.primary.url('', 'test'));
  const db = manager.getDatabase('bench');
  const cnf = join(out, 'direct.cnf');
  writeFileSync(cnf, `[client]\nuser="${user}"\npassword="${password}"\nhost="127.0.0.1"\nport=${cluster.primary.port}\nprotocol=TCP\nskip-ssl\n`, { mode: 0o600 });
  const tool = '/usr/bin/mariadb-dump';
  // the same options gds passes (mysql-backup.ts dumpArgs), written out so the bench also runs against a built package
  const same = ['--default-character-set=utf8mb4', '--no-tablespaces', '--single-transaction', '--routines', '--triggers', '--events'];

  const sides = {
    gds: async (i) => {
      const file = join(out, `gds_${i}.sql`);
      const r = await db.backup(file);
      if (!r.isSuccess()) throw new Error(r.message);
      return file;
    },
    direct: async (i) => {
      const file = join(out, `direct_${i}.sql`);
      await run(tool, [`--defaults-file=${cnf}`, ...same, `--result-file=${file}`, '--', 'bench']);
      return file;
    },
    'gds zstd': async (i) => {
      const file = join(out, `gdsz_${i}.sql.zst`);
      const r = await db.backup(file, { compress: 'zstd' });
      if (!r.isSuccess()) throw new Error(r.message);
      return file;
    },
    'direct | zstd': async (i) => {
      const file = join(out, `directz_${i}.sql.zst`);
      await new Promise((resolve, reject) => {
        const dump = spawn(tool, [`--defaults-file=${cnf}`, ...same, '--', 'bench'], { stdio: ['ignore', 'pipe', 'inherit'] });
        const z = spawn('sh', ['-c', `zstd -q -c > '${file}'`], { stdio: [dump.stdout, 'ignore', 'inherit'] });
        z.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`zstd ${code}`))));
        dump.on('error', reject);
      });
      return file;
    },
  };
  const times = Object.fromEntries(Object.keys(sides).map((k) => [k, []]));
  const sizes = {};
  for (const side of Object.values(sides)) rmSync(await side('warm'), { force: true });
  for (let i = 0; i < RUNS; i++) {
    const order = Object.entries(sides);
    if (i % 2) order.reverse();
    for (const [name, side] of order) {
      const s = performance.now();
      const file = await side(i);
      times[name].push(performance.now() - s);
      sizes[name] = statSync(file).size;
      rmSync(file, { force: true });
    }
  }
  const m = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
  for (const k of Object.keys(m)) console.log(`${k.padEnd(14)} median ${m[k].toFixed(0).padStart(6)} ms, best ${Math.min(...times[k]).toFixed(0).padStart(6)} ms over ${RUNS} runs (${(sizes[k] / 1e6).toFixed(1)} MB)  [${times[k].map((t) => t.toFixed(0)).join(', ')}]`);
  console.log(`ratio gds / direct mariadb-dump: ${(m.gds / m.direct).toFixed(3)}x of the medians, ${(Math.min(...times.gds) / Math.min(...times.direct)).toFixed(3)}x of the best runs (goal <= 1.05x)`);
  console.log(`ratio gds zstd / mariadb-dump | zstd: ${(m['gds zstd'] / m['direct | zstd']).toFixed(3)}x (for information)`);
  // the fixed cost of one backup() call: an empty database, where the dump itself takes almost nothing
  await cluster.primary.query('CREATE DATABASE bench_empty');
  const empty = manager.getDatabase('bench_empty');
  const fixed = { gds: [], direct: [] };
  for (let i = 0; i < RUNS * 3; i++) {
    let s = performance.now();
    await empty.backup(join(out, `e_gds_${i}.sql`));
    fixed.gds.push(performance.now() - s);
    s = performance.now();
    await run(tool, [`--defaults-file=${cnf}`, ...same, `--result-file=${join(out, `e_direct_${i}.sql`)}`, '--', 'bench_empty']);
    fixed.direct.push(performance.now() - s);
  }
  console.log(`empty database: gds median ${median(fixed.gds).toFixed(1)} ms, direct ${median(fixed.direct).toFixed(1)} ms: ${(median(fixed.gds) - median(fixed.direct)).toFixed(1)} ms of fixed cost per backup() (${RUNS * 3} runs each)`);
  await manager.close();
} finally {
  rmSync(out, { recursive: true, force: true });
  rmSync(bundle, { force: true });
  await cluster.stop();
}
