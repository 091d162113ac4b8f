/**
 * The mongodump directory layout, shared by backup, restore and verify:
 * - `<root>/<db>/<collection>.bson[.gz]`: the documents, BSON back to back (for a time-series
 *   collection `system.buckets.<collection>.bson`, holding its buckets, as mongodump writes it);
 * - `<root>/<db>/<collection>.metadata.json[.gz]`: canonical Extended JSON
 *   `{ options, indexes, uuid, collectionName, type }`, field for field as mongodump writes it
 *   (views have a metadata file and no .bson);
 * - `<root>/gds-backup.json`: gds's manifest (point in time, per-file document counts), which
 *   mongorestore skips as an unknown file.
 * File names are collection names escaped as Go's `url.QueryEscape` does (mongodump's rule), with
 * names over 238 bytes cut and suffixed with a SHA-1 of the whole name.
 *
 * {@link readBsonDocuments} reads a `.bson` stream as whole documents, checking the framing (a
 * length prefix of at least 5 that fits, a trailing NUL) with memory bounded by one document.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { BSON, type Document } from 'mongodb';

/** The manifest's file name, at the root of a gds backup. */
export const MANIFEST_FILE = 'gds-backup.json';
/** The largest BSON document a server accepts, plus headroom for a dump's (16 MiB + 16 KiB). */
export const MAX_DOCUMENT_BYTES = 16 * 1024 * 1024 + 16 * 1024;

/** One collection in the manifest. */
export interface ManifestCollection {
  /** Its name. */
  name: string;
  /** `collection`, `view` or `timeseries`. */
  type: string;
  /** The data file relative to the database folder; absent for views. */
  file?: string;
  /** Documents written. */
  documents: number;
  /** BSON bytes written (before compression). */
  bytes: number;
}

/**
 * gds's manifest of a backup.
 *
 * ### Examples
 * ```ts
 * const m = JSON.parse(await readFile(join(root, MANIFEST_FILE), 'utf8')) as BackupManifest;
 * ```
 */
export interface BackupManifest {
  /** Always `gds-mongodb-dump`. */
  format: 'gds-mongodb-dump';
  /** Layout version. */
  version: 1;
  /** The database dumped (its folder's name). */
  database: string;
  /** When the dump started, ISO 8601. */
  startedAt: string;
  /** When it finished. */
  finishedAt: string;
  /** Whether files are gzipped. */
  gzip: boolean;
  /** The point in time read, when a snapshot was used: the cluster time `{ t, i }` and its date. */
  pointInTime?: { t: number; i: number; date: string };
  /** Collections read outside that snapshot (capped collections before MongoDB 8.0). */
  notAtPointInTime?: string[];
  /** The server's version. */
  serverVersion?: string;
  /** Every collection dumped. */
  collections: ManifestCollection[];
}

const UNRESERVED = /[A-Za-z0-9\-_.~]/;

/**
 * Escapes a collection name for a file name as Go's `url.QueryEscape` (mongodump's rule): space
 * becomes `+`, bytes outside `A-Za-z0-9-_.~` become `%XX`.
 *
 * ### Examples
 * ```ts
 * escapeCollectionName('a b/c'); // 'a+b%2Fc'
 * ```
 */
