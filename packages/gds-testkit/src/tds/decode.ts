/**
 * Decoding of client requests for the simulator: LOGIN7 (user, database, application and the
 * de-obfuscated password, so scripts can refuse a login), SQL_BATCH text, and RPC calls with
 * their parameters (sp_executesql's `@statement`, `@params` and values). Limits: RPC parameter
 * types int/bigint/smallint/tinyint, bit, float, (n)varchar/(n)char incl. max, (var)binary,
 * decimal/numeric, uniqueidentifier, date, datetime, datetime2 and datetimeoffset; anything
 * else is an error the simulator reports back to the client.
 *
 * @module
 */

/** What a LOGIN7 message said. */
export interface Login7 {
  /** The login name. */
  user: string;
  /** The password, de-obfuscated (the simulator only compares it, never prints it). */
  password: string;
  /** The database asked for, or '' for the login's default. */
  database: string;
  /** The application name. */
  appName: string;
  /** The server name the client dialled. */
  serverName: string;
}

/** A decoded RPC parameter value. */
export type RpcValue = null | number | bigint | string | boolean | Date | Buffer;

/** A decoded RPC call. */
export interface RpcCall {
  /** The procedure id (10 = sp_executesql) or undefined when called by name. */
  procId: number | undefined;
  /** The procedure name when called by name. */
  procName: string | undefined;
  /** Parameters in order, names with their `@`. */
  params: Array<{ name: string; value: RpcValue; output: boolean }>;
}

function ucs2(buf: Buffer, offset: number, chars: number): string {
  return buf.toString('utf16le', offset, offset + chars * 2);
}

/**
 * Decodes a LOGIN7 payload.
 *
 * ### Examples
 * ```ts
 * const login = decodeLogin7(message.payload);
 * if (login.password !== expected) refuse();
 * ```
 */
export function decodeLogin7(payload: Buffer): Login7 {
  const field = (at: number) => ({ offset: payload.readUInt16LE(at), length: payload.readUInt16LE(at + 2) });
  const read = (at: number) => {
    const f = field(at);
    return ucs2(payload, f.offset, f.length);
  };
  const pw = field(44);
  const raw = Buffer.from(payload.subarray(pw.offset, pw.offset + pw.length * 2));
  for (let i = 0; i < raw.length; i++) {
    const b = (raw[i] ?? 0) ^ 0xa5;
    raw[i] = ((b << 4) & 0xf0) | ((b >> 4) & 0x0f);
  }
  return { user: read(40), password: raw.toString('utf16le'), appName: read(48), serverName: read(52), database: read(68) };
}

function skipAllHeaders(payload: Buffer): number {
  if (payload.length < 4) return 0;
  const total = payload.readUInt32LE(0);
  // ALL_HEADERS is present from TDS 7.2: its total length covers itself (at least 4 + one header)
  return total >= 4 && total <= payload.length ? total : 0;
}

/**
 * Decodes a SQL_BATCH payload into its text.
 *
 * ### Examples
 * ```ts
 * decodeSqlBatch(message.payload); // 'select 1'
 * ```
 */
export function decodeSqlBatch(payload: Buffer): string {
  return payload.toString('utf16le', skipAllHeaders(payload));
}

class Cursor {
  constructor(
    readonly buf: Buffer,
    public at: number,
  ) {}
  u8(): number {
    return this.buf.readUInt8(this.at++);
  }
  u16(): number {
    const v = this.buf.readUInt16LE(this.at);
    this.at += 2;
    return v;
  }
  u32(): number {
    const v = this.buf.readUInt32LE(this.at);
    this.at += 4;
    return v;
  }
  bytes(n: number): Buffer {
    const b = this.buf.subarray(this.at, this.at + n);
    if (b.length < n) throw new Error('simulator: RPC payload ends inside a parameter');
    this.at += n;
    return b;
  }
  done(): boolean {
    return this.at >= this.buf.length;
  }
}

const DAY_MS = 86_400_000;
const YEAR_ONE = (() => {
  const d = new Date(0);
  d.setUTCFullYear(1, 0, 1);
  return d.getTime();
})();

function timeBytes(scale: number): number {
  return scale <= 2 ? 3 : scale <= 4 ? 4 : 5;
}

function readPlp(c: Cursor): Buffer | null {
  const total = c.buf.readBigUInt64LE(c.at);
  c.at += 8;
  if (total === 0xffffffffffffffffn) return null;
  const parts: Buffer[] = [];
  for (;;) {
    const n = c.u32();
    if (n === 0) break;
    parts.push(c.bytes(n));
  }
  return Buffer.concat(parts);
}

