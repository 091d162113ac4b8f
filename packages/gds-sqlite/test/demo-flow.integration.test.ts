// The main job of `gds demo --engine sqlite`, through the public API only, on a temporary folder
// with no server and no root: create, fill, inventory, backup with progress, verify, restore,
// compare, maintenance, clean up. The CLI's demo can do exactly this (see the README).
import { expect, it } from '@jest/globals';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DatabaseManager } from '@gds/database';
import { sqliteEngine, type SQLiteConnection } from '../src/index.js';
import { tempDir } from './helpers.js';

it('runs the demo job in a few seconds', async () => {
  const started = performance.now();
  const dir = tempDir('demo');
  const manager = await DatabaseManager.connect(sqliteEngine, `sqlite://${dir}`);
  const conn = manager.connection as SQLiteConnection;
  try {
    const sales = manager.getDatabase('sales demo');
    const copy = manager.getDatabase('sales copy');
    await sales.create({ journalMode: 'wal' });
    await conn.query('CREATE TABLE orders (id INTEGER PRIMARY KEY, customer TEXT, amount REAL, placed TEXT)', [], { database: sales.name });
    await conn.query(
      `INSERT INTO orders WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < ?)
       SELECT n, 'customer ' || (n % 97), (n % 1000) * 1.5, date('2026-01-01', '+' || (n % 330) || ' days') FROM g`,
      [200000],
      { database: sales.name },
    );
    const listed = await manager.listDatabases({ withMetadata: true });
    expect(listed.map((d) => d.name)).toEqual(['sales demo']);
    expect((await sales.listTables()).map((t) => t.name)).toEqual(['orders']);
    const backup = join(dir, 'sales.backup.db');
    const percents: number[] = [];
    await sales.backup(backup, { onProgress: (p) => percents.push(p.percent ?? 0) });
    expect(percents.at(-1)).toBe(100);
    expect((await sales.verifyBackup(backup)).data?.valid).toBe(true);
    await copy.restore(backup);
    const sum = async (db: string) => (await conn.query<{ n: number; s: number }>('SELECT count(*) AS n, sum(amount) AS s FROM orders', [], { database: db }))[0];
    expect(await sum(copy.name)).toEqual(await sum(sales.name));
    expect((await sum(copy.name))?.n).toBe(200000);
    await sales.analyze();
    await sales.vacuum();
    expect((await sales.checkIntegrity({ quick: true })).data?.ok).toBe(true);
    await sales.checkpoint({ mode: 'truncate' });
    await sales.drop();
    await copy.drop();
    expect(readdirSync(dir)).toEqual(['sales.backup.db']);
  } finally {
    await manager.close();
    rmSync(dir, { recursive: true, force: true });
  }
  expect(performance.now() - started).toBeLessThan(15_000);
}, 30_000);
