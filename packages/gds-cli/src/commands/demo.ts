/**
 * `gds demo`: the main job end to end on a throwaway local PostgreSQL primary and streaming
 * standby (from @gds/testkit, using the machine's PostgreSQL server binaries): create a sample
 * database with data, inventory, offline/online, single-user/multi-user, backup with progress,
 * verify, restore into a copy and compare row counts, HA status and lag, failover to the
 * standby, clean up. Prints each step as it goes and a summary with each step's time. Ctrl-C
 * cancels the running step and cleans up (servers stopped, files removed).
 *
 * @module
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Database, DatabaseManager } from '@gds/database';
import type { CliContext } from '../context.js';
import { loadEngineFor } from '../engine-loader.js';
import { formatBytes } from '../output.js';
import { ProgressRenderer } from '../progress.js';
import { UsageError } from '../usage-error.js';
import { demoRun } from './demo-steps.js';

interface Pg {
  query<R extends object = Record<string, unknown>>(text: string, params?: readonly unknown[], options?: { database?: string; signal?: AbortSignal }): Promise<R[]>;
  release(database: string): Promise<void>;
}

interface Cluster {
  primary: { port: number; url(db?: string): string };
  standby?: { port: number; url(db?: string): string };
  binaries: { major: number };
  stop(): Promise<void>;
}

/** The engines `gds demo --engine` runs on (engine types; `postgres` is the default). */
export const DEMO_ENGINES: readonly string[] = ['postgres', 'sqlite'];

/** What `gds demo` says when PostgreSQL is not there: the demo that needs nothing but Node. */
const SQLITE_HINT = 'or run `gds demo --engine sqlite`: the same job on SQLite files, with nothing but Node';

/** Loads the installed engine for postgres:// URLs (the demo's clusters), or a UsageError saying to install it. */
async function loadPostgresEngine(): Promise<void> {
  try {
    await loadEngineFor('postgres://127.0.0.1/postgres');
  } catch (error) {
    if (error instanceof UsageError) throw new UsageError(`gds demo needs the PostgreSQL engine: ${error.message}; ${SQLITE_HINT}`);
    throw error;
  }
}

/**
 * Runs the demo: PostgreSQL (primary + standby) by default, `--engine sqlite` for SQLite files.
 *
 * ### Examples
 * ```ts
 * await demoCommand(ctx);                       // PostgreSQL
 * await demoCommand(ctx, { engine: 'sqlite' }); // no server at all
 * ```
 */
