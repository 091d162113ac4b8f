/**
 * The engine-neutral safety cases of the conformance suite (issue 12): a refused restore keeps
 * the data, a failed restore into a new name leaves nothing behind, a cancelled restore keeps
 * the replaced database and leaves no new one, a throwing callback breaks nothing, a cancelled
 * backup leaves no partial file and no child process, a Secret stays redacted while any manager
 * still uses it, and other sessions without `force` are refused by `drop()` and by
 * `restore({ replace: true })` alike. Every case asserts on the server's state afterwards
 * (databases, data, files), not only on the error. A case that cannot apply to an engine is
 * turned off by the target with a one-line reason, which is printed.
 *
 * @module
 */
import { existsSync, promises as fs } from 'node:fs';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { expect, it } from '@jest/globals';
import {
  DatabaseInUseError,
  DatabaseManager,
  GdsError,
  Secret,
  UnsupportedOperationError,
  redact,
  type ConnectionConfig,
  type Database,
} from '@gds/database';
import { printSkip } from './describe-with-server.js';
import { waitFor } from './open-handles.js';

/** Child processes this process has running now. */
const childProcesses = () => process.getActiveResourcesInfo().filter((r) => r === 'ProcessWrap').length;

/** The ids of the safety cases, for {@link SafetyTarget.skipSafety}. */
export type SafetyCase =
  | 'unusable-source-replace'
  | 'failed-restore-new-name'
  | 'truncated-backup'
  | 'throwing-callbacks'
  | 'cancelled-backup'
  | 'cancelled-restore'
  | 'secret-lifetime'
  | 'sessions-without-force';

/**
 * What the safety cases may be told by the target, besides the basic {@link ConformanceTarget} fields.
 *
 * ### Examples
 * ```ts
 * runConformanceSuite({ ...target, connectionConfig: () => ({ type: 'postgresql', host, port, user: 'postgres', password: new Secret('pw-1234') }) });
 * ```
 */
export interface SafetyTarget {
  /**
   * Whether `backupTarget()` names files or folders on this machine, so that the suite may write
   * unusable sources there, truncate a backup and list the folder for partial files. Defaults to
   * whether `backupTarget('probe')` is an absolute path whose folder exists here. A string turns
   * the file cases off and is printed as the reason.
   */
  localBackupFiles?: boolean | string;
  /** More unusable restore sources for the engine (e.g. a backup of another engine); locations that exist. */
  garbageSources?(label: string): Promise<string[]>;
  /**
   * The server's connection as a config object holding at least one {@link Secret}; the suite opens
   * two managers from the SAME object and closes one. Without it the secret case prints why it skipped.
   */
  connectionConfig?(): ConnectionConfig;
  /** Opens another session on `db` (as another client would); resolves with its closer. */
  openSession?(db: Database): Promise<() => Promise<void>>;
  /** Cases that cannot apply to this engine, each with a one-line reason (printed). */
  skipSafety?: Partial<Record<SafetyCase, string>>;
}

/** What the safety cases need from the suite that declares them. */
export interface SafetySuite {
  /** The engine's name, for skip lines. */
  name: string;
  /** The basic target fields the cases use. */
  target: SafetyTarget & {
    connect(): Promise<DatabaseManager>;
    seed(db: Database): Promise<void>;
    snapshot(db: Database): Promise<unknown>;
    backupTarget(label: string): string;
  };
  /** The suite's manager (valid inside tests). */
  manager(): DatabaseManager;
  /** A Database for `label` that does not exist (dropped first if needed), tracked for clean-up. */
  fresh(label: string): Promise<Database>;
  /** A new empty Database for `label`, tracked for clean-up. */
  create(label: string): Promise<Database>;
}

const GARBAGE_TEXT = 'this is not a backup of any database\n';

async function outcome(work: Promise<unknown>): Promise<unknown> {
  return work.then(
    () => undefined,
    (e: unknown) => e ?? new Error('rejected without a reason'),
  );
}

async function listing(folder: string): Promise<string[]> {
  return (await fs.readdir(folder).catch(() => [] as string[])).sort();
}

