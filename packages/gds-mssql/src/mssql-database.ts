/**
 * MSSQLDatabase: one database of a SQL Server.
 *
 * What the gds operations mean here:
 * - offline / online: `ALTER DATABASE ... SET OFFLINE|ONLINE`.
 * - single-user / restricted-user / multi-user: `SET SINGLE_USER|RESTRICTED_USER|MULTI_USER`.
 * - With other sessions in the database, drop, offline, single-user and restricted-user are
 *   refused with DatabaseInUseError; `force` ends them (`WITH ROLLBACK IMMEDIATE`; drop sends
 *   SINGLE_USER WITH ROLLBACK IMMEDIATE and the DROP in one batch, back to MULTI_USER if the DROP
 *   fails, and only when there are sessions to end and the database is ONLINE). Without `force`
 *   the ALTERs use `WITH NO_WAIT`, so a session arriving meanwhile makes them fail at once (5070,
 *   DatabaseInUseError) instead of blocking. A connection sitting in the database switches to
 *   master first (`USE master`, a plain batch).
 * - backup / restore / verify: BACKUP and RESTORE on the server's own file system (see
 *   mssql-backup.ts, mssql-restore.ts, mssql-verify.ts); extras: `setRecoveryModel`, `shrink` (DBCC SHRINKDATABASE),
 *   `checkIntegrity` (DBCC CHECKDB), `readBackupHeader`, `backupHistory`.
 * - names: exact, quoted like QUOTENAME; over 128 characters is a ValidationError.
 *
 * @module
 */
import type { MSSQLAvailabilityGroupManager } from './mssql-ha.js';
import {
  Database,
  DatabaseInUseError,
  DropOptionsSchema,
  MutationOptionsSchema,
  UnsupportedOperationError,
  ValidationError,
  type BackupInfo,
  type BackupVerification,
  type DropOptions,
  type Feature,
  type ForceableOptions,
  type MutationOptions,
  type OperationResult,
  type TableInfo,
} from '@gds/database';
import type { OperationContext, OperationOutcome } from '@gds/database/engine';
import { backupDatabase, backupHistoryStatement, rowsToHistory, type BackupHistoryEntry } from './mssql-backup.js';
import * as B from './mssql-backup-statements.js';
import { editionRefusal, ENGINE_EDITION_MANAGED_INSTANCE, MANAGED_INSTANCE_RECOVERY_MODELS, requireEditionFeature, versionRule } from './mssql-capabilities.js';
import type { MSSQLConnection } from './mssql-connection.js';
import { filegroupsStatement, readMetadataRows, rowToMetadata, type FilegroupRow, type MSSQLDatabaseMetadata } from './mssql-metadata.js';
import {
  BackupFileOptionsSchema,
  BackupHistoryOptionsSchema,
  CheckIntegrityOptionsSchema,
  MSSQLBackupOptionsSchema,
  MSSQLCreateOptionsSchema,
  MSSQLRestoreOptionsSchema,
  ShrinkOptionsSchema,
  type BackupFileOptions,
  type BackupHistoryOptions,
  type CheckIntegrityOptions,
  type MSSQLBackupOptions,
  type MSSQLCreateOptions,
  type MSSQLRestoreOptions,
  type RecoveryModel,
  type ShrinkOptions,
} from './mssql-options.js';
import { restoreDatabase } from './mssql-restore.js';
import * as S from './mssql-statements.js';
import { rowToHeader, verifyBackup, type BackupHeader } from './mssql-verify.js';

const RECOVERY_MODELS: readonly string[] = ['simple', 'full', 'bulk_logged'];

/** The type parameters of {@link MSSQLDatabase}. */
export interface MSSQLDatabaseTypes {
  metadata: MSSQLDatabaseMetadata;
  create: MSSQLCreateOptions;
  drop: DropOptions;
  backup: MSSQLBackupOptions;
  restore: MSSQLRestoreOptions;
  /** `db.ha`: the engine's HA manager. */
  ha: MSSQLAvailabilityGroupManager;
}

/**
 * A SQL Server database.
 *
 * ### Examples
 * ```ts
 * import '@gds/mssql';
 * const manager = await DatabaseManager.connect('mssql://sa:pw@db1/master?trustServerCertificate=true');
 * const db = manager.getDatabase('app') as MSSQLDatabase;
 * await db.create({ recoveryModel: 'full' });
 * await db.backup('/var/opt/mssql/backup/app.bak', { checksum: true, onProgress: (p) => console.log(p.percent) });
 * await db.checkIntegrity();
 * ```
 */
