// Benchmark of @gds/mongodb's native dump, against the MongoDB WIRE SIMULATOR of @gds/testkit
// (no MongoDB server can run on this machine). SIMULATOR FIGURES: they compare gds with a bare
// driver cursor over the same loopback simulator; they say nothing about a real server's speed.
//
//   node_modules/.bin/turbo run build   (or tsc -p tsconfig.build.json in gds-database, gds-testkit, gds-mongodb)
//   node bench/mongodb.mjs
//
// It measures, in one run:
// 1. dump throughput: db.backup() of one collection vs a bare driver cursor writing the same
//    documents to a .bson file (the naive way: decoded documents, BSON.serialize, fs write stream
//    with backpressure). Runs interleaved, medians and the ratio of the medians.
// 2. peak memory: the peak RSS and heap growth of this process during db.backup() of a small
//    collection and of one 100x larger. The simulator runs in a child process so that the data it
//    holds is not counted.
// Env knobs: BENCH_MONGO_DOCS [20000] (throughput collection), BENCH_MONGO_RUNS [5],
// BENCH_MONGO_SMALL [1000] (memory: small collection; the large one is 100x), BENCH_MONGO_DOC_BYTES [1000].
import { fork } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const env = (name, fallback) => Number(process.env[name] ?? fallback);
const DOCS = env('BENCH_MONGO_DOCS', 20_000);
const RUNS = env('BENCH_MONGO_RUNS', 5);
const SMALL = env('BENCH_MONGO_SMALL', 1000);
const DOC_BYTES = env('BENCH_MONGO_DOC_BYTES', 1000);

// ---------------------------------------------------------------- the simulator child
if (process.argv[2] === '--simulator') {
  const { MongoSimulator } = await import('../packages/gds-testkit/dist/mongo.js');
  const sim = await MongoSimulator.start();
  const pad = 'x'.repeat(Math.max(0, DOC_BYTES - 120));
  const make = (n) => Array.from({ length: n }, (_, i) => ({ _id: i, customer: `customer ${i % 97}`, amount: i * 1.25, at: new Date(1767225600000 + i * 1000), tags: ['a', 'b', String(i % 5)], pad }));
  sim.store.putCollection('bench', 'orders', make(DOCS));
  sim.store.putCollection('mem_small', 'docs', make(SMALL));
  sim.store.putCollection('mem_large', 'docs', make(SMALL * 100));
  process.send({ url: sim.url });
  process.on('disconnect', () => void sim.stop().then(() => process.exit(0)));
} else {
  await main();
}