export function escapeCollectionName(name: string): string {
  let out = '';
  for (const byte of Buffer.from(name, 'utf8')) {
    const c = String.fromCharCode(byte);
    if (byte < 0x80 && UNRESERVED.test(c)) out += c;
    else if (c === ' ') out += '+';
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/**
 * Reverses {@link escapeCollectionName} (`+` is a space, `%XX` a byte).
 *
 * ### Examples
 * ```ts
 * unescapeCollectionName('a+b%2Fc'); // 'a b/c'
 * ```
 */
export function unescapeCollectionName(escaped: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < escaped.length; i++) {
    const c = escaped[i]!;
    if (c === '+') bytes.push(0x20);
    else if (c === '%' && /^[0-9A-Fa-f]{2}$/.test(escaped.slice(i + 1, i + 3))) {
      bytes.push(parseInt(escaped.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(...Buffer.from(c, 'utf8'));
  }
  return Buffer.from(bytes).toString('utf8');
}

/**
 * The file stem of a collection (without `.bson` / `.metadata.json`), as mongodump names it.
 *
 * ### Examples
 * ```ts
 * fileStem('orders'); // 'orders'
 * ```
 */
export function fileStem(name: string): string {
  const escaped = escapeCollectionName(name);
  if (escaped.length <= 238) return escaped;
  const hash = createHash('sha1').update(name, 'utf8').digest('base64url');
  return `${escaped.slice(0, 208)}%24${hash}`;
}

/**
 * The metadata file's content for a collection, as mongodump writes it (canonical Extended JSON,
 * fields in its order; `options` omitted when empty, `uuid` as 32 hex digits).
 *
 * ### Examples
 * ```ts
 * metadataJson({ name: 'orders', type: 'collection', options: {}, uuid: 'a1...', indexes });
 * ```
 */
export function metadataJson(c: { name: string; type: string; options: Document; uuid?: string; indexes: Document[] }): string {
  const doc: Document = {};
  if (Object.keys(c.options).length > 0) doc.options = c.options;
  doc.indexes = c.indexes;
  if (c.uuid) doc.uuid = c.uuid;
  doc.collectionName = c.name;
  doc.type = c.type;
  return BSON.EJSON.stringify(doc, { relaxed: false });
}

/** What a metadata file says, parsed. */
export interface DumpMetadata {
  /** Collection options. */
  options: Document;
  /** Index specifications. */
  indexes: Document[];
  /** The collection name, when the file records it (mongodump 3.6+). */
  collectionName?: string;
  /** `collection`, `view` or `timeseries` (inferred from the options when the file is older). */
  type: 'collection' | 'view' | 'timeseries';
  /** The UUID the collection had. */
  uuid?: string;
}

/**
 * Parses a metadata file (canonical or relaxed Extended JSON), keeping BSON types exactly
 * (`Int32`, `Double`...) so that options and index keys are sent back as they were.
 *
 * ### Examples
 * ```ts
 * const meta = parseMetadata(await readFile(path, 'utf8'));
 * ```
 */
export function parseMetadata(text: string): DumpMetadata {
  const doc = BSON.EJSON.parse(text, { relaxed: false }) as Document;
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new Error('metadata is not a JSON object');
  const options = (doc.options as Document | undefined) ?? {};
  const indexes = Array.isArray(doc.indexes) ? (doc.indexes as Document[]) : [];
  const declared = typeof doc.type === 'string' ? doc.type : undefined;
  const type = declared === 'view' || declared === 'timeseries' ? declared : options.viewOn !== undefined ? 'view' : options.timeseries !== undefined ? 'timeseries' : 'collection';
  return {
    options,
    indexes,
    collectionName: typeof doc.collectionName === 'string' ? doc.collectionName : undefined,
    type,
    uuid: typeof doc.uuid === 'string' ? doc.uuid : undefined,
  };
}

/** A framing error in a `.bson` stream, with the byte offset where it is. */
export class BsonFramingError extends Error {
  /** Offset of the bad document in the (uncompressed) stream. */
  readonly offset: number;

  /** Makes the error. */
  constructor(message: string, offset: number) {
    super(`${message} at byte ${offset}`);
    this.offset = offset;
  }
}

/**
 * Reads whole BSON documents from a stream of `.bson` bytes (already gunzipped), checking each
 * one's framing; memory holds at most one document plus one chunk.
 *
 * ### Examples
 * ```ts
 * for await (const doc of readBsonDocuments(createReadStream(path))) count++;
 * ```
 */
export async function* readBsonDocuments(stream: Readable | AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  let pending: Buffer = Buffer.alloc(0);
  let offset = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    let start = 0;
    while (pending.length - start >= 4) {
      const size = pending.readInt32LE(start);
      if (size < 5 || size > MAX_DOCUMENT_BYTES) throw new BsonFramingError(`invalid BSON document length ${size}`, offset);
      if (pending.length - start < size) break;
      if (pending[start + size - 1] !== 0) throw new BsonFramingError('BSON document does not end with a NUL byte', offset);
      yield pending.subarray(start, start + size);
      start += size;
      offset += size;
    }
    pending = pending.subarray(start);
  }
  if (pending.length > 0) throw new BsonFramingError(`truncated BSON document (${pending.length} trailing bytes)`, offset);
}
