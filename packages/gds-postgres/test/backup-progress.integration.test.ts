// A real backup's progress (pg_dump against a real server): percents rise with the bytes written,
// weighted by the tables' sizes, instead of reaching 99% once pg_dump has started the last table.
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DatabaseManager, type ProgressEvent } from '@gds/database';
import { startPostgres, type PostgresCluster } from '@gds/testkit';
import '../src/index.js';
import type { PostgreSQLBackupOptions, PostgreSQLConnection } from '../src/index.js';

let cluster: PostgresCluster;
let manager: DatabaseManager;
let dir: string;
const pg = () => manager.connection as PostgreSQLConnection;

describe('backup and restore progress by bytes (real PostgreSQL, real pg_dump and pg_restore)', () => {
  beforeAll(async () => {
    cluster = await startPostgres();
    manager = await DatabaseManager.connect(cluster.primary.url('postgres'));
    dir = await mkdtemp(join(tmpdir(), 'gds-progress-'));
    await manager.createDatabase('prog');
    // small tables first in pg_dump's (name) order, then one table holding nearly all the data
    for (const name of ['a1', 'a2', 'a3', 'a4']) await pg().query(`create table ${name} as select g as id from generate_series(1, 100) g`, [], { database: 'prog' });
    await pg().query(
      `create table zbig as select g as id, md5(g::text) || md5((g * 7)::text) || md5((g * 13)::text) as payload from generate_series(1, 1500000) g`,
      [],
      { database: 'prog' },
    );
    await pg().query('analyze', [], { database: 'prog' });
  }, 300_000);
  afterAll(async () => {
    await manager?.close();
    await cluster?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 60_000); // a cluster holding a 1.5M-row table and its dumps: removing them can take seconds on a loaded machine

  it('percents rise roughly with the bytes written, not 99% after the first tables', async () => {
    const events: ProgressEvent[] = [];
    const file = join(dir, 'prog.dump');
    const result = await manager.getDatabase('prog').backup(file, { compress: 0, onProgress: (e: ProgressEvent) => events.push({ ...e }) } as PostgreSQLBackupOptions);
    expect(result.success).toBe(true);
    const final = (await stat(file)).size;
    const sampled = events.filter((e) => e.bytes !== undefined && e.percent !== undefined && e.percent < 100);
    process.stderr.write(`progress samples (percent@bytes%): ${sampled.map((e) => `${e.percent}@${Math.round(((e.bytes ?? 0) / final) * 100)}`).join(' ')}\n`);
    // bytes are sampled twice a second and this dump takes about a second here (less on a quiet machine,
    // more under load): at least one sample lands while the big table is being written
    expect(sampled.length).toBeGreaterThanOrEqual(1);
    // never ahead of the bytes by much: the old count said 99% as soon as the last (big) table started
    for (const e of sampled) expect(e.percent ?? 0).toBeLessThanOrEqual(Math.round(((e.bytes ?? 0) / final) * 100) + 25);
    // the bar moves during the big table: a sample strictly between 0 and 100 (the copy-progress sample it is
    // computed from can lag the byte sample by a sampling period under load: seen 6% at 42% of the bytes in CI)
    expect(sampled.some((e) => (e.percent ?? 0) > 0 && (e.percent ?? 0) < 100)).toBe(true);
    // never goes back
    const percents = events.map((e) => e.percent).filter((p): p is number => p !== undefined);
    for (let i = 1; i < percents.length; i++) expect(percents[i]).toBeGreaterThanOrEqual(percents[i - 1] ?? 0);
    expect(percents.at(-1)).toBe(100);
  }, 300_000);

  it('a custom archive restore reports bytes read and percents that rise with them', async () => {
    const file = join(dir, 'prog-restore.dump');
    await manager.getDatabase('prog').backup(file, { compress: 0 } as PostgreSQLBackupOptions);
    const size = (await stat(file)).size;
    const events: ProgressEvent[] = [];
    const result = await manager.getDatabase('prog_copy').restore(file, { onProgress: (e: ProgressEvent) => events.push({ ...e }) } as never);
    expect(result.success).toBe(true);
    const read = events.filter((e) => e.bytes !== undefined && e.percent !== undefined && e.percent < 100);
    process.stderr.write(`restore percents: ${events.map((e) => e.percent).join(",")}\n`);
    process.stderr.write(`restore samples (percent@read%): ${read.map((e) => `${e.percent}@${Math.round(((e.bytes ?? 0) / size) * 100)}`).join(' ')}\n`);
    expect(read.length).toBeGreaterThanOrEqual(1);
    for (const e of read) {
      expect(e.bytes ?? 0).toBeLessThanOrEqual(size);
      expect(Math.abs((e.percent ?? 0) - ((e.bytes ?? 0) / size) * 100)).toBeLessThanOrEqual(2);
    }
    const percents = events.map((e) => e.percent).filter((p): p is number => p !== undefined);
    for (let i = 1; i < percents.length; i++) expect(percents[i]).toBeGreaterThanOrEqual(percents[i - 1] ?? 0);
    const rows = await pg().query<{ n: string }>('select count(*) as n from zbig', [], { database: 'prog_copy' });
    expect(Number(rows[0]?.n)).toBe(1_500_000);
  }, 300_000);
});
