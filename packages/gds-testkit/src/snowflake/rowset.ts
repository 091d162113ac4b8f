/**
 * Typed result columns of the Snowflake simulator: how a column is declared in the `rowtype` of a
 * query reply and how JavaScript values are written into the JSON `rowset` the way Snowflake's
 * JSON result format encodes them (numbers and texts as strings, booleans as `"true"`/`"false"`,
 * dates as days since 1970-01-01, timestamps as epoch seconds with nine fraction digits, variants
 * as JSON text). Limits: TIMESTAMP_TZ, TIME, BINARY and Arrow results are not produced.
 *
 * @module
 */

/** The column types the simulator can encode (Snowflake's `rowtype[].type` names). */
export type SimColumnType = 'fixed' | 'real' | 'text' | 'boolean' | 'date' | 'timestamp_ltz' | 'timestamp_ntz' | 'variant' | 'object' | 'array';

/**
 * A result column: a name and its Snowflake type (numbers take `scale`).
 *
 * ### Examples
 * ```ts
 * const cols: SimColumn[] = [{ name: 'name', type: 'text' }, { name: 'retention_time', type: 'fixed' }];
 * ```
 */
export interface SimColumn {
  /** The column name, exactly as the client will see it (SHOW output is lower case). */
  name: string;
  /** The Snowflake type. */
  type: SimColumnType;
  /** Digits after the point, for `fixed`. Defaults to 0. */
  scale?: number;
  /** Whether NULL is allowed. Defaults to true. */
  nullable?: boolean;
}

/** A value the simulator can write into a rowset cell. */
export type SimValue = string | number | bigint | boolean | Date | null | undefined | Record<string, unknown> | unknown[];

/** One `rowtype` entry as Snowflake sends it. */
export interface RowTypeEntry {
  name: string;
  type: string;
  nullable: boolean;
  scale: number | null;
  precision: number | null;
  length: number | null;
  byteLength: number | null;
  database: string;
  schema: string;
  table: string;
}

/**
 * The `rowtype` array of a reply for `columns`.
 *
 * ### Examples
 * ```ts
 * rowType([{ name: 'n', type: 'fixed' }])[0].precision; // 38
 * ```
 */
export function rowType(columns: readonly SimColumn[]): RowTypeEntry[] {
  return columns.map((c) => ({
    name: c.name,
    type: c.type,
    nullable: c.nullable ?? true,
    scale: c.type === 'fixed' ? (c.scale ?? 0) : c.type === 'timestamp_ltz' || c.type === 'timestamp_ntz' ? 9 : null,
    precision: c.type === 'fixed' ? 38 : c.type === 'timestamp_ltz' || c.type === 'timestamp_ntz' ? 0 : null,
    length: c.type === 'text' ? 16_777_216 : null,
    byteLength: c.type === 'text' ? 16_777_216 : null,
    database: '',
    schema: '',
    table: '',
  }));
}

function epochSeconds(value: SimValue): string {
  const ms = value instanceof Date ? value.getTime() : typeof value === 'string' ? Date.parse(value) : Number(value);
  if (!Number.isFinite(ms)) throw new Error(`simulator: not a timestamp: ${String(value)}`);
  const seconds = Math.floor(ms / 1000);
  const fraction = String((ms - seconds * 1000) * 1_000_000).padStart(9, '0');
  return `${seconds}.${fraction}`;
}

/**
 * Encodes one cell the way Snowflake's JSON result format does.
 *
 * ### Examples
 * ```ts
 * encodeCell({ name: 'd', type: 'date' }, new Date('1970-01-03')); // '2'
 * encodeCell({ name: 'b', type: 'boolean' }, true);                // 'true'
 * ```
 */
export function encodeCell(column: SimColumn, value: SimValue): string | null {
  if (value === null || value === undefined) return null;
  switch (column.type) {
    case 'boolean':
      return value === true || value === 'true' || value === 1 ? 'true' : 'false';
    case 'date': {
      const ms = value instanceof Date ? value.getTime() : Date.parse(String(value));
      return String(Math.floor(ms / 86_400_000));
    }
    case 'timestamp_ltz':
    case 'timestamp_ntz':
      return epochSeconds(value);
    case 'variant':
    case 'object':
    case 'array':
      return typeof value === 'string' ? value : JSON.stringify(value);
    case 'fixed':
    case 'real':
      return typeof value === 'bigint' ? value.toString() : String(value);
    default:
      return value instanceof Date ? value.toISOString() : typeof value === 'object' ? JSON.stringify(value) : String(value);
  }
}

/**
 * Encodes rows given as objects keyed by column name (or as arrays in column order).
 *
 * ### Examples
 * ```ts
 * encodeRows([{ name: 'n', type: 'fixed' }], [{ n: 1 }, [2]]); // [['1'], ['2']]
 * ```
 */
export function encodeRows(columns: readonly SimColumn[], rows: ReadonlyArray<Record<string, SimValue> | readonly SimValue[]>): (string | null)[][] {
  return rows.map((row) => columns.map((c, i) => encodeCell(c, Array.isArray(row) ? (row as readonly SimValue[])[i] : (row as Record<string, SimValue>)[c.name])));
}
