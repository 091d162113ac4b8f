/**
 * SQLiteDatabase: one database file in the connection's folder.
 *
 * What the gds operations mean here:
 * - a database `app` is the file `app.db` (the first configured extension; any configured one
 *   is found) with its `-wal`/`-shm`/`-journal` companions. Names are file names: refused, never
 *   changed (see `validateDatabaseName`).
 * - create: the file is built under a temporary name with its settings (page size, encoding,
 *   auto-vacuum, application_id, user_version, WAL) and renamed into place, never over an
 *   existing file.
 * - drop: refused with DatabaseInUseError while another connection, of this or any other
 *   process, reads or writes the file (gds takes an exclusive lock first, leaving WAL mode for a
 *   WAL file, which SQLite refuses while any other connection has it open); the files are
 *   removed while that lock is held. `force` is not supported: nothing can end another
 *   process's connection or break its lock. A connection idle in rollback-journal mode holds no
 *   lock and cannot be seen.
 * - state and access modes: not supported (an embedded file has no server to refuse sessions).
 * - backup/verify/restore: see sqlite-backup.ts. Maintenance: vacuum, analyze, optimize,
 *   checkIntegrity, checkpoint (the engine's extensions).
 *
 * @module
 */
import { promises as fs } from 'node:fs';
import {
  Database,
  DatabaseAlreadyExistsError,
  DropOptionsSchema,
  UnsupportedOperationError,
  ValidationError,
  validateOptions,
  type BackupInfo,
  type BackupVerification,
  type DropOptions,
  type OperationResult,
  type ReadOptions,
  type TableInfo,
} from '@gds/database';
import { moveIntoPlace, partialPath, type OperationContext, type OperationOutcome } from '@gds/database/engine';
import { backupDatabase, checkIntegrityOf, restoreDatabase, verifyFile } from './sqlite-backup.js';
import type { DriverHandle, SQLiteConnection } from './sqlite-connection.js';
import { execute, lockExclusive, readHeader, removeWithCompanions } from './sqlite-files.js';
import { toMetadata, type MetadataRow, type SQLiteDatabaseMetadata } from './sqlite-metadata.js';
import {
  CheckIntegrityOptionsSchema,
  CheckpointOptionsSchema,
  MaintenanceOptionsSchema,
  SQLiteBackupOptionsSchema,
  SQLiteCreateOptionsSchema,
  SQLiteRestoreOptionsSchema,
  SQLiteVerifyOptionsSchema,
  type CheckIntegrityOptions,
  type CheckpointOptions,
  type MaintenanceOptions,
  type SQLiteBackupOptions,
  type SQLiteCreateOptions,
  type SQLiteRestoreOptions,
  type SQLiteVerifyOptions,
} from './sqlite-options.js';
import { quoteIdentifier } from './sqlite-quote.js';
import * as S from './sqlite-statements.js';

/** The type parameters of {@link SQLiteDatabase}. */
export interface SQLiteDatabaseTypes {
  metadata: SQLiteDatabaseMetadata;
  create: SQLiteCreateOptions;
  drop: DropOptions;
  backup: SQLiteBackupOptions;
  restore: SQLiteRestoreOptions;
}

/**
 * A table, view or virtual table, with SQLite's own facts.
 *
 * ### Examples
 * ```ts
 * const noRowid = (await db.listTables()).filter((t) => t.withoutRowid);
 * ```
 */
export interface SQLiteTableInfo extends TableInfo {
  schema: string;
  /** SQLite's type: `table`, `view`, `virtual` or `shadow` (a virtual table's storage). */
  sqliteType: 'table' | 'view' | 'virtual' | 'shadow';
  /** A `WITHOUT ROWID` table. */
  withoutRowid: boolean;
  /** A `STRICT` table. */
  strict: boolean;
}

/** What `checkIntegrity()` reports in `result.data`. */
export interface IntegrityReport {
  /** Whether SQLite said `ok`. */
  ok: boolean;
  /** The problems SQLite reported (empty when ok). */
  problems: string[];
  /** `integrity_check` or `quick_check`. */
  check: 'integrity_check' | 'quick_check';
}

/** What `checkpoint()` reports in `result.data` (PRAGMA wal_checkpoint's row). */
export interface CheckpointReport {
  /** 1 when a FULL/RESTART/TRUNCATE checkpoint could not finish (another connection was busy). */
  busy: number;
  /** Frames in the WAL (-1 when the file is not in WAL mode). */
  log: number;
  /** Frames copied into the database file (-1 when not in WAL mode). */
  checkpointed: number;
}

