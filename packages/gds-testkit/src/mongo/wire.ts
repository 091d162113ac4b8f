/**
 * The MongoDB wire protocol, as much of it as the official driver speaks to a server without
 * compression: OP_QUERY (only the first `hello`/`isMaster` handshake), OP_REPLY (its answer) and
 * OP_MSG (everything else). Messages are framed by their little-endian int32 length; OP_MSG
 * kind-1 sections (document sequences such as `insert`'s `documents`) are folded into the body.
 * Limits: no OP_COMPRESSED (the simulator never offers compression), no checksums (the driver
 * does not send them), no exhaust cursors.
 *
 * @module
 */
import { deserialize, serialize, type Document } from 'bson';

/** OP_REPLY. */
export const OP_REPLY = 1;
/** OP_QUERY. */
export const OP_QUERY = 2004;
/** OP_MSG. */
export const OP_MSG = 2013;
/** OP_MSG flag: the sender will not wait for a reply. */
export const MORE_TO_COME = 2;

/**
 * A request decoded from the wire.
 *
 * ### Examples
 * ```ts
 * const msg = decodeMessage(frame);
 * if (msg.opCode === OP_QUERY) console.log(msg.collection, msg.body);
 * ```
 */
export interface WireRequest {
  /** The sender's request id; the reply's `responseTo`. */
  requestId: number;
  /** OP_QUERY or OP_MSG. */
  opCode: number;
  /** The command document (OP_MSG sections folded in), decoded with bson's defaults. */
  body: Document;
  /** The raw BSON of each document of kind-1 sections, by identifier (exact bytes, for stores). */
  sequences: Record<string, Buffer[]>;
  /** The raw BSON of the body document. */
  rawBody: Buffer;
  /** OP_QUERY only: the full collection name (`admin.$cmd`). */
  collection?: string;
  /** OP_MSG flag bits. */
  flags: number;
}

/**
 * Splits complete messages off the front of `buffer`; returns them and what is left.
 *
 * ### Examples
 * ```ts
 * const { frames, rest } = splitFrames(pending);
 * ```
 */
export function splitFrames(buffer: Buffer): { frames: Buffer[]; rest: Buffer } {
  const frames: Buffer[] = [];
  let offset = 0;
  while (buffer.length - offset >= 4) {
    const length = buffer.readInt32LE(offset);
    if (length < 16) throw new Error(`invalid message length ${length}`);
    if (buffer.length - offset < length) break;
    frames.push(buffer.subarray(offset, offset + length));
    offset += length;
  }
  return { frames, rest: buffer.subarray(offset) };
}

function readCString(buffer: Buffer, offset: number): { value: string; next: number } {
  const end = buffer.indexOf(0, offset);
  if (end < 0) throw new Error('unterminated cstring');
  return { value: buffer.toString('utf8', offset, end), next: end + 1 };
}

function readDocument(buffer: Buffer, offset: number): { raw: Buffer; next: number } {
  const size = buffer.readInt32LE(offset);
  if (size < 5 || offset + size > buffer.length) throw new Error(`invalid BSON document size ${size}`);
  return { raw: buffer.subarray(offset, offset + size), next: offset + size };
}

/**
 * Decodes one framed message (OP_QUERY or OP_MSG).
 *
 * ### Examples
 * ```ts
 * const req = decodeMessage(frame); // { opCode: 2013, body: { ping: 1, $db: 'admin' }, ... }
 * ```
 */
export function decodeMessage(frame: Buffer): WireRequest {
  const requestId = frame.readInt32LE(4);
  const opCode = frame.readInt32LE(12);
  if (opCode === OP_QUERY) {
    const flags = frame.readInt32LE(16);
    const name = readCString(frame, 20);
    const doc = readDocument(frame, name.next + 8);
    return { requestId, opCode, body: deserialize(doc.raw), rawBody: doc.raw, sequences: {}, collection: name.value, flags };
  }
  if (opCode !== OP_MSG) throw new Error(`unsupported opCode ${opCode}`);
  const flags = frame.readUInt32LE(16);
  let offset = 20;
  const end = flags & 1 ? frame.length - 4 : frame.length;
  let rawBody: Buffer | undefined;
  const sequences: Record<string, Buffer[]> = {};
  while (offset < end) {
    const kind = frame.readUInt8(offset);
    offset += 1;
    if (kind === 0) {
      const doc = readDocument(frame, offset);
      rawBody = doc.raw;
      offset = doc.next;
    } else if (kind === 1) {
      const size = frame.readInt32LE(offset);
      const sectionEnd = offset + size;
      const id = readCString(frame, offset + 4);
      let p = id.next;
      const docs: Buffer[] = [];
      while (p < sectionEnd) {
        const doc = readDocument(frame, p);
        docs.push(doc.raw);
        p = doc.next;
      }
      sequences[id.value] = docs;
      offset = sectionEnd;
    } else {
      throw new Error(`unsupported OP_MSG section kind ${kind}`);
    }
  }
  if (!rawBody) throw new Error('OP_MSG without a body section');
  const body = deserialize(rawBody);
  for (const [id, docs] of Object.entries(sequences)) body[id] = docs.map((d) => deserialize(d));
  return { requestId, opCode, body, rawBody, sequences, flags };
}

function header(length: number, requestId: number, responseTo: number, opCode: number): Buffer {
  const h = Buffer.alloc(16);
  h.writeInt32LE(length, 0);
  h.writeInt32LE(requestId, 4);
  h.writeInt32LE(responseTo, 8);
  h.writeInt32LE(opCode, 12);
  return h;
}

