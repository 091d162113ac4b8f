/**
 * Inserting documents as the BSON bytes of a dump, byte for byte: the `insert` command with its
 * `documents` sent as an OP_MSG document sequence (kind-1 section) made of the raw bytes, through
 * the driver's own `DocumentSequence` (the class its bulk writes use; gds's one use of a driver
 * internal, see mongodb-driver-internals.d.ts). Decoding and re-encoding would change documents:
 * the bson library turns DBPointer into DBRef and cannot write BSON `undefined`.
 *
 * A batch holding a top-level `Timestamp(0, 0)` is sent with `bypassEmptyTsReplacement: true`
 * (MongoDB 5.0+), as mongorestore does, or the server would replace it with the current time
 * (mongodb/mongo src/mongo/db/ops/insert.cpp, fixDocumentForInsert).
 *
 * @module
 */
import { BSON, type Document } from 'mongodb';
import { DocumentSequence } from 'mongodb/lib/cmap/commands.js';
import type { MongoDBConnection } from './mongodb-connection.js';

const TIMESTAMP = 0x11;

/**
 * Whether a raw document has a top-level `Timestamp(0, 0)` (which the server replaces on insert).
 *
 * ### Examples
 * ```ts
 * hasEmptyTimestamp(BSON.serialize({ t: new BSON.Timestamp({ t: 0, i: 0 }) })); // true
 * ```
 */
export function hasEmptyTimestamp(raw: Uint8Array): boolean {
  if (!raw.includes(TIMESTAMP)) return false;
  const doc = BSON.deserialize(raw, { promoteValues: false });
  return Object.values(doc).some((v) => v instanceof BSON.Timestamp && v.high === 0 && v.low === 0);
}

/** Options of {@link insertRaw}. */
export interface RawInsertOptions {
  /** Cancels the insert. */
  signal?: AbortSignal;
  /** Send `bypassDocumentValidation: true`. */
  bypassDocumentValidation?: boolean;
  /** Whether the server knows `bypassEmptyTsReplacement` (5.0+). */
  emptyTimestampBypass: boolean;
}

/** The command document of a raw insert, as dry runs and the catalog show it (documents elided). */
export function rawInsertCommand(collection: string, count: number, options: { bypassDocumentValidation?: boolean; bypassEmptyTsReplacement?: boolean }): Document {
  return {
    insert: collection,
    documents: `<${count} raw BSON document(s)>`,
    ordered: true,
    ...(options.bypassDocumentValidation ? { bypassDocumentValidation: true } : {}),
    ...(options.bypassEmptyTsReplacement ? { bypassEmptyTsReplacement: true } : {}),
  };
}

/**
 * Inserts `docs` (BSON bytes) into `db.collection` in one ordered `insert`; rejects on the first
 * write error (the driver's runCommand does not).
 *
 * ### Examples
 * ```ts
 * await insertRaw(conn, 'app', 'orders', rawDocs, { emptyTimestampBypass: true });
 * ```
 */
export async function insertRaw(conn: MongoDBConnection, db: string, collection: string, docs: readonly Uint8Array[], options: RawInsertOptions): Promise<number> {
  const sequence = new DocumentSequence('documents');
  let emptyTs = false;
  for (const raw of docs) {
    sequence.push({}, raw);
    if (options.emptyTimestampBypass && !emptyTs) emptyTs = hasEmptyTimestamp(raw);
  }
  const command: Document = { insert: collection, documents: sequence, ordered: true };
  if (options.bypassDocumentValidation) command.bypassDocumentValidation = true;
  if (emptyTs) command.bypassEmptyTsReplacement = true;
  const reply = await conn.command(db, command, { signal: options.signal });
  const errors = reply.writeErrors as Array<{ index: number; code: number; errmsg: string }> | undefined;
  if (errors?.length) {
    const first = errors[0]!;
    throw Object.assign(new Error(`insert into ${db}.${collection}: document ${first.index} of the batch: ${first.errmsg}`), { code: first.code, codeName: 'WriteError' });
  }
  if (reply.writeConcernError) throw Object.assign(new Error(`insert into ${db}.${collection}: ${String((reply.writeConcernError as Document).errmsg)}`), { code: (reply.writeConcernError as Document).code });
  return Number(reply.n ?? docs.length);
}
