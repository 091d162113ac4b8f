/**
 * MongoDBDatabase: one database of a MongoDB deployment.
 *
 * What the gds operations mean here:
 * - a database exists while it has at least one collection (MongoDB creates it with its first
 *   collection and forgets it with its last): `create()` creates that first collection (named by
 *   `collection`, `gds_init` by default) and refuses when the database exists already.
 * - `drop()`: `dropDatabase`; MongoDB drops a database whoever uses it, so `force` changes nothing.
 * - state, offline, single-user and restricted modes: unsupported (no such thing per database);
 *   `getState()` is `online` for a database that exists.
 * - `listTables()`: the collections, views and time-series collections (`system.*` left out);
 *   `listSchemas()`: unsupported.
 * - backup/restore/verify: the native dump (mongodb-backup.ts, mongodb-restore.ts).
 * - names: MongoDB's rules, checked before anything is sent (mongodb-quote.ts, the engine
 *   definition's name rules).
 *
 * @module
 */
import type { MongoDBReplicaSetManager } from './mongodb-ha.js';
import {
  Database,
  DatabaseAlreadyExistsError,
  DatabaseState,
  ValidationError,
  type BackupInfo,
  type BackupVerification,
  type DropOptions,
  DropOptionsSchema,
  type OperationResult,
  type ReadOptions,
  type TableInfo,
  type TableKind,
} from '@gds/database';
import type { OperationContext, OperationOutcome, Statement } from '@gds/database/engine';
import { BSON, type Document } from 'mongodb';
import { backupDatabase, isSkippedSystemCollection, readCollections } from './mongodb-backup.js';
import type { MongoDBConnection } from './mongodb-connection.js';
import { toMetadata, type MongoDBDatabaseMetadata } from './mongodb-metadata.js';
import {
  ListCollectionsOptionsSchema,
  MongoDBBackupOptionsSchema,
  MongoDBCreateOptionsSchema,
  MongoDBRestoreOptionsSchema,
  ProfilingOptionsSchema,
  type ListCollectionsOptions,
  type MongoDBBackupOptions,
  type MongoDBCreateOptions,
  type MongoDBRestoreOptions,
  type ProfilingOptions,
} from './mongodb-options.js';
import { validateCollectionName } from './mongodb-quote.js';
import { restoreDatabase, verifyDump } from './mongodb-restore.js';
import * as S from './mongodb-statements.js';

/** The type parameters of {@link MongoDBDatabase}. */
export interface MongoDBDatabaseTypes {
  metadata: MongoDBDatabaseMetadata;
  create: MongoDBCreateOptions;
  drop: DropOptions;
  backup: MongoDBBackupOptions;
  restore: MongoDBRestoreOptions;
  /** `db.ha`: the engine's HA manager. */
  ha: MongoDBReplicaSetManager;
}

/**
 * A collection as `listCollections()` reports it.
 *
 * ### Examples
 * ```ts
 * for (const c of await db.listCollections()) console.log(c.name, c.type, c.options);
 * ```
 */
export interface CollectionSummary {
  /** Its name. */
  name: string;
  /** `collection`, `view` or `timeseries`. */
  type: 'collection' | 'view' | 'timeseries';
  /** Its options (capped, validator, viewOn and pipeline for a view...), decoded exactly: numbers keep their BSON types (Int32, Double, Long) and regexes are BSONRegExp with all their flags. */
  options: Document;
  /** Its UUID as 32 hex digits (not for views). */
  uuid?: string;
}

/**
 * The profiler settings of a database.
 *
 * ### Examples
 * ```ts
 * const { level, slowMs } = await db.getProfilingLevel();
 * ```
 */
export interface ProfilingStatus {
  /** 0 off, 1 slow operations, 2 everything. */
  level: 0 | 1 | 2;
  /** The slow-operation threshold in milliseconds (server-wide). */
  slowMs?: number;
  /** The fraction of slow operations profiled. */
  sampleRate?: number;
  /** The filter, when one replaces the slowMs rule. */
  filter?: Document;
}

const KIND: Record<CollectionSummary['type'], TableKind> = { collection: 'collection', view: 'view', timeseries: 'timeseries' };