/**
 * Encodes an OP_MSG reply with one body section (a document, or its BSON bytes as they are).
 *
 * ### Examples
 * ```ts
 * socket.write(encodeMsg({ ok: 1 }, 7, req.requestId));
 * ```
 */
export function encodeMsg(doc: Document | Uint8Array, requestId: number, responseTo: number): Buffer {
  const body = doc instanceof Uint8Array ? doc : serialize(doc);
  const flags = Buffer.alloc(5); // flagBits 0, then section kind 0
  return Buffer.concat([header(16 + 5 + body.length, requestId, responseTo, OP_MSG), flags, body]);
}

/**
 * Encodes an OP_REPLY carrying one document (the answer to the OP_QUERY handshake).
 *
 * ### Examples
 * ```ts
 * socket.write(encodeReply(helloDoc, 1, req.requestId));
 * ```
 */
export function encodeReply(doc: Document, requestId: number, responseTo: number): Buffer {
  const body = serialize(doc);
  const fixed = Buffer.alloc(20); // responseFlags, cursorID (int64), startingFrom, numberReturned
  fixed.writeInt32LE(1, 16);
  return Buffer.concat([header(16 + 20 + body.length, requestId, responseTo, OP_REPLY), fixed, body]);
}

/**
 * Encodes an OP_MSG request (what a driver sends): used by the simulator's own tests.
 *
 * ### Examples
 * ```ts
 * socket.write(encodeRequest({ ping: 1, $db: 'admin' }, 1));
 * ```
 */
export function encodeRequest(doc: Document, requestId: number, sequences: Record<string, Document[]> = {}): Buffer {
  const parts: Uint8Array[] = [Buffer.alloc(4), Buffer.from([0]), serialize(doc)];
  for (const [id, docs] of Object.entries(sequences)) {
    const payload = Buffer.concat([Buffer.from(`${id}\u0000`, 'utf8'), ...docs.map((d) => serialize(d))]);
    const size = Buffer.alloc(4);
    size.writeInt32LE(payload.length + 4, 0);
    parts.push(Buffer.from([1]), size, payload);
  }
  const rest = Buffer.concat(parts);
  return Buffer.concat([header(16 + rest.length, requestId, 0, OP_MSG), rest]);
}

/**
 * Encodes an OP_QUERY request (the legacy handshake): used by the simulator's own tests.
 *
 * ### Examples
 * ```ts
 * socket.write(encodeQuery('admin.$cmd', { isMaster: 1 }, 1));
 * ```
 */
export function encodeQuery(collection: string, doc: Document, requestId: number): Buffer {
  const name = Buffer.from(`${collection}\u0000`, 'utf8');
  const fixed = Buffer.alloc(4);
  const counts = Buffer.alloc(8);
  counts.writeInt32LE(-1, 4);
  const body = serialize(doc);
  const rest = Buffer.concat([fixed, name, counts, body]);
  return Buffer.concat([header(16 + rest.length, requestId, 0, OP_QUERY), rest]);
}

/**
 * Decodes a reply (OP_MSG or OP_REPLY) into its first document: used by the simulator's own tests.
 *
 * ### Examples
 * ```ts
 * const { responseTo, doc } = decodeReply(frame);
 * ```
 */
export function decodeReply(frame: Buffer): { responseTo: number; opCode: number; doc: Document } {
  const responseTo = frame.readInt32LE(8);
  const opCode = frame.readInt32LE(12);
  const offset = opCode === OP_REPLY ? 36 : 21;
  return { responseTo, opCode, doc: deserialize(readDocument(frame, offset).raw) };
}

const ELEMENT_DOCUMENT = 0x03;
const ELEMENT_ARRAY = 0x04;

function cstring(name: string): Buffer {
  return Buffer.from(`${name}\u0000`, 'utf8');
}

function frameDocument(parts: Uint8Array[]): Buffer {
  const content = Buffer.concat(parts);
  const out = Buffer.alloc(content.length + 5);
  out.writeInt32LE(out.length, 0);
  content.copy(out, 4);
  return out;
}

/** The elements of a serialized document (its bytes without the length prefix and the final NUL). */
function elementsOf(doc: Document): Buffer {
  const bytes = Buffer.from(serialize(doc));
  return bytes.subarray(4, bytes.length - 1);
}

/**
 * A cursor reply (`{ cursor: { <batchKey>: [...], ...rest }, ok: 1 }`) whose batch holds documents
 * as raw BSON, byte for byte (bson's decode/encode would change DBPointer, undefined, -0.0...).
 *
 * ### Examples
 * ```ts
 * const reply = rawCursorReply('firstBatch', storedBytes, { id: Long.ZERO, ns: 'app.orders' });
 * socket.write(encodeMsg(reply, 2, req.requestId));
 * ```
 */
export function rawCursorReply(batchKey: 'firstBatch' | 'nextBatch', docs: readonly Uint8Array[], rest: Document, extra: Document = {}): Buffer {
  const batch = frameDocument(docs.flatMap((d, i) => [Buffer.from([ELEMENT_DOCUMENT]), cstring(String(i)), d]));
  const cursor = frameDocument([Buffer.from([ELEMENT_ARRAY]), cstring(batchKey), batch, elementsOf(rest)]);
  return frameDocument([Buffer.from([ELEMENT_DOCUMENT]), cstring('cursor'), cursor, elementsOf({ ...extra, ok: 1 })]);
}
