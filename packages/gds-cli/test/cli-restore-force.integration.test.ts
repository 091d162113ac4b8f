// `gds restore` and other sessions (issue 12 items 4 and 14): `--force` is the only way a replace
// ends them, it is guarded like the other destructive options, and without it the restore is
// refused with DatabaseInUseError and a hint naming --force. The confirmation says what really
// happens on PostgreSQL (restored aside, then swapped). The gds command runs as a real subprocess
// against a real PostgreSQL; the server's rows and sessions are checked afterwards.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DatabaseManager } from '@gds/database';
import { startPostgres, type PostgresCluster } from '@gds/testkit';
import '@gds/postgres';
import type { PostgreSQLConnection } from '@gds/postgres';
import { built, gds, skipLine } from './helpers.js';

let cluster: PostgresCluster;
let url: string;
let dir: string;
let dump: string;
let admin: DatabaseManager;
const pg = () => admin.connection as PostgreSQLConnection;

async function rows(db: string): Promise<number> {
  const [row] = await pg().query<{ n: number }>('select count(*)::int as n from t', [], { database: db });
  await pg().release(db);
  return row?.n ?? -1;
}

async function seeded(db: string, n: number): Promise<void> {
  if (await admin.databaseExists(db)) await admin.getDatabase(db).drop({ force: true });
  await admin.getDatabase(db).create();
  await pg().query(`create table t as select g as id from generate_series(1, ${n}) g`, [], { database: db });
  await pg().release(db);
}

/** Another client's session in `db` (its own manager, its own pool); resolves with its backend pid. */
async function otherSession(db: string): Promise<{ pid: number; close: () => Promise<void> }> {
  const other = await DatabaseManager.connect(url);
  const [row] = await (other.connection as PostgreSQLConnection).query<{ pid: number }>('select pg_backend_pid() as pid', [], { database: db });
  return { pid: Number(row?.pid), close: () => other.close() };
}

async function alive(pid: number): Promise<boolean> {
  const [row] = await pg().query<{ n: number }>('select count(*)::int as n from pg_catalog.pg_stat_activity where pid = $1', [pid]);
  return (row?.n ?? 0) > 0;
}

if (!built) skipLine('gds restore --force tests');
(built ? describe : describe.skip)('gds restore and other sessions (real PostgreSQL)', () => {
  beforeAll(async () => {
    cluster = await startPostgres();
    url = cluster.primary.url('postgres');
    admin = await DatabaseManager.connect(url);
    dir = await mkdtemp(join(tmpdir(), 'gds-cli-restore-force-'));
    await seeded('force_src', 3);
    dump = join(dir, 'src.dump');
    await admin.getDatabase('force_src').backup(dump);
  }, 120_000);

  afterAll(async () => {
    await admin?.close();
    await cluster?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 60_000);

  it('--replace without --force, another session open: refused with DatabaseInUseError naming --force; data and session kept', async () => {
    await seeded('busy', 40);
    const session = await otherSession('busy');
    try {
      const r = await gds(['--url', url, '--yes', 'restore', 'busy', dump, '--replace']);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/in use|other session/i);
      expect(r.stderr).toMatch(/hint: .*--force/);
      expect(r.stderr).not.toMatch(/force: true/);
      const json = await gds(['--url', url, '--yes', '--json', 'restore', 'busy', dump, '--replace']);
      expect((JSON.parse(json.stdout) as { error: { code: string } }).error.code).toBe('DATABASE_IN_USE');
      expect(await rows('busy')).toBe(40);
      expect(await alive(session.pid)).toBe(true);
    } finally {
      await session.close();
    }
  }, 60_000);

  it('--replace --force (confirmed with --yes): the other session is ended and the data replaced', async () => {
    await seeded('busy_forced', 40);
    const session = await otherSession('busy_forced');
    try {
      const r = await gds(['--url', url, '--yes', 'restore', 'busy_forced', dump, '--replace', '--force']);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/ended 1 other session/);
      expect(await rows('busy_forced')).toBe(3);
      expect(await alive(session.pid)).toBe(false);
    } finally {
      await session.close();
    }
  }, 60_000);

  it('--force is guarded: without a terminal and without --yes it is refused, however it is spelt, and nothing changes', async () => {
    await seeded('guarded_force', 40);
    const session = await otherSession('guarded_force');
    try {
      for (const spelling of [['--replace', '--force'], ['--force'], ['--opt', 'replace=true', '--opt', 'force=true']]) {
        const r = await gds(['--url', url, 'restore', 'guarded_force', dump, ...spelling]);
        expect({ spelling, code: r.code }).toEqual({ spelling, code: 2 });
        expect(r.stderr).toMatch(/refusing to restore "guarded_force" .*end other sessions.* without confirmation/);
        expect(await rows('guarded_force')).toBe(40);
        expect(await alive(session.pid)).toBe(true);
      }
    } finally {
      await session.close();
    }
  }, 60_000);

  it('the confirmation of a replace says what PostgreSQL really does: restored aside, swapped in when complete', async () => {
    await seeded('told', 40);
    const r = await gds(['--url', url, 'restore', 'told', dump, '--replace']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/replace the existing database \(PostgreSQL: restored into a side database first and swapped in by renaming only when complete; the existing database stays as it is until then and is dropped last\)/);
    expect(r.stderr).not.toMatch(/dropp(ing|ed) it first|drops and recreates/);
    expect(await rows('told')).toBe(40);
    // the dry run shows the same plan as statements: a side database, then the renames
    const dry = await gds(['--url', url, '--dry-run', 'restore', 'told', dump, '--replace', '--force']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/CREATE DATABASE "gds_restore_/);
    expect(dry.stdout).toMatch(/ALTER DATABASE "told" RENAME TO "gds_replaced_/);
    expect(await rows('told')).toBe(40);
  }, 60_000);

  it('restore --help lists --force', async () => {
    const r = await gds(['restore', '--help']);
    expect(r.stdout).toMatch(/--force\s+with --replace: end the other sessions/);
    expect(r.stdout).not.toMatch(/drops and recreates/);
  });
});
