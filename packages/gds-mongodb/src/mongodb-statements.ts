/**
 * The commands gds sends to MongoDB, as {@link Statement} objects built by pure functions (tests
 * check them exactly), and {@link describeCommand}, the engine's dry-run rendering of them. One
 * object is both what a dry run shows and what runs (`MongoDBConnection.run`):
 *
 * - `text` is the mongosh line with placeholders: `db.getSiblingDB($1).runCommand($2)`, or
 *   `db.adminCommand($2)` for the replica-set commands, `-- on $3` when it runs on one member;
 * - `params` are `[database, command document, member?]`.
 *
 * {@link describeCommand} puts the database in as a JSON string (which any name survives intact),
 * the document in relaxed Extended JSON and the member (`host:port`) as it is. Names travel as
 * values inside the documents, never as code.
 *
 * @module
 */
import { statement, type Statement } from '@gds/database/engine';
import { BSON, type Document } from 'mongodb';
import { quoteName } from './mongodb-quote.js';

const RUN_COMMAND = 'db.getSiblingDB($1).runCommand($2)';
const ADMIN_COMMAND = 'db.adminCommand($2)';

/** What a command statement runs: the database, the command document, and the member it must run on (when not the deployment). */
export interface CommandParts {
  /** The database (`admin` for server-level commands). */
  db: string;
  /** The command document; its first key is the command name. */
  doc: Document;
  /** `host:port` of the one member it runs on, straight (not through the deployment). */
  on?: string;
}

/**
 * `doc` run in `db` (`db.getSiblingDB(db).runCommand(doc)`).
 *
 * ### Examples
 * ```ts
 * runCommand('app', { dropDatabase: 1 }).params; // ['app', { dropDatabase: 1 }]
 * ```
 */
export function runCommand(db: string, doc: Document): Statement {
  return statement(RUN_COMMAND, [db, doc]);
}

/**
 * An admin command (`db.adminCommand(doc)`), on the member `on` when given.
 *
 * ### Examples
 * ```ts
 * describeCommand(adminCommand({ replSetFreeze: 60 }, 'b:27017')); // 'db.adminCommand({"replSetFreeze":60}) -- on b:27017'
 * ```
 */
export function adminCommand(doc: Document, on?: string): Statement {
  return on === undefined ? statement(ADMIN_COMMAND, ['admin', doc]) : statement(`${ADMIN_COMMAND} -- on $3`, ['admin', doc, on]);
}

/**
 * The parts of a command statement (a TypeError for any other statement: a programming error).
 *
 * ### Examples
 * ```ts
 * commandParts(runCommand('app', { dbStats: 1 })); // { db: 'app', doc: { dbStats: 1 } }
 * ```
 */
export function commandParts(s: Statement): CommandParts {
  const [db, doc, on] = s.params;
  if (typeof db !== 'string' || typeof doc !== 'object' || doc === null || (on !== undefined && typeof on !== 'string')) throw new TypeError(`not a MongoDB command statement: ${s.text}`);
  return on === undefined ? { db, doc: doc as Document } : { db, doc: doc as Document, on };
}

/**
 * The command as dry runs and results show it (the engine's `describeStatement`).
 *
 * ### Examples
 * ```ts
 * describeCommand(runCommand('app', { dropDatabase: 1 })); // 'db.getSiblingDB("app").runCommand({"dropDatabase":1})'
 * ```
 */
export function describeCommand(s: Statement): string {
  return s.text.replace(/\$([1-3])/g, (placeholder, n: string) => {
    const value = s.params[Number(n) - 1];
    if (value === undefined) return placeholder;
    if (n === '1') return quoteName(String(value));
    if (n === '2') return BSON.EJSON.stringify(value as Document, { relaxed: true });
    return String(value);
  });
}

/** The collection `create()` makes when it is given none: a database exists only while it has one. */
export const DEFAULT_FIRST_COLLECTION = 'gds_init';

