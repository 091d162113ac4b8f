#!/usr/bin/env node
// The main job of gds, end to end, on a throwaway local PostgreSQL primary + streaming standby:
// create a sample database with data, inventory it, offline/online, single-user/multi-user,
// back it up with progress, verify the backup, restore it into a copy and compare row counts,
// read HA status and lag, fail over to the standby, and clean up (also on Ctrl-C).
//
//   ./run demo            (installs what is missing, builds, runs this)
//   node examples/demo.mjs [--keep-going]
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DatabaseManager } from '../packages/gds-database/dist/index.js';
import '../packages/gds-postgres/dist/index.js';
import { startPostgres } from '../packages/gds-testkit/dist/index.js';

const steps = [];
const out = (line = '') => process.stdout.write(`${line}\n`);
const abort = new AbortController();
let cleaningUp;

async function step(title, fn) {
  const started = performance.now();
  out(`\n▶ ${title}`);
  try {
    const detail = await fn();
    const ms = performance.now() - started;
    steps.push({ title, ok: true, ms });
    if (detail) out(`  ${detail}`);
  } catch (error) {
    const ms = performance.now() - started;
    steps.push({ title, ok: false, ms });
    out(`  ✗ ${error?.code ? `${error.code}: ` : ''}${error?.message ?? error}`);
    if (error?.hint) out(`    hint: ${error.hint}`);
    throw error;
  }
}

const fmtBytes = (n) => (n === undefined ? '?' : n > 1048576 ? `${(n / 1048576).toFixed(1)} MiB` : `${(n / 1024).toFixed(0)} KiB`);

async function main() {
  let cluster;
  let primary;
  let dir;
  const cleanup = async () => {
    await primary?.close().catch(() => undefined);
    await cluster?.stop().catch(() => undefined);
    if (dir) await rm(dir, { recursive: true, force: true });
  };
  process.once('SIGINT', () => {
    out('\ninterrupted: cancelling and cleaning up…');
    abort.abort();
    cleaningUp = cleanup().finally(() => process.exit(130));
  });
  try {
    await step('start a throwaway PostgreSQL primary and streaming standby', async () => {
      cluster = await startPostgres({ standby: true });
      dir = await mkdtemp(join(tmpdir(), 'gds-demo-'));
      return `primary 127.0.0.1:${cluster.primary.port}, standby 127.0.0.1:${cluster.standby.port} (PostgreSQL ${cluster.binaries.major})`;
    });
    primary = await DatabaseManager.connect(cluster.primary.url('postgres'));
    const sales = primary.getDatabase('sales demo');
    const pg = primary.connection;

    await step('create a sample database with data', async () => {
      const r = await sales.create({ encoding: 'UTF8', template: 'template0' });
      out(`  ${r.statements[0]}`);
      await pg.query('create table orders (id int primary key, customer text, amount numeric(10,2), placed date)', [], { database: sales.name });
      await pg.query(`insert into orders select g, 'customer ' || (g % 97), (g % 1000) * 1.5, date '2026-01-01' + (g % 330) from generate_series(1, 200000) g`, [], { database: sales.name });
      await pg.query('create table customers as select distinct customer as name from orders', [], { database: sales.name });
      await pg.release(sales.name);
      return '200000 orders, 97 customers';
    });

    await step('inventory: every database with its metadata (one query)', async () => {
      for (const db of await primary.listDatabases({ withMetadata: true })) {
        const m = await db.metadata();
        out(`  ${m.name.padEnd(14)} owner=${m.owner} size=${fmtBytes(m.sizeBytes)} encoding=${m.encoding} state=${m.state} access=${m.accessMode}`);
      }
      const tables = await sales.listTables();
      return `tables of "${sales.name}": ${tables.map((t) => `${t.schema}.${t.name}`).join(', ')}`;
    });

    await step('take it offline, then online', async () => {
      const plan = await sales.setOffline({ dryRun: true });
      out(`  dry run: ${plan.statements.join('; ')}`);
      await sales.setOffline({ force: true });
      const offline = await sales.getState();
      await sales.setOnline();
      return `state went ${offline} → ${await sales.getState()}`;
    });

    await step('single-user mode, then multi-user', async () => {
      await sales.setSingleUserMode({ force: true });
      const single = (await sales.getMetadata()).accessMode;
      await sales.setMultiUserMode();
      return `access went ${single} → ${(await sales.getMetadata()).accessMode} (superusers are exempt from PostgreSQL connection limits)`;
    });

    const backupPath = join(dir, 'sales.dump');
    await step('back up with progress (pg_dump, custom format)', async () => {
      let last = -1;
      const r = await sales.backup(backupPath, {
        signal: abort.signal,
        onProgress: (p) => {
          if (p.percent !== undefined && p.percent !== last) {
            last = p.percent;
            out(`  … ${p.percent}%${p.bytes ? ` ${fmtBytes(p.bytes)}` : ''}`);
          }
        },
      });
      return `${r.data.target}: ${fmtBytes(r.data.sizeBytes)} in ${r.durationMs.toFixed(0)} ms`;
    });

    await step('verify the backup (every data block read)', async () => {
      const r = await sales.verifyBackup(backupPath);
      return r.message;
    });

    const copy = primary.getDatabase('sales copy');
    await step('restore into a copy and compare row counts', async () => {
      await copy.restore(backupPath, { signal: abort.signal });
      const count = async (db) => {
        const [o] = await pg.query('select count(*)::int as n, sum(amount)::text as s from orders', [], { database: db.name });
        await pg.release(db.name);
        return o;
      };
      const [a, b] = [await count(sales), await count(copy)];
      if (a.n !== b.n || a.s !== b.s) throw new Error(`copy differs: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
      return `orders: ${a.n} rows, sum ${a.s} in both`;
    });

    await step('HA status and lag (streaming replication)', async () => {
      const ha = sales.ha;
      const cfg = await ha.getConfiguration();
      for (const n of cfg.nodes) out(`  ${n.role.padEnd(8)} ${n.endpoint.padEnd(18)} ${n.state}${n.lagSeconds !== undefined ? ` lag ${n.lagSeconds.toFixed(3)} s / ${n.metadata.lagBytes ?? 0} bytes` : ''}`);
      return `sync mode ${cfg.syncMode}, status ${await ha.getStatus()}, healthy ${await ha.isHealthy()}`;
    });

    await step('fail over to the standby', async () => {
      const target = cluster.standby.url('postgres');
      const plan = await sales.ha.failover({ target, dryRun: true });
      out(`  dry run: ${plan.statements.join('; ')}`);
      const r = await sales.ha.failover({ target });
      const promoted = await DatabaseManager.connect(target);
      try {
        const s = await promoted.getServerMetadata();
        await promoted.connection.query('create table written_after_failover (x int)', [], {});
        return `${r.message}; new primary is a replica: ${s.isReplica}`;
      } finally {
        await promoted.close();
      }
    });

    await step('clean up (drop databases, stop servers, remove files)', async () => {
      await sales.drop({ force: true }).catch(() => undefined);
      await copy.drop({ force: true }).catch(() => undefined);
      await cleanup();
      return 'nothing left behind';
    });
  } catch {
    await cleanup();
    if (cleaningUp) await cleaningUp;
    process.exitCode = 1;
  }

  out('\nSummary');
  for (const s of steps) out(`  ${s.ok ? '✓' : '✗'} ${s.title.padEnd(62)} ${s.ms.toFixed(0).padStart(6)} ms`);
  const failed = steps.filter((s) => !s.ok).length;
  out(`\n${steps.length - failed} steps passed, ${failed} failed`);
}

await main();
