/**
 * PostgreSQLDatabase: one database of a PostgreSQL server.
 *
 * What the gds operations mean here:
 * - offline: `ALLOW_CONNECTIONS false` (no new sessions); `force` also ends current sessions.
 * - single-user: `CONNECTION LIMIT 1`, restricted-user: `CONNECTION LIMIT 0`; the limit they
 *   replace is kept as the per-database setting `gds.previous_connection_limit` and restored by
 *   `setMultiUserMode()`. With other sessions connected they are refused unless `force` ends
 *   them. Superusers are exempt from connection limits (PostgreSQL's rule, not gds's).
 * - drop: refused with DatabaseInUseError while other sessions are connected, unless `force`
 *   (`WITH (FORCE)` on 13+, ending sessions first on older servers).
 * - backup/restore: pg_dump / pg_restore (see postgres-backup.ts, postgres-restore.ts): a
 *   restore reads the whole source first, restores into a side database and swaps names on
 *   success; `replace` with other sessions is refused like drop() unless `force`. vacuum:
 *   `VACUUM` inside it.
 * - names: exact, any characters but NUL; over 63 bytes is a ValidationError (PostgreSQL would
 *   truncate it and act on another database).
 *
 * @module
 */
import type { PostgreSQLReplicationManager } from './postgres-ha.js';
import {
  Database,
  DatabaseInUseError,
  DropOptionsSchema,
  DatabaseNotFoundError,
  type BackupInfo,
  type BackupVerification,
  type DropOptions,
  type ForceableOptions,
  type MutationOptions,
  type OperationResult,
  type ReadOptions,
  type TableInfo,
} from '@gds/database';
import type { OperationContext, OperationOutcome } from '@gds/database/engine';
import { backupDatabase } from './postgres-backup.js';
import type { PostgreSQLConnection } from './postgres-connection.js';
import { verifyDump } from './postgres-dump-source.js';
import { METADATA_SQL, rowToMetadata, type MetadataRow, type PostgreSQLDatabaseMetadata } from './postgres-metadata.js';
import {
  PostgreSQLBackupOptionsSchema,
  PostgreSQLCreateOptionsSchema,
  PostgreSQLRestoreOptionsSchema,
  PostgreSQLVerifyOptionsSchema,
  VacuumOptionsSchema,
  type PostgreSQLBackupOptions,
  type PostgreSQLCreateOptions,
  type PostgreSQLRestoreOptions,
  type VacuumOptions,
} from './postgres-options.js';
import { validateIdentifierLength } from './postgres-quote.js';
import { restoreDatabase } from './postgres-restore.js';
import * as S from './postgres-statements.js';

/** The type parameters of {@link PostgreSQLDatabase}. */
export interface PostgreSQLDatabaseTypes {
  metadata: PostgreSQLDatabaseMetadata;
  create: PostgreSQLCreateOptions;
  drop: DropOptions;
  backup: PostgreSQLBackupOptions;
  restore: PostgreSQLRestoreOptions;
  /** `db.ha`: the engine's HA manager. */
  ha: PostgreSQLReplicationManager;
}

/**
 * A PostgreSQL database.
 *
 * ### Examples
 * ```ts
 * import '@gds/postgres';
 * const manager = await DatabaseManager.connect('postgres://postgres@127.0.0.1/postgres');
 * const db = manager.getDatabase('app') as PostgreSQLDatabase;
 * await db.create({ encoding: 'UTF8', template: 'template0' });
 * await db.vacuum({ analyze: true });
 * ```
 */
export class PostgreSQLDatabase extends Database<PostgreSQLDatabaseTypes, PostgreSQLConnection> {
  protected override readonly schemas = {
    create: PostgreSQLCreateOptionsSchema,
    drop: DropOptionsSchema,
    backup: PostgreSQLBackupOptionsSchema,
    restore: PostgreSQLRestoreOptionsSchema,
  };

  protected async fetchMetadata(signal: AbortSignal): Promise<PostgreSQLDatabaseMetadata | undefined> {
    const rows = await this.connection.query<MetadataRow>(METADATA_SQL, [this.name, true], { signal });
    return rows[0] ? rowToMetadata(rows[0]) : undefined;
  }