function readIntN(data: Buffer): number | bigint {
  switch (data.length) {
    case 1:
      return data.readUInt8(0);
    case 2:
      return data.readInt16LE(0);
    case 4:
      return data.readInt32LE(0);
    default: {
      const v = data.readBigInt64LE(0);
      return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
    }
  }
}

function readDecimal(data: Buffer, scale: number): string {
  let magnitude = 0n;
  for (let i = data.length - 1; i >= 1; i--) magnitude = (magnitude << 8n) | BigInt(data[i] ?? 0);
  const digits = magnitude.toString().padStart(scale + 1, '0');
  const text = scale > 0 ? `${digits.slice(0, -scale)}.${digits.slice(-scale)}` : digits;
  return data[0] === 1 ? text : `-${text}`;
}

function readGuid(d: Buffer): string {
  const hex = Buffer.concat([Buffer.from(d.subarray(0, 4)).reverse(), Buffer.from(d.subarray(4, 6)).reverse(), Buffer.from(d.subarray(6, 8)).reverse(), d.subarray(8, 16)]).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`.toUpperCase();
}

function readDate3(d: Buffer, offset: number): number {
  return YEAR_ONE + d.readUIntLE(offset, 3) * DAY_MS;
}

function readValue(c: Cursor): RpcValue {
  const type = c.u8();
  switch (type) {
    case 0x26: // INTN
    case 0x68: // BITN
    case 0x6d: // FLTN
    case 0x24: // GUID
    case 0x6f: {
      // DATETIMN
      c.u8();
      const len = c.u8();
      if (len === 0) return null;
      const d = c.bytes(len);
      if (type === 0x26) return readIntN(d);
      if (type === 0x68) return d[0] === 1;
      if (type === 0x6d) return len === 4 ? d.readFloatLE(0) : d.readDoubleLE(0);
      if (type === 0x24) return readGuid(d);
      if (len === 4) return new Date(Date.UTC(1900, 0, 1) + d.readUInt16LE(0) * DAY_MS + d.readUInt16LE(2) * 60_000);
      return new Date(Date.UTC(1900, 0, 1) + d.readInt32LE(0) * DAY_MS + Math.round((d.readUInt32LE(4) * 1000) / 300));
    }
    case 0x6a: // DECIMALN
    case 0x6c: {
      // NUMERICN
      c.u8();
      c.u8();
      const scale = c.u8();
      const len = c.u8();
      return len === 0 ? null : readDecimal(c.bytes(len), scale);
    }
    case 0x28: {
      // DATEN
      const len = c.u8();
      return len === 0 ? null : new Date(readDate3(c.bytes(len), 0));
    }
    case 0x2a: // DATETIME2N
    case 0x2b: {
      // DATETIMEOFFSETN
      const scale = c.u8();
      const len = c.u8();
      if (len === 0) return null;
      const d = c.bytes(len);
      const tb = timeBytes(scale);
      const ticks = d.readUIntLE(0, tb);
      const ms = (ticks / 10 ** scale) * 1000;
      return new Date(readDate3(d, tb) + ms);
    }
    case 0xe7: // NVARCHAR
    case 0xef: // NCHAR
    case 0xa7: // VARCHAR
    case 0xaf: // CHAR
    case 0xa5: // VARBINARY
    case 0xad: {
      // BINARY
      const max = c.u16();
      if (type !== 0xa5 && type !== 0xad) c.bytes(5); // collation
      let data: Buffer | null;
      if (max === 0xffff) data = readPlp(c);
      else {
        const len = c.u16();
        data = len === 0xffff ? null : c.bytes(len);
      }
      if (data === null) return null;
      if (type === 0xe7 || type === 0xef) return data.toString('utf16le');
      if (type === 0xa7 || type === 0xaf) return data.toString('latin1');
      return Buffer.from(data);
    }
    default:
      throw new Error(`simulator: RPC parameter type 0x${type.toString(16)} is not supported`);
  }
}

/**
 * Decodes an RPC payload: the procedure and each parameter's name and value.
 *
 * ### Examples
 * ```ts
 * const call = decodeRpc(message.payload);
 * call.procId; // 10 (sp_executesql)
 * ```
 */
export function decodeRpc(payload: Buffer): RpcCall {
  const c = new Cursor(payload, skipAllHeaders(payload));
  const nameLength = c.u16();
  let procId: number | undefined;
  let procName: string | undefined;
  if (nameLength === 0xffff) procId = c.u16();
  else procName = c.bytes(nameLength * 2).toString('utf16le');
  c.u16(); // option flags
  const params: RpcCall['params'] = [];
  while (!c.done()) {
    const len = c.u8();
    const name = c.bytes(len * 2).toString('utf16le');
    const status = c.u8();
    params.push({ name, value: readValue(c), output: (status & 0x01) === 0x01 });
  }
  return { procId, procName, params };
}