/** Copies a backup (file or folder) and cuts its largest file to half its size. */
async function truncatedCopy(from: string, to: string): Promise<boolean> {
  await fs.rm(to, { recursive: true, force: true });
  await fs.cp(from, to, { recursive: true });
  let largest: { path: string; size: number } | undefined;
  const visit = async (path: string): Promise<void> => {
    const stat = await fs.stat(path);
    if (stat.isDirectory()) {
      for (const entry of await fs.readdir(path)) await visit(join(path, entry));
    } else if (stat.isFile() && (!largest || stat.size > largest.size)) largest = { path, size: stat.size };
  };
  await visit(to);
  if (!largest || largest.size < 2) return false;
  await fs.truncate(largest.path, Math.floor(largest.size / 2));
  return true;
}

/**
 * Declares the safety cases inside the suite's describe block.
 *
 * ### Examples
 * ```ts
 * describe('conformance: x', () => declareSafetyCases({ name: 'x', target, manager: () => m, fresh, create }));
 * ```
 */
export function declareSafetyCases(suite: SafetySuite): void {
  const { target } = suite;
  const probe = target.backupTarget('probe');
  const files =
    typeof target.localBackupFiles === 'string'
      ? false
      : (target.localBackupFiles ?? (isAbsolute(probe) && existsSync(dirname(probe))));
  const filesReason =
    typeof target.localBackupFiles === 'string' ? target.localBackupFiles : 'backupTarget() is not a path on this machine';
  const skip = (id: SafetyCase, reason: string | undefined): boolean => {
    if (reason === undefined) return false;
    printSkip(`conformance ${suite.name}: safety case ${id} skipped: ${reason}`);
    return true;
  };
  const skipped = (id: SafetyCase) => target.skipSafety?.[id];
  if (!files) {
    printSkip(`conformance ${suite.name}: file checks (zero-byte/text sources, truncated backups, partial files) skipped: ${filesReason}`);
  }
  const names = async () => (await suite.manager().listDatabases()).map((d) => d.name).sort();
  const restores = (db: Database) => db.supports('restore');
  const backs = (db: Database) => db.supports('backup.full') && db.supports('restore');

  /** A missing source always; with local files also a zero-byte file and a text file; plus the target's own. */
  const unusableSources = async (label: string): Promise<string[]> => {
    const missing = target.backupTarget(`${label}_missing`);
    if (files) await fs.rm(missing, { recursive: true, force: true });
    const sources = [missing];
    if (files) {
      const empty = target.backupTarget(`${label}_empty`);
      const text = target.backupTarget(`${label}_text`);
      await fs.rm(empty, { recursive: true, force: true });
      await fs.rm(text, { recursive: true, force: true });
      await fs.writeFile(empty, '');
      await fs.writeFile(text, GARBAGE_TEXT);
      sources.push(empty, text);
    }
    sources.push(...((await target.garbageSources?.(label)) ?? []));
    return sources;
  };

  /** A real backup of a seeded database, cut to half, when backups are local files. */
  const truncatedSource = async (label: string): Promise<string | undefined> => {
    if (!files || skipped('truncated-backup')) return undefined;
    const src = await suite.create(`${label}_cutsrc`);
    await target.seed(src);
    const full = target.backupTarget(`${label}_whole`);
    await fs.rm(full, { recursive: true, force: true });
    await src.backup(full);
    const cut = target.backupTarget(`${label}_cut`);
    return (await truncatedCopy(full, cut)) ? cut : undefined;
  };

  const refusedEach = async (sources: string[], attempt: (source: string) => Promise<unknown>, after: (source: string) => Promise<void>) => {
    for (const source of sources) {
      const error = await outcome(attempt(source));
      if (error === undefined) throw new Error(`restore from an unusable source succeeded: ${source}`);
      expect(GdsError.isInstance(error)).toBe(true);
      await after(source);
    }
  };

  if (skipped('truncated-backup')) skip('truncated-backup', skipped('truncated-backup'));

  if (!skip('unusable-source-replace', skipped('unusable-source-replace'))) {
    it('safety: a restore with replace from an unusable source leaves the database exactly as it was', async () => {
      const db = await suite.create('keep');
      if (!restores(db)) {
        await expect(db.restore(target.backupTarget('keep_missing'), { replace: true })).rejects.toThrow(UnsupportedOperationError);
        return;
      }
      await target.seed(db);
      const before = await target.snapshot(db);
      const sources = await unusableSources('keep');
      const cut = db.supports('backup.full') ? await truncatedSource('keep') : undefined;
      if (cut) sources.push(cut);
      const databases = await names();
      await refusedEach(
        sources,
        (source) => db.restore(source, { replace: true }),
        async () => {
          expect(await db.exists()).toBe(true);
          expect(await target.snapshot(db)).toEqual(before);
          expect(await names()).toEqual(databases);
        },
      );
    }, 240_000);
  }

  if (!skip('failed-restore-new-name', skipped('failed-restore-new-name'))) {
    it('safety: a failed restore into a new name leaves no database behind', async () => {
      const db = await suite.fresh('newname');
      if (!restores(db)) return;
      const sources = await unusableSources('newname');
      const cut = db.supports('backup.full') ? await truncatedSource('newname') : undefined;
      if (cut) sources.push(cut);
      const databases = await names();
      await refusedEach(
        sources,
        (source) => db.restore(source),
        async () => {
          expect(await db.exists()).toBe(false);
          expect(await names()).toEqual(databases);
        },
      );
    }, 240_000);
  }

  if (!skip('throwing-callbacks', skipped('throwing-callbacks'))) {
    it('safety: a throwing onProgress or onMessage callback breaks neither a backup nor a restore', async () => {
      const db = await suite.create('cb');
      if (!backs(db)) return;
      await target.seed(db);
      const expected = await target.snapshot(db);
      const location = target.backupTarget('cb');
      if (files) await fs.rm(location, { recursive: true, force: true });
      const before = files ? await listing(dirname(location)) : [];
      let calls = 0;
      const boom = () => {
        calls++;
        throw new Error('a user callback that throws');
      };
      const backup = await db.backup(location, { onProgress: boom, onMessage: boom });
      expect(backup.isSuccess()).toBe(true);
      if (db.supports('backup.progress')) expect(calls).toBeGreaterThan(0);
      if (files) expect(await listing(dirname(location))).toEqual([...new Set([...before, basename(location)])].sort());
      const copy = await suite.fresh('cb_copy');
      await copy.restore(location, { onProgress: boom, onMessage: boom });
      expect(await target.snapshot(copy)).toEqual(expected);
    }, 180_000);
  }

  if (!skip('cancelled-backup', skipped('cancelled-backup') ?? (files ? undefined : filesReason))) {
    it('safety: a cancelled or timed-out backup leaves no file and no partial file behind', async () => {
      const db = await suite.create('cancel');
      if (!db.supports('backup.full')) return;
      await target.seed(db);
      const folder = dirname(target.backupTarget('cancel_timeout'));
      for (const label of ['cancel_timeout', 'cancel_signal']) {
        const location = target.backupTarget(label);
        await fs.rm(location, { recursive: true, force: true });
        const before = await listing(folder);
        const children = childProcesses();
        const controller = new AbortController();
        const timer = setTimeout(() => controller.abort(), 20);
        const options =
          label === 'cancel_timeout' ? { timeoutMs: 1 } : { signal: controller.signal, onProgress: () => controller.abort() };
        const error = await outcome(db.backup(location, options));
        clearTimeout(timer);
        // a backup may beat a 1 ms deadline; then it must be complete and the only new entry
        const expected = error === undefined ? [...before, basename(location)].sort() : before;
        expect(await listing(folder)).toEqual(expected);
        if (error !== undefined) expect(GdsError.isInstance(error)).toBe(true);
        // the engine's tool (pg_dump, mongodump...) was ended, not left running
        await waitFor(() => childProcesses() <= children, 2_000);
        expect(childProcesses()).toBeLessThanOrEqual(children);
      }
    }, 120_000);
  }

  /** Aborts after `ms`, or at the first progress event, whichever comes first. */
  const soonAborted = (ms: number) => {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), ms);
    return { signal: controller.signal, onProgress: () => controller.abort(), done: () => clearTimeout(timer) };
  };

  if (!skip('cancelled-restore', skipped('cancelled-restore'))) {
    it('safety: a cancelled restore keeps the replaced database as it was, and leaves no new database behind (or names it)', async () => {
      const db = await suite.create('cr_keep');
      if (!backs(db)) return;
      await target.seed(db);
      const before = await target.snapshot(db);
      // the backup restored is of an EMPTY database, so a restore that went through would show
      const empty = await suite.create('cr_empty');
      const location = target.backupTarget('cr_empty');
      if (files) await fs.rm(location, { recursive: true, force: true });
      await empty.backup(location);
      const seededLocation = target.backupTarget('cr_seeded');
      if (files) await fs.rm(seededLocation, { recursive: true, force: true });
      await db.backup(seededLocation);
      for (const ms of [0, 20, 100]) {
        const abort = soonAborted(ms);
        const error = await outcome(db.restore(location, { replace: true, signal: abort.signal, onProgress: abort.onProgress }));
        abort.done();
        if (error === undefined) break; // the restore beat the cancellation: nothing to check at this delay or later
        expect(GdsError.isInstance(error)).toBe(true);
        expect(await db.exists()).toBe(true);
        expect(await target.snapshot(db)).toEqual(before);
      }
      // into a new name: cancelled means no database, or an error that names the one left
      for (const ms of [0, 20, 100]) {
        const fresh = await suite.fresh(`cr_new_${ms}`);
        const abort = soonAborted(ms);
        const error = await outcome(fresh.restore(seededLocation, { signal: abort.signal, onProgress: abort.onProgress }));
        abort.done();
        if (error === undefined) {
          expect(await target.snapshot(fresh)).toEqual(before);
          break;
        }
        if (await fresh.exists()) expect((error as Error).message).toContain(fresh.name);
      }
    }, 240_000);
  }

  const secretReason = skipped('secret-lifetime') ?? (target.connectionConfig ? undefined : 'the target gives no connectionConfig() holding a Secret');
  if (!skip('secret-lifetime', secretReason)) {
    it('safety: a Secret stays redacted while another manager from the same config still uses it', async () => {
      const config = target.connectionConfig!();
      const secrets = Object.values(config).filter((v): v is Secret => v instanceof Secret && v.reveal().length >= 4);
      expect(secrets.length).toBeGreaterThan(0);
      const first = await DatabaseManager.connect(config);
      const second = await DatabaseManager.connect(config);
      try {
        await first.listDatabases();
        await first.close();
        await second.listDatabases();
        for (const s of secrets) {
          expect(redact(`server said: ${s.reveal()}`)).toBe('server said: ***');
          const error = second.provider.mapError(new Error(`login failed, password ${s.reveal()}`), 'probe');
          expect(`${error.message} ${String((error.cause as Error | undefined)?.message ?? '')}`).not.toContain(s.reveal());
        }
      } finally {
        await first.close();
        await second.close();
      }
    }, 60_000);
  }

  const sessionReason = skipped('sessions-without-force') ?? (target.openSession ? undefined : 'the target gives no openSession()');
  if (!skip('sessions-without-force', sessionReason)) {
    it('safety: with another session open and no force, drop and restore-with-replace are refused and the data kept', async () => {
      const db = await suite.create('busy');
      await target.seed(db);
      const before = await target.snapshot(db);
      const location = target.backupTarget('busy');
      if (backs(db)) {
        if (files) await fs.rm(location, { recursive: true, force: true });
        await db.backup(location);
      }
      const close = await target.openSession!(db);
      try {
        await expect(db.drop()).rejects.toThrow(DatabaseInUseError);
        expect(await db.exists()).toBe(true);
        if (backs(db)) {
          await expect(db.restore(location, { replace: true })).rejects.toThrow(DatabaseInUseError);
          expect(await db.exists()).toBe(true);
        }
        expect(await target.snapshot(db)).toEqual(before);
      } finally {
        await close();
      }
    }, 120_000);
  }
}