  protected override fetchExists(signal: AbortSignal): Promise<boolean> {
    return this.connection.query<{ n: string }>('select count(*) as n from pg_catalog.pg_database where datname = $1', [this.name], { signal }).then((rows) => Number(rows[0]?.n) > 0);
  }

  /** Runs a statement as a step of `ctx` (recorded; skipped in a dry run). */
  private run(ctx: OperationContext, s: S.Statement): Promise<unknown> {
    return ctx.step(s, (st) => this.connection.query(st.text, st.params, { signal: ctx.signal }));
  }

  private async otherSessions(ctx: OperationContext): Promise<number> {
    await this.connection.release(this.name);
    const s = S.countSessions(this.name);
    const rows = await this.connection.query<{ n: string }>(s.text, s.params, { signal: ctx.signal });
    return Number(rows[0]?.n ?? 0);
  }

  private async requireMetadata(ctx: OperationContext): Promise<PostgreSQLDatabaseMetadata> {
    const m = await this.fetchMetadata(ctx.signal);
    if (!m) throw this.notFound(ctx.operation);
    return m;
  }

  private inUse(sessions: number, operation: string): DatabaseInUseError {
    return new DatabaseInUseError(`${sessions} other session${sessions === 1 ? ' is' : 's are'} connected to '${this.name}'`, {
      sessions,
      engine: 'postgresql',
      operation,
      hint: 'close them, or pass force: true to end them',
    });
  }

  protected async performCreate(ctx: OperationContext, options: PostgreSQLCreateOptions): Promise<OperationOutcome> {
    await this.run(ctx, S.createDatabase(this.name, options));
    return { message: `created database ${this.name}` };
  }

  protected async performDrop(ctx: OperationContext, options: DropOptions): Promise<OperationOutcome> {
    if (!(await this.fetchExists(ctx.signal))) throw this.notFound('drop');
    const sessions = await this.otherSessions(ctx);
    if (sessions > 0 && !options.force) throw this.inUse(sessions, 'drop');
    const { num } = await this.connection.serverVersion(ctx.signal);
    if (options.force && num < 130000) {
      await this.run(ctx, S.allowConnections(this.name, false));
      await this.run(ctx, S.terminateSessions(this.name));
      await this.run(ctx, S.dropDatabase(this.name));
    } else {
      await this.run(ctx, S.dropDatabase(this.name, options.force === true));
    }
    return { message: `dropped database ${this.name}${sessions ? ` (ended ${sessions} sessions)` : ''}` };
  }

  protected override async performSetOnline(ctx: OperationContext): Promise<OperationOutcome> {
    await this.requireMetadata(ctx);
    await this.run(ctx, S.allowConnections(this.name, true));
    return { message: `${this.name} accepts connections` };
  }

  protected override async performSetOffline(ctx: OperationContext, options: ForceableOptions): Promise<OperationOutcome> {
    await this.requireMetadata(ctx);
    const sessions = await this.otherSessions(ctx);
    await this.run(ctx, S.allowConnections(this.name, false));
    if (options.force && sessions > 0) await this.run(ctx, S.terminateSessions(this.name));
    const left = sessions > 0 && !options.force ? `; ${sessions} existing session(s) stay connected (force ends them)` : '';
    return { message: `${this.name} accepts no new connections${left}` };
  }

  private async limitTo(ctx: OperationContext, limit: 0 | 1, options: ForceableOptions): Promise<OperationOutcome> {
    const meta = await this.requireMetadata(ctx);
    const sessions = await this.otherSessions(ctx);
    if (sessions > limit && !options.force) throw this.inUse(sessions, ctx.operation);
    if (meta.connectionLimit !== 0 && meta.connectionLimit !== 1) await this.run(ctx, S.rememberLimit(this.name, meta.connectionLimit));
    await this.run(ctx, S.connectionLimit(this.name, limit));
    if (options.force && sessions > 0) await this.run(ctx, S.terminateSessions(this.name));
    return { message: `${this.name} limited to ${limit === 1 ? 'one session' : 'superusers'} (connection limit ${limit}; superusers are exempt)` };
  }

  protected override performSetSingleUserMode(ctx: OperationContext, options: ForceableOptions): Promise<OperationOutcome> {
    return this.limitTo(ctx, 1, options);
  }

