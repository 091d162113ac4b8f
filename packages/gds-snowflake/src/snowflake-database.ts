/**
 * SnowflakeDatabase: one database of a Snowflake account.
 *
 * What the gds operations mean here:
 * - names: exact. gds quotes every name, so `getDatabase('sales')` is the lower-case database
 *   `"sales"`; one created with `CREATE DATABASE sales` is `SALES` (see `unquotedName()`). When a
 *   lookup misses but a database differing only in case exists, the error's hint names it.
 * - create: `mode` errorIfExists (default), ifNotExists, or orReplace; orReplace drops an
 *   existing database, so it is refused unless `replace: true` confirms it (a dry run shows the
 *   statement and says it would replace). `transient`, `clone` (with at/before), retention, comment.
 * - drop: `ifExists`, `cascade`/`restrict`; `undrop()` brings the database back within its
 *   Time Travel retention. There are no sessions to end, so `force` is unsupported.
 * - state, access modes, offline: unsupported (see the capability table for why).
 * - backup/restore/clone: zero-copy clones (see snowflake-backup.ts).
 * - listSchemas / listTables: SHOW SCHEMAS / SHOW TABLES (no warehouse needed).
 *
 * @module
 */
import type { SnowflakeReplicationManager } from './snowflake-ha.js';
import {
  Database,
  DatabaseAlreadyExistsError,
  DatabaseNotFoundError,
  MutationOptionsSchema,
  ValidationError,
  validateOptions,
  type BackupInfo,
  type Feature,
  type MutationOptions,
  type OperationResult,
  type ReadOptions,
  type TableInfo,
} from '@gds/database';
import type { ChangeOptions, OperationContext, OperationOutcome, Statement } from '@gds/database/engine';
import type { TSchema } from 'typebox';
import { cloneDatabase, databaseExists, restoreDatabase } from './snowflake-backup.js';
import type { SnowflakeConnection } from './snowflake-connection.js';
import { exactRows, lastAlteredSql, rowToMetadata, showDatabasesSql, type ShowDatabasesRow, type SnowflakeDatabaseMetadata } from './snowflake-metadata.js';
import {
  CloneOptionsSchema,
  SnowflakeBackupOptionsSchema,
  SnowflakeCreateOptionsSchema,
  SnowflakeDropOptionsSchema,
  SnowflakeRestoreOptionsSchema,
  type CloneOptions,
  type SnowflakeBackupOptions,
  type SnowflakeCreateOptions,
  type SnowflakeDropOptions,
  type SnowflakeRestoreOptions,
} from './snowflake-options.js';
import * as S from './snowflake-statements.js';

/** The type parameters of {@link SnowflakeDatabase}. */
export interface SnowflakeDatabaseTypes {
  metadata: SnowflakeDatabaseMetadata;
  create: SnowflakeCreateOptions;
  drop: SnowflakeDropOptions;
  backup: SnowflakeBackupOptions;
  restore: SnowflakeRestoreOptions;
  /** `db.ha`: the engine's HA manager. */
  ha: SnowflakeReplicationManager;
}

/**
 * A Snowflake database.
 *
 * ### Examples
 * ```ts
 * import '@gds/snowflake';
 * const manager = await DatabaseManager.connect('snowflake://gds@myorg-acct?role=SYSADMIN');
 * const db = manager.getDatabase('SALES') as SnowflakeDatabase;
 * await db.backup('SALES_BACKUP_20260301');
 * await db.setRetentionTime(7);
 * ```
 */
export class SnowflakeDatabase extends Database<SnowflakeDatabaseTypes, SnowflakeConnection> {
  protected override readonly schemas = {
    create: SnowflakeCreateOptionsSchema,
    drop: SnowflakeDropOptionsSchema,
    backup: SnowflakeBackupOptionsSchema,
    restore: SnowflakeRestoreOptionsSchema,
  };
  #caseVariants: string[] = [];

