/**
 * `gds demo --engine sqlite`: the main job end to end on a temporary folder of SQLite files, with
 * no server and no root: create a sample database with data, inventory, backup with progress,
 * verify, restore into a copy and compare, the engine's maintenance commands, clean up. Steps
 * an embedded file cannot take (offline, single-user, HA) are shown with the engine's declared
 * reasons. The engine is found by discovery (`sqlite://` URLs); prints each step and a summary
 * with each step's time. Ctrl-C cancels between statements and removes the folder.
 *
 * @module
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Database, DatabaseManager } from '@gds/database';
import type { CliContext } from '../context.js';
import { loadEngineFor } from '../engine-loader.js';
import { formatBytes } from '../output.js';
import { ProgressRenderer } from '../progress.js';
import { UsageError } from '../usage-error.js';
import { demoRun } from './demo-steps.js';

/** The connection's statement runner (the same shape as the PostgreSQL demo's). */
interface Sql {
  query<R extends object = Record<string, unknown>>(text: string, params?: readonly unknown[], options?: { database?: string; signal?: AbortSignal }): Promise<R[]>;
  release?(database: string): Promise<void>;
}

/** The rows of the sample table. */
const ROWS = 200_000;

/** Steps of the PostgreSQL demo an SQLite file cannot take: the engine says why. */
const NOT_HERE = ['state.offline', 'access.singleUser', 'ha'] as const;

/** `sqlite://` + the folder, each path segment percent-encoded (a space or `?` in TMPDIR stays part of the path). */
export function sqliteUrl(dir: string): string {
  return `sqlite://${dir.split('/').map(encodeURIComponent).join('/')}`;
}

/** Loads the installed engine for sqlite:// URLs (discovery), or a one-line UsageError saying what to install. */
async function loadSqliteEngine(url: string): Promise<string> {
  try {
    return (await loadEngineFor(url)).engine;
  } catch (error) {
    if (error instanceof UsageError) throw new UsageError(`gds demo --engine sqlite needs the SQLite engine: ${error.message}`);
    throw error;
  }
}

/** A result's verdict, where it carries one (`data.ok` / `data.valid`): false fails the step. */
function failed(result: unknown): boolean {
  const data = (result as { data?: { ok?: unknown; valid?: unknown } } | undefined)?.data;
  return data?.ok === false || data?.valid === false;
}

/**
 * Runs the SQLite demo.
 *
 * ### Examples
 * ```ts
 * await demoSqliteCommand(ctx); // gds demo --engine sqlite
 * ```
 */
