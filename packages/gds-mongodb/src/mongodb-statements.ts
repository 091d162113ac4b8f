/**
 * The commands gds sends to MongoDB, built by pure functions so that tests can check them
 * exactly, and {@link describeCommand}, which shows a command the way dry runs record it: a
 * mongosh line (`db.getSiblingDB("app").runCommand({...})`) with the document in relaxed
 * Extended JSON. Names travel as values inside the documents, never as code.
 *
 * @module
 */
import { BSON, type Document } from 'mongodb';
import { quoteName } from './mongodb-quote.js';

/** A command and the database it runs in. */
export interface Command {
  /** The database (`admin` for server-level commands). */
  db: string;
  /** The command document; its first key is the command name. */
  doc: Document;
}

/**
 * The command as dry runs and results show it.
 *
 * ### Examples
 * ```ts
 * describeCommand({ db: 'app', doc: { dropDatabase: 1 } }); // 'db.getSiblingDB("app").runCommand({"dropDatabase":1})'
 * ```
 */
export function describeCommand(c: Command): string {
  return `db.getSiblingDB(${quoteName(c.db)}).runCommand(${BSON.EJSON.stringify(c.doc, { relaxed: true })})`;
}

/** The collection `create()` makes when it is given none: a database exists only while it has one. */
export const DEFAULT_FIRST_COLLECTION = 'gds_init';

/**
 * `dbStats` in bytes.
 *
 * ### Examples
 * ```ts
 * dbStats('app').doc; // { dbStats: 1, scale: 1 }
 * ```
 */
export function dbStats(db: string): Command {
  return { db, doc: { dbStats: 1, scale: 1 } };
}

/**
 * `listDatabases`, of one database when `name` is given.
 *
 * ### Examples
 * ```ts
 * listDatabases('app', true).doc; // { listDatabases: 1, nameOnly: true, filter: { name: 'app' } }
 * ```
 */
export function listDatabases(name?: string, nameOnly = false): Command {
  const doc: Document = { listDatabases: 1, nameOnly };
  if (name !== undefined) doc.filter = { name };
  return { db: 'admin', doc };
}

/**
 * `create` of a collection with its options (the options of listCollections are accepted as they are).
 *
 * ### Examples
 * ```ts
 * createCollection('app', 'events', { capped: true, size: 1048576 }).doc; // { create: 'events', capped: true, size: 1048576 }
 * ```
 */
export function createCollection(db: string, collection: string, options: Document = {}): Command {
  return { db, doc: { create: collection, ...options } };
}

/**
 * `dropDatabase`.
 *
 * ### Examples
 * ```ts
 * dropDatabase('app').doc; // { dropDatabase: 1 }
 * ```
 */
export function dropDatabase(db: string): Command {
  return { db, doc: { dropDatabase: 1 } };
}

/**
 * `drop` of one collection.
 *
 * ### Examples
 * ```ts
 * dropCollection('app', 'orders').doc; // { drop: 'orders' }
 * ```
 */
export function dropCollection(db: string, collection: string): Command {
  return { db, doc: { drop: collection } };
}

/**
 * `createIndexes` with the index specifications of a dump, as mongorestore sends them
 * (mongo-tools mongorestore/metadata.go CreateIndexes): `v` removed, so that the server builds
 * its current index version; `ns` removed (servers since 4.4 refuse it); and
 * `ignoreUnknownIndexOptions: true` (4.1.9+), so that options an older server accepted and a
 * newer one no longer knows are dropped instead of failing the restore.
 *
 * ### Examples
 * ```ts
 * createIndexes('app', 'orders', [{ v: 1, key: { customer: 1 }, name: 'customer_1' }]).doc;
 * // { createIndexes: 'orders', indexes: [{ key: { customer: 1 }, name: 'customer_1' }], ignoreUnknownIndexOptions: true }
 * ```
 */
export function createIndexes(db: string, collection: string, indexes: Document[]): Command {
  return { db, doc: { createIndexes: collection, indexes: indexes.map(({ ns: _ns, v: _v, ...spec }) => spec), ignoreUnknownIndexOptions: true } };
}

/**
 * `profile`: read the level with -1, or set it (0 off, 1 slow operations, 2 all).
 *
 * ### Examples
 * ```ts
 * profile('app', 1, { slowMs: 50 }).doc; // { profile: 1, slowms: 50 }
 * ```
 */
export function profile(db: string, level: -1 | 0 | 1 | 2, options: { slowMs?: number; sampleRate?: number; filter?: Document } = {}): Command {
  const doc: Document = { profile: level };
  if (options.slowMs !== undefined) doc.slowms = options.slowMs;
  if (options.sampleRate !== undefined) doc.sampleRate = options.sampleRate;
  if (options.filter !== undefined) doc.filter = options.filter;
  return { db, doc };
}

/**
 * `listCollections` (views and time-series collections included; `system.*` filtered by the caller).
 *
 * ### Examples
 * ```ts
 * listCollections('app').doc; // { listCollections: 1 }
 * ```
 */
export function listCollections(db: string): Command {
  return { db, doc: { listCollections: 1 } };
}

/**
 * `renameCollection` within one database (an admin command; metadata only, no copy).
 *
 * ### Examples
 * ```ts
 * renameCollectionCommand('app', 'gds_restore_0', 'orders').doc; // { renameCollection: 'app.gds_restore_0', to: 'app.orders', dropTarget: false }
 * ```
 */
export function renameCollectionCommand(db: string, from: string, to: string): Command {
  return { db: 'admin', doc: { renameCollection: `${db}.${from}`, to: `${db}.${to}`, dropTarget: false } };
}
