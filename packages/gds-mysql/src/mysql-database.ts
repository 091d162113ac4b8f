/**
 * MySQLDatabase: one database (= schema) of a MySQL or MariaDB server.
 *
 * What the gds operations mean here:
 * - create: `CREATE DATABASE` with character set, collation, `IF NOT EXISTS`, and on MySQL
 *   8.0.16+ `DEFAULT ENCRYPTION`. With `lower_case_table_names = 1` the server stores names in
 *   lower case: a name with capitals is refused (it would be created under another name).
 * - drop: the other sessions whose default database it is (the process list) make it a
 *   DatabaseInUseError naming them, unless `force`: then they are killed (`KILL CONNECTION`)
 *   first, the result's data names them, and after the drop no session may be left in it.
 * - state/access: online while the server is; no offline, single-user or restricted-user mode
 *   (refused with the reason). MySQL 8.0.22+ has read-only schemas: {@link MySQLDatabase.setReadOnly}.
 * - schemas: a database is a schema; `listSchemas()` is refused with that reason, `listTables()`
 *   lists its tables and views (the `schema` of each is the database's name).
 * - maintenance: `ANALYZE`, `OPTIMIZE`, `CHECK TABLE` of every base table or the chosen ones,
 *   with the server's result rows.
 * - names: exact, backtick-quoted; over 64 characters, NUL, supplementary characters or a
 *   trailing space are refused (see mysql-quote.ts). Names compare by lower_case_table_names.
 *
 * @module
 */
import type { MySQLReplicationManager } from './mysql-ha.js';
import { Database, DatabaseInUseError, DropOptionsSchema, UnsupportedOperationError, ValidationError, type BackupInfo, type BackupVerification, type DropOptions, type Feature, type OperationResult, type TableInfo, type TableKind } from '@gds/database';
import type { OperationContext, OperationOutcome } from '@gds/database/engine';
import type { MySQLConnection, ServerInfo } from './mysql-connection.js';
import { fetchMetadataRows, rowToMetadata, type MySQLDatabaseMetadata } from './mysql-metadata.js';
import {
  CheckOptionsSchema,
  MaintenanceOptionsSchema,
  MySQLCreateOptionsSchema,
  ReadOnlyOptionsSchema,
  type CheckOptions,
  type MaintenanceOptions,
  type MySQLCreateOptions,
  type ReadOnlyOptions,
} from './mysql-options.js';
import { sameName } from './mysql-quote.js';
import { backupDatabase, MySQLBackupOptionsSchema, type MySQLBackupOptions } from './mysql-backup.js';
import { restoreDatabase, MySQLRestoreOptionsSchema, type MySQLRestoreOptions } from './mysql-restore.js';
import { verifyDump } from './mysql-verify.js';
import * as S from './mysql-statements.js';

/** The type parameters of {@link MySQLDatabase}. */
export interface MySQLDatabaseTypes {
  metadata: MySQLDatabaseMetadata;
  create: MySQLCreateOptions;
  drop: DropOptions;
  backup: MySQLBackupOptions;
  restore: MySQLRestoreOptions;
  /** `db.ha`: the engine's HA manager. */
  ha: MySQLReplicationManager;
}

/**
 * One session found in the process list.
 *
 * ### Examples
 * ```ts
 * const s: MySQLSessionInfo = { id: 42, user: 'app', host: '10.0.0.5:51234', command: 'Sleep', seconds: 3 };
 * ```
 */
export interface MySQLSessionInfo {
  /** Thread (connection) id. */
  id: number;
  user: string;
  host: string;
  /** `Sleep`, `Query`, ... */
  command: string;
  /** Seconds in its current state. */
  seconds: number;
}

/**
 * What `drop()` reports in `result.data`.
 *
 * ### Examples
 * ```ts
 * const { data } = await db.drop({ force: true });
 * console.log(data?.killedSessions.map((s) => s.id));
 * ```
 */
export interface MySQLDropData {
  /** The sessions killed before the drop (force). */
  killedSessions: MySQLSessionInfo[];
}

/**
 * One row of ANALYZE/OPTIMIZE/CHECK TABLE's result (`Table`, `Op`, `Msg_type`, `Msg_text`).
 *
 * ### Examples
 * ```ts
 * const row: MaintenanceRow = { table: 'app.orders', op: 'check', type: 'status', text: 'OK' };
 * ```
 */
export interface MaintenanceRow {
  /** `database.table`. */
  table: string;
  /** `analyze`, `optimize`, `check`. */
  op: string;
  /** `status`, `error`, `info`, `note` or `warning`. */
  type: string;
  text: string;
}

