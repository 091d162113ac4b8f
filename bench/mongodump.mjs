// Benchmark: @gds/mongodb's native backup vs the real mongodump (MongoDB Database Tools
// 100.18.0, from scripts/install-peers.sh) on the SAME FerretDB 1.24 server and data, in one run.
// FerretDB 1.24 is a MongoDB-compatible server over SQLite, NOT MongoDB: the figures compare the
// two clients against one server; they say nothing about MongoDB's own speed.
//
//   bash scripts/install-peers.sh && node_modules/.bin/turbo run build
//   node bench/mongodump.mjs
//
// Each run is a fresh child process (ours: node running db.backup(); theirs: mongodump --out),
// runs interleaved after one warm-up each; it prints the median wall time, throughput (BSON
// MiB/s of the dumped collection), the ratio of the medians (ours / mongodump: < 1 means ours
// is faster), and each side's peak RSS (VmHWM of the child process). Without mongodump it
// measures our side alone and says so in one line.
// Env knobs: BENCH_DOCS [20000], BENCH_DOC_BYTES [1000], BENCH_RUNS [5].
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const env = (name, fallback) => Number(process.env[name] ?? fallback);
const DOCS = env('BENCH_DOCS', 20_000);
const DOC_BYTES = env('BENCH_DOC_BYTES', 1000);
const RUNS = env('BENCH_RUNS', 5);
const here = fileURLToPath(import.meta.url);

// ---------------------------------------------------------------- child: our backup, one run
if (process.argv[2] === '--ours') {
  await import('../packages/gds-mongodb/dist/index.js');
  const { DatabaseManager } = await import('../packages/gds-database/dist/index.js');
  const [, , , url, out] = process.argv;
  const manager = await DatabaseManager.connect(url);
  try {
    const r = await manager.getDatabase('bench').backup(out);
    if (!r.isSuccess()) throw new Error(r.message);
  } finally {
    await manager.close();
  }
  process.exit(0);
}

/** Runs a child to its end; resolves with wall ms and its peak RSS (VmHWM, KiB), polled from /proc. */
function measure(file, args) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(file, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let hwm = 0;
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += c));
    const poll = setInterval(() => {
      try {
        const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) hwm = Math.max(hwm, Number(m[1]));
      } catch {
        // exited
      }
    }, 5);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearInterval(poll);
      const ms = performance.now() - t0;
      if (code !== 0) reject(new Error(`${path.basename(file)} exited ${code}: ${stderr.trim().slice(-500)}`));
      else resolve({ ms, rssKiB: hwm });
    });
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const { startFerretDb, findPeer, peerSkipReason } = await import('../packages/gds-testkit/dist/peers.js');
if (peerSkipReason('ferretdb', process.env, (l) => console.log(l))) process.exit(0);
const { MongoClient } = await import('../packages/gds-mongodb/node_modules/mongodb/lib/index.js');
const tools = findPeer('mongo-tools');
const fdb = await startFerretDb();
const tmp = mkdtempSync(path.join(os.tmpdir(), 'gds-bench-mongodump-'));
try {
  console.log(`@gds/mongodb backup vs mongodump — on ${fdb.label}`);
  console.log(`node ${process.version}, ${os.cpus().length} CPUs; ${DOCS} documents of ~${DOC_BYTES} bytes; ${RUNS} runs each after 1 warm-up, interleaved, each a fresh process`);
  if (!tools) console.log('mongodump is not installed (bash scripts/install-peers.sh; see its line for why): our side only, no ratio');
  const client = new MongoClient(fdb.url);
  const pad = 'x'.repeat(Math.max(0, DOC_BYTES - 120));
  const coll = client.db('bench').collection('orders');
  for (let i = 0; i < DOCS; i += 1000) {
    await coll.insertMany(Array.from({ length: Math.min(1000, DOCS - i) }, (_, j) => ({ _id: i + j, customer: `customer ${(i + j) % 97}`, amount: (i + j) * 1.25, at: new Date(1767225600000 + (i + j) * 1000), tags: ['a', 'b', String((i + j) % 5)], pad })));
  }
  await client.close();

  const sides = { ours: [], mongodump: [] };
  let bsonBytes = 0;
  for (let run = 0; run <= RUNS; run++) {
    const ourOut = path.join(tmp, `ours-${run}`);
    const r1 = await measure(process.execPath, [here, '--ours', fdb.url, ourOut]);
    bsonBytes = statSync(path.join(ourOut, 'bench', 'orders.bson')).size;
    rmSync(ourOut, { recursive: true, force: true });
    if (run > 0) sides.ours.push(r1);
    if (tools) {
      const theirOut = path.join(tmp, `theirs-${run}`);
      const r2 = await measure(tools.mongodump, ['--uri', fdb.url, '--db', 'bench', '--out', theirOut, '--quiet']);
      rmSync(theirOut, { recursive: true, force: true });
      if (run > 0) sides.mongodump.push(r2);
    }
  }
  const mib = bsonBytes / 1048576;
  const row = (name, rs) => {
    const ms = median(rs.map((r) => r.ms));
    console.log(`${name.padEnd(10)} median ${ms.toFixed(0).padStart(6)} ms  ${(mib / (ms / 1000)).toFixed(1).padStart(6)} MiB/s  peak RSS ${(Math.max(...rs.map((r) => r.rssKiB)) / 1024).toFixed(0)} MiB  (runs: ${rs.map((r) => r.ms.toFixed(0)).join(', ')} ms)`);
    return ms;
  };
  console.log(`\ncollection bench.orders: ${DOCS} documents, ${mib.toFixed(1)} MiB of BSON`);
  const ours = row('ours', sides.ours);
  if (tools) {
    const theirs = row('mongodump', sides.mongodump);
    console.log(`ratio ours / mongodump (medians): ${(ours / theirs).toFixed(2)}x  (goal: <= 1.00, ours at least as fast)`);
  }
} finally {
  await fdb.stop();
  rmSync(tmp, { recursive: true, force: true });
}
