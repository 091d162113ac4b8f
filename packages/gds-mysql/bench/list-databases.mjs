// listDatabases({ withMetadata: true }) over 200 databases on a real throwaway MariaDB, against
// one hand-written information_schema query sent with mysql2 directly: statements sent and time.
// Run: node packages/gds-mysql/bench/list-databases.mjs [databases=200] [rounds=15]
// Needs the built core and testkit (pnpm --filter @gds/database --filter @gds/testkit run build);
// @gds/mysql itself is bundled from src with esbuild, so it runs while the package is changing.
import { buildSync } from 'esbuild';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const count = Number(process.argv[2] ?? 200);
const rounds = Number(process.argv[3] ?? 15);
const out = join(here, `.bench-${process.pid}.mjs`);
buildSync({ entryPoints: [join(here, '..', 'src', 'index.ts')], bundle: true, platform: 'node', format: 'esm', packages: 'external', outfile: out, logLevel: 'error' });
const { createConnection } = await import(pathToFileURL(join(here, '..', 'node_modules', 'mysql2', 'promise.js')).href);
const { startMariadb } = await import(pathToFileURL(join(here, '..', '..', 'gds-testkit', 'dist', 'index.js')).href);

const HAND_WRITTEN = `SELECT s.SCHEMA_NAME AS name, s.DEFAULT_CHARACTER_SET_NAME AS charset, s.DEFAULT_COLLATION_NAME AS collation,
  SUM(t.DATA_LENGTH + t.INDEX_LENGTH) AS size, COUNT(t.TABLE_NAME) AS tables
  FROM information_schema.SCHEMATA s LEFT JOIN information_schema.TABLES t ON t.TABLE_SCHEMA = s.SCHEMA_NAME
  WHERE s.SCHEMA_NAME NOT IN ('mysql', 'information_schema', 'performance_schema', 'sys')
  GROUP BY s.SCHEMA_NAME, s.DEFAULT_CHARACTER_SET_NAME, s.DEFAULT_COLLATION_NAME`;

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const cluster = await startMariadb();
try {
  const { MySQLConnection } = await import(pathToFileURL(out).href); // importing it registers the engine
  const { DatabaseManager } = await import('@gds/database');
  const url = cluster.primary.url('', 'test');
  const raw = await createConnection({ host: '127.0.0.1', port: cluster.primary.port, user: cluster.accounts.test.user, password: cluster.accounts.test.password });
  for (let i = 0; i < count; i++) {
    await raw.query(`CREATE DATABASE bench_${i}`);
    await raw.query(`CREATE TABLE bench_${i}.t (id INT PRIMARY KEY, v VARCHAR(20))`);
  }
  const manager = await DatabaseManager.connect(url);
  let sent = 0;
  const original = MySQLConnection.prototype.query;
  MySQLConnection.prototype.query = function (...args) {
    sent++;
    return original.apply(this, args);
  };
  const gds = [];
  const hand = [];
  let listed = 0;
  let statements = 0;
  for (let r = 0; r < rounds; r++) {
    sent = 0;
    let t = performance.now();
    const dbs = await manager.listDatabases({ withMetadata: true });
    gds.push(performance.now() - t);
    statements = Math.max(statements, sent);
    listed = dbs.length;
    t = performance.now();
    const [rows] = await raw.query(HAND_WRITTEN);
    hand.push(performance.now() - t);
    if (rows.length !== dbs.length) throw new Error(`hand-written query saw ${rows.length} databases, gds ${dbs.length}`);
  }
  MySQLConnection.prototype.query = original;
  // one database's metadata among many: the server should read that database's tables only
  const one = manager.getDatabase('bench_0');
  const single = [];
  for (let r = 0; r < rounds; r++) {
    const t = performance.now();
    await one.refreshMetadata();
    single.push(performance.now() - t);
  }
  await manager.close();
  await raw.end();
  const result = {
    server: `${cluster.version} (real server, throwaway local)`,
    databases: listed,
    rounds,
    gdsStatementsPerCall: statements,
    handWrittenStatements: 1,
    gdsMedianMs: Number(median(gds).toFixed(2)),
    handWrittenMedianMs: Number(median(hand).toFixed(2)),
    ratio: Number((median(gds) / median(hand)).toFixed(3)),
    oneDatabaseMetadataMedianMs: Number(median(single).toFixed(2)),
  };
  console.log(JSON.stringify(result, null, 2));
} finally {
  await cluster.stop();
  rmSync(out, { force: true });
}
