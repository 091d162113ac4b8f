/**
 * Column types and values of the simulator's result sets: the TYPE_INFO of each supported type
 * in COLMETADATA and the encoding of one value in a ROW token (TDS 7.4 layouts, as tedious's
 * metadata and value parsers read them). Limits: only the types below; nvarchar columns become
 * nvarchar(max) (PLP-encoded) when a value is longer than 4000 characters.
 *
 * Time: a scripted Date is an instant. `datetime` and `datetime2` carry no zone, and SQL Server
 * fills them with its own local time (sys.databases.create_date, msdb's backup dates,
 * HEADERONLY's BackupStartDate), so they are sent as the wall clock of the server's UTC offset
 * (`utcOffsetMinutes`, 0 by default); `datetimeoffset` is sent as the instant with that offset.
 *
 * @module
 */

/**
 * The column types the simulator can return.
 *
 * ### Examples
 * ```ts
 * const column: TdsColumn = { name: 'size_kb', type: 'bigint' };
 * ```
 */
export type TdsType =
  | 'int'
  | 'bigint'
  | 'smallint'
  | 'tinyint'
  | 'bit'
  | 'float'
  | 'nvarchar'
  | 'decimal'
  | 'datetime2'
  | 'datetime'
  | 'datetimeoffset'
  | 'uniqueidentifier'
  | 'varbinary';

/**
 * A value in a simulated row. `bigint` and numbers go to integer, float or decimal columns,
 * strings to nvarchar, decimal (as text) and uniqueidentifier columns.
 *
 * ### Examples
 * ```ts
 * const row: TdsValue[] = [1, 'app', true, new Date(), null];
 * ```
 */
export type TdsValue = null | number | bigint | string | boolean | Date | Buffer;

/**
 * A column of a simulated result set.
 *
 * ### Examples
 * ```ts
 * const c: TdsColumn = { name: 'amount', type: 'decimal', precision: 18, scale: 2 };
 * ```
 */
export interface TdsColumn {
  /** The column name tedious reports. */
  name: string;
  /** Its type; inferred from the first non-null value when omitted. */
  type?: TdsType;
  /** Decimal precision (default 38). */
  precision?: number;
  /** Decimal scale (default 0 for integers, else 6). */
  scale?: number;
}

/** A column with its type settled. */
export interface ResolvedColumn {
  name: string;
  type: TdsType;
  precision: number;
  scale: number;
  /** nvarchar(max) / varbinary(max): values are PLP-encoded. */
  max: boolean;
}

/** The collation bytes of SQL_Latin1_General_CP1_CI_AS, sent with nvarchar columns. */
const COLLATION = Buffer.from([0x09, 0x04, 0xd0, 0x00, 0x34]);
const NVARCHAR_MAX_CHARS = 4000;
const VARBINARY_MAX_BYTES = 8000;

/**
 * The type the simulator picks for a value when the script names none.
 *
 * ### Examples
 * ```ts
 * inferType(42); // 'int'
 * inferType(2 ** 40); // 'bigint'
 * ```
 */
export function inferType(value: TdsValue): TdsType {
  if (value === null) return 'nvarchar';
  if (typeof value === 'boolean') return 'bit';
  if (typeof value === 'bigint') return 'bigint';
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) return 'float';
    return value >= -2147483648 && value <= 2147483647 ? 'int' : 'bigint';
  }
  if (value instanceof Date) return 'datetime2';
  if (Buffer.isBuffer(value)) return 'varbinary';
  return 'nvarchar';
}

/**
 * Settles the type of each column from the script or the first non-null value of the rows.
 *
 * ### Examples
 * ```ts
 * resolveColumns(['name', { name: 'n', type: 'bigint' }], [['a', 1]]);
 * ```
 */
export function resolveColumns(columns: ReadonlyArray<string | TdsColumn>, rows: ReadonlyArray<ReadonlyArray<TdsValue>>): ResolvedColumn[] {
  return columns.map((c, i) => {
    const spec: TdsColumn = typeof c === 'string' ? { name: c } : c;
    const sample = rows.map((r) => r[i]).find((v) => v !== null && v !== undefined) ?? null;
    const type = spec.type ?? inferType(sample);
    const longest = rows.reduce((m, r) => {
      const v = r[i];
      if (typeof v === 'string') return Math.max(m, type === 'nvarchar' ? v.length : 0);
      if (Buffer.isBuffer(v)) return Math.max(m, v.length);
      return m;
    }, 0);
    const max = (type === 'nvarchar' && longest > NVARCHAR_MAX_CHARS) || (type === 'varbinary' && longest > VARBINARY_MAX_BYTES);
    const scale = spec.scale ?? (typeof sample === 'number' && !Number.isInteger(sample) ? 6 : 0);
    return { name: spec.name, type, precision: spec.precision ?? 38, scale, max };
  });
}

