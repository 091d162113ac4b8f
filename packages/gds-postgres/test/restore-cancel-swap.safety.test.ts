// Issue 12 (items 1 and 3), found by the conformance case cancelled-restore (1 run in 4 failed):
// the caller is told "cancelled" the moment its signal aborts, so a cancel that arrives while a
// restore swaps names, or on the restore's last progress event, must leave the databases as they
// were. Real PostgreSQL 15; the server's state (oids, rows, side databases) is checked afterwards.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DatabaseManager, OperationCancelledError } from '@gds/database';
import { startPostgres, type PostgresCluster } from '@gds/testkit';
import '../src/index.js';
import type { PostgreSQLConnection, PostgreSQLDatabase } from '../src/index.js';
import { fingerprint, seed } from './helpers.js';

let cluster: PostgresCluster;
let manager: DatabaseManager;
let dir: string;
let emptyDump: string;
let seededDump: string;
const db = (name: string) => manager.getDatabase(name) as PostgreSQLDatabase;
const pg = () => manager.connection as PostgreSQLConnection;

async function oid(name: string): Promise<string | undefined> {
  const rows = await pg().query<{ oid: string }>('select oid::text as oid from pg_catalog.pg_database where datname = $1', [name]);
  return rows[0]?.oid;
}

async function sideDatabases(): Promise<string[]> {
  const rows = await pg().query<{ datname: string }>("select datname from pg_catalog.pg_database where datname ~ '^gds_(restore|replaced)_' order by 1");
  return rows.map((r) => r.datname);
}

/** Aborts `controller` when gds sends a statement matching `pattern` (it still runs on the server). */
function abortOn(controller: AbortController, pattern: RegExp): () => void {
  const conn = pg();
  const original = conn.query.bind(conn);
  conn.query = ((text: string, ...rest: unknown[]) => {
    if (pattern.test(text)) controller.abort();
    return (original as (t: string, ...r: unknown[]) => unknown)(text, ...rest);
  }) as typeof conn.query;
  return () => {
    conn.query = original;
  };
}

beforeAll(async () => {
  cluster = await startPostgres();
  manager = await DatabaseManager.connect(cluster.primary.url('postgres'));
  dir = await mkdtemp(join(tmpdir(), 'gds-pg-cancel-swap-'));
  await db('empty_src').create();
  emptyDump = join(dir, 'empty.dump');
  await db('empty_src').backup(emptyDump);
  await db('seeded_src').create();
  await seed(db('seeded_src'), 200);
  seededDump = join(dir, 'seeded.dump');
  await db('seeded_src').backup(seededDump);
}, 180_000);

afterAll(async () => {
  await manager?.close();
  await cluster?.stop();
  await rm(dir, { recursive: true, force: true });
}, 60_000);

describe('a cancel at the end of a restore leaves the databases as they were', () => {
  it('replace: cancelled on the last progress event (percent 100) -> the database keeps its data and oid', async () => {
    await db('keep_p').create();
    await seed(db('keep_p'), 200);
    const before = await fingerprint(db('keep_p'));
    const id = await oid('keep_p');
    const controller = new AbortController();
    const run = db('keep_p').restore(emptyDump, { replace: true, signal: controller.signal, onProgress: (e) => e.percent === 100 && controller.abort() });
    await expect(run).rejects.toThrow(OperationCancelledError);
    expect(await oid('keep_p')).toBe(id);
    expect(await fingerprint(db('keep_p'))).toEqual(before);
    expect(await sideDatabases()).toEqual([]);
  }, 60_000);

  it('replace: cancelled while the old database is renamed aside -> both renames undone, data and oid kept', async () => {
    await db('keep_r').create();
    await seed(db('keep_r'), 200);
    const before = await fingerprint(db('keep_r'));
    const id = await oid('keep_r');
    const controller = new AbortController();
    const restoreHook = abortOn(controller, /^ALTER DATABASE "keep_r" RENAME TO "gds_replaced_/);
    try {
      const result = db('keep_r').restore(emptyDump, { replace: true, signal: controller.signal });
      const error = await result.then(() => undefined, (e: unknown) => e);
      expect(OperationCancelledError.isInstance(error)).toBe(true);
    } finally {
      restoreHook();
    }
    expect(controller.signal.aborted).toBe(true); // the hook really fired, during the swap
    expect(await oid('keep_r')).toBe(id);
    expect(await fingerprint(db('keep_r'))).toEqual(before);
    expect(await sideDatabases()).toEqual([]);
  }, 60_000);

  it('new name: cancelled while the side database is renamed in -> no database of that name, no side database', async () => {
    const controller = new AbortController();
    const restoreHook = abortOn(controller, /^ALTER DATABASE "gds_restore_[^"]+" RENAME TO "fresh_r"$/);
    try {
      await expect(db('fresh_r').restore(seededDump, { signal: controller.signal })).rejects.toThrow(OperationCancelledError);
    } finally {
      restoreHook();
    }
    expect(controller.signal.aborted).toBe(true);
    expect(await db('fresh_r').exists()).toBe(false);
    expect(await sideDatabases()).toEqual([]);
  }, 60_000);

  it('new name: cancelled on the last progress event -> no database of that name', async () => {
    const controller = new AbortController();
    await expect(db('fresh_p').restore(seededDump, { signal: controller.signal, onProgress: (e) => e.percent === 100 && controller.abort() })).rejects.toThrow(OperationCancelledError);
    expect(await db('fresh_p').exists()).toBe(false);
    expect(await sideDatabases()).toEqual([]);
  }, 60_000);
});