/**
 * A MongoDB database.
 *
 * ### Examples
 * ```ts
 * import '@gds/mongodb';
 * const manager = await DatabaseManager.connect('mongodb://127.0.0.1:27017');
 * const db = manager.getDatabase('app') as MongoDBDatabase;
 * await db.create({ collection: 'orders' });
 * await db.backup('/backups/app', { gzip: true });
 * ```
 */
export class MongoDBDatabase extends Database<MongoDBDatabaseTypes, MongoDBConnection> {
  protected override readonly schemas = {
    create: MongoDBCreateOptionsSchema,
    drop: DropOptionsSchema,
    backup: MongoDBBackupOptionsSchema,
    restore: MongoDBRestoreOptionsSchema,
  };

  private async listing(signal: AbortSignal): Promise<Document | undefined> {
    const reply = await this.connection.run(S.listDatabases(this.name), { signal });
    return ((reply.databases as Document[] | undefined) ?? []).find((d) => d.name === this.name);
  }

  protected async fetchMetadata(signal: AbortSignal): Promise<MongoDBDatabaseMetadata | undefined> {
    const listing = await this.listing(signal);
    if (!listing) return undefined;
    const stats = await this.connection.run(S.dbStats(this.name), { signal });
    return toMetadata(listing, stats);
  }

  protected override async fetchExists(signal: AbortSignal): Promise<boolean> {
    const reply = await this.connection.run(S.listDatabases(this.name, true), { signal });
    return ((reply.databases as Document[] | undefined) ?? []).some((d) => d.name === this.name);
  }

  protected override async fetchState(signal: AbortSignal): Promise<DatabaseState | undefined> {
    return (await this.fetchExists(signal)) ? DatabaseState.ONLINE : undefined;
  }

  private run(ctx: OperationContext, s: Statement): Promise<Document | undefined> {
    return ctx.step(s, (st) => this.connection.run(st, { signal: ctx.signal }));
  }

  protected async performCreate(ctx: OperationContext, options: MongoDBCreateOptions): Promise<OperationOutcome> {
    const collection = options.collection ?? S.DEFAULT_FIRST_COLLECTION;
    validateCollectionName(this.name, collection);
    if (await this.fetchExists(ctx.signal)) {
      throw new DatabaseAlreadyExistsError(`Database '${this.name}' already exists on ${this.connection.endpoint}`, { engine: 'mongodb', operation: 'create', hint: 'choose another name, or drop it first' });
    }
    await this.run(ctx, S.createCollection(this.name, collection, fromExtendedJson(options.collectionOptions)));
    return { message: `created database ${this.name} with its first collection ${collection}` };
  }

  protected async performDrop(ctx: OperationContext, _options: DropOptions): Promise<OperationOutcome> {
    if (!(await this.fetchExists(ctx.signal))) throw this.notFound('drop');
    await this.run(ctx, S.dropDatabase(this.name));
    return { message: `dropped database ${this.name}` };
  }

  protected override performBackup(ctx: OperationContext, target: string, options: MongoDBBackupOptions): Promise<OperationOutcome<BackupInfo>> {
    return backupDatabase(ctx, this.connection, this.name, target, options);
  }

  protected override performRestore(ctx: OperationContext, source: string, options: MongoDBRestoreOptions): Promise<OperationOutcome> {
    return restoreDatabase(ctx, this.connection, this.name, source, options);
  }

  protected override performVerifyBackup(ctx: OperationContext, source: string): Promise<OperationOutcome<BackupVerification>> {
    return verifyDump(ctx, source);
  }

  /**
   * The collections of the database: views too unless `includeViews: false`, `system.*` only
   * with `includeSystem`.
   *
   * ### Examples
   * ```ts
   * const views = (await db.listCollections()).filter((c) => c.type === 'view');
   * ```
   */
  async listCollections(options: ListCollectionsOptions = {}): Promise<CollectionSummary[]> {
    this.validateRead(ListCollectionsOptionsSchema, options, 'listCollections');
    return this.read('listCollections', options, async (signal) => {
      const all = await readCollections(this.connection, this.name, signal);
      return all
        .filter((c) => (options.includeSystem || !isSkippedSystemCollection(c.name)) && (options.includeViews !== false || c.type !== 'view'))
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    });
  }

