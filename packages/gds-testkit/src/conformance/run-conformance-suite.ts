/**
 * The conformance suite every engine runs against its servers (a real one, or a simulator where
 * no real server can run). It asserts what users rely on whatever the engine: lifecycle, state
 * and access mode where supported, backup/restore round trip with the data compared, dry runs
 * changing nothing, hostile names handled exactly, typed errors, unsupported operations
 * rejecting with UnsupportedOperationError, no connections left open after `close()`, and the
 * safety cases of `safety-cases.ts` (refused and failed restores keep or leave nothing, throwing
 * callbacks, cancelled backups, secret lifetime, sessions without `force`).
 * It reads `db.supports()` to choose what applies.
 *
 * @module
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  DatabaseAlreadyExistsError,
  DatabaseNotFoundError,
  UnsupportedOperationError,
  ValidationError,
  type Database,
  type DatabaseManager,
  type Feature,
} from '@gds/database';
import { countOpenHandles, waitFor } from './open-handles.js';
import { declareSafetyCases, type SafetyTarget } from './safety-cases.js';

/**
 * How the suite reaches an engine and its data.
 *
 * ### Examples
 * ```ts
 * runConformanceSuite({
 *   name: 'postgresql',
 *   connect: () => DatabaseManager.connect(url),
 *   seed: (db) => seedRows(db),
 *   snapshot: (db) => rowCountsAndChecksum(db),
 *   backupTarget: (label) => join(tmp, `${label}.dump`),
 * });
 * ```
 */
export interface ConformanceTarget extends SafetyTarget {
  /** Shown in the describe title. */
  name: string;
  /** Opens a manager on the server; the suite closes it. */
  connect(): Promise<DatabaseManager>;
  /** Puts a table (or collection) with rows in `db`, which exists and is empty. */
  seed(db: Database): Promise<void>;
  /** A comparable picture of `db`'s data (row counts and a checksum, say). */
  snapshot(db: Database): Promise<unknown>;
  /** Where to back `label` up: a path for file backups, a name for Snowflake clones. */
  backupTarget(label: string): string;
  /** Names the engine must handle exactly (quotes, brackets, semicolons, spaces, non-ASCII). */
  hostileNames?: string[];
  /** Prefix of the databases the suite creates; defaults to `gds_conf_`. */
  prefix?: string;
  /** Called after the suite, after the manager was closed. */
  teardown?(): Promise<void>;
}

/** Names that break naive quoting; engines with stricter name rules pass their own. */
export const DEFAULT_HOSTILE_NAMES: readonly string[] = Object.freeze([
  `gds conf "quoted" name`,
  `gds_conf_semi; DROP DATABASE gds_conf_canary; --`,
  `gds_conf_[bracket]]`,
  "gds_conf_it's",
  'gds_conf_ünï_çødé',
]);

/** The unsupported-operation probes: a feature and the call that needs it. */
const PROBES: ReadonlyArray<[Feature, (db: Database) => Promise<unknown>]> = [
  ['state.offline', (db) => db.setOffline({ dryRun: true })],
  ['access.singleUser', (db) => db.setSingleUserMode({ dryRun: true })],
  ['access.restrictedUser', (db) => db.setRestrictedUserMode({ dryRun: true })],
  ['backup.differential', (db) => db.backup('unused-target', { type: 'differential', dryRun: true })],
  ['backup.incremental', (db) => db.backup('unused-target', { type: 'incremental', dryRun: true })],
  ['backup.log', (db) => db.backup('unused-target', { type: 'transaction_log', dryRun: true })],
  ['schemas', (db) => db.listSchemas()],
];

/**
 * Declares the conformance suite for `target` (call it at the top level of a test file, or
 * inside `describeWithServer`).
 *
 * ### Examples
 * ```ts
 * describeWithServer('postgresql', 'PostgreSQL conformance', (server) =>
 *   runConformanceSuite({ name: 'postgresql', connect: () => DatabaseManager.connect(server().url), ... }));
 * ```
 */
