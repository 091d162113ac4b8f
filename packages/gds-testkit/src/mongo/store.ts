/**
 * The simulator's in-memory data: databases, collections (documents kept as the BSON bytes that
 * arrived and served back as those bytes, so that what a test reads back is byte-for-byte what
 * was sent), indexes and open cursors, with the built-in answers to the commands a database tool sends (`listDatabases`,
 * `listCollections`, `listIndexes`, `find`/`getMore`/`killCursors`, `insert`, `create`,
 * `createIndexes`, `drop`, `renameCollection`, `dropDatabase`, `dbStats`, `count`).
 *
 * Documented server rules it follows: `insert` replaces top-level `Timestamp(0, 0)` values with
 * the cluster time unless `bypassEmptyTsReplacement` (src/mongo/db/ops/insert.cpp,
 * fixDocumentForInsert); `createIndexes` refuses index options it does not know (197
 * InvalidIndexSpecificationOption) unless `ignoreUnknownIndexOptions`, and index versions other
 * than 1 and 2 (67 CannotCreateIndex); `create` keeps its options with their BSON types.
 *
 * Limits: filters match top-level fields by equality only; no updates, deletes or sorting; sizes
 * are BSON sizes, not storage sizes. Anything else is scripted per test (see MongoSimulator).
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import { Binary, EJSON, Long, Timestamp, deserialize, serialize, type Document } from 'bson';
import { rawCursorReply } from './wire.js';

/** One collection (or view, or time-series collection). */
export interface SimCollection {
  /** Its name. */
  name: string;
  /** `collection`, `view` or `timeseries`. */
  type: 'collection' | 'view' | 'timeseries';
  /** The options it was created with, as listCollections reports them. */
  options: Document;
  /** Its UUID (subtype 4), as listCollections reports it in `info.uuid`. */
  uuid: Binary;
  /** Its documents, decoded exactly (Int32, Double, Long kept) from {@link SimCollection.raw}. */
  docs: Document[];
  /** Its documents as the BSON bytes stored (what `find` returns, byte for byte). */
  raw: Buffer[];
  /** Its index specifications (with `_id_` first for collections). */
  indexes: Document[];
}

/** A server-side error reply. */
export class SimCommandError extends Error {
  /** The server error code. */
  readonly code: number;
  /** The server error code name. */
  readonly codeName: string;
  /** Error labels to send with it. */
  readonly labels: string[] | undefined;

  /** Makes the error. */
  constructor(code: number, codeName: string, message: string, labels?: string[]) {
    super(message);
    this.code = code;
    this.codeName = codeName;
    this.labels = labels;
  }
}

interface OpenCursor {
  ns: string;
  docs: Buffer[];
  position: number;
}

/** The index options a 7.0 server knows (mongodb/mongo src/mongo/db/catalog/index_key_validate.cpp, kAllowedFieldNames). */
export const KNOWN_INDEX_OPTIONS: ReadonlySet<string> = new Set([
  'key', 'name', 'v', 'ns', 'unique', 'sparse', 'partialFilterExpression', 'expireAfterSeconds', 'hidden', 'collation',
  'weights', 'default_language', 'language_override', 'textIndexVersion', '2dsphereIndexVersion', 'bits', 'min', 'max',
  'wildcardProjection', 'storageEngine', 'background', 'prepareUnique', 'clustered', 'coarsestIndexedLevel', 'finestIndexedLevel',
]);

/** Replaces every top-level Timestamp(0, 0) of a raw document with `now`, as mongod's insert does. */
function replaceEmptyTimestamps(raw: Buffer, now: () => Timestamp): Buffer {
  const doc = deserialize(raw, { promoteValues: false, bsonRegExp: true });
  let changed = false;
  for (const [k, v] of Object.entries(doc)) {
    if (v instanceof Timestamp && v.high === 0 && v.low === 0) {
      doc[k] = now();
      changed = true;
    }
  }
  return changed ? Buffer.from(serialize(doc)) : raw;
}

const EXACT = { promoteValues: false, bsonRegExp: true } as const;

/**
 * Decodes a document so that serializing it again gives the same bytes (Int32, Double and Long
 * stay typed): how the store keeps what it receives.
 *
 * ### Examples
 * ```ts
 * const doc = exactDocument(rawBson);
 * ```
 */
export function exactDocument(raw: Uint8Array): Document {
  return deserialize(raw, EXACT);
}

function plain(value: unknown): string {
  return EJSON.stringify(value as Document, { relaxed: true });
}