/**
 * An SQLite database: one file in the connection's folder.
 *
 * ### Examples
 * ```ts
 * import '@gds/sqlite';
 * const manager = await DatabaseManager.connect('sqlite:///var/lib/app/');
 * const db = manager.getDatabase('orders') as SQLiteDatabase;
 * await db.create({ journalMode: 'wal' });
 * await db.backup('/backups/orders.db', { onProgress: (p) => console.log(p.message) });
 * ```
 */
export class SQLiteDatabase extends Database<SQLiteDatabaseTypes, SQLiteConnection> {
  protected override readonly schemas = {
    create: SQLiteCreateOptionsSchema,
    drop: DropOptionsSchema,
    backup: SQLiteBackupOptionsSchema,
    restore: SQLiteRestoreOptionsSchema,
  };

  /**
   * The file this database is (or would be created as): the first configured extension that
   * has a file, else the first extension.
   *
   * ### Examples
   * ```ts
   * await db.file(); // '/var/lib/app/orders.db'
   * ```
   */
  async file(): Promise<string> {
    return (await this.connection.locate(this.name)) ?? this.connection.fileOf(this.name);
  }

  protected async fetchMetadata(_signal: AbortSignal): Promise<SQLiteDatabaseMetadata | undefined> {
    const file = await this.connection.locate(this.name);
    if (!file) return undefined;
    const row = await this.connection.use(file, {}, (h) => execute(h, S.readMetadata(file))[0] as MetadataRow);
    return toMetadata(this.name, file, row);
  }

  protected override async fetchExists(_signal: AbortSignal): Promise<boolean> {
    return (await this.connection.locate(this.name)) !== undefined;
  }

  private async requireFile(operation: string): Promise<string> {
    const file = await this.connection.locate(this.name);
    if (!file) throw this.notFound(operation);
    return file;
  }

  protected async performCreate(ctx: OperationContext, o: SQLiteCreateOptions): Promise<OperationOutcome> {
    if (await this.connection.locate(this.name)) throw this.alreadyExists();
    const file = this.connection.fileOf(this.name);
    const temp = partialPath(file);
    // settings that shape the file come before its first page; WAL last
    const steps = [
      ...(o.pageSize !== undefined ? [S.setPragma('page_size', o.pageSize, temp)] : []),
      ...(o.encoding !== undefined ? [S.setPragma('encoding', o.encoding, temp)] : []),
      ...(o.autoVacuum !== undefined ? [S.setPragma('auto_vacuum', o.autoVacuum, temp)] : []),
      S.setPragma('application_id', o.applicationId ?? 0, temp),
      S.setPragma('user_version', o.userVersion ?? 0, temp),
      // SQLite writes the encoding into the file with its first schema entry only
      ...(o.encoding !== undefined ? S.fixEncoding(temp) : []),
      ...(o.journalMode !== undefined ? [S.setPragma('journal_mode', o.journalMode, temp)] : []),
    ];
    ctx.record(`create ${temp}, then rename it to ${file} (never over an existing file)`);
    if (ctx.dryRun) {
      for (const s of steps) await ctx.step(s, async () => undefined);
      return { message: `would create ${file}` };
    }
    try {
      await this.connection.use(temp, { mustExist: false }, async (h) => {
        for (const s of steps) await ctx.step(s, async (st) => execute(h, st));
      });
      await moveIntoPlace(temp, { kind: 'none', path: file, sizeBytes: 0, description: `writes the new ${file}` }).catch((error: unknown) => {
        throw (error as { issues?: unknown }).issues ? this.alreadyExists() : error;
      });
    } finally {
      await removeWithCompanions(temp).catch(() => undefined);
    }
    return { message: `created ${file}` };
  }

  private alreadyExists(): DatabaseAlreadyExistsError {
    return new DatabaseAlreadyExistsError(`Database '${this.name}' exists on ${this.connection.endpoint}`, { engine: 'sqlite', operation: 'create', hint: 'choose another name, or drop it first' });
  }

  /**
   * Drops the database (see the module notes: refused while another connection holds a lock;
   * `force` is unsupported). The options are validated before the core's capability check, so
   * that `force: 'yes'` is a ValidationError here as on engines that support force (the core
   * checks `drop.force` for any truthy `force` first).
   *
   * ### Examples
   * ```ts
   * await db.drop();
   * ```
   */
  override async drop(options?: DropOptions): Promise<OperationResult> {
    validateOptions(this.schemas.drop, options ?? {}, 'drop', 'sqlite');
    return super.drop(options);
  }