  protected override performSetRestrictedUserMode(ctx: OperationContext, options: ForceableOptions): Promise<OperationOutcome> {
    return this.limitTo(ctx, 0, options);
  }

  protected override async performSetMultiUserMode(ctx: OperationContext, _options: MutationOptions): Promise<OperationOutcome> {
    const meta = await this.requireMetadata(ctx);
    const limit = meta.previousConnectionLimit ?? (meta.connectionLimit === 0 || meta.connectionLimit === 1 ? -1 : meta.connectionLimit);
    await this.run(ctx, S.connectionLimit(this.name, limit));
    if (meta.previousConnectionLimit !== undefined) await this.run(ctx, S.forgetLimit(this.name));
    return { message: `${this.name} back to connection limit ${limit}` };
  }

  protected override performBackup(ctx: OperationContext, target: string, options: PostgreSQLBackupOptions): Promise<OperationOutcome<BackupInfo>> {
    return backupDatabase(ctx, this.connection, this.name, target, options);
  }

  protected override performRestore(ctx: OperationContext, source: string, options: PostgreSQLRestoreOptions): Promise<OperationOutcome> {
    return restoreDatabase(ctx, this.connection, this.name, source, options);
  }

  protected override performVerifyBackup(ctx: OperationContext, source: string): Promise<OperationOutcome<BackupVerification>> {
    return verifyDump(ctx, this.connection, source, {});
  }

  /**
   * Checks a pg_dump backup with a chosen pg_restore folder (see `verifyBackup`).
   *
   * ### Examples
   * ```ts
   * await db.verifyBackupWith('/backups/app.dump', { binDir: '/usr/lib/postgresql/16/bin' });
   * ```
   */
  async verifyBackupWith(source: string, options: ReadOptions & { binDir?: string } = {}): Promise<OperationResult<BackupVerification>> {
    return this.change('verifyBackup', 'backup.verify', PostgreSQLVerifyOptionsSchema, options, (ctx) => verifyDump(ctx, this.connection, source, options));
  }

  /**
   * Runs `VACUUM` inside the database (of the given tables, or all): `full` rewrites tables,
   * `analyze` (default true) refreshes statistics; `verbose` lines arrive as messages.
   *
   * ### Examples
   * ```ts
   * const r = await db.vacuum({ full: true, tables: ['orders'], dryRun: true });
   * console.log(r.statements); // [ 'VACUUM (FULL true, ANALYZE true) "orders"' ]
   * ```
   */
  async vacuum(options: VacuumOptions = {}): Promise<OperationResult> {
    return this.change('vacuum', 'maintenance.vacuum', VacuumOptionsSchema, options, async (ctx) => {
      const stop = this.connection.onNotice((line) => ctx.message(line));
      try {
        await ctx.step(S.vacuum(options), (st) => this.connection.query(st.text, st.params, { database: this.name, signal: ctx.signal }));
      } finally {
        stop();
      }
      return { message: `vacuumed ${options.tables?.length ? `${options.tables.length} table(s) of ` : ''}${this.name}` };
    });
  }

  protected override async fetchSchemas(signal: AbortSignal, includeSystem: boolean): Promise<string[]> {
    await this.ensureExists(signal);
    const rows = await this.connection.query<{ name: string }>(S.LIST_SCHEMAS_SQL, [includeSystem], { database: this.name, signal });
    return rows.map((r) => r.name);
  }

  protected override async fetchTables(signal: AbortSignal, schema: string | undefined): Promise<TableInfo[]> {
    if (schema !== undefined) validateIdentifierLength(schema, 'schema name');
    await this.ensureExists(signal);
    const rows = await this.connection.query<{ schema: string; name: string; kind: string }>(S.LIST_TABLES_SQL, [schema ?? null], { database: this.name, signal });
    return rows.map((r) => ({ schema: r.schema, name: r.name, kind: r.kind === 'p' ? 'partitioned_table' : 'table' }));
  }

  private async ensureExists(signal: AbortSignal): Promise<void> {
    if (!(await this.fetchExists(signal))) throw new DatabaseNotFoundError(`Database '${this.name}' does not exist on ${this.connection.endpoint}`, { engine: 'postgresql' });
  }
}