export async function demoSqliteCommand(ctx: CliContext): Promise<void> {
  const core = await ctx.core();
  // found (and its absence reported, in one line) before anything is made or printed
  const engine = core.getProvider(await loadSqliteEngine(sqliteUrl(tmpdir())));
  const run = demoRun(ctx);
  const { say, step } = run;

  let manager: DatabaseManager | undefined;
  let dir: string | undefined;
  const cleanup = async () => {
    await manager?.close().catch(() => undefined);
    if (dir) await rm(dir, { recursive: true, force: true });
    manager = undefined;
    dir = undefined;
  };
  const onAbort = () => void cleanup();
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  const signal = ctx.signal;
  try {
    await step('make a temporary folder of SQLite files (no server, no root)', async () => {
      dir = await mkdtemp(join(tmpdir(), 'gds-demo-sqlite-'));
      // the databases' folder (the "server"), with the backup next to it, not in it (where it would be listed as a database)
      const data = join(dir, 'databases');
      await mkdir(data);
      const url = sqliteUrl(data);
      manager = await core.DatabaseManager.connect(url);
      return `${url} (${engine.displayName})`;
    });
    const m = manager as DatabaseManager;
    const folder = dir as string;
    const sql = m.connection as unknown as Sql;
    const sales = m.getDatabase('sales demo');
    const copy = m.getDatabase('sales copy');

    await step('create a sample database with data', async () => {
      const r = await sales.create({ journalMode: 'wal', signal } as Parameters<Database['create']>[0]);
      if (r.statements[0]) say(`  ${r.statements[0]}`);
      await sql.query('CREATE TABLE orders (id INTEGER PRIMARY KEY, customer TEXT, amount REAL, placed TEXT)', [], { database: sales.name, signal });
      await sql.query(
        `INSERT INTO orders WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < ?)
         SELECT n, 'customer ' || (n % 97), (n % 1000) * 1.5, date('2026-01-01', '+' || (n % 330) || ' days') FROM g`,
        [ROWS],
        { database: sales.name, signal },
      );
      await sql.query('CREATE TABLE customers AS SELECT DISTINCT customer AS name FROM orders', [], { database: sales.name, signal });
      await sql.release?.(sales.name);
      return `${ROWS} orders, 97 customers`;
    });

    await step('inventory: every database with its metadata', async () => {
      for (const db of await m.listDatabases({ withMetadata: true, signal })) {
        const meta = await db.metadata();
        say(`  ${meta.name.padEnd(14)} size=${formatBytes(meta.sizeBytes)} state=${meta.state} access=${meta.accessMode}`);
      }
      const tables = await sales.listTables(undefined, { signal });
      return `tables of "${sales.name}": ${tables.map((t) => `${t.schema}.${t.name}`).join(', ')}`;
    });

    await step('offline, single-user, HA: not for a file (the reasons)', async () => {
      for (const feature of NOT_HERE) {
        const reason = engine.capabilities[feature];
        say(`  ${feature.padEnd(18)} ${reason === true ? 'supported' : reason ?? 'not declared'}`);
      }
      return `${NOT_HERE.filter((f) => engine.capabilities[f] !== true).length} of ${NOT_HERE.length} not applicable (reasons from the engine's capabilities)`;
    });

    const backupPath = join(folder, 'sales.backup.db');
    await step('back up with progress (online backup API)', async () => {
      const progress = new ProgressRenderer(ctx.output.err as NodeJS.WritableStream & { isTTY?: boolean }, 'backup', { quiet: ctx.output.json });
      let last = -1;
      try {
        const r = await sales.backup(backupPath, {
          signal,
          onProgress: (p) => {
            progress.update(p);
            if (!progress.enabled && p.percent !== undefined && p.percent !== last) {
              last = p.percent;
              say(`  … ${Math.round(p.percent)}%${p.message ? ` ${p.message}` : ''}`);
            }
          },
        });
        if (last !== 100 && !progress.enabled) throw new Error(`the backup reported no 100% (last ${last}%)`);
        return `${String(r.data?.target ?? backupPath)}: ${formatBytes(r.data?.sizeBytes)} in ${r.durationMs.toFixed(0)} ms`;
      } finally {
        progress.stop();
      }
    });

    await step('verify the backup', async () => {
      const r = await sales.verifyBackup(backupPath, { signal });
      if (failed(r)) throw new Error(`the backup is damaged: ${r.message}`);
      return r.message;
    });

    await step('restore into a copy and compare row counts and sums', async () => {
      await copy.restore(backupPath, { signal });
      const count = async (db: Database) => {
        const [row] = await sql.query<{ n: number; s: number }>('SELECT count(*) AS n, sum(amount) AS s FROM orders', [], { database: db.name, signal });
        await sql.release?.(db.name);
        return row;
      };
      const a = await count(sales);
      const b = await count(copy);
      if (!a || !b || a.n !== b.n || a.s !== b.s) throw new Error(`the copy differs: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
      return `orders: ${a.n} rows, sum ${a.s} in both`;
    });

    await step(`maintenance: the engine's commands (gds ${engine.cliName} <command>)`, async () => {
      const runnable = engine.commands.filter((c) => !c.args?.length);
      for (const command of runnable) {
        const confirm = command.confirm?.(sales.name, [], {});
        if (confirm) say(`  (would ask first: ${confirm}; this is the demo's own throwaway file)`);
        const r = await command.run(sales, [], {}, ctx);
        if (failed(r)) throw new Error(`${command.name}: ${JSON.stringify(r)}`);
        const message = (r as { message?: unknown }).message;
        say(`  ${command.name.padEnd(11)} ${typeof message === 'string' ? message : JSON.stringify(r)}`);
      }
      return `${runnable.map((c) => c.name).join(', ')}: ok`;
    });

    await step('clean up (drop databases, remove the folder)', async () => {
      await sales.drop({ signal });
      await copy.drop({ signal });
      const left = (await m.listDatabases({ signal })).map((d) => d.name);
      if (left.length) throw new Error(`still listed: ${left.join(', ')}`);
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