export function runConformanceSuite(target: ConformanceTarget): void {
  const prefix = target.prefix ?? 'gds_conf_';
  const name = (label: string) => `${prefix}${label}`;
  let manager: DatabaseManager;
  const created = new Set<string>();

  const fresh = async (label: string): Promise<Database> => {
    const db = manager.getDatabase(name(label));
    if (await db.exists()) await db.drop({ force: db.supports('drop.force') });
    return db;
  };
  const create = async (label: string): Promise<Database> => {
    const db = await fresh(label);
    await db.create();
    created.add(db.name);
    return db;
  };

  describe(`conformance: ${target.name}`, () => {
    beforeAll(async () => {
      manager = await target.connect();
    }, 60_000);

    afterAll(async () => {
      try {
        for (const n of created) {
          const db = manager.getDatabase(n);
          if (await db.exists().catch(() => false)) await db.drop({ force: db.supports('drop.force') }).catch(() => undefined);
        }
      } finally {
        await manager?.close();
        await target.teardown?.();
      }
    }, 120_000);

    it('creates, finds, describes and drops a database', async () => {
      const db = await fresh('life');
      expect(await db.exists()).toBe(false);
      const result = await db.create();
      created.add(db.name);
      expect(result.isSuccess()).toBe(true);
      expect(result.statements.length).toBeGreaterThan(0);
      expect(await db.exists()).toBe(true);
      const meta = await db.getMetadata();
      expect(meta.name).toBe(db.name);
      expect(meta.type).toBe(manager.type);
      const listed = await manager.listDatabases({ withMetadata: true });
      const mine = listed.find((d) => d.name === db.name);
      expect(mine?.cachedMetadata?.name).toBe(db.name);
      await db.drop();
      expect(await db.exists()).toBe(false);
    }, 60_000);

    it('dry runs list statements and change nothing', async () => {
      const db = await fresh('dry');
      const plan = await db.create({ dryRun: true });
      expect(plan.dryRun).toBe(true);
      expect(plan.statements.length).toBeGreaterThan(0);
      expect(await db.exists()).toBe(false);
      await db.create();
      created.add(db.name);
      const before = await db.getMetadata();
      const drop = await db.drop({ dryRun: true });
      expect(drop.statements.length).toBeGreaterThan(0);
      expect(await db.exists()).toBe(true);
      for (const [feature, call] of [
        ['state.offline', () => db.setOffline({ dryRun: true })],
        ['access.singleUser', () => db.setSingleUserMode({ dryRun: true })],
      ] as const) {
        if (db.supports(feature)) expect((await call()).dryRun).toBe(true);
      }
      const after = await db.getMetadata();
      expect(after.state).toBe(before.state);
      expect(after.accessMode).toBe(before.accessMode);
    }, 60_000);

    it('takes a database offline and back online, where supported', async () => {
      const db = await create('state');
      if (!db.supports('state.offline')) {
        await expect(db.setOffline()).rejects.toThrow(UnsupportedOperationError);
        expect(await db.getState()).toBe('online');
        return;
      }
      await db.setOffline({ force: true });
      expect(await db.getState()).toBe('offline');
      await db.setOnline();
      expect(await db.getState()).toBe('online');
    }, 60_000);

    it('switches to single-user mode and back, where supported', async () => {
      const db = await create('access');
      if (!db.supports('access.singleUser')) {
        await expect(db.setSingleUserMode()).rejects.toThrow(UnsupportedOperationError);
        return;
      }
      await db.setSingleUserMode({ force: true });
      expect((await db.getMetadata()).accessMode).toBe('single_user');
      await db.setMultiUserMode();
      expect((await db.getMetadata()).accessMode).toBe('multi_user');
    }, 60_000);

    it('backs up and restores into another database with the same data', async () => {
      const db = await create('src');
      if (!db.supports('backup.full') || !db.supports('restore')) {
        await expect(db.backup(target.backupTarget('src'))).rejects.toThrow(UnsupportedOperationError);
        return;
      }
      await target.seed(db);
      const expected = await target.snapshot(db);
      const progress: unknown[] = [];
      const backup = await db.backup(target.backupTarget('src'), { onProgress: (p) => progress.push(p) });
      expect(backup.isSuccess()).toBe(true);
      if (db.supports('backup.progress')) expect(progress.length).toBeGreaterThan(0);
      const copy = await fresh('copy');
      created.add(copy.name);
      await copy.restore(target.backupTarget('src'));
      expect(await target.snapshot(copy)).toEqual(expected);
      await expect(copy.restore(target.backupTarget('src'))).rejects.toThrow(ValidationError);
      await copy.restore(target.backupTarget('src'), { replace: true });
      expect(await target.snapshot(copy)).toEqual(expected);
    }, 180_000);

    it('handles hostile names exactly and leaves a canary untouched', async () => {
      const canary = await create('canary');
      for (const hostile of target.hostileNames ?? DEFAULT_HOSTILE_NAMES) {
        const db = manager.getDatabase(hostile);
        if (await db.exists()) await db.drop({ force: db.supports('drop.force') });
        await db.create();
        created.add(hostile);
        expect(await db.exists()).toBe(true);
        expect((await db.getMetadata()).name).toBe(hostile);
        expect((await manager.listDatabases()).map((d) => d.name)).toContain(hostile);
        await db.drop();
        expect(await db.exists()).toBe(false);
        expect(await canary.exists()).toBe(true);
      }
    }, 120_000);

    it('reports typed errors', async () => {
      const missing = manager.getDatabase(name('missing'));
      await expect(missing.getMetadata()).rejects.toThrow(DatabaseNotFoundError);
      await expect(missing.drop()).rejects.toThrow(DatabaseNotFoundError);
      const db = await create('dup');
      await expect(db.create()).rejects.toThrow(DatabaseAlreadyExistsError);
      await expect(db.drop({ force: 'yes' } as never)).rejects.toThrow(ValidationError);
    }, 60_000);

    it('rejects unsupported operations with UnsupportedOperationError', async () => {
      const db = await create('caps');
      let probed = 0;
      for (const [feature, call] of PROBES) {
        if (db.supports(feature)) continue;
        probed++;
        const error = await call(db).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(UnsupportedOperationError.isInstance(error)).toBe(true);
        expect((error as Error).message).toContain(feature);
      }
      expect(probed + PROBES.filter(([f]) => db.supports(f)).length).toBe(PROBES.length);
      expect(db.supportsHighAvailability()).toBe(db.supports('ha'));
    }, 60_000);

    it('leaves no connection or child process open after close()', async () => {
      const before = countOpenHandles();
      const extra = await target.connect();
      const db = extra.getDatabase(name('life'));
      await db.exists();
      await extra.listDatabases();
      await extra.close();
      await waitFor(() => countOpenHandles() <= before, 2_000);
      expect(countOpenHandles()).toBeLessThanOrEqual(before);
    }, 60_000);

    declareSafetyCases({
      name: target.name,
      target,
      manager: () => manager,
      fresh: async (label) => {
        const db = await fresh(label);
        created.add(db.name);
        return db;
      },
      create,
    });
  });
}