/**
 * What analyze()/optimize()/checkIntegrity() report in `result.data`.
 *
 * ### Examples
 * ```ts
 * const { data } = await db.checkIntegrity();
 * if (data && !data.ok) console.log(data.problems);
 * ```
 */
export interface MaintenanceResult {
  /** The tables it ran on. */
  tables: string[];
  /** Every row the server returned. */
  rows: MaintenanceRow[];
  /** The error rows, and status rows other than OK / already up to date / statistics collected. */
  problems: MaintenanceRow[];
  /** No problems. */
  ok: boolean;
}

/** Status texts that mean success (MySQL and MariaDB). */
const FINE_STATUS = /^(OK|Table is already up to date|Engine-independent statistics collected)$/i;

/** The gds kind of an information_schema TABLE_TYPE. */
function kindOf(type: string): TableKind {
  if (type === 'BASE TABLE' || type === 'SYSTEM VERSIONED') return 'table';
  if (type === 'VIEW' || type === 'SYSTEM VIEW') return 'view';
  return 'other';
}

/**
 * A MySQL or MariaDB database.
 *
 * ### Examples
 * ```ts
 * import '@gds/mysql';
 * const manager = await DatabaseManager.connect('mariadb://root@127.0.0.1:3306/');
 * const db = manager.getDatabase('app') as MySQLDatabase;
 * await db.create({ charset: 'utf8mb4', collation: 'utf8mb4_bin' });
 * const { data } = await db.checkIntegrity();
 * ```
 */
export class MySQLDatabase extends Database<MySQLDatabaseTypes, MySQLConnection> {
  protected override readonly schemas = {
    create: MySQLCreateOptionsSchema,
    drop: DropOptionsSchema,
    backup: MySQLBackupOptionsSchema,
    restore: MySQLRestoreOptionsSchema,
  };

  /** The metadata row of this database (compared by lower_case_table_names), if it exists. */
  protected async fetchMetadata(signal: AbortSignal): Promise<MySQLDatabaseMetadata | undefined> {
    const info = await this.connection.serverInfo(signal);
    const rows = await fetchMetadataRows(this.connection, info, this.name, signal);
    const row = rows.find((r) => r.name === this.name) ?? rows.find((r) => sameName(r.name, this.name, info.lowerCaseTableNames));
    return row ? rowToMetadata(row, S.SYSTEM_DATABASES.includes(row.name), S.hasReadOnlySchemas(info)) : undefined;
  }

  protected override async fetchExists(signal: AbortSignal): Promise<boolean> {
    const info = await this.connection.serverInfo(signal);
    const rows = await this.connection.run<{ name: string }>(S.existsStatement(this.name), { signal });
    return rows.some((r) => sameName(r.name, this.name, info.lowerCaseTableNames));
  }

  /** Runs a statement as a step of `ctx` (recorded; skipped in a dry run). */
  private step<T = Record<string, unknown>>(ctx: OperationContext, s: S.Statement): Promise<T[] | undefined> {
    return ctx.step(s, (st) => this.connection.run<T>(st, { signal: ctx.signal }));
  }