  /**
   * A DatabaseNotFoundError (mapped by the engine's table) gets a hint naming the databases that
   * differ from this name only in case, when the last lookup saw some; other errors as they are.
   */
  private withCaseHint(error: unknown, operation: string): unknown {
    if (!DatabaseNotFoundError.isInstance(error) || this.#caseVariants.length === 0) return error;
    const names = this.#caseVariants.map((n) => `'${n}'`).join(', ');
    const hinted = new DatabaseNotFoundError(error.message, {
      engine: 'snowflake',
      operation,
      cause: error.cause,
      serverCode: error.serverCode,
      hint: `${names} exists: gds names are exact and Snowflake stores unquoted names in upper case, so use getDatabase(${names.split(', ')[0]})`,
    });
    hinted.result = error.result;
    return hinted;
  }

  /** The template's read, with the case hint on a database-not-found error. */
  protected override read<R>(operation: string, options: ReadOptions | undefined, body: (signal: AbortSignal) => Promise<R>): Promise<R> {
    return super.read(operation, options, body).catch((error: unknown) => Promise.reject(this.withCaseHint(error, operation)));
  }

  /** The template's change, with the case hint on a database-not-found error. */
  protected override change<O extends ChangeOptions, D = unknown>(operation: string, feature: Feature | undefined, schema: TSchema, options: O, body: (ctx: OperationContext) => Promise<OperationOutcome<D>>): Promise<OperationResult<D>> {
    return super.change(operation, feature, schema, options, body).catch((error: unknown) => Promise.reject(this.withCaseHint(error, operation)));
  }

  protected override notFound(operation: string): DatabaseNotFoundError {
    return this.withCaseHint(super.notFound(operation), operation) as DatabaseNotFoundError;
  }

  private async lookup(signal: AbortSignal): Promise<ShowDatabasesRow | undefined> {
    const rows = await this.connection.query<ShowDatabasesRow>(showDatabasesSql(this.name), [], { signal });
    this.#caseVariants = rows.filter((r) => r.name !== this.name && r.name.toUpperCase() === this.name.toUpperCase()).map((r) => r.name);
    return exactRows(rows, this.name)[0];
  }

  protected async fetchMetadata(signal: AbortSignal): Promise<SnowflakeDatabaseMetadata | undefined> {
    const row = await this.lookup(signal);
    if (!row) return undefined;
    const metadata = rowToMetadata(row);
    if (this.connection.config.warehouse) {
      try {
        const rows = await this.connection.query<{ LAST_ALTERED?: Date }>(lastAlteredSql(this.name), [this.name], { signal });
        if (rows[0]?.LAST_ALTERED instanceof Date) metadata.lastAltered = new Date(rows[0].LAST_ALTERED.getTime());
      } catch (error) {
        // an imported (shared) database or a role without USAGE has no readable INFORMATION_SCHEMA: leave it undefined
        const code = String((error as { code?: unknown }).code ?? '');
        if (code !== '002003' && code !== '003001') throw error;
      }
    }
    return metadata;
  }

  protected override async fetchExists(signal: AbortSignal): Promise<boolean> {
    return (await this.lookup(signal)) !== undefined;
  }

  /** Records `s` as a step of `ctx` and runs that same statement (skipped in a dry run). */
  private run(ctx: OperationContext, s: Statement): Promise<unknown> {
    return ctx.step(s, (st) => this.connection.run(st, { signal: ctx.signal }));
  }

  protected async performCreate(ctx: OperationContext, options: SnowflakeCreateOptions): Promise<OperationOutcome> {
    const mode = options.mode ?? 'errorIfExists';
    if (options.replace && mode !== 'orReplace') {
      throw new ValidationError('Invalid options for create', [{ path: '/replace', message: "only goes with mode: 'orReplace'" }], { engine: 'snowflake', operation: 'create' });
    }
    const statement = S.createDatabase(this.name, options);
    let replacing = false;
    if (mode === 'orReplace') {
      replacing = await databaseExists(this.connection, this.name, ctx.signal);
      if (replacing && !options.replace) {
        throw new DatabaseAlreadyExistsError(`Database '${this.name}' exists and CREATE OR REPLACE would drop it`, {
          engine: 'snowflake',
          operation: 'create',
          hint: 'pass replace: true to confirm, or use mode ifNotExists',
        });
      }
      if (replacing) ctx.message(`replaces the existing database ${this.name}: it is dropped (recoverable with UNDROP only after the new one is renamed)`);
    }
    await this.run(ctx, statement);
    return { message: `${replacing ? 'replaced' : 'created'} database ${this.name}${options.clone ? ` as a clone of ${options.clone.source}` : ''}` };
  }

  /**
   * Drops the database; the options are validated first. (The core picks the capability from a
   * truthy `force` before validating, so `force: 'yes'` was reported as unsupported instead of
   * invalid.)
   *
   * ### Examples
   * ```ts
   * await db.drop({ ifExists: true });
   * ```
   */
  override drop(options?: SnowflakeDropOptions): Promise<OperationResult> {
    try {
      validateOptions(SnowflakeDropOptionsSchema, options ?? {}, 'drop', 'snowflake');
    } catch (error) {
      return Promise.reject(error);
    }
    return super.drop(options);
  }

  /**
   * Drops the database (`drop()`): `ifExists` succeeds when it is missing, `cascade`/`restrict`
   * choose what happens to foreign keys referencing it. UNDROP brings it back within its
   * retention time. Example: `await db.drop({ ifExists: true, dryRun: true })`.
   */
  protected async performDrop(ctx: OperationContext, options: SnowflakeDropOptions): Promise<OperationOutcome> {
    const extras = { ifExists: options.ifExists, cascade: options.cascade, restrict: options.restrict };
    const retention = this.cachedMetadata?.retentionTimeDays;
    await this.run(ctx, S.dropDatabase(this.name, extras));
    const undrop = retention === 0 ? 'its retention time is 0 days: UNDROP cannot bring it back' : `UNDROP DATABASE brings it back within its retention time${retention ? ` (${retention} days)` : ''}`;
    return { message: `dropped database ${this.name}; ${undrop}` };
  }

  /**
   * Brings back the most recently dropped database of this name (Time Travel).
   *
   * ### Examples
   * ```ts
   * await db.undrop();
   * ```
   */
  async undrop(options: MutationOptions = {}): Promise<OperationResult> {
    return this.change('undrop', 'undrop', MutationOptionsSchema, options, async (ctx) => {
      await this.run(ctx, S.undropDatabase(this.name));
      return { message: `undropped database ${this.name}` };
    });
  }

  /**
   * Creates `target` as a zero-copy clone of this database, now or at/before a Time Travel point.
   *
   * ### Examples
   * ```ts
   * await db.clone('SALES_DEV', { at: { offset: -3600 }, transient: true });
   * ```
   */
  async clone(target: string, options: CloneOptions = {}): Promise<OperationResult<BackupInfo>> {
    return this.change('clone', 'clone', CloneOptionsSchema, options, (ctx) => cloneDatabase(ctx, this.connection, this.name, target, options, 'clone'));
  }

  /**
   * Sets how many days of Time Travel history are kept (0-90; above 1 needs Enterprise edition).
   *
   * ### Examples
   * ```ts
   * await db.setRetentionTime(7);
   * ```
   */
  async setRetentionTime(days: number, options: MutationOptions = {}): Promise<OperationResult> {
    if (!Number.isInteger(days) || days < 0 || days > 90) {
      return Promise.reject(new ValidationError('Invalid retention time', [{ path: '', message: 'must be a whole number of days from 0 to 90' }], { engine: 'snowflake', operation: 'setRetentionTime' }));
    }
    return this.change('setRetentionTime', 'timeTravel', MutationOptionsSchema, options, async (ctx) => {
      await this.run(ctx, S.setRetention(this.name, days));
      return { message: `${this.name} keeps ${days} day(s) of Time Travel` };
    });
  }

  protected override performBackup(ctx: OperationContext, target: string, options: SnowflakeBackupOptions): Promise<OperationOutcome<BackupInfo>> {
    return cloneDatabase(ctx, this.connection, this.name, target, options, 'backup');
  }

  protected override performRestore(ctx: OperationContext, source: string, options: SnowflakeRestoreOptions): Promise<OperationOutcome> {
    return restoreDatabase(ctx, this.connection, this.name, source, options);
  }

  protected override async fetchSchemas(signal: AbortSignal, includeSystem: boolean): Promise<string[]> {
    const rows = await this.connection.run<{ name: string }>(S.showSchemas(this.name), { signal });
    return rows.map((r) => r.name).filter((n) => includeSystem || n !== 'INFORMATION_SCHEMA');
  }

  protected override async fetchTables(signal: AbortSignal, schema: string | undefined): Promise<TableInfo[]> {
    const rows = await this.connection.run<{ name: string; schema_name: string; is_external?: string | null }>(S.showTables(this.name, schema), { signal });
    return rows.map((r) => ({ schema: r.schema_name, name: r.name, kind: r.is_external === 'Y' ? 'external_table' : 'table' }));
  }
}