export class MSSQLDatabase extends Database<MSSQLDatabaseTypes, MSSQLConnection> {
  protected override readonly schemas = { create: MSSQLCreateOptionsSchema, drop: DropOptionsSchema, backup: MSSQLBackupOptionsSchema, restore: MSSQLRestoreOptionsSchema };

  /**
   * The engine's answer, narrowed by the server's edition once it is known (Managed Instance
   * refuses OFFLINE, SINGLE_USER, BACKUP TO DISK...: mssql-capabilities.ts).
   *
   * ### Examples
   * ```ts
   * db.supports('state.offline'); // false on Azure SQL Managed Instance
   * ```
   */
  override supports(feature: Feature): boolean {
    return super.supports(feature) && editionRefusal(this.connection.knownVersion?.engineEdition, feature) === undefined;
  }

  /** The core's capability check, then the edition's (every change and listing goes through it). */
  protected override requireFeature(feature: Feature, operation: string): void {
    super.requireFeature(feature, operation);
    requireEditionFeature(this.connection.knownVersion?.engineEdition, feature, operation);
  }

  private q<R extends object>(s: S.MssqlStatement, signal: AbortSignal): Promise<R[]> {
    return this.connection.run<R>(s, { signal });
  }

  protected async fetchMetadata(signal: AbortSignal): Promise<MSSQLDatabaseMetadata | undefined> {
    const { rows, files: fileRows, backups } = await readMetadataRows(this.connection, this.name, true, signal);
    const row = rows[0];
    if (!row) return undefined;
    let groups: FilegroupRow[] = [];
    if (row.state_desc === 'ONLINE') {
      // a database the login cannot enter still has metadata: its filegroups stay unknown
      groups = await this.q<FilegroupRow>(filegroupsStatement(this.name), signal).catch((e: unknown) => {
        if (signal.aborted) throw e;
        return [];
      });
    }
    return rowToMetadata(row, fileRows, backups, groups);
  }

  protected override async fetchExists(signal: AbortSignal): Promise<boolean> {
    const rows = await this.q<{ n: number }>(S.databaseExists(this.name), signal);
    return Number(rows[0]?.n ?? 0) > 0;
  }

  /** Runs a statement as a step of `ctx` (recorded; skipped in a dry run). */
  private run<R extends object = Record<string, unknown>>(ctx: OperationContext, s: S.MssqlStatement): Promise<R[] | undefined> {
    return ctx.step(s, (st) => this.connection.run<R>(st, { signal: ctx.signal, onInfo: (m) => ctx.message(m.message) }));
  }

  /** Other user sessions in the database; `undefined` when the login may not see them (no VIEW SERVER STATE). */
  private async otherSessions(signal: AbortSignal): Promise<number | undefined> {
    const rows = await this.q<{ n: number; sees: number | null }>(S.countSessions(this.name), signal);
    return rows[0]?.sees === 0 ? undefined : Number(rows[0]?.n ?? 0);
  }

  private async requireExists(ctx: OperationContext): Promise<void> {
    if (!(await this.fetchExists(ctx.signal))) throw this.notFound(ctx.operation);
  }

  private async state(ctx: OperationContext): Promise<{ state: string; access: string; inAg: boolean }> {
    const rows = await this.q<{ state_desc: string; user_access_desc: string; in_ag: number }>(S.databaseState(this.name), ctx.signal);
    const r = rows[0];
    if (!r) throw this.notFound(ctx.operation);
    return { state: r.state_desc, access: r.user_access_desc, inAg: Number(r.in_ag) === 1 };
  }

  /** Moves this connection's own session out of the database first (it would count as a user of it). */
  private async leave(ctx: OperationContext): Promise<void> {
    if (this.connection.currentDatabase?.toLowerCase() === this.name.toLowerCase()) await this.run(ctx, S.useMaster());
  }

  private inUse(sessions: number, operation: string): DatabaseInUseError {
    return new DatabaseInUseError(`${sessions} other session${sessions === 1 ? ' is' : 's are'} connected to '${this.name}'`, {
      sessions,
      engine: 'mssql',
      operation,
      hint: 'close them, or pass force: true to end them (WITH ROLLBACK IMMEDIATE)',
    });
  }