  protected override async fetchTables(signal: AbortSignal, schema: string | undefined): Promise<TableInfo[]> {
    if (schema !== undefined) throw new ValidationError('Invalid schema', [{ path: '', message: 'MongoDB has no schemas: call listTables() without one' }], { engine: 'mongodb', operation: 'listTables' });
    if (!(await this.fetchExists(signal))) throw this.notFound('listTables');
    const all = await readCollections(this.connection, this.name, signal);
    return all
      .filter((c) => !isSkippedSystemCollection(c.name))
      .map((c) => ({ name: c.name, kind: KIND[c.type] }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /**
   * The profiler level of this database (`profile: -1`), with the server's slowMs and sampleRate.
   *
   * ### Examples
   * ```ts
   * if ((await db.getProfilingLevel()).level === 0) await db.setProfilingLevel(1, { slowMs: 50 });
   * ```
   */
  async getProfilingLevel(options?: ReadOptions): Promise<ProfilingStatus> {
    this.requireFeature('profiling', 'getProfilingLevel');
    return this.read('getProfilingLevel', options, async (signal) => profilingFrom(await this.connection.run(S.profile(this.name, -1), { signal })));
  }

  /**
   * Sets the profiler: 0 off, 1 operations slower than `slowMs` (or matching `filter`), 2 all.
   * `slowMs` and `sampleRate` are server-wide settings in MongoDB. Result data: the level before.
   *
   * ### Examples
   * ```ts
   * const r = await db.setProfilingLevel(1, { slowMs: 50, dryRun: true });
   * console.log(r.statements); // [ 'db.getSiblingDB("app").runCommand({"profile":1,"slowms":50})' ]
   * ```
   */
  async setProfilingLevel(level: 0 | 1 | 2, options: ProfilingOptions = {}): Promise<OperationResult<ProfilingStatus>> {
    if (level !== 0 && level !== 1 && level !== 2) {
      throw new ValidationError('Invalid profiling level', [{ path: '', message: 'must be 0 (off), 1 (slow operations) or 2 (all)' }], { engine: 'mongodb', operation: 'setProfilingLevel' });
    }
    return this.change('setProfilingLevel', 'profiling', ProfilingOptionsSchema, options, async (ctx) => {
      const reply = await this.run(ctx, S.profile(this.name, level, { slowMs: options.slowMs, sampleRate: options.sampleRate, filter: options.filter === undefined ? undefined : fromExtendedJson(options.filter) }));
      return { message: `profiling level of ${this.name} set to ${level}`, data: reply ? profilingFrom(reply) : undefined };
    });
  }

}

/**
 * A document given in Extended JSON (relaxed or canonical, as the option schemas document),
 * turned into BSON values with their types kept: `{ "$date": "2026-01-01T00:00:00Z" }` becomes a
 * Date, `{ "$numberLong": "5" }` a Long, a plain integer an Int32, `1.5` a Double.
 *
 * ### Examples
 * ```ts
 * fromExtendedJson({ at: { $gt: { $date: '2026-01-01T00:00:00Z' } } }).at.$gt instanceof Date; // true
 * ```
 */
export function fromExtendedJson(doc: Record<string, unknown> | undefined): Document {
  return doc ? (BSON.EJSON.deserialize(doc, { relaxed: false }) as Document) : {};
}

/**
 * Maps a `profile` reply (which reports the settings before the call) to a status.
 *
 * ### Examples
 * ```ts
 * profilingFrom({ was: 1, slowms: 100, sampleRate: 1, ok: 1 }); // { level: 1, slowMs: 100, sampleRate: 1 }
 * ```
 */
export function profilingFrom(reply: Document): ProfilingStatus {
  const was = Number(reply.was ?? 0);
  return {
    level: was === 1 || was === 2 ? was : 0,
    slowMs: reply.slowms === undefined ? undefined : Number(reply.slowms),
    sampleRate: reply.sampleRate === undefined ? undefined : Number(reply.sampleRate),
    ...(reply.filter ? { filter: reply.filter as Document } : {}),
  };
}
