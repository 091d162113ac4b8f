/**
 * Reading `mongodump --archive` files (plain, or the whole stream gzipped with `--gzip`), as
 * mongo-tools common/archive/spec.md describes them:
 *
 *   magic 0x8199e26d (little-endian), a header document (`version`, `server_version`,
 *   `tool_version`, `concurrent_collections`), one metadata document per collection (`db`,
 *   `collection`, `metadata`: the metadata.json text, `size`), the terminator 0xffffffff; then
 *   namespace segments (a header `{ db, collection, EOF: false, CRC }`, documents, terminator),
 *   interleaved between collections, and one `{ EOF: true, CRC }` header plus terminator per
 *   collection at its end.
 *
 * {@link readArchive} streams it, yielding each document with its namespace, with memory
 * bounded by one document; it checks the framing and that every namespace with data ends with
 * its EOF header. The CRC-64 of each namespace is not checked (the framing and a full decode
 * are).
 *
 * @module
 */
import type { Readable } from 'node:stream';
import { BSON, type Document } from 'mongodb';
import { BsonFramingError, MAX_DOCUMENT_BYTES } from './mongodb-dump-layout.js';

/** The archive's magic number as its first four bytes. */
export const ARCHIVE_MAGIC = Buffer.from([0x6d, 0xe2, 0x99, 0x81]);
/** The first two bytes of a gzip stream. */
export const GZIP_MAGIC = Buffer.from([0x1f, 0x8b]);

/** A collection as an archive's prelude describes it. */
export interface ArchiveCollection {
  /** Its database. */
  db: string;
  /** Its name. */
  collection: string;
  /** The metadata.json text (canonical Extended JSON). */
  metadata: string;
  /** Uncompressed size of its documents, in bytes. */
  size: number;
}

/** What {@link readArchive} yields. */
export type ArchiveItem =
  | { kind: 'header'; header: Document }
  | { kind: 'collection'; collection: ArchiveCollection }
  | { kind: 'document'; db: string; collection: string; raw: Buffer }
  | { kind: 'eof'; db: string; collection: string };

/** The framing of an archive: documents, or the 0xffffffff terminator. */
async function* frames(stream: Readable | AsyncIterable<Buffer>): AsyncGenerator<Buffer | 'terminator'> {
  let pending: Buffer = Buffer.alloc(0);
  let offset = 0;
  let magic = false;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    let start = 0;
    if (!magic) {
      if (pending.length < 4) continue;
      if (!pending.subarray(0, 4).equals(ARCHIVE_MAGIC)) throw new BsonFramingError('not a mongodump archive (no magic number)', 0);
      magic = true;
      start = 4;
      offset = 4;
    }
    while (pending.length - start >= 4) {
      const size = pending.readInt32LE(start);
      if (size === -1) {
        start += 4;
        offset += 4;
        yield 'terminator';
        continue;
      }
      if (size < 5 || size > MAX_DOCUMENT_BYTES) throw new BsonFramingError(`invalid BSON document length ${size}`, offset);
      if (pending.length - start < size) break;
      if (pending[start + size - 1] !== 0) throw new BsonFramingError('BSON document does not end with a NUL byte', offset);
      yield pending.subarray(start, start + size);
      start += size;
      offset += size;
    }
    pending = pending.subarray(start);
  }
  if (!magic) throw new BsonFramingError('not a mongodump archive (too short)', 0);
  if (pending.length > 0) throw new BsonFramingError(`truncated archive (${pending.length} trailing bytes)`, offset);
}

/**
 * Streams a (gunzipped) archive: the header, the collections of the prelude, then every
 * document with its namespace and an `eof` per namespace; throws BsonFramingError on bad framing.
 *
 * ### Examples
 * ```ts
 * for await (const item of readArchive(createReadStream(path))) if (item.kind === 'document') count++;
 * ```
 */
export async function* readArchive(stream: Readable | AsyncIterable<Buffer>): AsyncGenerator<ArchiveItem> {
  let phase: 'header' | 'prelude' | 'segment-header' | 'segment' | 'eof-terminator' = 'header';
  let current: { db: string; collection: string } | undefined;
  const open = new Set<string>();
  const ended = new Set<string>();
  for await (const frame of frames(stream)) {
    if (frame === 'terminator') {
      if (phase === 'prelude') phase = 'segment-header';
      else if (phase === 'segment' || phase === 'eof-terminator') phase = 'segment-header';
      else throw new BsonFramingError(`unexpected terminator (${phase})`, 0);
      continue;
    }
    const doc = BSON.deserialize(frame);
    switch (phase) {
      case 'header':
        yield { kind: 'header', header: doc };
        phase = 'prelude';
        break;
      case 'prelude':
        yield { kind: 'collection', collection: { db: String(doc.db ?? ''), collection: String(doc.collection ?? ''), metadata: String(doc.metadata ?? ''), size: Number(doc.size ?? 0) } };
        break;
      case 'segment-header': {
        current = { db: String(doc.db ?? ''), collection: String(doc.collection ?? '') };
        const key = `${current.db}.${current.collection}`;
        if (doc.EOF === true) {
          ended.add(key);
          open.delete(key);
          yield { kind: 'eof', ...current };
          phase = 'eof-terminator';
        } else {
          if (ended.has(key)) throw new BsonFramingError(`data for ${key} after its end`, 0);
          open.add(key);
          phase = 'segment';
        }
        break;
      }
      case 'segment':
        yield { kind: 'document', db: current!.db, collection: current!.collection, raw: frame };
        break;
      default:
        throw new BsonFramingError('a document where a terminator belongs', 0);
    }
  }
  if (phase === 'header' || phase === 'prelude') throw new BsonFramingError('truncated archive (no end of the prelude)', 0);
  if (phase === 'segment') throw new BsonFramingError(`truncated archive (segment of ${current!.db}.${current!.collection} not terminated)`, 0);
  if (open.size) throw new BsonFramingError(`truncated archive (no end for ${[...open].join(', ')})`, 0);
}