function matches(doc: Document, filter: Document | undefined): boolean {
  if (!filter) return true;
  for (const [key, wanted] of Object.entries(filter)) {
    const actual = EJSON.deserialize(EJSON.serialize({ v: doc[key] }, { relaxed: true })).v;
    if (plain(actual) !== plain(wanted)) return false;
  }
  return true;
}

/**
 * The in-memory data of one simulated deployment (shared by every member of a replica set).
 *
 * ### Examples
 * ```ts
 * const store = new SimStore();
 * store.putCollection('app', 'orders', [{ _id: 1 }, { _id: 2 }]);
 * ```
 */
export class SimStore {
  /** Databases by name, collections by name. */
  readonly databases = new Map<string, Map<string, SimCollection>>();
  /** Documents per batch when a find has no batchSize (the server's default is 101). */
  defaultBatchSize = 101;
  readonly #cursors = new Map<string, OpenCursor>();

  /**
   * Creates (or replaces) a collection with documents, options and extra indexes.
   *
   * ### Examples
   * ```ts
   * store.putCollection('app', 'events', docs, { options: { capped: true, size: 4096 } });
   * ```
   */
  putCollection(db: string, name: string, docs: Document[] = [], extra: { options?: Document; indexes?: Document[]; type?: SimCollection['type'] } = {}): SimCollection {
    let colls = this.databases.get(db);
    if (!colls) {
      colls = new Map();
      this.databases.set(db, colls);
    }
    const type = extra.type ?? (extra.options?.viewOn ? 'view' : extra.options?.timeseries ? 'timeseries' : 'collection');
    const indexes = type === 'view' ? [] : [{ v: 2, key: { _id: 1 }, name: '_id_' }, ...(extra.indexes ?? [])];
    const raw = docs.map((d) => Buffer.from(serializeDoc(d)));
    const coll: SimCollection = { name, type, options: extra.options ?? {}, uuid: new Binary(randomBytes(16), 4), docs: raw.map(exactDocument), raw, indexes };
    colls.set(name, coll);
    return coll;
  }

  /**
   * Creates (or replaces) a collection holding documents given as BSON bytes, kept exactly (for
   * types the bson library cannot write: DBPointer, undefined...).
   *
   * ### Examples
   * ```ts
   * store.putRawCollection('app', 'legacy', [rawBytes]);
   * ```
   */
  putRawCollection(db: string, name: string, raw: Uint8Array[], extra: { options?: Document; indexes?: Document[] } = {}): SimCollection {
    const coll = this.putCollection(db, name, [], extra);
    coll.raw = raw.map((r) => Buffer.from(r));
    coll.docs = coll.raw.map(exactDocument);
    return coll;
  }

  /** The collection, or undefined. */
  collection(db: string, name: string): SimCollection | undefined {
    return this.databases.get(db)?.get(name);
  }