  protected async performCreate(ctx: OperationContext, options: MSSQLCreateOptions): Promise<OperationOutcome> {
    const invalid = (path: string, message: string) => new ValidationError('Invalid options for create', [{ path, message }], { engine: 'mssql', operation: 'create' });
    if (options.filegroups?.length && !options.dataFiles?.length) throw invalid('/dataFiles', 'filegroups need dataFiles for the PRIMARY filegroup');
    const server = await this.connection.serverVersion(ctx.signal);
    const rule = versionRule(server.major, server.engineEdition);
    if (server.engineEdition === ENGINE_EDITION_MANAGED_INSTANCE) {
      for (const key of ['dataFiles', 'logFiles', 'filegroups'] as const) if (options[key]?.length) throw invalid(`/${key}`, `${rule.name} places files itself: CREATE DATABASE takes no file or filegroup options there`);
      if (options.containment === 'partial') throw invalid('/containment', `${rule.name} does not support CONTAINMENT = PARTIAL in CREATE DATABASE`);
      if (options.recoveryModel && !MANAGED_INSTANCE_RECOVERY_MODELS.includes(options.recoveryModel)) throw invalid('/recoveryModel', `${rule.name} keeps every database in the FULL recovery model`);
    }
    const level = options.compatibilityLevel;
    // checked first: a level the server does not know fails (15048) only after the database exists
    if (level !== undefined && (level < rule.minCompatibilityLevel || level > rule.maxCompatibilityLevel)) {
      throw invalid('/compatibilityLevel', `${rule.name} (${server.version || 'version unknown'}) accepts compatibility levels ${rule.minCompatibilityLevel} to ${rule.maxCompatibilityLevel}`);
    }
    await this.run(ctx, S.createDatabase(this.name, options));
    try {
      if (options.recoveryModel) await this.run(ctx, S.setRecoveryModel(this.name, options.recoveryModel));
      if (level) await this.run(ctx, S.setCompatibilityLevel(this.name, level));
    } catch (error) {
      // the database did not exist before: undo, so that a retry does not meet 1801
      if (!ctx.signal.aborted) await this.run(ctx, S.dropDatabase(this.name)).catch(() => undefined);
      throw error;
    }
    return { message: `created database ${this.name}` };
  }

  protected async performDrop(ctx: OperationContext, options: DropOptions): Promise<OperationOutcome> {
    const { state, inAg } = await this.state(ctx);
    if (inAg) {
      throw new ValidationError(`Refusing to drop '${this.name}'`, [{ path: '', message: 'it is joined to an availability group: remove it from the group first (ALTER AVAILABILITY GROUP ... REMOVE DATABASE)' }], { engine: 'mssql', operation: 'drop' });
    }
    const sessions = await this.otherSessions(ctx.signal);
    if (sessions !== undefined && sessions > 0 && !options.force) throw this.inUse(sessions, 'drop');
    await this.leave(ctx);
    // SINGLE_USER only where it is needed and allowed: an ONLINE box-server database with (or
    // possibly with) other sessions; OFFLINE/RESTORING databases refuse it (5052) and have none
    const managed = this.connection.knownVersion?.engineEdition === ENGINE_EDITION_MANAGED_INSTANCE;
    const forced = options.force === true && state === 'ONLINE' && !managed && sessions !== 0;
    await this.run(ctx, forced ? S.forcedDrop(this.name) : S.dropDatabase(this.name));
    const ended = forced ? (sessions === undefined ? ' (ended any other sessions)' : ` (ended ${sessions} session(s))`) : '';
    return { message: `dropped database ${this.name}${ended}${state === 'OFFLINE' ? '; it was OFFLINE, so SQL Server left its files on disk' : ''}` };
  }