  /** The other sessions in this database (this connection's own pool for it is ended first). */
  async #otherSessions(info: ServerInfo, signal: AbortSignal): Promise<MySQLSessionInfo[]> {
    await this.connection.release(this.name);
    const rows = await this.connection.run<MySQLSessionInfo & { db: string }>(S.sessionsIn(this.name), { signal });
    return rows.filter((r) => sameName(r.db, this.name, info.lowerCaseTableNames)).map((r) => ({ id: Number(r.id), user: r.user, host: r.host, command: r.command, seconds: Number(r.seconds) }));
  }

  private inUse(sessions: MySQLSessionInfo[], operation: string): DatabaseInUseError {
    const named = sessions.map((s) => `${s.id} (${s.user}@${s.host}, ${s.command} ${s.seconds}s)`).join(', ');
    return new DatabaseInUseError(`${sessions.length} other session${sessions.length === 1 ? ' is' : 's are'} using '${this.name}': ${named}`, {
      sessions: sessions.length,
      engine: 'mysql',
      operation,
      hint: 'close them, or pass force: true to kill them (KILL CONNECTION)',
    });
  }

  protected async performCreate(ctx: OperationContext, options: MySQLCreateOptions): Promise<OperationOutcome> {
    const info = await this.connection.serverInfo(ctx.signal);
    if (info.lowerCaseTableNames === 1 && this.name !== this.name.toLowerCase()) {
      throw new ValidationError('Invalid database name', [{ path: '', message: `the server has lower_case_table_names = 1 and would create '${this.name.toLowerCase()}' instead: use the lower-case name` }], { engine: 'mysql', operation: 'create' });
    }
    const existed = options.ifNotExists ? await this.fetchExists(ctx.signal) : false;
    await this.step(ctx, S.createDatabase(this.name, options, info));
    return { message: existed ? `database ${this.name} already exists (ifNotExists): nothing changed` : `created database ${this.name}` };
  }

  // M2: backup, restore, verify (mysql-backup.ts, mysql-restore.ts, mysql-verify.ts)
  protected override performBackup(ctx: OperationContext, target: string, options: MySQLBackupOptions): Promise<OperationOutcome<BackupInfo>> {
    return backupDatabase(ctx, this.connection, this.name, target, options);
  }

  protected override performRestore(ctx: OperationContext, source: string, options: MySQLRestoreOptions): Promise<OperationOutcome> {
    return restoreDatabase(ctx, this.connection, this.name, source, options);
  }

  protected override performVerifyBackup(ctx: OperationContext, source: string): Promise<OperationOutcome<BackupVerification>> {
    return verifyDump(ctx, source);
  }
  // end M2

  protected async performDrop(ctx: OperationContext, options: DropOptions): Promise<OperationOutcome<MySQLDropData>> {
    const info = await this.connection.serverInfo(ctx.signal);
    if (!(await this.fetchExists(ctx.signal))) throw this.notFound('drop');
    const sessions = await this.#otherSessions(info, ctx.signal);
    if (sessions.length > 0 && !options.force) throw this.inUse(sessions, 'drop');
    if (sessions.length === 0 && (await this.connection.run(S.canSeeAllSessions(), { signal: ctx.signal })).length === 0) {
      ctx.message(`found no other session in ${this.name}, but this account (no PROCESS privilege) sees only its own sessions: other users' sessions may be connected`);
    }
    const killed = await this.#kill(ctx, sessions);
    await this.step(ctx, S.dropDatabase(this.name));
    if (!ctx.dryRun) {
      // a session that had chosen the database before the drop keeps it as its default: none may be left
      const left = await this.#otherSessions(info, ctx.signal);
      killed.push(...(await this.#kill(ctx, left)));
      const still = await this.#otherSessions(info, ctx.signal);
      if (still.length > 0) ctx.message(`${still.length} session(s) still have ${this.name} as their default database: ${still.map((s) => s.id).join(', ')}`);
    }
    const which = killed.length ? ` (killed session${killed.length === 1 ? '' : 's'} ${killed.map((s) => s.id).join(', ')})` : '';
    return { message: `dropped database ${this.name}${which}`, data: { killedSessions: killed } };
  }

  /** Kills `sessions` (one already gone is fine) and waits until the process list no longer shows them. */
  async #kill(ctx: OperationContext, sessions: MySQLSessionInfo[]): Promise<MySQLSessionInfo[]> {
    for (const s of sessions) {
      await this.step(ctx, S.killConnection(s.id)).catch((e: unknown) => {
        if ((e as { errno?: number }).errno !== 1094) throw e; // ER_NO_SUCH_THREAD: it ended on its own
      });
    }
    if (ctx.dryRun || sessions.length === 0) return sessions;
    const ids = new Set(sessions.map((s) => s.id));
    for (let i = 0; i < 100; i++) {
      const rows = await this.connection.run<{ id: number }>(S.sessionsIn(this.name), { signal: ctx.signal });
      if (!rows.some((r) => ids.has(Number(r.id)))) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return sessions;
  }

  /**
   * Makes the database read-only (`ALTER SCHEMA ... READ ONLY = 1`) or writable again; MySQL
   * 8.0.22+ only: MariaDB and older MySQL refuse with UnsupportedOperationError saying why.
   *
   * ### Examples
   * ```ts
   * await db.setReadOnly({ readOnly: true });
   * (await db.refreshMetadata()).additionalAttributes.readOnly; // true
   * ```
   */
  async setReadOnly(options: ReadOnlyOptions = {}): Promise<OperationResult> {
    return this.change('setReadOnly', 'mysql.readOnly', ReadOnlyOptionsSchema, options, async (ctx) => {
      const info = await this.connection.serverInfo(ctx.signal);
      if (!S.hasReadOnlySchemas(info)) throw new UnsupportedOperationError(S.readOnlyUnsupportedReason(info), { engine: 'mysql', operation: 'setReadOnly' });
      if (!(await this.fetchExists(ctx.signal))) throw this.notFound('setReadOnly');
      const on = options.readOnly ?? true;
      await this.step(ctx, S.alterReadOnly(this.name, on));
      return { message: `${this.name} is ${on ? 'read-only' : 'writable'}` };
    });
  }

  /**
   * `ANALYZE TABLE` of every base table (or `tables`): refreshes index statistics.
   *
   * ### Examples
   * ```ts
   * const { data } = await db.analyze({ tables: ['orders'] });
   * ```
   */
  analyze(options: MaintenanceOptions = {}): Promise<OperationResult<MaintenanceResult>> {
    return this.maintain('analyze', 'maintenance.analyze', MaintenanceOptionsSchema, options, (t) => S.analyzeTables(this.name, t, options));
  }

  /**
   * `OPTIMIZE TABLE` of every base table (or `tables`): rebuilds them (InnoDB: recreate +
   * analyze, reported as a note) and returns space.
   *
   * ### Examples
   * ```ts
   * const { data } = await db.optimize({ local: true });
   * ```
   */
  optimize(options: MaintenanceOptions = {}): Promise<OperationResult<MaintenanceResult>> {
    return this.maintain('optimize', 'maintenance.optimize', MaintenanceOptionsSchema, options, (t) => S.optimizeTables(this.name, t, options));
  }

  /**
   * `CHECK TABLE` of every base table (or `tables`): `data.ok` is false when a table reports an
   * error or a status other than OK.
   *
   * ### Examples
   * ```ts
   * const { data } = await db.checkIntegrity({ mode: 'extended' });
   * ```
   */
  checkIntegrity(options: CheckOptions = {}): Promise<OperationResult<MaintenanceResult>> {
    return this.maintain('checkIntegrity', 'maintenance.checkIntegrity', CheckOptionsSchema, options, (t) => S.checkTables(this.name, t, options));
  }

  private maintain(
    operation: string,
    feature: Feature,
    schema: typeof MaintenanceOptionsSchema | typeof CheckOptionsSchema,
    options: MaintenanceOptions | CheckOptions,
    build: (tables: string[]) => S.Statement,
  ): Promise<OperationResult<MaintenanceResult>> {
    return this.change(operation, feature, schema, options, async (ctx) => {
      const info = await this.connection.serverInfo(ctx.signal);
      if (!(await this.fetchExists(ctx.signal))) throw this.notFound(operation);
      const listed = options.tables ? [] : await this.connection.run<{ db: string; name: string }>(S.baseTables(this.name), { signal: ctx.signal });
      const tables = options.tables ? [...options.tables] : listed.filter((r) => sameName(r.db, this.name, info.lowerCaseTableNames)).map((r) => r.name);
      if (tables.length === 0) return { message: `${this.name} has no tables: nothing to ${operation}`, data: { tables, rows: [], problems: [], ok: true } };
      const raw = (await this.step<{ Table: string; Op: string; Msg_type: string; Msg_text: string }>(ctx, build(tables))) ?? [];
      const rows = raw.map((r) => ({ table: r.Table, op: r.Op, type: r.Msg_type, text: r.Msg_text }));
      const problems = rows.filter((r) => r.type.toLowerCase() === 'error' || (r.type.toLowerCase() === 'status' && !FINE_STATUS.test(r.text)));
      for (const p of problems) ctx.message(`${p.table}: ${p.type}: ${p.text}`);
      const ok = problems.length === 0;
      return { message: `${operation} of ${tables.length} table(s) of ${this.name}: ${ctx.dryRun ? 'not run (dry run)' : ok ? 'OK' : `${problems.length} problem(s)`}`, data: { tables, rows, problems, ok } };
    });
  }

  protected override async fetchTables(signal: AbortSignal, schema: string | undefined): Promise<TableInfo[]> {
    const info = await this.connection.serverInfo(signal);
    if (schema !== undefined && !sameName(schema, this.name, info.lowerCaseTableNames)) {
      throw new ValidationError('Invalid schema', [{ path: '/schema', message: `in MySQL and MariaDB a database is a schema: the only schema of '${this.name}' is '${this.name}'` }], { engine: 'mysql', operation: 'listTables' });
    }
    if (!(await this.fetchExists(signal))) throw this.notFound('listTables');
    const rows = await this.connection.run<{ db: string; name: string; type: string }>(S.listTables(this.name), { signal });
    return rows.filter((r) => sameName(r.db, this.name, info.lowerCaseTableNames)).map((r) => ({ schema: r.db, name: r.name, kind: kindOf(r.type) }));
  }
}