  /**
   * The built-in answer to `body` run against `db`, or `undefined` when the command is not built in.
   * Throws {@link SimCommandError} for server errors (NamespaceNotFound, NamespaceExists...).
   */
  run(db: string, name: string, body: Document, sequences: Record<string, Buffer[]>, extras: { atClusterTime?: Timestamp; rawBody?: Buffer; clusterTime?: () => Timestamp }): Document | Buffer | undefined {
    switch (name) {
      case 'listDatabases':
        return this.listDatabases(body);
      case 'listCollections':
        return this.listCollections(db, body);
      case 'listIndexes': {
        const coll = this.requireCollection(db, String(body.listIndexes));
        return this.openCursor(`${db}.${coll.name}`, coll.indexes.map((d) => Buffer.from(serializeDoc(d))), undefined, undefined);
      }
      case 'find': {
        const coll = this.collection(db, String(body.find));
        const docs = coll ? coll.raw.filter((_, i) => matches(coll.docs[i]!, body.filter as Document | undefined)) : [];
        const limited = typeof body.limit === 'number' && body.limit > 0 ? docs.slice(0, body.limit) : docs;
        return this.openCursor(`${db}.${String(body.find)}`, limited, body.batchSize as number | undefined, extras.atClusterTime);
      }
      case 'getMore':
        return this.getMore(body);
      case 'killCursors': {
        const ids = (body.cursors as unknown[]).map((c) => String(c));
        for (const id of ids) this.#cursors.delete(id);
        return { cursorsKilled: ids, cursorsNotFound: [], cursorsAlive: [], cursorsUnknown: [], ok: 1 };
      }
      case 'insert': {
        const coll = this.collection(db, String(body.insert)) ?? this.putCollection(db, String(body.insert));
        if (coll.type === 'view') throw new SimCommandError(166, 'CommandNotSupportedOnView', `Namespace ${db}.${coll.name} is a view, not a collection`);
        const sent = sequences.documents ?? ((body.documents as Document[]) ?? []).map((d) => Buffer.from(serializeDoc(d)));
        const now = extras.clusterTime ?? (() => new Timestamp({ t: Math.floor(Date.now() / 1000), i: 1 }));
        const raw = body.bypassEmptyTsReplacement === true ? sent.map((b) => Buffer.from(b)) : sent.map((b) => replaceEmptyTimestamps(Buffer.from(b), now));
        coll.raw.push(...raw);
        coll.docs.push(...raw.map(exactDocument));
        return { n: raw.length, ok: 1 };
      }
      case 'create': {
        const collName = String(body.create);
        if (this.collection(db, collName)) throw new SimCommandError(48, 'NamespaceExists', `Collection ${db}.${collName} already exists.`);
        const options: Document = {};
        const exact = extras.rawBody ? exactDocument(extras.rawBody) : body;
        for (const [k, v] of Object.entries(exact)) if (!['create', '$db', 'lsid', '$clusterTime', 'writeConcern', '$readPreference', 'txnNumber'].includes(k)) options[k] = v;
        this.putCollection(db, collName, [], { options });
        return { ok: 1 };
      }
      case 'createIndexes': {
        const coll = this.collection(db, String(body.createIndexes)) ?? this.putCollection(db, String(body.createIndexes));
        const before = coll.indexes.length;
        const specs = (body.indexes as Document[]) ?? [];
        for (const spec of specs) {
          if (spec.v !== undefined && Number(spec.v) !== 1 && Number(spec.v) !== 2) throw new SimCommandError(67, 'CannotCreateIndex', `Invalid index specification ${EJSON.stringify(spec)}; index version v:${Number(spec.v)} is not allowed`);
          const unknown = Object.keys(spec).find((k) => !KNOWN_INDEX_OPTIONS.has(k));
          if (unknown && body.ignoreUnknownIndexOptions !== true) throw new SimCommandError(197, 'InvalidIndexSpecificationOption', `The field '${unknown}' is not valid for an index specification. Specification: ${EJSON.stringify(spec)}`);
        }
        for (const spec of specs) {
          if (coll.indexes.some((i) => i.name === spec.name)) continue;
          const kept: Document = {};
          for (const [k, v] of Object.entries(spec)) if (KNOWN_INDEX_OPTIONS.has(k) && k !== 'ns') kept[k] = v;
          coll.indexes.push({ v: 2, ...kept });
        }
        return { numIndexesBefore: before, numIndexesAfter: coll.indexes.length, createdCollectionAutomatically: before === 0, ok: 1 };
      }
      case 'drop': {
        const colls = this.databases.get(db);
        if (!colls?.delete(String(body.drop))) throw new SimCommandError(26, 'NamespaceNotFound', 'ns not found');
        if (colls.size === 0) this.databases.delete(db);
        return { nIndexesWas: 1, ns: `${db}.${String(body.drop)}`, ok: 1 };
      }
      case 'renameCollection': {
        const [fromDb, ...fromRest] = String(body.renameCollection).split('.');
        const [toDb, ...toRest] = String(body.to).split('.');
        const source = this.collection(fromDb!, fromRest.join('.'));
        if (!source) throw new SimCommandError(26, 'NamespaceNotFound', 'Source collection does not exist');
        if (source.type === 'view') throw new SimCommandError(166, 'CommandNotSupportedOnView', `Namespace ${String(body.renameCollection)} is a view, not a collection`);
        if (source.type === 'timeseries') throw new SimCommandError(20, 'IllegalOperation', 'Renaming a time-series collection is not allowed');
        const toName = toRest.join('.');
        if (this.collection(toDb!, toName)) {
          if (body.dropTarget !== true) throw new SimCommandError(48, 'NamespaceExists', 'target namespace exists');
          this.databases.get(toDb!)!.delete(toName);
        }
        const from = this.databases.get(fromDb!)!;
        from.delete(source.name);
        if (from.size === 0) this.databases.delete(fromDb!);
        let to = this.databases.get(toDb!);
        if (!to) {
          to = new Map();
          this.databases.set(toDb!, to);
        }
        source.name = toName;
        to.set(toName, source);
        return { ok: 1 };
      }
      case 'dropDatabase':
        this.databases.delete(db);
        return { dropped: db, ok: 1 };
      case 'dbStats':
        return this.dbStats(db);
      case 'count': {
        const coll = this.collection(db, String(body.count));
        return { n: coll ? coll.docs.filter((d) => matches(d, body.query as Document | undefined)).length : 0, ok: 1 };
      }
      default:
        return undefined;
    }
  }