/**
 * `dbStats` in bytes.
 *
 * ### Examples
 * ```ts
 * dbStats('app').params[1]; // { dbStats: 1, scale: 1 }
 * ```
 */
export function dbStats(db: string): Statement {
  return runCommand(db, { dbStats: 1, scale: 1 });
}

/**
 * `listDatabases`, of one database when `name` is given.
 *
 * ### Examples
 * ```ts
 * listDatabases('app', true).params[1]; // { listDatabases: 1, nameOnly: true, filter: { name: 'app' } }
 * ```
 */
export function listDatabases(name?: string, nameOnly = false): Statement {
  const doc: Document = { listDatabases: 1, nameOnly };
  if (name !== undefined) doc.filter = { name };
  return runCommand('admin', doc);
}

/**
 * `create` of a collection with its options (the options of listCollections are accepted as they are).
 *
 * ### Examples
 * ```ts
 * createCollection('app', 'events', { capped: true, size: 1048576 }).params[1]; // { create: 'events', capped: true, size: 1048576 }
 * ```
 */
export function createCollection(db: string, collection: string, options: Document = {}): Statement {
  return runCommand(db, { create: collection, ...options });
}

/**
 * `dropDatabase`.
 *
 * ### Examples
 * ```ts
 * dropDatabase('app').params[1]; // { dropDatabase: 1 }
 * ```
 */
export function dropDatabase(db: string): Statement {
  return runCommand(db, { dropDatabase: 1 });
}

/**
 * `drop` of one collection.
 *
 * ### Examples
 * ```ts
 * dropCollection('app', 'orders').params[1]; // { drop: 'orders' }
 * ```
 */
export function dropCollection(db: string, collection: string): Statement {
  return runCommand(db, { drop: collection });
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
 * createIndexes('app', 'orders', [{ v: 1, key: { customer: 1 }, name: 'customer_1' }]).params[1];
 * // { createIndexes: 'orders', indexes: [{ key: { customer: 1 }, name: 'customer_1' }], ignoreUnknownIndexOptions: true }
 * ```
 */
export function createIndexes(db: string, collection: string, indexes: Document[]): Statement {
  return runCommand(db, { createIndexes: collection, indexes: indexes.map(({ ns: _ns, v: _v, ...spec }) => spec), ignoreUnknownIndexOptions: true });
}

/**
 * `profile`: read the level with -1, or set it (0 off, 1 slow operations, 2 all).
 *
 * ### Examples
 * ```ts
 * profile('app', 1, { slowMs: 50 }).params[1]; // { profile: 1, slowms: 50 }
 * ```
 */
export function profile(db: string, level: -1 | 0 | 1 | 2, options: { slowMs?: number; sampleRate?: number; filter?: Document } = {}): Statement {
  const doc: Document = { profile: level };
  if (options.slowMs !== undefined) doc.slowms = options.slowMs;
  if (options.sampleRate !== undefined) doc.sampleRate = options.sampleRate;
  if (options.filter !== undefined) doc.filter = options.filter;
  return runCommand(db, doc);
}

/**
 * `listCollections` (views and time-series collections included; `system.*` filtered by the caller).
 *
 * ### Examples
 * ```ts
 * listCollections('app').params[1]; // { listCollections: 1 }
 * ```
 */
export function listCollections(db: string): Statement {
  return runCommand(db, { listCollections: 1 });
}

/**
 * `renameCollection` within one database (an admin command; metadata only, no copy).
 *
 * ### Examples
 * ```ts
 * renameCollectionCommand('app', 'gds_restore_0', 'orders').params[1]; // { renameCollection: 'app.gds_restore_0', to: 'app.orders', dropTarget: false }
 * ```
 */
export function renameCollectionCommand(db: string, from: string, to: string): Statement {
  return runCommand('admin', { renameCollection: `${db}.${from}`, to: `${db}.${to}`, dropTarget: false });
}
