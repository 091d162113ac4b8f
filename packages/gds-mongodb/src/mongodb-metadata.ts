/**
 * MongoDB database metadata: the type, and its mapping from `dbStats` (counts and sizes) and the
 * `listDatabases` entry (`sizeOnDisk`, `empty`). A MongoDB database has no state, owner,
 * collation or creation date of its own: `state` is `online` for a database that exists, the
 * others stay undefined.
 *
 * Corrections to the original design: `sizeBytes` is `sizeOnDisk` from listDatabases (the
 * compressed files, what a user pays for), falling back to dbStats' `totalSize` (storage plus
 * indexes) on servers that omit it; the design's `dataSize` is the uncompressed BSON size, kept
 * as its own field.
 *
 * @module
 */
import { DatabaseState, type DatabaseMetadata } from '@gds/database';
import type { Document } from 'mongodb';

/**
 * What gds reports about a MongoDB database.
 *
 * ### Examples
 * ```ts
 * const m = (await db.getMetadata()) as MongoDBDatabaseMetadata;
 * console.log(m.collections, m.objects, m.dataSize, m.indexSize);
 * ```
 */
export interface MongoDBDatabaseMetadata extends DatabaseMetadata {
  type: 'mongodb';
  /** Collections (views not counted). Undefined when only the listing was read. */
  collections?: number;
  /** Views. */
  views?: number;
  /** Documents. */
  objects?: number;
  /** Uncompressed BSON size of the documents, in bytes. */
  dataSize?: number;
  /** Bytes allocated for documents (compressed on WiredTiger). */
  storageSize?: number;
  /** Indexes. */
  indexes?: number;
  /** Bytes of all indexes. */
  indexSize?: number;
  /** storageSize + indexSize (MongoDB 4.4+). */
  totalSize?: number;
  /** Bytes on disk, from listDatabases. */
  sizeOnDisk?: number;
  /** Whether listDatabases reports it empty. */
  empty?: boolean;
}

const num = (v: unknown): number | undefined => {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (v && typeof v === 'object' && 'toNumber' in v && typeof (v as { toNumber: unknown }).toNumber === 'function') return (v as { toNumber(): number }).toNumber();
  return undefined;
};

/**
 * Maps a `listDatabases` entry and, when fetched, a `dbStats` reply to metadata.
 *
 * ### Examples
 * ```ts
 * const meta = toMetadata({ name: 'app', sizeOnDisk: 8192, empty: false }, statsReply);
 * ```
 */
export function toMetadata(listing: Document, stats?: Document): MongoDBDatabaseMetadata {
  const sizeOnDisk = num(listing.sizeOnDisk);
  const additional: Record<string, unknown> = {};
  if (stats) {
    for (const key of ['avgObjSize', 'fsUsedSize', 'fsTotalSize', 'scaleFactor', 'numExtents', 'fileSize']) if (stats[key] !== undefined) additional[key] = num(stats[key]) ?? stats[key];
  } else {
    additional.source = 'listDatabases';
  }
  if (listing.shards) additional.shards = listing.shards;
  return {
    name: String(listing.name),
    type: 'mongodb',
    sizeBytes: sizeOnDisk ?? num(stats?.totalSize) ?? (stats ? (num(stats.storageSize) ?? 0) + (num(stats.indexSize) ?? 0) : undefined),
    state: DatabaseState.ONLINE,
    collections: num(stats?.collections),
    views: num(stats?.views),
    objects: num(stats?.objects),
    dataSize: num(stats?.dataSize),
    storageSize: num(stats?.storageSize),
    indexes: num(stats?.indexes),
    indexSize: num(stats?.indexSize),
    totalSize: num(stats?.totalSize),
    sizeOnDisk,
    empty: typeof listing.empty === 'boolean' ? listing.empty : undefined,
    additionalAttributes: additional,
  };
}

/** The databases `listDatabases()` leaves out unless `includeSystem` is set. */
export const SYSTEM_DATABASES: readonly string[] = Object.freeze(['admin', 'config', 'local']);