/** The TYPE_INFO of a column in COLMETADATA. */
export function typeInfo(c: ResolvedColumn): Buffer {
  switch (c.type) {
    case 'int':
      return Buffer.from([0x26, 4]);
    case 'bigint':
      return Buffer.from([0x26, 8]);
    case 'smallint':
      return Buffer.from([0x26, 2]);
    case 'tinyint':
      return Buffer.from([0x26, 1]);
    case 'bit':
      return Buffer.from([0x68, 1]);
    case 'float':
      return Buffer.from([0x6d, 8]);
    case 'decimal':
      return Buffer.from([0x6a, 17, c.precision, c.scale]);
    case 'datetime2':
      return Buffer.from([0x2a, 7]);
    case 'datetime':
      return Buffer.from([0x6f, 8]);
    case 'datetimeoffset':
      return Buffer.from([0x2b, 7]);
    case 'uniqueidentifier':
      return Buffer.from([0x24, 16]);
    case 'varbinary': {
      const b = Buffer.alloc(3);
      b.writeUInt8(0xa5, 0);
      b.writeUInt16LE(c.max ? 0xffff : VARBINARY_MAX_BYTES, 1);
      return b;
    }
    case 'nvarchar': {
      const b = Buffer.alloc(3);
      b.writeUInt8(0xe7, 0);
      b.writeUInt16LE(c.max ? 0xffff : NVARCHAR_MAX_CHARS * 2, 1);
      return Buffer.concat([b, COLLATION]);
    }
  }
}

function intBytes(value: bigint, size: number): Buffer {
  const b = Buffer.alloc(1 + size);
  b.writeUInt8(size, 0);
  if (size === 1) b.writeUInt8(Number(value), 1);
  else if (size === 2) b.writeInt16LE(Number(value), 1);
  else if (size === 4) b.writeInt32LE(Number(value), 1);
  else b.writeBigInt64LE(value, 1);
  return b;
}

function plp(data: Buffer | null): Buffer {
  const head = Buffer.alloc(8);
  if (data === null) {
    head.writeBigUInt64LE(0xffffffffffffffffn);
    return head;
  }
  head.writeBigUInt64LE(BigInt(data.length));
  const chunk = Buffer.alloc(4);
  chunk.writeUInt32LE(data.length);
  const parts = data.length > 0 ? [head, chunk, data, Buffer.alloc(4)] : [head, Buffer.alloc(4)];
  return Buffer.concat(parts);
}

function shortLen(data: Buffer | null): Buffer {
  const head = Buffer.alloc(2);
  head.writeUInt16LE(data === null ? 0xffff : data.length);
  return data === null ? head : Buffer.concat([head, data]);
}

function toBigInt(value: TdsValue, column: string): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return BigInt(value);
  if (typeof value === 'boolean') return value ? 1n : 0n;
  throw new Error(`simulator: column ${column} needs an integer, got ${String(value)}`);
}

function decimalBytes(value: TdsValue, scale: number, column: string): Buffer {
  const text = typeof value === 'number' ? value.toFixed(scale) : String(value);
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (!match) throw new Error(`simulator: column ${column} needs a decimal, got ${text}`);
  const fraction = (match[3] ?? '').padEnd(scale, '0').slice(0, scale);
  const magnitude = BigInt(`${match[2]}${fraction}`);
  const b = Buffer.alloc(18);
  b.writeUInt8(17, 0);
  b.writeUInt8(match[1] === '-' ? 0 : 1, 1);
  b.writeBigUInt64LE(magnitude & 0xffffffffffffffffn, 2);
  b.writeBigUInt64LE(magnitude >> 64n, 10);
  return b;
}

const DAY_MS = 86_400_000;
// Date.UTC(1, ...) means 1901, so year 1 is set explicitly
const YEAR_ONE = (() => {
  const d = new Date(0);
  d.setUTCFullYear(1, 0, 1);
  d.setUTCHours(0, 0, 0, 0);
  return d.getTime();
})();

function dateOf(value: TdsValue, column: string): Date {
  const d = value instanceof Date ? value : typeof value === 'string' || typeof value === 'number' ? new Date(value) : undefined;
  if (!d || Number.isNaN(d.getTime())) throw new Error(`simulator: column ${column} needs a date, got ${String(value)}`);
  return d;
}

