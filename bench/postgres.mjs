// Benchmark of @gds/postgres against postgres.js / pg_dump used directly, on one throwaway cluster.
//
//   node_modules/.bin/turbo run build && node bench/postgres.mjs
//
// Not a test: it prints, for each measurement, the median and p95 of the baseline and of gds,
// measured interleaved in the same run (the machine is noisy), and the ratio of the medians.
// Env knobs (defaults in brackets): BENCH_N_EXISTS [2000], BENCH_N_METADATA [2000],
// BENCH_N_LIST [30], BENCH_DBS [200], BENCH_DUMP_RUNS [5], BENCH_DUMP_ROWS [300000],
// BENCH_BLOCK [20], BENCH_PIN [same]: see "CPU pinning" below (same | cross | off).
import childProcess from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';

// Importing @gds/postgres registers the provider with @gds/database (same module instance: Node
// resolves the workspace symlink to packages/gds-database/dist).
import '../packages/gds-postgres/dist/index.js';
import { DatabaseManager } from '../packages/gds-database/dist/index.js';
import { startPostgres } from '../packages/gds-testkit/dist/index.js';
// The same postgres.js that @gds/postgres uses (its ESM entry, see its package.json "exports").
import postgres from '../packages/gds-postgres/node_modules/postgres/src/index.js';

// The very metadata query the engine sends: an internal of the PostgreSQL engine (not exported),
// read from its source and bundled on the fly, so the baseline sends the same text.
const { buildSync } = await import('esbuild');
const [metadataModule] = buildSync({ entryPoints: [new URL('../packages/gds-postgres/src/postgres-metadata.ts', import.meta.url).pathname], bundle: true, format: 'esm', platform: 'node', write: false }).outputFiles;
const { METADATA_SQL } = await import(`data:text/javascript;base64,${Buffer.from(metadataModule.text).toString('base64')}`);

const env = (name, fallback) => Number(process.env[name] ?? fallback);
const N_EXISTS = env('BENCH_N_EXISTS', 2000);
const N_METADATA = env('BENCH_N_METADATA', 2000);
const WARMUP = 200;
// Small blocks, so that a burst of load from other work on the machine hits both sides.
const BLOCK = env('BENCH_BLOCK', 20);
const N_LIST = env('BENCH_N_LIST', 30);
const N_DBS = env('BENCH_DBS', 200);
const DUMP_RUNS = env('BENCH_DUMP_RUNS', 5);
const DUMP_ROWS = env('BENCH_DUMP_ROWS', 300_000);

/** The statement PostgreSQLDatabase.fetchExists sends (packages/gds-postgres/src/postgres-database.ts). */
const EXISTS_SQL = 'select count(*) as n from pg_catalog.pg_database where datname = $1';

// METADATA_SQL is read from the engine's source (above): the baseline sends the very same text.

/** A hand-written catalog query returning the columns listDatabases({ withMetadata: true }) reports. */
function handWrittenListSql(serverVersionNum) {
  const locale = serverVersionNum >= 170000 ? 'd.datlocale' : serverVersionNum >= 150000 ? 'd.daticulocale' : 'null::text';
  const provider = serverVersionNum >= 150000 ? 'd.datlocprovider' : 'null::"char"';
  return `select d.oid, d.datname, pg_catalog.pg_get_userbyid(d.datdba) as owner,
  pg_catalog.pg_encoding_to_char(d.encoding) as encoding, d.datcollate, d.datctype, ${provider} as locprovider, ${locale} as icu_locale,
  t.spcname as tablespace, d.datconnlimit, d.datallowconn, d.datistemplate, d.datfrozenxid,
  case when pg_catalog.has_database_privilege(d.oid, 'CONNECT') then pg_catalog.pg_database_size(d.oid) end as size_bytes,
  coalesce(a.n, 0) as sessions, s.setconfig as settings
from pg_catalog.pg_database d
left join pg_catalog.pg_tablespace t on t.oid = d.dattablespace
left join (select datid, count(*) as n from pg_catalog.pg_stat_activity where pid <> pg_catalog.pg_backend_pid() group by datid) a on a.datid = d.oid
left join pg_catalog.pg_db_role_setting s on s.setdatabase = d.oid and s.setrole = 0
where not d.datistemplate
order by d.datname`;
}