  private async alter(ctx: OperationContext, option: 'OFFLINE' | 'SINGLE_USER' | 'RESTRICTED_USER', options: ForceableOptions, what: string): Promise<OperationOutcome> {
    await this.requireExists(ctx);
    const sessions = await this.otherSessions(ctx.signal);
    if (sessions !== undefined && sessions > 0 && !options.force) throw this.inUse(sessions, ctx.operation);
    if (option === 'OFFLINE') await this.leave(ctx);
    // without force, NO_WAIT: a session arriving meanwhile (or unseen without VIEW SERVER STATE) makes it fail at once (5070)
    await this.run(ctx, S.alterSet(this.name, option, options.force ? 'ROLLBACK IMMEDIATE' : 'NO_WAIT'));
    return { message: `${this.name} is ${what}${sessions ? ` (ended ${sessions} session(s))` : ''}` };
  }

  protected override performSetOffline(ctx: OperationContext, options: ForceableOptions): Promise<OperationOutcome> {
    return this.alter(ctx, 'OFFLINE', options, 'offline');
  }

  protected override async performSetOnline(ctx: OperationContext): Promise<OperationOutcome> {
    await this.requireExists(ctx);
    await this.run(ctx, S.alterSet(this.name, 'ONLINE'));
    return { message: `${this.name} is online` };
  }

  protected override performSetSingleUserMode(ctx: OperationContext, options: ForceableOptions): Promise<OperationOutcome> {
    return this.alter(ctx, 'SINGLE_USER', options, 'in single-user mode');
  }

  protected override performSetRestrictedUserMode(ctx: OperationContext, options: ForceableOptions): Promise<OperationOutcome> {
    return this.alter(ctx, 'RESTRICTED_USER', options, 'restricted to db_owner, dbcreator and sysadmin');
  }

  protected override async performSetMultiUserMode(ctx: OperationContext, _options: MutationOptions): Promise<OperationOutcome> {
    await this.requireExists(ctx);
    await this.run(ctx, S.alterSet(this.name, 'MULTI_USER'));
    return { message: `${this.name} accepts every user` };
  }

  protected override performBackup(ctx: OperationContext, target: string, options: MSSQLBackupOptions): Promise<OperationOutcome<BackupInfo>> {
    return backupDatabase(ctx, this.connection, this.name, target, options);
  }

  protected override performRestore(ctx: OperationContext, source: string, options: MSSQLRestoreOptions): Promise<OperationOutcome> {
    return restoreDatabase(ctx, this.connection, this.name, source, options);
  }

  protected override performVerifyBackup(ctx: OperationContext, source: string): Promise<OperationOutcome<BackupVerification>> {
    return verifyBackup(ctx, this.connection, source, {});
  }

  /**
   * `RESTORE VERIFYONLY` of a chosen backup set, optionally checking backup checksums.
   *
   * ### Examples
   * ```ts
   * await db.verifyBackupWith('/b/app.bak', { fileNumber: 2, checksum: true });
   * ```
   */
  async verifyBackupWith(source: string, options: BackupFileOptions = {}): Promise<OperationResult<BackupVerification>> {
    if (typeof source !== 'string' || source.length === 0) throw new ValidationError('Invalid source for verifyBackup', [{ path: '/source', message: 'must be a non-empty string' }], { engine: 'mssql' });
    return this.change('verifyBackup', 'backup.verify', BackupFileOptionsSchema, options, (ctx) => verifyBackup(ctx, this.connection, source, options));
  }

  /**
   * The backup sets in a backup file (`RESTORE HEADERONLY`).
   *
   * ### Examples
   * ```ts
   * for (const h of await db.readBackupHeader('/b/app.bak')) console.log(h.position, h.backupType, h.finished);
   * ```
   */
  async readBackupHeader(source: string, options?: BackupFileOptions): Promise<BackupHeader[]> {
    if (typeof source !== 'string' || source.length === 0) throw new ValidationError('Invalid source for readBackupHeader', [{ path: '/source', message: 'must be a non-empty string' }], { engine: 'mssql' });
    this.validateRead(BackupFileOptionsSchema, options, 'readBackupHeader');
    return this.read('readBackupHeader', options, async (signal) => {
      const offset = await this.connection.utcOffsetMinutes(signal);
      const headers = (await this.q<Record<string, unknown>>(B.headerOnly(source), signal)).map((r) => rowToHeader(r, offset));
      return options?.fileNumber === undefined ? headers : headers.filter((h) => h.position === options.fileNumber);
    });
  }

