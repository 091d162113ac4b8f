#!/usr/bin/env node
// Start-up cost of the gds command, measured against baselines in the same run (this machine
// is noisy: runs are interleaved, medians compared):
//   gds --version   vs  `node -e 0`                     (nothing to load but commander)
//   gds ls --json   vs  a minimal Node script that runs the same listing query (METADATA_SQL)
//                       with postgres.js and prints the rows as JSON
// and which driver modules each command loaded (from an ESM loader trace). Not a test.
//
//   node_modules/.bin/turbo run build && node bench/cli.mjs [runs]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startPostgres } from '../packages/gds-testkit/dist/index.js';
import { enginePackages } from '../scripts/engines.mjs';

const root = new URL('..', import.meta.url).pathname;
// the very listing query the engine sends (an internal of the PostgreSQL engine, no longer exported:
// read from its source, bundled on the fly)
const metadataSql = async () => {
  const { buildSync } = await import('esbuild');
  const [out] = buildSync({ entryPoints: [join(root, 'packages/gds-postgres/src/postgres-metadata.ts')], bundle: true, format: 'esm', platform: 'node', write: false }).outputFiles;
  return (await import(`data:text/javascript;base64,${Buffer.from(out.text).toString('base64')}`)).METADATA_SQL;
};
const gds = join(root, 'packages/gds-cli/dist/bin.js');
const runs = Number(process.argv[2] ?? 15);
const METADATA_SQL = await metadataSql();
const tmp = mkdtempSync(join(tmpdir(), 'gds-bench-cli-'));
const pgEntry = join(root, 'packages/gds-postgres/node_modules/postgres/src/index.js');
const minimal = join(tmp, 'minimal.mjs');
writeFileSync(
  minimal,
  `import postgres from ${JSON.stringify(pgEntry)};
const sql = postgres(process.env.GDS_URL, { max: 1, onnotice: () => {} });
const rows = await sql.unsafe(${JSON.stringify(METADATA_SQL)}, [null, false]);
process.stdout.write(JSON.stringify({ ok: true, databases: rows }) + '\\n');
await sql.end();
`,
);

// the engine packages (package.json gds.engine) and their drivers (their dependencies but the core's and typebox)
const ENGINES = enginePackages();
const DRIVERS = [...new Set(ENGINES.flatMap((e) => Object.keys(e.pkg.dependencies ?? {}).filter((d) => !d.startsWith('@gds/') && d !== 'typebox')))];

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const time = (args, env) => {
  const t = performance.now();
  const r = spawnSync(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return performance.now() - t;
};
const trace = (args, env) => {
  const file = join(tmp, 'trace.txt');
  spawnSync(process.execPath, ['--import', join(root, 'bench/trace-modules.mjs'), ...args], { env: { ...process.env, ...env, GDS_TRACE_FILE: file }, stdio: 'ignore' });
  const urls = readFileSync(file, 'utf8').split('\n');
  const names = [...DRIVERS, 'cli-table3', 'cli-progress', 'commander', 'typebox', '@gds/database', ...ENGINES.map((e) => e.name)];
  const seen = new Set();
  for (const u of urls) {
    // the core's TypeBox (inlined in its bundle, loaded only for an invalid value or an unusual schema)
    for (const n of names) {
      const dir = n === '@gds/database' ? '/packages/gds-database/' : ENGINES.find((e) => e.name === n) ? `/packages/${ENGINES.find((e) => e.name === n).folder}/` : `/node_modules/${n}/`;
      if (u.includes(dir)) seen.add(n);
    }
  }
  return [...seen].sort();
};

const cluster = await startPostgres();
try {
  const env = { GDS_URL: cluster.primary.url('postgres') };
  const pairs = [
    ['gds --version', [gds, '--version'], 'node -e 0', ['-e', '0']],
    ['gds ls --json', [gds, 'ls', '--json'], 'minimal postgres.js script', [minimal]],
  ];
  // warm-up
  for (const [, a, , b] of pairs) {
    for (let i = 0; i < 3; i++) {
      time(a, env);
      time(b, env);
    }
  }
  const rows = [];
  for (const [name, a, baseName, b] of pairs) {
    const xs = [];
    const ys = [];
    for (let i = 0; i < runs; i++) {
      ys.push(time(b, env));
      xs.push(time(a, env));
    }
    rows.push({ name, baseName, base: median(ys), gds: median(xs), loaded: trace(a, env) });
  }
  console.log(`gds CLI start-up (${runs} interleaved runs each, medians, Node ${process.version})`);
  console.log('command'.padEnd(16), 'baseline'.padEnd(28), 'base ms', '  gds ms', ' ratio', ' target');
  for (const r of rows) {
    const ratio = r.gds / r.base;
    const target = r.name === 'gds ls --json' ? 1.3 : undefined;
    console.log(r.name.padEnd(16), r.baseName.padEnd(28), r.base.toFixed(1).padStart(7), r.gds.toFixed(1).padStart(8), ratio.toFixed(2).padStart(6), target ? `${target.toFixed(1)}x ${ratio <= target ? 'met' : 'NOT met'}` : '   -');
  }
  const traced = [...rows.map((r) => [r.name, r.loaded]), ['gds --help', trace([gds, '--help'], env)]];
  for (const [name, loaded] of traced) console.log(`modules loaded by ${name}: ${loaded.join(', ') || '(none of the tracked ones)'}`);
  for (const [name, loaded] of traced.filter(([n]) => n !== 'gds ls --json')) {
    const drivers = loaded.filter((m) => DRIVERS.includes(m));
    console.log(`${name} loaded ${drivers.length ? `drivers: ${drivers.join(', ')}` : 'no driver'}`);
  }
} finally {
  await cluster.stop();
  rmSync(tmp, { recursive: true, force: true });
}