function datetime2Bytes(d: Date): Buffer {
  const ms = d.getTime();
  const days = Math.floor((ms - YEAR_ONE) / DAY_MS);
  const msOfDay = ms - YEAR_ONE - days * DAY_MS;
  const ticks = BigInt(msOfDay) * 10_000n; // 100 ns units, scale 7
  const b = Buffer.alloc(9);
  b.writeUInt8(8, 0);
  b.writeUIntLE(Number(ticks & 0xffffffffffn), 1, 5);
  b.writeUIntLE(days, 6, 3);
  return b;
}

function datetimeOffsetBytes(d: Date, offsetMinutes: number): Buffer {
  const ms = d.getTime();
  const days = Math.floor((ms - YEAR_ONE) / DAY_MS);
  const msOfDay = ms - YEAR_ONE - days * DAY_MS;
  const ticks = BigInt(msOfDay) * 10_000n;
  const b = Buffer.alloc(11);
  b.writeUInt8(10, 0);
  b.writeUIntLE(Number(ticks & 0xffffffffffn), 1, 5);
  b.writeUIntLE(days, 6, 3);
  b.writeInt16LE(offsetMinutes, 9);
  return b;
}

/** The server's wall clock at instant `d` (a Date whose UTC fields read as the local time). */
function local(d: Date, offsetMinutes: number): Date {
  return new Date(d.getTime() + offsetMinutes * 60_000);
}

function datetimeBytes(d: Date): Buffer {
  const base = Date.UTC(1900, 0, 1);
  const ms = d.getTime() - base;
  const days = Math.floor(ms / DAY_MS);
  const rest = ms - days * DAY_MS;
  const b = Buffer.alloc(9);
  b.writeUInt8(8, 0);
  b.writeInt32LE(days, 1);
  b.writeUInt32LE(Math.round((rest * 300) / 1000), 5);
  return b;
}

function guidBytes(value: string, column: string): Buffer {
  const hex = value.replace(/-/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new Error(`simulator: column ${column} needs a GUID, got ${value}`);
  const raw = Buffer.from(hex, 'hex');
  const b = Buffer.alloc(17);
  b.writeUInt8(16, 0);
  // the first three groups are little-endian on the wire
  b.writeUInt32LE(raw.readUInt32BE(0), 1);
  b.writeUInt16LE(raw.readUInt16BE(4), 5);
  b.writeUInt16LE(raw.readUInt16BE(6), 7);
  raw.copy(b, 9, 8, 16);
  return b;
}

/**
 * Encodes one value of `column` for a ROW token.
 *
 * ### Examples
 * ```ts
 * encodeValue({ name: 'n', type: 'int', precision: 38, scale: 0, max: false }, 7);
 * ```
 */
export function encodeValue(column: ResolvedColumn, value: TdsValue | undefined, utcOffsetMinutes = 0): Buffer {
  const v = value === undefined ? null : value;
  switch (column.type) {
    case 'int':
    case 'bigint':
    case 'smallint':
    case 'tinyint': {
      if (v === null) return Buffer.from([0]);
      const size = { int: 4, bigint: 8, smallint: 2, tinyint: 1 }[column.type];
      return intBytes(toBigInt(v, column.name), size);
    }
    case 'bit':
      return v === null ? Buffer.from([0]) : Buffer.from([1, v === true || v === 1 || v === '1' ? 1 : 0]);
    case 'float': {
      if (v === null) return Buffer.from([0]);
      const b = Buffer.alloc(9);
      b.writeUInt8(8, 0);
      b.writeDoubleLE(Number(v), 1);
      return b;
    }
    case 'decimal':
      return v === null ? Buffer.from([0]) : decimalBytes(v, column.scale, column.name);
    case 'datetime2':
      return v === null ? Buffer.from([0]) : datetime2Bytes(local(dateOf(v, column.name), utcOffsetMinutes));
    case 'datetime':
      return v === null ? Buffer.from([0]) : datetimeBytes(local(dateOf(v, column.name), utcOffsetMinutes));
    case 'datetimeoffset':
      return v === null ? Buffer.from([0]) : datetimeOffsetBytes(dateOf(v, column.name), utcOffsetMinutes);
    case 'uniqueidentifier':
      return v === null ? Buffer.from([0]) : guidBytes(String(v), column.name);
    case 'varbinary': {
      const data = v === null ? null : Buffer.isBuffer(v) ? v : Buffer.from(String(v));
      return column.max ? plp(data) : shortLen(data);
    }
    case 'nvarchar': {
      const data = v === null ? null : Buffer.from(v instanceof Date ? v.toISOString() : String(v), 'utf16le');
      return column.max ? plp(data) : shortLen(data);
    }
  }
}
