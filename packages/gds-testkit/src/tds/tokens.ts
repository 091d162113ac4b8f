/**
 * Builders of the server tokens the simulator sends (TDS 7.4): PRELOGIN reply, LOGINACK,
 * ENVCHANGE, INFO, ERROR, COLMETADATA, ROW, RETURNSTATUS and the DONE family. Limits: no
 * NBCROW, ORDER, RETURNVALUE or FEATUREEXTACK tokens.
 *
 * @module
 */
import { encodeValue, typeInfo, type ResolvedColumn, type TdsValue } from './values.js';

/** DONE status bits. */
export const DoneStatus = Object.freeze({ FINAL: 0x00, MORE: 0x01, ERROR: 0x02, COUNT: 0x10, ATTN: 0x20 } as const);

const TOKEN = Object.freeze({
  COLMETADATA: 0x81,
  ERROR: 0xaa,
  INFO: 0xab,
  LOGINACK: 0xad,
  ROW: 0xd1,
  ENVCHANGE: 0xe3,
  RETURNSTATUS: 0x79,
  DONE: 0xfd,
  DONEPROC: 0xfe,
  DONEINPROC: 0xff,
} as const);

/** A B_VARCHAR: one byte of length in characters, then UCS-2. */
export function bVarchar(text: string): Buffer {
  const data = Buffer.from(text, 'utf16le');
  return Buffer.concat([Buffer.from([text.length]), data]);
}

/** A US_VARCHAR: two bytes of length in characters, then UCS-2. */
export function usVarchar(text: string): Buffer {
  const head = Buffer.alloc(2);
  head.writeUInt16LE(text.length);
  return Buffer.concat([head, Buffer.from(text, 'utf16le')]);
}

function withLength(token: number, body: Buffer): Buffer {
  const head = Buffer.alloc(3);
  head.writeUInt8(token, 0);
  head.writeUInt16LE(body.length, 1);
  return Buffer.concat([head, body]);
}

/**
 * The PRELOGIN reply: version, ENCRYPTION=NOT_SUP, no instance, no thread id, MARS off.
 *
 * ### Examples
 * ```ts
 * socket.write(packets(PacketType.TABULAR_RESULT, preloginReply([16, 0, 4135]), true));
 * ```
 */
export function preloginReply(version: readonly [number, number, number] = [16, 0, 4135]): Buffer {
  const options: Array<[number, Buffer]> = [
    [0x00, Buffer.from([version[0], version[1], (version[2] >> 8) & 0xff, version[2] & 0xff, 0, 0])],
    [0x01, Buffer.from([0x02])],
    [0x02, Buffer.from([0x00])],
    [0x03, Buffer.alloc(0)],
    [0x04, Buffer.from([0x00])],
  ];
  const headerSize = options.length * 5 + 1;
  const header = Buffer.alloc(headerSize);
  let dataOffset = headerSize;
  options.forEach(([token, data], i) => {
    header.writeUInt8(token, i * 5);
    header.writeUInt16BE(dataOffset, i * 5 + 1);
    header.writeUInt16BE(data.length, i * 5 + 3);
    dataOffset += data.length;
  });
  header.writeUInt8(0xff, headerSize - 1);
  return Buffer.concat([header, ...options.map(([, d]) => d)]);
}

/** An ENVCHANGE token with string values (database 1, language 2, packet size 4). */
export function envChange(type: number, newValue: string, oldValue: string): Buffer {
  return withLength(TOKEN.ENVCHANGE, Buffer.concat([Buffer.from([type]), bVarchar(newValue), bVarchar(oldValue)]));
}

/** An ENVCHANGE token with binary values (SQL collation 7: the 5 collation bytes). */
export function envChangeBytes(type: number, newValue: Buffer, oldValue: Buffer = Buffer.alloc(0)): Buffer {
  return withLength(TOKEN.ENVCHANGE, Buffer.concat([Buffer.from([type, newValue.length]), newValue, Buffer.from([oldValue.length]), oldValue]));
}

