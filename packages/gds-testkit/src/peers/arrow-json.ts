/**
 * Arrow → JSON rowsets: fakesnow answers SELECT/SHOW with an Arrow IPC stream (`rowsetBase64`),
 * which snowflake-sdk 3.3 cannot read; {@link arrowToJsonRowset} rewrites it into the JSON
 * `rowset` Snowflake's JSON result format uses (every cell a string or null: numbers in decimal,
 * with the column's scale; booleans `"true"`/`"false"`; dates as days since 1970-01-01;
 * timestamps as `<epoch seconds>.<9 fraction digits>`, TIMESTAMP_TZ followed by ` <offset
 * minutes + 1440>`; times as seconds with 9 fraction digits; binary as hex; variants as JSON text).
 *
 * @module
 */
import { tableFromIPC, type Table } from 'apache-arrow';

/** The rowtype entry fields the conversion reads. */
export interface RowTypeLike {
  name: string;
  type: string;
  scale?: number | null;
}

function withScale(unscaled: string, scale: number): string {
  if (scale <= 0) return unscaled;
  const negative = unscaled.startsWith('-');
  const digits = (negative ? unscaled.slice(1) : unscaled).padStart(scale + 1, '0');
  return `${negative ? '-' : ''}${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}

function fraction9(n: number | bigint): string {
  return String(n).padStart(9, '0');
}

/** One Arrow cell as Snowflake's JSON format writes it, for a column of Snowflake type `type`. */
export function encodeArrowCell(value: unknown, column: RowTypeLike, arrowScale?: number): string | null {
  if (value === null || value === undefined) return null;
  const type = column.type.toLowerCase();
  if (type.startsWith('timestamp') && typeof value === 'object' && value !== null && 'epoch' in value) {
    const v = value as { epoch: bigint | number; fraction: number; timezone?: number };
    const text = `${String(v.epoch)}.${fraction9(v.fraction)}`;
    return type === 'timestamp_tz' ? `${text} ${v.timezone ?? 1440}` : text;
  }
  switch (type) {
    case 'boolean':
      return value === true ? 'true' : 'false';
    case 'date': {
      const ms = value instanceof Date ? value.getTime() : Number(value);
      return String(Math.floor(ms / 86_400_000));
    }
    case 'time': {
      const ns = BigInt(value as bigint | number);
      return `${ns / 1_000_000_000n}.${fraction9(ns % 1_000_000_000n)}`;
    }
    case 'binary':
      return Buffer.from(value as Uint8Array).toString('hex');
    case 'fixed':
      // DecimalBigNum prints its unscaled integer; integers print as they are
      return arrowScale !== undefined ? withScale(String(value), arrowScale) : String(value);
    case 'real':
      return String(value);
    default:
      return typeof value === 'string' ? value : value instanceof Uint8Array ? Buffer.from(value).toString('utf8') : typeof value === 'object' ? JSON.stringify(value) : String(value);
  }
}

/**
 * Decodes a base64 Arrow IPC stream into JSON rows, one string-or-null cell per rowtype column.
 * An empty `rowsetBase64` (no rows) gives no rows.
 *
 * ### Examples
 * ```ts
 * arrowToJsonRowset(reply.data.rowsetBase64, reply.data.rowtype); // [['GDS_DB', 'false'], ...]
 * ```
 */
export function arrowToJsonRowset(rowsetBase64: string, rowtype: readonly RowTypeLike[]): (string | null)[][] {
  if (!rowsetBase64) return [];
  const table: Table = tableFromIPC(Buffer.from(rowsetBase64, 'base64'));
  const fields = table.schema.fields;
  if (fields.length !== rowtype.length) throw new Error(`Arrow result has ${fields.length} columns, rowtype ${rowtype.length}`);
  const columns = fields.map((f, i) => ({
    vector: table.getChildAt(i)!,
    scale: 'scale' in f.type && typeof (f.type as { scale?: unknown }).scale === 'number' ? (f.type as { scale: number }).scale : undefined,
    column: rowtype[i]!,
  }));
  const rows: (string | null)[][] = [];
  for (let r = 0; r < table.numRows; r++) rows.push(columns.map((c) => encodeArrowCell(c.vector.get(r), c.column, c.scale)));
  return rows;
}