async function main() {
  await import('../packages/gds-mongodb/dist/index.js');
  const { DatabaseManager } = await import('../packages/gds-database/dist/index.js');
  const { MongoClient, BSON } = await import('../packages/gds-mongodb/node_modules/mongodb/lib/index.js');

  const child = fork(fileURLToPath(import.meta.url), ['--simulator'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env: process.env });
  const [{ url }] = await once(child, 'message');
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'gds-bench-mongo-'));
  const manager = await DatabaseManager.connect(url);
  const client = new MongoClient(url);
  try {
    console.log(`@gds/mongodb dump benchmark — SIMULATOR FIGURES (loopback wire simulator, not a MongoDB server)`);
    console.log(`node ${process.version}, ${os.cpus().length} CPUs; ${DOCS} documents of ~${DOC_BYTES} bytes; ${RUNS} runs each after 1 warm-up, interleaved\n`);

    // ------------------------------------------------------------ 1. throughput
    const db = manager.getDatabase('bench');
    let n = 0;
    const gdsRun = async () => {
      const target = path.join(tmp, `gds-${n++}`);
      const t0 = performance.now();
      const r = await db.backup(target);
      const ms = performance.now() - t0;
      const bytes = statSync(path.join(target, 'bench', 'orders.bson')).size;
      rmSync(target, { recursive: true, force: true });
      return { ms, bytes, docs: r.data.details.documents };
    };
    const bareRun = async () => {
      const file = path.join(tmp, `bare-${n++}.bson`);
      const t0 = performance.now();
      const out = createWriteStream(file);
      let docs = 0;
      for await (const doc of client.db('bench').collection('orders').find({})) {
        docs++;
        if (!out.write(BSON.serialize(doc))) await once(out, 'drain');
      }
      out.end();
      await once(out, 'finish');
      const ms = performance.now() - t0;
      const bytes = statSync(file).size;
      rmSync(file, { force: true });
      return { ms, bytes, docs };
    };
    await gdsRun();
    await bareRun();
    const g = [];
    const b = [];
    for (let i = 0; i < RUNS; i++) {
      if (i % 2 === 0) {
        g.push(await gdsRun());
        b.push(await bareRun());
      } else {
        b.push(await bareRun());
        g.push(await gdsRun());
      }
    }
    const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
    const mbps = (r) => r.bytes / 1048576 / (r.ms / 1000);
    const gm = median(g.map((r) => r.ms));
    const bm = median(b.map((r) => r.ms));
    console.log('| dump of one collection | median ms | MiB/s (median run) | documents | file bytes |');
    console.log('|---|---|---|---|---|');
    console.log(`| gds db.backup() (raw cursor, streamed; + listCollections, listIndexes, metadata, manifest, rename) | ${gm.toFixed(1)} | ${median(g.map(mbps)).toFixed(1)} | ${g[0].docs} | ${g[0].bytes} |`);
    console.log(`| bare driver cursor -> BSON.serialize -> write stream | ${bm.toFixed(1)} | ${median(b.map(mbps)).toFixed(1)} | ${b[0].docs} | ${b[0].bytes} |`);
    console.log(`\nratio of the medians (gds / bare): ${(gm / bm).toFixed(2)}x (below 1: gds is faster)\n`);

    // ------------------------------------------------------------ 2. peak memory
    const measure = async (name) => {
      globalThis.gc?.();
      await new Promise((r) => setTimeout(r, 50));
      const base = process.memoryUsage();
      let peakRss = base.rss;
      let peakHeap = base.heapUsed;
      const timer = setInterval(() => {
        const m = process.memoryUsage();
        peakRss = Math.max(peakRss, m.rss);
        peakHeap = Math.max(peakHeap, m.heapUsed);
      }, 2);
      const target = path.join(tmp, `mem-${name}`);
      const t0 = performance.now();
      const r = await manager.getDatabase(name).backup(target);
      const ms = performance.now() - t0;
      clearInterval(timer);
      const size = r.data.sizeBytes;
      rmSync(target, { recursive: true, force: true });
      return { name, docs: r.data.details.documents, size, ms, rss: peakRss - base.rss, heap: peakHeap - base.heapUsed };
    };
    await measure('mem_small');
    const small = await measure('mem_small');
    const large = await measure('mem_large');
    const mib = (x) => (x / 1048576).toFixed(1);
    console.log(`| peak memory during db.backup()${globalThis.gc ? '' : ' (run with --expose-gc for steadier figures)'} | documents | dump size MiB | ms | peak RSS growth MiB | peak heap growth MiB |`);
    console.log('|---|---|---|---|---|---|');
    for (const r of [small, large]) console.log(`| ${r.name} | ${r.docs} | ${mib(r.size)} | ${r.ms.toFixed(0)} | ${mib(r.rss)} | ${mib(r.heap)} |`);
    console.log(`\nthe large collection is ${(large.size / small.size).toFixed(0)}x the small one; peak RSS growth ratio ${(large.rss / Math.max(1, small.rss)).toFixed(1)}x, heap ${(large.heap / Math.max(1, small.heap)).toFixed(1)}x`);
  } finally {
    await client.close();
    await manager.close();
    child.disconnect();
    rmSync(tmp, { recursive: true, force: true });
  }
}

