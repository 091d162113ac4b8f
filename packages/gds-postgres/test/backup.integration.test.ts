// Backup, verification and restore with the real pg_dump/pg_restore/psql against a real server.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, truncate, writeFile, chmod, mkdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  DatabaseManager,
  ExternalToolError,
  OperationCancelledError,
  UnsupportedOperationError,
  ValidationError,
  type ProgressEvent,
} from '@gds/database';
import { startPostgres, type PostgresCluster } from '@gds/testkit';
import '../src/index.js';
import type { PostgreSQLConnection, PostgreSQLDatabase } from '../src/index.js';
import { fingerprint, seed } from './helpers.js';

let cluster: PostgresCluster;
let manager: DatabaseManager;
let dir: string;
const db = (name: string) => manager.getDatabase(name) as PostgreSQLDatabase;
const pg = () => manager.connection as PostgreSQLConnection;

/**
 * pids of running pg_dump processes talking to THIS file's cluster, with their argv and environment
 * (Linux /proc). gds passes `port='<port>'` in the conninfo argument; the filter keeps out the
 * pg_dumps of other jest workers (the suite runs several at once), whose environment has no
 * PGPASSWORD of ours and which may still be running when this file's checks look.
 */
function pgDumpProcesses(): { pid: number; argv: string[]; env: string[] }[] {
  const out = [];
  const ours = `port='${cluster.primary.port}'`;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean);
      if (!argv[0]?.endsWith('/pg_dump') || !argv.some((a) => a.includes(ours))) continue;
      const env = readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0');
      out.push({ pid: Number(entry), argv, env });
    } catch {
      // process ended meanwhile
    }
  }
  return out;
}

beforeAll(async () => {
  cluster = await startPostgres();
  manager = await DatabaseManager.connect(cluster.primary.url('postgres'));
  dir = await mkdtemp(join(tmpdir(), 'gds-pg-backup-'));
  await db('src').create();
  await seed(db('src'), 2_000);
}, 120_000);

afterAll(async () => {
  await manager?.close();
  await cluster?.stop();
  await rm(dir, { recursive: true, force: true });
}, 60_000);

describe('backup and restore round trips', () => {
  it.each(['custom', 'directory', 'tar', 'plain'] as const)('%s format: same rows and checksums after restore', async (format) => {
    const expected = await fingerprint(db('src'));
    const target = join(dir, `src.${format}`);
    const events: ProgressEvent[] = [];
    const backup = await db('src').backup(target, { format, onProgress: (e) => events.push(e) });
    expect(backup.data).toMatchObject({ target, type: 'full', format });
    expect(backup.data?.sizeBytes).toBeGreaterThan(1_000);
    expect(backup.statements[0]).toMatch(new RegExp(`pg_dump --format=${format} --verbose`));
    expect(events.at(-1)).toMatchObject({ percent: 100 });
    expect(events.filter((e) => e.percent !== undefined).map((e) => e.percent)).toEqual([...events.filter((e) => e.percent !== undefined).map((e) => e.percent)].sort((a, b) => a! - b!));
    expect(readdirSync(dir).filter((f) => f.includes('gds-partial'))).toEqual([]);

    const verified = await db('src').verifyBackup(target);
    expect(verified.data?.valid).toBe(true);
    expect(verified.data?.entries).toBeGreaterThan(3);

    const copy = db(`copy_${format}`);
    const restored = await copy.restore(target);
    const side = /^CREATE DATABASE "(gds_restore_\d+_[0-9a-f]{8}_[0-9a-f]{6})" WITH TEMPLATE = "template0"$/.exec(restored.statements.find((st) => st.startsWith('CREATE DATABASE')) ?? '')?.[1];
    expect(side).toBeDefined();
    expect(restored.statements.at(-1)).toBe(`ALTER DATABASE "${side}" RENAME TO "copy_${format}"`);
    expect(await fingerprint(copy)).toEqual(expected);
  }, 60_000);

  it('backs up and restores a database with a hostile name (conninfo quoting)', async () => {
    const name = `we'ird = "db" \\ x`;
    await db(name).create();
    await seed(db(name), 10);
    const target = join(dir, 'weird.dump');
    await db(name).backup(target);
    const copyName = `copy of ${name}`;
    await db(copyName).restore(target);
    expect(await fingerprint(db(copyName))).toEqual(await fingerprint(db(name)));
  }, 60_000);
});