  private requireCollection(db: string, name: string): SimCollection {
    const coll = this.collection(db, name);
    if (!coll) throw new SimCommandError(26, 'NamespaceNotFound', `ns does not exist: ${db}.${name}`);
    return coll;
  }

  private sizeOf(db: string): number {
    let total = 0;
    for (const coll of this.databases.get(db)?.values() ?? []) for (const d of coll.raw) total += d.length;
    return total;
  }

  private listDatabases(body: Document): Document {
    const wanted = (body.filter as Document | undefined)?.name;
    const names = [...this.databases.keys()].filter((n) => wanted === undefined || n === wanted).sort();
    const databases = names.map((name) => (body.nameOnly ? { name } : { name, sizeOnDisk: 4096 + this.sizeOf(name), empty: false }));
    return body.nameOnly ? { databases, ok: 1 } : { databases, totalSize: databases.reduce((s, d) => s + ((d as { sizeOnDisk?: number }).sizeOnDisk ?? 0), 0), ok: 1 };
  }

  private listCollections(db: string, body: Document): Document {
    const filter = body.filter as Document | undefined;
    const out: Document[] = [];
    for (const coll of this.databases.get(db)?.values() ?? []) {
      const info: Document = coll.type === 'view' ? { readOnly: true } : { readOnly: false, uuid: coll.uuid };
      const entry: Document = body.nameOnly ? { name: coll.name, type: coll.type } : { name: coll.name, type: coll.type, options: coll.options, info };
      if (!body.nameOnly && coll.type === 'collection') entry.idIndex = { v: 2, key: { _id: 1 }, name: '_id_' };
      if (matches(entry, filter)) out.push(entry);
    }
    return this.openCursor(`${db}.$cmd.listCollections`, out.map((d) => Buffer.from(serializeDoc(d))), undefined, undefined);
  }

  private dbStats(db: string): Document {
    const colls = [...(this.databases.get(db)?.values() ?? [])];
    const objects = colls.reduce((s, c) => s + c.docs.length, 0);
    const dataSize = this.sizeOf(db);
    const indexes = colls.reduce((s, c) => s + c.indexes.length, 0);
    return {
      db,
      collections: colls.filter((c) => c.type !== 'view').length,
      views: colls.filter((c) => c.type === 'view').length,
      objects,
      avgObjSize: objects ? dataSize / objects : 0,
      dataSize,
      storageSize: colls.length ? 4096 * colls.length : 0,
      indexes,
      indexSize: 4096 * indexes,
      totalSize: 4096 * (colls.length + indexes),
      scaleFactor: 1,
      fsUsedSize: 1_000_000,
      fsTotalSize: 10_000_000,
      ok: 1,
    };
  }

  private openCursor(ns: string, docs: Buffer[], batchSize: number | undefined, atClusterTime: Timestamp | undefined): Buffer {
    const size = batchSize && batchSize > 0 ? batchSize : this.defaultBatchSize;
    const first = docs.slice(0, size);
    let id = Long.ZERO;
    if (docs.length > size) {
      id = Long.fromNumber(1 + this.#cursors.size + Math.floor(Math.random() * 1e9));
      this.#cursors.set(id.toString(), { ns, docs, position: size });
    }
    const rest: Document = { id, ns };
    if (atClusterTime) rest.atClusterTime = atClusterTime;
    return rawCursorReply('firstBatch', first, rest);
  }

  private getMore(body: Document): Buffer {
    const id = String(body.getMore);
    const open = this.#cursors.get(id);
    if (!open) throw new SimCommandError(43, 'CursorNotFound', `cursor id ${id} not found`);
    const size = typeof body.batchSize === 'number' && body.batchSize > 0 ? body.batchSize : this.defaultBatchSize;
    const next = open.docs.slice(open.position, open.position + size);
    open.position += next.length;
    const done = open.position >= open.docs.length;
    if (done) this.#cursors.delete(id);
    return rawCursorReply('nextBatch', next, { id: done ? Long.ZERO : Long.fromString(id), ns: open.ns });
  }

  /** How many cursors are open (a test can check that a tool closed or exhausted them). */
  get openCursors(): number {
    return this.#cursors.size;
  }
}

function serializeDoc(doc: Document): Uint8Array {
  return serialize(doc);
}