export async function demoCommand(ctx: CliContext, options: { engine?: string } = {}): Promise<void> {
  const engine = options.engine ?? 'postgres';
  if (!DEMO_ENGINES.includes(engine)) throw new UsageError(`gds demo --engine: unknown engine ${JSON.stringify(engine)} (choose ${DEMO_ENGINES.join(' or ')})`);
  if (engine === 'sqlite') return (await import('./demo-sqlite.js')).demoSqliteCommand(ctx);
  const core = await ctx.core();
  await loadPostgresEngine();
  // the launcher of throwaway clusters is carried inside the CLI (bundled from @gds/testkit/postgres,
  // Node built-ins only), so a global install of the CLI and the PostgreSQL engine is enough for the demo
  const testkit: { startPostgres(o: { standby: boolean }): Promise<Cluster>; postgresMissingReason(): string; findPostgresBinaries(): unknown } = await import('@gds/testkit/postgres');
  if (!testkit.findPostgresBinaries()) throw new UsageError(`${testkit.postgresMissingReason()}; ${SQLITE_HINT}`);

  const run = demoRun(ctx);
  const { say, step } = run;

  let cluster: Cluster | undefined;
  let manager: DatabaseManager | undefined;
  let dir: string | undefined;
  const cleanup = async () => {
    await manager?.close().catch(() => undefined);
    await cluster?.stop().catch(() => undefined);
    if (dir) await rm(dir, { recursive: true, force: true });
    manager = undefined;
    cluster = undefined;
    dir = undefined;
  };
  const onAbort = () => void cleanup();
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  try {
    await step('start a throwaway PostgreSQL primary and streaming standby', async () => {
      cluster = await testkit.startPostgres({ standby: true });
      dir = await mkdtemp(join(tmpdir(), 'gds-demo-'));
      return `primary 127.0.0.1:${cluster.primary.port}, standby 127.0.0.1:${cluster.standby?.port} (PostgreSQL ${cluster.binaries.major})`;
    });
    const c = cluster as Cluster;
    const backupDir = dir as string;
    manager = await core.DatabaseManager.connect(c.primary.url('postgres'));
    const m = manager;
    const pg = m.connection as unknown as Pg;
    const sales = m.getDatabase('sales demo');
    const copy = m.getDatabase('sales copy');
    const signal = ctx.signal;

    await step('create a sample database with data', async () => {
      const r = await sales.create({ encoding: 'UTF8', template: 'template0', signal } as Parameters<Database['create']>[0]);
      say(`  ${r.statements[0]}`);
      await pg.query('create table orders (id int primary key, customer text, amount numeric(10,2), placed date)', [], { database: sales.name, signal });
      await pg.query(`insert into orders select g, 'customer ' || (g % 97), (g % 1000) * 1.5, date '2026-01-01' + (g % 330) from generate_series(1, 200000) g`, [], { database: sales.name, signal });
      await pg.query('create table customers as select distinct customer as name from orders', [], { database: sales.name, signal });
      await pg.release(sales.name);
      return '200000 orders, 97 customers';
    });

    await step('inventory: every database with its metadata (one query)', async () => {
      for (const db of await m.listDatabases({ withMetadata: true, signal })) {
        const meta = await db.metadata();
        say(`  ${meta.name.padEnd(14)} owner=${meta.owner} size=${formatBytes(meta.sizeBytes)} state=${meta.state} access=${meta.accessMode}`);
      }
      const tables = await sales.listTables(undefined, { signal });
      return `tables of "${sales.name}": ${tables.map((t) => `${t.schema}.${t.name}`).join(', ')}`;
    });

    await step('take it offline, then online', async () => {
      const plan = await sales.setOffline({ dryRun: true });
      say(`  dry run: ${plan.statements.join('; ')}`);
      await sales.setOffline({ force: true, signal });
      const offline = await sales.getState();
      await sales.setOnline({ signal });
      return `state went ${offline} → ${await sales.getState()}`;
    });

    await step('single-user mode, then multi-user', async () => {
      await sales.setSingleUserMode({ force: true, signal });
      const single = (await sales.getMetadata()).accessMode;
      await sales.setMultiUserMode({ signal });
      return `access went ${single} → ${(await sales.getMetadata()).accessMode} (superusers are exempt from PostgreSQL connection limits)`;
    });

    const backupPath = join(backupDir, 'sales.dump');
    await step('back up with progress (pg_dump, custom format)', async () => {
      const progress = new ProgressRenderer(ctx.output.err as NodeJS.WritableStream & { isTTY?: boolean }, 'backup', { quiet: ctx.output.json });
      let last = -1;
      try {
        const r = await sales.backup(backupPath, {
          signal,
          onProgress: (p) => {
            progress.update(p);
            if (!progress.enabled && p.percent !== undefined && p.percent !== last) {
              last = p.percent;
              say(`  … ${p.percent}%${p.bytes ? ` ${formatBytes(p.bytes)}` : ''}`);
            }
          },
        });
        progress.stop();
        return `${r.data?.target}: ${formatBytes(r.data?.sizeBytes)} in ${r.durationMs.toFixed(0)} ms`;
      } finally {
        progress.stop();
      }
    });

    await step('verify the backup', async () => (await sales.verifyBackup(backupPath, { signal })).message);

    await step('restore into a copy and compare row counts', async () => {
      await copy.restore(backupPath, { signal });
      const count = async (db: Database) => {
        const [row] = await pg.query<{ n: number; s: string }>('select count(*)::int as n, sum(amount)::text as s from orders', [], { database: db.name, signal });
        await pg.release(db.name);
        return row;
      };
      const a = await count(sales);
      const b = await count(copy);
      if (!a || !b || a.n !== b.n || a.s !== b.s) throw new Error(`the copy differs: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
      return `orders: ${a.n} rows, sum ${a.s} in both`;
    });

    await step('HA status and lag (streaming replication)', async () => {
      const ha = sales.ha;
      if (!ha) throw new Error('no HA manager');
      const cfg = await ha.getConfiguration({ signal });
      for (const n of cfg?.nodes ?? []) {
        say(`  ${n.role.padEnd(8)} ${n.endpoint.padEnd(18)} ${n.state}${n.lagSeconds !== undefined ? ` lag ${n.lagSeconds.toFixed(3)} s / ${String(n.metadata.lagBytes ?? 0)} bytes` : ''}`);
      }
      return `sync mode ${cfg?.syncMode}, status ${await ha.getStatus()}, healthy ${await ha.isHealthy()}`;
    });

    await step('fail over to the standby', async () => {
      const ha = sales.ha;
      const target = c.standby?.url('postgres');
      if (!ha || !target) throw new Error('no standby');
      const plan = await ha.failover({ target, dryRun: true });
      say(`  dry run: ${plan.statements.join('; ')}`);
      const r = await ha.failover({ target, signal });
      const promoted = await core.DatabaseManager.connect(target);
      try {
        const s = await promoted.getServerMetadata();
        return `${r.message}; the new primary is a replica: ${s.isReplica}`;
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
    run.succeeded();
  } catch (error) {
    run.failed(error);
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
    await cleanup();
    run.summary();
  }
}