  protected async performDrop(ctx: OperationContext, _options: DropOptions): Promise<OperationOutcome> {
    const file = await this.requireFile('drop');
    const header = await readHeader(file, { live: true });
    if ('problems' in header && (await fs.stat(file)).size > 0) {
      // gds removes SQLite files only, never another file that happens to carry the extension
      throw new ValidationError('Not an SQLite database', header.problems.map((message) => ({ path: '/file', message })), { engine: 'sqlite', operation: 'drop', hint: 'remove the file by hand if it is yours' });
    }
    const wal = !('problems' in header) && header.wal;
    const lock = await lockExclusive(ctx, this.connection, this.name, file, wal);
    try {
      ctx.record(`remove ${file} and its -wal, -shm and -journal files (while holding the exclusive lock)`);
      if (ctx.dryRun) return { message: `would drop ${file}` };
      const removed = await removeWithCompanions(file);
      return { message: `dropped ${this.name} (removed ${removed.length} file${removed.length === 1 ? '' : 's'})` };
    } finally {
      if (lock) this.connection.closeHandle(lock);
    }
  }

  protected override async performBackup(ctx: OperationContext, target: string, options: SQLiteBackupOptions): Promise<OperationOutcome<BackupInfo>> {
    return backupDatabase(ctx, this.connection, await this.requireFile('backup'), target, options);
  }

  protected override async performRestore(ctx: OperationContext, source: string, options: SQLiteRestoreOptions): Promise<OperationOutcome> {
    if (options.force) {
      throw new UnsupportedOperationError('sqlite does not support restore with force: nothing can end another process\'s connection or break its lock on the file', { engine: 'sqlite', operation: 'restore', hint: 'close the other connections, then restore without force' });
    }
    const located = await this.connection.locate(this.name);
    if (located && !options.replace) {
      throw new ValidationError('Restore target exists', [{ path: '/replace', message: `${located} exists; pass replace: true to replace it` }], { engine: 'sqlite', operation: 'restore' });
    }
    return restoreDatabase(ctx, this.connection, this.name, located ?? this.connection.fileOf(this.name), located !== undefined, source, options);
  }

  protected override performVerifyBackup(ctx: OperationContext, source: string): Promise<OperationOutcome<BackupVerification>> {
    return verifyFile(ctx, this.connection, source, {});
  }

  /**
   * Checks a backup file with options: `quick` runs quick_check instead of integrity_check.
   *
   * ### Examples
   * ```ts
   * const { data } = await db.verifyBackupWith('/backups/app.db', { quick: true });
   * ```
   */
  async verifyBackupWith(source: string, options: SQLiteVerifyOptions = {}): Promise<OperationResult<BackupVerification>> {
    return this.change('verifyBackup', 'backup.verify', SQLiteVerifyOptionsSchema, options, (ctx) => verifyFile(ctx, this.connection, source, options));
  }

  /** Runs statements on the database's file as one maintenance operation. */
  private maintain<D>(operation: string, feature: string, schema: typeof MaintenanceOptionsSchema, options: MaintenanceOptions, statements: (file: string) => S.Statement[], report: (rows: unknown[], file: string) => OperationOutcome<D>): Promise<OperationResult<D>> {
    return this.change(operation, feature, schema, options, async (ctx) => {
      const file = await this.requireFile(operation);
      const run = async (h: DriverHandle | undefined) => {
        let rows: unknown[] = [];
        for (const s of statements(file)) rows = (await ctx.step(s, async (st) => execute(h!, st))) ?? [];
        return rows;
      };
      const rows = ctx.dryRun ? await run(undefined) : await this.connection.use(file, {}, run);
      return ctx.dryRun ? { message: `would run ${operation} on ${file}` } : report(rows, file);
    });
  }

  /**
   * `VACUUM`: rebuilds the file, returning its free pages to the file system (needs free disk
   * space about the file's size; blocks other writers while it runs).
   *
   * ### Examples
   * ```ts
   * await db.vacuum();
   * ```
   */
  async vacuum(options: MaintenanceOptions = {}): Promise<OperationResult> {
    return this.maintain('vacuum', 'maintenance.vacuum', MaintenanceOptionsSchema, options, (f) => [S.vacuum(f)], (_r, f) => ({ message: `vacuumed ${f}` }));
  }

  /**
   * `ANALYZE`: gathers the statistics the query planner uses.
   *
   * ### Examples
   * ```ts
   * await db.analyze();
   * ```
   */
  async analyze(options: MaintenanceOptions = {}): Promise<OperationResult> {
    return this.maintain('analyze', 'maintenance.analyze', MaintenanceOptionsSchema, options, (f) => [S.analyze(f)], (_r, f) => ({ message: `analyzed ${f}` }));
  }