  /**
   * The database's backup history from msdb, newest first.
   *
   * ### Examples
   * ```ts
   * const [last] = await db.backupHistory({ limit: 1, type: 'full' });
   * ```
   */
  async backupHistory(options?: BackupHistoryOptions): Promise<BackupHistoryEntry[]> {
    this.validateRead(BackupHistoryOptionsSchema, options, 'backupHistory');
    return this.read('backupHistory', options, async (signal) => {
      const offset = await this.connection.utcOffsetMinutes(signal);
      return rowsToHistory(await this.q<Record<string, unknown>>(backupHistoryStatement(this.name, options ?? {}, offset), signal), offset);
    });
  }

  /**
   * Sets the recovery model (SIMPLE, FULL or BULK_LOGGED).
   *
   * ### Examples
   * ```ts
   * await db.setRecoveryModel('full');
   * ```
   */
  async setRecoveryModel(model: RecoveryModel, options: MutationOptions = {}): Promise<OperationResult> {
    if (!RECOVERY_MODELS.includes(model)) {
      throw new ValidationError('Invalid recovery model', [{ path: '', message: 'must be simple, full or bulk_logged' }], { engine: 'mssql', operation: 'setRecoveryModel' });
    }
    return this.change('setRecoveryModel', 'recoveryModel', MutationOptionsSchema, options, async (ctx) => {
      if (this.connection.knownVersion?.engineEdition === ENGINE_EDITION_MANAGED_INSTANCE && !MANAGED_INSTANCE_RECOVERY_MODELS.includes(model)) {
        throw new UnsupportedOperationError(`Azure SQL Managed Instance keeps every database in the FULL recovery model: SET RECOVERY ${model.toUpperCase()} is refused there`, { engine: 'mssql', operation: 'setRecoveryModel' });
      }
      await this.requireExists(ctx);
      await this.run(ctx, S.setRecoveryModel(this.name, model));
      return { message: `${this.name} uses the ${model.toUpperCase()} recovery model${model === 'simple' ? '' : ' (take a full backup to start the log chain)'}` };
    });
  }

  /**
   * Shrinks the database's files (`DBCC SHRINKDATABASE`); `data` holds the per-file sizes.
   *
   * ### Examples
   * ```ts
   * await db.shrink({ targetPercent: 10 });
   * ```
   */
  async shrink(options: ShrinkOptions = {}): Promise<OperationResult<Array<Record<string, unknown>>>> {
    return this.change('shrink', 'maintenance.shrink', ShrinkOptionsSchema, options, async (ctx) => {
      await this.requireExists(ctx);
      const rows = (await this.run(ctx, S.shrinkDatabase(this.name, options))) ?? [];
      return { message: `${ctx.dryRun ? 'would shrink' : 'shrank'} ${this.name}${options.truncateOnly ? ' (truncate only)' : ` leaving ${options.targetPercent ?? 0}% free`}`, data: rows };
    });
  }

  /**
   * Runs `DBCC CHECKDB`; rejects (QueryError with the DBCC error number) when it finds corruption.
   *
   * ### Examples
   * ```ts
   * await db.checkIntegrity({ physicalOnly: true, timeoutMs: 3_600_000 });
   * ```
   */
  async checkIntegrity(options: CheckIntegrityOptions = {}): Promise<OperationResult> {
    return this.change('checkIntegrity', 'maintenance.checkIntegrity', CheckIntegrityOptionsSchema, options, async (ctx) => {
      await this.requireExists(ctx);
      await this.run(ctx, S.checkDb(this.name, options));
      return { message: ctx.dryRun ? `would check ${this.name}` : `DBCC CHECKDB found no errors in ${this.name}` };
    });
  }

  protected override async fetchSchemas(signal: AbortSignal, includeSystem: boolean): Promise<string[]> {
    await this.ensureExists(signal);
    return (await this.q<{ name: string }>(S.listSchemas(this.name, includeSystem), signal)).map((r) => r.name);
  }

  protected override async fetchTables(signal: AbortSignal, schema: string | undefined): Promise<TableInfo[]> {
    await this.ensureExists(signal);
    const rows = await this.q<{ schema: string; name: string; type: string }>(S.listTables(this.name, schema), signal);
    return rows.map((r) => ({ schema: r.schema, name: r.name, kind: r.type.trim() === 'V' ? 'view' : 'table' }));
  }

  private async ensureExists(signal: AbortSignal): Promise<void> {
    if (!(await this.fetchExists(signal))) throw this.notFound('listTables');
  }
}