// ------------------------------------------------------------------ statistics and output

const now = () => performance.now();
const sorted = (xs) => [...xs].sort((a, b) => a - b);
const median = (xs) => {
  const s = sorted(xs);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const p95 = (xs) => sorted(xs)[Math.min(xs.length - 1, Math.ceil(0.95 * xs.length) - 1)];
const ms = (x) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(3));
const secs = (t0) => `${((now() - t0) / 1000).toFixed(1)} s`;
const mib = (bytes) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

const rows = [];
/** Adds a table row; `target` undefined marks an informational row. */
function record(name, n, base, gds, target) {
  rows.push({ name, n, base, gds, ratio: median(gds) / median(base), target });
}

function printTable() {
  const header = ['measurement', 'n', 'baseline median (p95) ms', 'gds median (p95) ms', 'ratio', 'target', 'met'];
  const lines = rows.map((r) => [
    r.name,
    String(r.n),
    `${ms(median(r.base))} (${ms(p95(r.base))})`,
    `${ms(median(r.gds))} (${ms(p95(r.gds))})`,
    `${r.ratio.toFixed(3)}x`,
    r.target === undefined ? '-' : `<= ${r.target}x`,
    r.target === undefined ? 'info' : r.ratio <= r.target ? 'yes' : 'NO',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const fmt = (cells) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ');
  console.log(fmt(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('-+-'));
  for (const l of lines) console.log(fmt(l));
}

/**
 * Runs `n` timed calls of each of `fns` after `warmup` untimed calls of each, interleaved in blocks
 * of `block` calls whose order rotates from one block to the next; `afterWarmup` runs between the
 * two. Returns the samples per fn (ms).
 */
async function interleave(fns, { n, warmup, block, afterWarmup }) {
  for (let i = 0; i < warmup; i++) for (const fn of fns) await fn();
  await afterWarmup?.();
  const samples = fns.map(() => []);
  for (let done = 0, k = 0; done < n; done += block, k++) {
    const count = Math.min(block, n - done);
    for (let j = 0; j < fns.length; j++) {
      const idx = (j + k) % fns.length;
      for (let c = 0; c < count; c++) {
        const t = now();
        await fns[idx]();
        samples[idx].push(now() - t);
      }
    }
  }
  return samples;
}

// ------------------------------------------------------------------ counting what gds sends

/** Runs `fn` once with the instance's `query` wrapped; returns the statements gds sent through it. */
async function statementsOf(conn, fn) {
  const sent = [];
  const original = conn.query;
  conn.query = function countedQuery(text, ...rest) {
    sent.push(String(text).replace(/\s+/g, ' ').trim());
    return original.call(this, text, ...rest);
  };
  try {
    await fn();
  } finally {
    delete conn.query; // back to the prototype's method
  }
  return sent;
}

/** Runs `fn` once with child_process.spawn/execFile wrapped; returns the commands it started. */
async function childProcessesOf(fn) {
  const started = [];
  const { spawn, execFile } = childProcess;
  const describe = (file, args) => `${path.basename(file)} ${(Array.isArray(args) ? args : []).filter((a) => !/^--(dbname|file)=/.test(a)).join(' ')}`.trim();
  childProcess.spawn = function countedSpawn(file, args, ...rest) {
    started.push(describe(file, args));
    return spawn.call(this, file, args, ...rest);
  };
  childProcess.execFile = function countedExecFile(file, args, ...rest) {
    started.push(describe(file, args));
    return execFile.call(this, file, args, ...rest);
  };
  syncBuiltinESMExports(); // so that `import { spawn } from 'node:child_process'` in gds sees the wrappers
  try {
    await fn();
  } finally {
    childProcess.spawn = spawn;
    childProcess.execFile = execFile;
    syncBuiltinESMExports();
  }
  return started;
}

// ------------------------------------------------------------------ CPU pinning
//
// On this 2-vCPU VM a round trip costs ~60 us when the backend runs on the same vCPU as node and
// ~145 us when it runs on the other one (a cross-vCPU wake-up), and the scheduler's choice sticks
// to each backend process: without pinning, whichever side's backend lands on the other vCPU looks
// 2x slower, whatever gds does. So for the latency measurements (1-3) the node main thread and the
// client backends are pinned: to the same CPU (BENCH_PIN=same, default), to two different CPUs
// (cross), or not at all (off). Pinning is undone before the backup measurement.

const PIN = process.env.BENCH_PIN ?? 'same';
const taskset = (...args) => childProcess.execFileSync('taskset', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
/** CPU list "0-1,3" -> [0, 1, 3]. */
const cpuList = (text) => text.split(',').flatMap((part) => {
  const [a, b = a] = part.split('-').map(Number);
  return Array.from({ length: b - a + 1 }, (_, i) => a + i);
});
const pinning = { active: false, selfCpu: undefined, backendCpu: undefined, original: undefined, note: 'off' };
function pinSelf() {
  if (PIN === 'off') return;
  try {
    pinning.original = taskset('-pc', String(process.pid)).split(': ').pop();
    const cpus = cpuList(pinning.original);
    if (PIN === 'cross' && cpus.length < 2) throw new Error('only one CPU');
    pinning.selfCpu = cpus[0];
    pinning.backendCpu = PIN === 'cross' ? cpus[1] : cpus[0];
    taskset('-pc', String(pinning.selfCpu), String(process.pid));
    pinning.active = true;
    pinning.note = `${PIN}: node main thread on CPU ${pinning.selfCpu}, client backends on CPU ${pinning.backendCpu} (measurements 1-3)`;
  } catch (e) {
    pinning.note = `off (taskset failed: ${String(e.message ?? e).split('\n')[0]})`;
  }
}
/** Pins every client backend of the cluster (both sides' sessions) to the backend CPU. */
async function pinBackends(sql) {
  if (!pinning.active) return;
  const rows = await sql.unsafe("select pid from pg_catalog.pg_stat_activity where backend_type = 'client backend'");
  for (const { pid } of rows) taskset('-pc', String(pinning.backendCpu), String(pid));
}

// ------------------------------------------------------------------ equal server sessions
//
// The sessions being compared must also be in the same state on the server. A fresh backend
// gives the ~200 KB that METADATA_SQL allocates per call (mostly the pg_stat_activity snapshot)
// back to the OS after each statement (glibc trims the heap) and takes ~50 page faults to get it
// again on the next one. A backend that once freed a large block no longer trims, because glibc
// raises its thresholds. Which state a session is in depends on its history, so it differs
// between the baseline's and gds's sessions for reasons that have nothing to do with gds (seen:
// 0 vs 52 faults per call, 1.2x). So after warm-up every measured session runs CONDITION_SQL once,
// and the faults and server CPU per call of each session are printed to show they match.
const CONDITION_SQL = "select length(repeat('x', 8 * 1024 * 1024)) as n"; // an 8 MiB palloc, freed

/** Minor page faults and CPU time (ns) of a process (undefined when /proc is not readable). */
function procStat(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    const cpuNs = Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]);
    return { minflt: Number(f[7]), cpuNs };
  } catch {
    return undefined;
  }
}

/**
 * After warm-up: pins and conditions the sessions `sides` ({ label: run(sql) }) and returns the
 * function that reports, once the calls are done, each session's faults and CPU per call.
 */
async function prepareSessions(base, sides) {
  await pinBackends(base);
  const start = [];
  for (const [label, run] of Object.entries(sides)) {
    await run(CONDITION_SQL);
    const pid = Number((await run('select pg_catalog.pg_backend_pid() as pid'))[0].pid);
    start.push({ label, pid, stat: procStat(pid) });
  }
  return (calls) =>
    start
      .map(({ label, pid, stat }) => {
        const end = procStat(pid);
        if (!stat || !end) return `${label}: n/a`;
        return `${label} ${((end.minflt - stat.minflt) / calls).toFixed(1)} faults, ${((end.cpuNs - stat.cpuNs) / 1000 / calls).toFixed(1)} us CPU`;
      })
      .join('; ');
}

function unpinSelf() {
  if (!pinning.active) return;
  pinning.active = false;
  taskset('-pc', pinning.original, String(process.pid));
}

const short = (s, n = 90) => (s.length > n ? `${s.slice(0, n - 3)}...` : s);

// ------------------------------------------------------------------ the run

const started = now();
const execFileP = promisify(childProcess.execFile);
const info = [];
let cluster;
let manager;
let base;
let prep;
let dumpSql;
let dumpDir;
try {
  if (!readFileSync(new URL('../packages/gds-postgres/src/postgres-database.ts', import.meta.url), 'utf8').includes(`'${EXISTS_SQL}'`)) {
    info.push('WARNING: EXISTS_SQL is no longer what packages/gds-postgres/src/postgres-database.ts sends (update it)');
  }

  let t0 = now();
  cluster = await startPostgres();
  const url = (db) => cluster.primary.url(db);
  base = postgres(url('postgres'), { max: 1, onnotice: () => {} });
  // The informational prepared-statement runs get their own session: on the baseline's session a
  // named prepared statement of the same query makes its unnamed runs ~15% faster (seen here).
  prep = postgres(url('postgres'), { max: 1, onnotice: () => {} });
  manager = await DatabaseManager.connect(url('postgres'));
  const conn = manager.connection;
  const server = (await base.unsafe("select current_setting('server_version') as v, current_setting('server_version_num') as n"))[0];
  const serverNum = Number(server.n);
  info.push(`cluster: PostgreSQL ${server.v} (primary only) on port ${cluster.primary.port} in ${cluster.rootDir}, started in ${secs(t0)}; node ${process.version}, ${os.cpus().length} CPUs`);

  await base.unsafe('create database bench_app');
  pinSelf();
  info.push(`CPU pinning: ${pinning.note}`);
  const db = manager.getDatabase('bench_app');
  // The measured sessions, for pinning and conditioning (gds's maintenance pool uses one session here:
  // its calls are sequential).
  const sides = { baseline: (q) => base.unsafe(q), gds: (q) => conn.query(q), prepared: (q) => prep.unsafe(q) };
  let sessionReport;

  // ---- 1. exists()
  console.log(`[1/4] exists(): ${N_EXISTS} calls each after ${WARMUP} warm-up, interleaved in blocks of ${BLOCK}`);
  t0 = now();
  const [existsBase, existsGds, existsPrepared] = await interleave(
    [() => base.unsafe(EXISTS_SQL, ['bench_app']), () => db.exists(), () => prep.unsafe(EXISTS_SQL, ['bench_app'], { prepare: true })],
    { n: N_EXISTS, warmup: WARMUP, block: BLOCK, afterWarmup: async () => (sessionReport = await prepareSessions(base, sides)) },
  );
  info.push(`exists(): measured in ${secs(t0)}`, `  server side per call (minor faults, backend CPU): ${sessionReport(N_EXISTS)}`);
  // gds sends parameterized statements as named prepared statements: so does the baseline
  record('db.exists()', N_EXISTS, existsPrepared, existsGds, 1.1);
  const existsStatements = await statementsOf(conn, () => db.exists());

  // ---- 2. getMetadata()
  console.log(`[2/4] getMetadata(): ${N_METADATA} calls each after ${WARMUP} warm-up, interleaved in blocks of ${BLOCK}`);
  t0 = now();
  const [metaBase, metaGds, metaPrepared] = await interleave(
    [() => base.unsafe(METADATA_SQL, ['bench_app', true]), () => db.getMetadata(), () => prep.unsafe(METADATA_SQL, ['bench_app', true], { prepare: true })],
    { n: N_METADATA, warmup: WARMUP, block: BLOCK, afterWarmup: async () => (sessionReport = await prepareSessions(base, sides)) },
  );
  info.push(`getMetadata(): measured in ${secs(t0)}`, `  server side per call (minor faults, backend CPU): ${sessionReport(N_METADATA)}`);
  record('db.getMetadata()', N_METADATA, metaPrepared, metaGds, 1.1);
  const metaStatements = await statementsOf(conn, () => db.getMetadata());

  // ---- 3. listDatabases({ withMetadata: true }) on N_DBS databases
  console.log(`[3/4] listDatabases({ withMetadata: true }): creating ${N_DBS} databases`);
  t0 = now();
  const strategy = serverNum >= 150000 ? ' STRATEGY FILE_COPY' : ''; // ~17 ms each here; WAL_LOG writes each copy to WAL
  for (let i = 0; i < N_DBS; i++) await base.unsafe(`CREATE DATABASE bench_db_${String(i).padStart(3, '0')} TEMPLATE template1${strategy}`);
  const setupMs = now() - t0;
  info.push(`setup: ${N_DBS} x CREATE DATABASE ... TEMPLATE template1${strategy} took ${(setupMs / 1000).toFixed(1)} s (${(setupMs / N_DBS).toFixed(0)} ms each)`);
  const LIST_SQL = handWrittenListSql(serverNum);
  const listGds = () => manager.listDatabases({ withMetadata: true });
  const listBase = () => base.unsafe(LIST_SQL);
  const gdsCount = (await listGds()).length;
  const baseCount = (await listBase()).length;
  if (gdsCount !== baseCount) info.push(`WARNING: listDatabases returned ${gdsCount} databases, the hand-written query ${baseCount}`);
  console.log(`      ${gdsCount} databases listed; ${N_LIST} calls each after 3 warm-up, alternating`);
  t0 = now();
  const [listBaseS, listGdsS] = await interleave([listBase, listGds], {
    n: N_LIST,
    warmup: 3,
    block: 1,
    afterWarmup: async () => (sessionReport = await prepareSessions(base, { baseline: sides.baseline, gds: sides.gds })),
  });
  info.push(`listDatabases: measured in ${secs(t0)}`, `  server side per call (minor faults, backend CPU): ${sessionReport(N_LIST)}`);
  record(`listDatabases(withMetadata), ${gdsCount} dbs`, N_LIST, listBaseS, listGdsS, 1.2);
  const listStatements = await statementsOf(conn, listGds);

  // ---- 4. backup() vs pg_dump (unpinned: pg_dump would inherit the main thread's CPU)
  unpinSelf();
  console.log(`[4/4] backup(): loading ${DUMP_ROWS} rows`);
  t0 = now();
  await base.unsafe('create database bench_dump');
  dumpSql = postgres(url('bench_dump'), { max: 1, onnotice: () => {} });
  await dumpSql.unsafe('create table t (id bigint, payload text)');
  await dumpSql.unsafe(`insert into t select i, repeat(md5(i::text), 4) from generate_series(1, ${DUMP_ROWS}) i`);
  await dumpSql.unsafe('vacuum (analyze) t');
  const tableBytes = Number((await dumpSql`select pg_total_relation_size('t') as n`)[0].n);
  await dumpSql.end();
  dumpSql = undefined;
  info.push(`dump data: table t, ${DUMP_ROWS} rows of 128-char text, ${mib(tableBytes)}, loaded in ${secs(t0)}`);

  // The pg_dump gds picks: the server major's folder first (see postgres-tools.ts).
  const major = String(Math.floor(serverNum / 10000));
  const binDirs = readdirSync('/usr/lib/postgresql').filter((d) => /^\d+$/.test(d)).sort((a, b) => Number(b) - Number(a));
  const pgDump = `/usr/lib/postgresql/${binDirs.includes(major) ? major : binDirs[0]}/bin/pg_dump`;
  const toolEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PG'))); // as gds's toolEnv
  dumpDir = mkdtempSync(path.join(os.tmpdir(), 'gds-bench-dump-'));
  const baseOut = path.join(dumpDir, 'base.dump');
  const gdsOut = path.join(dumpDir, 'gds.dump');
  const sizes = { base: 0, gds: 0 };
  const clean = () => {
    rmSync(baseOut, { force: true });
    rmSync(gdsOut, { force: true });
  };
  const pgDumpTo = (database) => async () => {
    await execFileP(pgDump, ['--format=custom', `--file=${baseOut}`, `--dbname=${url(database)}`], { env: toolEnv });
    sizes.base = statSync(baseOut).size;
  };
  const backupTo = (database) => {
    const target = manager.getDatabase(database);
    return async () => {
      await target.backup(gdsOut); // format defaults to custom
      sizes.gds = statSync(gdsOut).size;
    };
  };
  /** `runs` timed runs of each after one warm-up, alternating which goes first, outputs deleted before each run. */
  async function alternate(base, gds, runs) {
    const samples = [[], []];
    for (let i = -1; i < runs; i++) {
      const order = (i + 2) % 2 === 0 ? [0, 1] : [1, 0];
      for (const side of order) {
        clean();
        const t = now();
        await [base, gds][side]();
        if (i >= 0) samples[side].push(now() - t);
      }
    }
    clean();
    return samples;
  }
  const dumpGds = backupTo('bench_dump');
  console.log(`      ${DUMP_RUNS} runs each after 1 warm-up, alternating, outputs deleted between runs`);
  t0 = now();
  const [dumpBaseS, dumpGdsS] = await alternate(pgDumpTo('bench_dump'), dumpGds, DUMP_RUNS);
  record(`backup() vs pg_dump -Fc, ${mib(tableBytes)}`, DUMP_RUNS, dumpBaseS, dumpGdsS, 1.05);
  const dumpSizes = { ...sizes };
  // gds's fixed cost per backup, seen on an empty database (informational)
  const [emptyBaseS, emptyGdsS] = await alternate(pgDumpTo('bench_app'), backupTo('bench_app'), 2 * DUMP_RUNS);
  let backupStatements = [];
  const backupChildren = await childProcessesOf(async () => {
    backupStatements = await statementsOf(conn, dumpGds);
  });
  clean();
  info.push(`backup: measured in ${secs(t0)}; dump sizes: pg_dump ${mib(dumpSizes.base)}, gds ${mib(dumpSizes.gds)}; binary ${pgDump}`);

  // Informational rows: the same statements unprepared (sql.unsafe(text, params), two round
  // trips), which is what gds sent before it prepared its statements.
  record('info: exists, postgres.js unprepared vs gds', N_EXISTS, existsBase, existsGds);
  record('info: getMetadata, postgres.js unprepared vs gds', N_METADATA, metaBase, metaGds);
  record('info: backup() vs pg_dump -Fc, empty database', 2 * DUMP_RUNS, emptyBaseS, emptyGdsS);

  const list = (xs) => xs.map((s) => `\n      - ${short(s)}`).join('');
  info.push('statements gds sends per call (counted on PostgreSQLConnection.query; the baselines send 1):');
  info.push(`  exists(): ${existsStatements.length}${list(existsStatements)}`);
  info.push(`  getMetadata(): ${metaStatements.length}${list(metaStatements)}`);
  info.push(`  listDatabases({ withMetadata: true }), ${gdsCount} databases: ${listStatements.length}${list(listStatements)}`);
  info.push(
    `  backup(): ${backupStatements.length} statements and ${backupChildren.length} child processes (the baseline: 0 statements, 1 pg_dump)${list(backupStatements)}${list(backupChildren)}`,
  );

  console.log('');
  for (const line of info) console.log(line);
  console.log('');
  printTable();
} finally {
  try {
    unpinSelf();
  } catch {
    // nothing to undo
  }
  await dumpSql?.end().catch(() => undefined);
  await prep?.end().catch(() => undefined);
  await base?.end().catch(() => undefined);
  await manager?.close().catch(() => undefined);
  await cluster?.stop().catch((e) => console.error(`could not stop the cluster: ${e}`));
  if (dumpDir && existsSync(dumpDir)) rmSync(dumpDir, { recursive: true, force: true });
}

// Only the summary line follows the table (the cluster was stopped above, silently).
const targeted = rows.filter((r) => r.target !== undefined);
const missed = targeted.filter((r) => r.ratio > r.target);
console.log(
  `summary: ${targeted.length - missed.length}/${targeted.length} targets met${missed.length ? ` (missed: ${missed.map((r) => r.name).join('; ')})` : ''}; whole run ${secs(started)}, cluster stopped`,
);