  /**
   * `PRAGMA optimize`: lets SQLite run ANALYZE where it expects it to help.
   *
   * ### Examples
   * ```ts
   * await db.optimize();
   * ```
   */
  async optimize(options: MaintenanceOptions = {}): Promise<OperationResult> {
    return this.maintain('optimize', 'maintenance.optimize', MaintenanceOptionsSchema, options, (f) => [S.optimize(f)], (_r, f) => ({ message: `optimized ${f}` }));
  }

  /**
   * `PRAGMA integrity_check` (or `quick_check`) on the database, opened read-only; the result's
   * data says whether it is ok and lists SQLite's problems.
   *
   * ### Examples
   * ```ts
   * const { data } = await db.checkIntegrity({ quick: true });
   * if (!data?.ok) console.log(data?.problems);
   * ```
   */
  async checkIntegrity(options: CheckIntegrityOptions = {}): Promise<OperationResult<IntegrityReport>> {
    return this.change('checkIntegrity', 'maintenance.checkIntegrity', CheckIntegrityOptionsSchema, options, async (ctx) => {
      const file = await this.requireFile('checkIntegrity');
      const check = options.quick ? 'quick_check' : 'integrity_check';
      const problems = await checkIntegrityOf(ctx, this.connection, file, options.quick ?? false, options.maxErrors ?? 100, true);
      if (!problems) return { message: `would run ${check} on ${file}` };
      return { message: problems.length ? `${check} found ${problems.length} problem(s) in ${file}: ${problems[0]}` : `${check} ok for ${file}`, data: { ok: problems.length === 0, problems, check } };
    });
  }

  /**
   * `PRAGMA wal_checkpoint(MODE)`: copies the WAL into the database file (`passive` by default;
   * `full`, `restart`, `truncate` wait for other connections as SQLite documents).
   *
   * ### Examples
   * ```ts
   * const { data } = await db.checkpoint({ mode: 'truncate' });
   * ```
   */
  async checkpoint(options: CheckpointOptions = {}): Promise<OperationResult<CheckpointReport>> {
    const mode = options.mode ?? 'passive';
    return this.maintain<CheckpointReport>('checkpoint', 'maintenance.checkpoint', CheckpointOptionsSchema, options, (f) => [S.walCheckpoint(mode, f)], (rows, f) => {
      const r = (rows[0] ?? {}) as { busy?: number; log?: number; checkpointed?: number };
      const data = { busy: Number(r.busy ?? 0), log: Number(r.log ?? -1), checkpointed: Number(r.checkpointed ?? -1) };
      return { message: data.log < 0 ? `${f} is not in WAL mode: nothing to checkpoint` : `checkpoint (${mode}) of ${f}: ${data.checkpointed}/${data.log} frames${data.busy ? ', blocked by another connection' : ''}`, data };
    });
  }

  /** The tables, views and virtual tables (SQLite's own `sqlite_*` tables left out), with SQLite's facts. */
  override listTables(schema?: string, options?: ReadOptions): Promise<SQLiteTableInfo[]> {
    return super.listTables(schema, options) as Promise<SQLiteTableInfo[]>;
  }

  protected override async fetchTables(_signal: AbortSignal, schema: string | undefined): Promise<TableInfo[]> {
    if (schema !== undefined) quoteIdentifier(schema, 'schema name');
    const file = await this.requireFile('listTables');
    const rows = await this.connection.use(file, { attach: true }, (h) => execute(h, S.listTables(schema, file)) as { schema: string; name: string; type: SQLiteTableInfo['sqliteType']; wr: number; strict: number }[]);
    return rows.map((r): SQLiteTableInfo => ({
      schema: r.schema,
      name: r.name,
      kind: r.type === 'view' ? 'view' : r.type === 'table' ? 'table' : 'other',
      sqliteType: r.type,
      withoutRowid: r.wr === 1,
      strict: r.strict === 1,
    }));
  }

  protected override async fetchSchemas(_signal: AbortSignal, includeSystem: boolean): Promise<string[]> {
    const file = await this.requireFile('listSchemas');
    const names = await this.connection.use(file, { attach: true }, (h) => (execute(h, S.listSchemas(file)) as { name: string }[]).map((r) => r.name));
    return includeSystem && !names.includes('temp') ? [...names.slice(0, 1), 'temp', ...names.slice(1)] : names.filter((n) => includeSystem || n !== 'temp');
  }
}
