/**
 * Database metadata: the engine-neutral part with its TypeBox schema. Engines extend both the
 * interface and the schema with their own fields (for example `PostgreSQLDatabaseMetadata` adds
 * `encoding` and `connectionLimit`), and keep anything else in `additionalAttributes`.
 *
 * @module
 */
import { Type, type Static } from './schema.js';
import { AccessMode, DatabaseState, DatabaseType } from './enums.js';

const literalUnion = <T extends string>(values: readonly T[]) => Type.Enum([...values]);

/**
 * The TypeBox schema of {@link DatabaseMetadata}. Dates are `Date` objects at run time; the
 * schema describes the JSON form (an ISO string), see {@link metadataToJSON}.
 *
 * ### Examples
 * ```ts
 * import { Value } from 'typebox/value';
 * Value.Check(DatabaseMetadataSchema, metadataToJSON(await db.getMetadata())); // true
 * ```
 */
export const DatabaseMetadataSchema = Type.Object({
  name: Type.String(),
  type: literalUnion(Object.values(DatabaseType)),
  created: Type.Optional(Type.String({ format: 'date-time' })),
  sizeBytes: Type.Optional(Type.Number({ minimum: 0 })),
  owner: Type.Optional(Type.String()),
  collation: Type.Optional(Type.String()),
  state: Type.Optional(literalUnion(Object.values(DatabaseState))),
  accessMode: Type.Optional(literalUnion(Object.values(AccessMode))),
  additionalAttributes: Type.Record(Type.String(), Type.Unknown()),
});

/** The JSON form of {@link DatabaseMetadata}, as described by {@link DatabaseMetadataSchema}. */
export type DatabaseMetadataJSON = Static<typeof DatabaseMetadataSchema>;

/**
 * What every engine reports about a database. Fields an engine cannot know stay `undefined`.
 *
 * ### Examples
 * ```ts
 * const m = await db.getMetadata();
 * console.log(`${m.name}: ${((m.sizeBytes ?? 0) / 1048576).toFixed(1)} MiB, ${m.state}`);
 * ```
 */
export interface DatabaseMetadata {
  /** The database's name, exactly as the server stores it. */
  name: string;
  /** The engine. */
  type: DatabaseType;
  /** When it was created, when the engine records it. */
  created?: Date;
  /** Its size in bytes. */
  sizeBytes?: number;
  /** The owning login, role or user. */
  owner?: string;
  /** The default collation. */
  collation?: string;
  /** Its operational state. */
  state?: DatabaseState;
  /** Who may connect. */
  accessMode?: AccessMode;
  /** Engine attributes without a field of their own. */
  additionalAttributes: Record<string, unknown>;
}

/**
 * The JSON form of any metadata object: `Date`s become ISO strings, `undefined` fields are
 * dropped, bigints become numbers when safe and strings otherwise.
 *
 * ### Examples
 * ```ts
 * console.log(JSON.stringify(metadataToJSON(await db.getMetadata())));
 * ```
 */
export function metadataToJSON<M extends DatabaseMetadata>(metadata: M): Record<string, unknown> & DatabaseMetadataJSON {
  return toJSONValue(metadata) as Record<string, unknown> & DatabaseMetadataJSON;
}

function toJSONValue(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (Array.isArray(value)) return value.map(toJSONValue);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = toJSONValue(v);
    return out;
  }
  return value;
}