/** LOGINACK for TDS 7.4 (0x74000004) and SQL Server `version`. */
export function loginAck(version: readonly [number, number, number] = [16, 0, 4135]): Buffer {
  const tds = Buffer.alloc(4);
  tds.writeUInt32BE(0x74000004);
  const ver = Buffer.from([version[0], version[1], (version[2] >> 8) & 0xff, version[2] & 0xff]);
  return withLength(TOKEN.LOGINACK, Buffer.concat([Buffer.from([1]), tds, bVarchar('Microsoft SQL Server'), ver]));
}

/** What an INFO or ERROR token carries. */
export interface ServerMessage {
  /** The message number (e.g. 3211 for backup progress, 18456 for a failed login). */
  number: number;
  /** The text. */
  message: string;
  /** State (default 1). */
  state?: number;
  /** Severity class: INFO below 11, ERROR 11 and up (default 0 for INFO, 16 for ERROR). */
  class?: number;
  /** Server name (default 'gds-tds-sim'). */
  serverName?: string;
  /** Procedure name (default empty). */
  procName?: string;
  /** Line number (default 1). */
  lineNumber?: number;
}

function messageToken(token: number, m: ServerMessage, defaultClass: number): Buffer {
  const head = Buffer.alloc(6);
  head.writeInt32LE(m.number, 0);
  head.writeUInt8(m.state ?? 1, 4);
  head.writeUInt8(m.class ?? defaultClass, 5);
  const line = Buffer.alloc(4);
  line.writeUInt32LE(m.lineNumber ?? 1);
  return withLength(token, Buffer.concat([head, usVarchar(m.message), bVarchar(m.serverName ?? 'gds-tds-sim'), bVarchar(m.procName ?? ''), line]));
}

/** An INFO token (tedious emits `infoMessage`). */
export function info(m: ServerMessage): Buffer {
  return messageToken(TOKEN.INFO, m, 0);
}

/** An ERROR token (tedious fails the request with a RequestError carrying number and class). */
export function error(m: ServerMessage): Buffer {
  return messageToken(TOKEN.ERROR, m, 16);
}

/** COLMETADATA for `columns` (every column nullable). */
export function colMetadata(columns: readonly ResolvedColumn[]): Buffer {
  const head = Buffer.alloc(3);
  head.writeUInt8(TOKEN.COLMETADATA, 0);
  head.writeUInt16LE(columns.length, 1);
  const parts: Buffer[] = [head];
  for (const c of columns) {
    const fixed = Buffer.alloc(6);
    fixed.writeUInt32LE(0, 0); // user type
    fixed.writeUInt16LE(0x0001, 4); // nullable
    parts.push(fixed, typeInfo(c), bVarchar(c.name));
  }
  return Buffer.concat(parts);
}

/** A ROW token; date/time values in the server's local time (`utcOffsetMinutes`). */
export function row(columns: readonly ResolvedColumn[], values: ReadonlyArray<TdsValue>, utcOffsetMinutes = 0): Buffer {
  return Buffer.concat([Buffer.from([TOKEN.ROW]), ...columns.map((c, i) => encodeValue(c, values[i], utcOffsetMinutes))]);
}

/** A RETURNSTATUS token (the return value of a procedure). */
export function returnStatus(value: number): Buffer {
  const b = Buffer.alloc(5);
  b.writeUInt8(TOKEN.RETURNSTATUS, 0);
  b.writeInt32LE(value, 1);
  return b;
}

function doneToken(token: number, status: number, rowCount: number, curCmd: number): Buffer {
  const b = Buffer.alloc(13);
  b.writeUInt8(token, 0);
  b.writeUInt16LE(status, 1);
  b.writeUInt16LE(curCmd, 3);
  b.writeBigUInt64LE(BigInt(rowCount), 5);
  return b;
}

/** A DONE token (end of a statement of a batch). */
export function done(status: number, rowCount = 0, curCmd = 0xc1): Buffer {
  return doneToken(TOKEN.DONE, status, rowCount, curCmd);
}

/** A DONEINPROC token (end of a statement inside a procedure). */
export function doneInProc(status: number, rowCount = 0, curCmd = 0xc1): Buffer {
  return doneToken(TOKEN.DONEINPROC, status, rowCount, curCmd);
}

/** A DONEPROC token (end of an RPC). */
export function doneProc(status: number, rowCount = 0, curCmd = 0xe0): Buffer {
  return doneToken(TOKEN.DONEPROC, status, rowCount, curCmd);
}