describe('backup safety', () => {
  it('refuses to overwrite an existing target unless asked', async () => {
    const target = join(dir, 'exists.dump');
    await writeFile(target, 'keep me');
    await expect(db('src').backup(target)).rejects.toThrow(/exists; pass overwrite: true/);
    expect(await readFile(target, 'utf8')).toBe('keep me');
    await db('src').backup(target, { overwrite: true });
    expect((await readFile(target)).subarray(0, 5).toString()).toBe('PGDMP');
  }, 60_000);

  it('dry run records the pg_dump command and writes nothing', async () => {
    const target = join(dir, 'dry.dump');
    const r = await db('src').backup(target, { dryRun: true, schemas: ['public'], compress: 3, noOwner: true });
    expect(r.dryRun).toBe(true);
    expect(r.statements[0]).toMatch(/pg_dump --format=custom --verbose --compress=3 --schema=public --no-owner --file=\S+\.gds-partial-\d+-[0-9a-f]{8}-[0-9a-f]{8} '--dbname=host=/);
    expect(r.statements[0]).toContain("dbname='\\''src'\\''");
    expect(existsSync(target)).toBe(false);
  });

  it('rejects backup types pg_dump does not take, and contradictory options', async () => {
    const e = await db('src').backup(join(dir, 'x'), { type: 'differential' }).catch((err: unknown) => err);
    expect(UnsupportedOperationError.isInstance(e)).toBe(true);
    expect((e as Error).message).toMatch(/logical dump/);
    await expect(db('src').backup(join(dir, 'x'), { type: 'transaction_log' })).rejects.toThrow(UnsupportedOperationError);
    await expect(db('src').backup(join(dir, 'x'), { jobs: 4 })).rejects.toThrow(/parallel jobs need format: 'directory'/);
    await expect(db('src').backup(join(dir, 'x'), { schemaOnly: true, dataOnly: true })).rejects.toThrow(ValidationError);
    await expect(db('src').backup(join(dir, 'no-such-folder', 'x'))).rejects.toThrow(/does not exist/);
    await expect(db('missing_db').backup(join(dir, 'x'))).rejects.toThrow(/does not exist/);
  });

  it('refuses a pg_dump older than the server before running anything', async () => {
    const fake = join(dir, 'old-bin');
    await mkdir(fake);
    await writeFile(join(fake, 'pg_dump'), '#!/bin/sh\necho "pg_dump (PostgreSQL) 9.6.24"\n');
    await chmod(join(fake, 'pg_dump'), 0o755);
    const target = join(dir, 'old.dump');
    const e = await db('src').backup(target, { binDir: fake }).catch((err: unknown) => err);
    expect(ExternalToolError.isInstance(e)).toBe(true);
    expect((e as Error).message).toMatch(/older than the server/);
    expect(existsSync(target)).toBe(false);
  });

  it('a cancelled backup kills pg_dump and leaves no file at the target', async () => {
    await db('big').create();
    await pg().query("create table big as select g as id, repeat(md5(g::text), 20) as payload from generate_series(1, 300000) g", [], { database: 'big' });
    await pg().release('big');
    const target = join(dir, 'big.dump');
    const ac = new AbortController();
    let seen: ReturnType<typeof pgDumpProcesses> = [];
    const started = Date.now();
    const e = await db('big')
      .backup(target, {
        format: 'plain',
        signal: ac.signal,
        onProgress: () => {
          if (seen.length === 0) seen = pgDumpProcesses();
          if (seen.length > 0) ac.abort();
        },
      })
      .catch((err: unknown) => err);
    expect(OperationCancelledError.isInstance(e)).toBe(true);
    expect(seen.length).toBeGreaterThan(0);
    expect(Date.now() - started).toBeLessThan(20_000);
    await new Promise((r) => setTimeout(r, 500));
    expect(existsSync(target)).toBe(false);
    expect(readdirSync(dir).filter((f) => f.includes('gds-partial'))).toEqual([]);
    for (const p of seen) expect(existsSync(`/proc/${p.pid}`) && !readFileSync(`/proc/${p.pid}/stat`, 'utf8').includes(') Z ')).toBe(false);
  }, 60_000);

  it('passes the password in the environment, never in pg_dump\'s argv', async () => {
    await pg().query("create role gds_dumper login password 'Dump-Pw-77' in role pg_read_all_data");
    const hba = join(cluster.primary.dataDir, 'pg_hba.conf');
    await writeFile(hba, `host all gds_dumper 127.0.0.1/32 scram-sha-256\n${await readFile(hba, 'utf8')}`);
    await pg().query('select pg_reload_conf()');
    const other = await DatabaseManager.connect(`postgres://gds_dumper:Dump-Pw-77@127.0.0.1:${cluster.primary.port}/postgres`);
    try {
      let seen: ReturnType<typeof pgDumpProcesses> = [];
      const result = await (other.getDatabase('big') as PostgreSQLDatabase).backup(join(dir, 'as-dumper.sql'), {
        format: 'plain',
        onProgress: () => {
          if (seen.length === 0) seen = pgDumpProcesses();
        },
      });
      expect(seen.length).toBeGreaterThan(0);
      for (const p of seen) {
        expect(p.argv.join(' ')).not.toContain('Dump-Pw-77');
        expect(p.env).toContain('PGPASSWORD=Dump-Pw-77');
      }
      expect(JSON.stringify(result)).not.toContain('Dump-Pw-77');
      expect((await stat(join(dir, 'as-dumper.sql'))).size).toBeGreaterThan(1_000_000);
    } finally {
      await other.close();
    }
  }, 60_000);
});

describe('restore safety and verification', () => {
  it('refuses to restore over a database with objects; replace restores aside and swaps (shown in dry run)', async () => {
    const target = join(dir, 'src.custom');
    const copy = db('copy_custom');
    await expect(copy.restore(target)).rejects.toThrow(/already holds objects/);
    const plan = await copy.restore(target, { replace: true, dryRun: true });
    expect(plan.statements[0]).toMatch(/pg_restore --list /);
    expect(plan.statements[1]).toMatch(/pg_restore --file=\/dev\/null /);
    expect(plan.statements[2]).toMatch(/^CREATE DATABASE "gds_restore_\d+_[0-9a-f]{8}_[0-9a-f]{6}" WITH OWNER = "postgres" TEMPLATE = "template0" ENCODING = 'UTF8' LC_COLLATE = '[^']+' LC_CTYPE = '[^']+'( LOCALE_PROVIDER = libc)?$/); // the provider from PostgreSQL 15 on (sideCreateOptions)
    expect(plan.statements[3]).toMatch(/pg_restore '--dbname=.*gds_restore_.*' --exit-on-error --verbose/);
    expect(plan.statements.slice(4).map((st) => st.replace(/gds_(restore|replaced)_\d+_[0-9a-f]{8}_[0-9a-f]{6}/g, 'gds_$1_X'))).toEqual([
      'ALTER DATABASE "copy_custom" RENAME TO "gds_replaced_X"',
      'ALTER DATABASE "gds_restore_X" RENAME TO "copy_custom"',
      'DROP DATABASE "gds_replaced_X" WITH (FORCE)',
    ]);
    expect(await db('copy_custom').exists()).toBe(true);
    await pg().query('insert into public.orders values (999999, $1, 1)', ['extra'], { database: 'copy_custom' });
    await pg().release('copy_custom');
    await copy.restore(target, { replace: true, jobs: 2 });
    expect(await fingerprint(copy)).toEqual(await fingerprint(db('src')));
  }, 60_000);

  it('restores into an existing empty database, and with clean over objects', async () => {
    const target = join(dir, 'src.custom');
    await db('empty_target').create();
    await db('empty_target').restore(target, { noOwner: true, singleTransaction: true });
    expect(await fingerprint(db('empty_target'))).toEqual(await fingerprint(db('src')));
    await db('empty_target').restore(target, { clean: true });
    expect(await fingerprint(db('empty_target'))).toEqual(await fingerprint(db('src')));
  }, 60_000);

  it('create: false refuses a missing database; a missing source is a ValidationError', async () => {
    await expect(db('not_there').restore(join(dir, 'src.custom'), { create: false })).rejects.toThrow(/does not exist and create is false/);
    await expect(db('not_there').restore(join(dir, 'nope.dump'))).rejects.toThrow(ValidationError);
    expect(await db('not_there').exists()).toBe(false);
  });

  it('verifyBackup rejects a truncated dump and an incomplete plain dump', async () => {
    const custom = join(dir, 'truncated.dump');
    await db('big').backup(custom, { compress: 0 });
    const size = (await stat(custom)).size;
    await truncate(custom, Math.floor(size / 2));
    await expect(db('big').verifyBackup(custom)).rejects.toThrow(ExternalToolError);
    const plain = join(dir, 'src.plain');
    const cut = join(dir, 'cut.sql');
    const text = await readFile(plain, 'utf8');
    await writeFile(cut, text.slice(0, Math.floor(text.length / 2)));
    await expect(db('src').verifyBackup(cut)).rejects.toThrow(/incomplete/);
    expect((await db('src').verifyBackup(plain)).data?.valid).toBe(true);
  }, 60_000);
});
