/**
 * The options of every public method, as exported TypeBox schemas (validated on entry, and the
 * source of the generated option tables in the docs) plus the run-time-only options (`signal`,
 * `onProgress`, `onMessage`) that have no JSON form. Engines extend these schemas with
 * {@link extendOptions}.
 *
 * @module
 */
import { Type, type Static, type TObject, type TProperties } from './schema.js';
import { BackupType, SyncMode } from './enums.js';

const literalUnion = <T extends string>(values: readonly T[]) => Type.Enum([...values]);

/**
 * The longest delay a Node timer takes: 2^31-1 ms (about 24.8 days). A larger `setTimeout` delay
 * is not honoured but silently becomes 1 ms (Node prints a TimeoutOverflowWarning), so every
 * option that reaches a timer is refused above it instead.
 *
 * ### Examples
 * ```ts
 * Type.Integer({ minimum: 1, maximum: MAX_TIMER_MS }); // an engine's own millisecond option
 * ```
 */
export const MAX_TIMER_MS = 2_147_483_647;

const timeoutMs = () =>
  Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: MAX_TIMER_MS,
      description: 'Fail with OperationTimeoutError after this many milliseconds (at most 2147483647, a Node timer\'s limit).',
    }),
  );

/** Keys of an options object that are not data and are not validated against a schema. */
export const RUNTIME_OPTION_KEYS = Object.freeze(['signal', 'onProgress', 'onMessage'] as const);

/**
 * A progress report of a long operation (backup, restore).
 *
 * ### Examples
 * ```ts
 * await db.backup('/b/app.dump', { onProgress: (p) => console.log(p.percent ?? `${p.bytes} bytes`) });
 * ```
 */
export interface ProgressEvent {
  /** Percent done, 0 to 100, where the engine reports it. */
  percent?: number;
  /** Bytes written or read so far, where known. */
  bytes?: number;
  /** The engine's own progress line, if any. */
  message?: string;
  /** Milliseconds since the operation started. */
  elapsedMs: number;
}

/**
 * Options every operation accepts at run time: cancellation and timeout.
 *
 * ### Examples
 * ```ts
 * await db.getMetadata({ signal: AbortSignal.timeout(5000) });
 * ```
 */
export interface RuntimeOptions {
  /** Aborting it cancels the operation; it rejects with OperationCancelledError. */
  signal?: AbortSignal;
  /** Called for each informational line the server or tool reports. */
  onMessage?: (line: string) => void;
}

/**
 * Schema of the options every read accepts. `timeoutMs` bounds the whole operation.
 *
 * ### Examples
 * ```ts
 * await db.exists({ timeoutMs: 2000 });
 * ```
 */
export const ReadOptionsSchema = Type.Object(
  {
    timeoutMs: timeoutMs(),
  },
  { additionalProperties: false },
);
/** Options of a read: {@link ReadOptionsSchema} plus {@link RuntimeOptions}. */
export type ReadOptions = Static<typeof ReadOptionsSchema> & RuntimeOptions;

/**
 * Schema of the options every change accepts: `dryRun` and `timeoutMs`.
 *
 * ### Examples
 * ```ts
 * const r = await db.setOffline({ dryRun: true }); // r.statements lists what would run
 * ```
 */
export const MutationOptionsSchema = Type.Object(
  {
    dryRun: Type.Optional(Type.Boolean({ description: 'Build and return the statements without running them. Defaults to false.' })),
    timeoutMs: timeoutMs(),
  },
  { additionalProperties: false },
);
/** Options of a change: {@link MutationOptionsSchema} plus {@link RuntimeOptions}. */
export type MutationOptions = Static<typeof MutationOptionsSchema> & RuntimeOptions;

/**
 * Adds engine fields to an options schema, keeping `additionalProperties: false` so that a
 * misspelt option is refused instead of ignored.
 *
 * ### Examples
 * ```ts
 * const VacuumOptionsSchema = extendOptions(MutationOptionsSchema, { full: Type.Optional(Type.Boolean()) });
 * ```
 */
export function extendOptions<B extends TProperties, P extends TProperties>(base: TObject<B>, properties: P): TObject<B & P> {
  return Type.Object({ ...base.properties, ...properties } as B & P, { additionalProperties: false });
}

const forceOption = {
  force: Type.Optional(
    Type.Boolean({ description: 'End other sessions (rolling back their work) instead of refusing. Defaults to false.' }),
  ),
};

/**
 * Schema of the options of `create()` common to every engine; engines add their own.
 *
 * ### Examples
 * ```ts
 * await db.create({ dryRun: true });
 * ```
 */
export const CreateOptionsSchema = MutationOptionsSchema;
/** Options of `create()` common to every engine. */
export type CreateOptions = MutationOptions;

/**
 * Schema of the options of `drop()`.
 *
 * ### Examples
 * ```ts
 * await db.drop({ force: true });
 * ```
 */
export const DropOptionsSchema = extendOptions(MutationOptionsSchema, forceOption);
/** Options of `drop()`. */
export type DropOptions = Static<typeof DropOptionsSchema> & RuntimeOptions;

/**
 * Schema of the options of `setOffline()` and `setSingleUserMode()`.
 *
 * ### Examples
 * ```ts
 * await db.setOffline({ force: true });
 * ```
 */
export const ForceableOptionsSchema = extendOptions(MutationOptionsSchema, forceOption);
/** Options of `setOffline()` and `setSingleUserMode()`. */
export type ForceableOptions = Static<typeof ForceableOptionsSchema> & RuntimeOptions;

/**
 * Schema of the options of `backup()` common to every engine.
 *
 * ### Examples
 * ```ts
 * await db.backup('/b/app.dump', { type: 'full' });
 * ```
 */
export const BackupOptionsSchema = extendOptions(MutationOptionsSchema, {
  type: Type.Optional(literalUnion(Object.values(BackupType))),
});
/** Options of `backup()` common to every engine. */
export type BackupOptions = Static<typeof BackupOptionsSchema> & RuntimeOptions & { onProgress?: (event: ProgressEvent) => void };

/**
 * Schema of the options of `restore()` common to every engine.
 *
 * ### Examples
 * ```ts
 * await db.restore('/b/app.dump', { replace: true });
 * ```
 */
export const RestoreOptionsSchema = extendOptions(MutationOptionsSchema, {
  replace: Type.Optional(
    Type.Boolean({ description: "Replace an existing database that has data. The backup is checked first; then the engine restores aside and swaps names (the existing database kept until the new one is complete), or, where it cannot (SQL Server's RESTORE WITH REPLACE), overwrites in place: see the engine's README. Defaults to false: such a restore is refused." }),
  ),
  force: Type.Optional(
    Type.Boolean({ description: 'With replace: end the other sessions of the database instead of refusing with DatabaseInUseError. Defaults to false.' }),
  ),
});
/** Options of `restore()` common to every engine. */
export type RestoreOptions = Static<typeof RestoreOptionsSchema> & RuntimeOptions & { onProgress?: (event: ProgressEvent) => void };

/**
 * Schema of the options of `DatabaseManager.listDatabases()`.
 *
 * ### Examples
 * ```ts
 * const dbs = await manager.listDatabases({ withMetadata: true });
 * ```
 */
export const ListDatabasesOptionsSchema = extendOptions(ReadOptionsSchema, {
  withMetadata: Type.Optional(Type.Boolean({ description: 'Fetch every database\'s metadata too, in a constant number of queries. Defaults to false.' })),
  includeSystem: Type.Optional(Type.Boolean({ description: 'Include system and template databases. Defaults to false.' })),
});
/** Options of `listDatabases()`. */
export type ListDatabasesOptions = Static<typeof ListDatabasesOptionsSchema> & RuntimeOptions;

/**
 * Schema of the options of `listSchemas()`.
 *
 * ### Examples
 * ```ts
 * await db.listSchemas({ includeSystem: true });
 * ```
 */
export const ListSchemasOptionsSchema = extendOptions(ReadOptionsSchema, {
  includeSystem: Type.Optional(Type.Boolean({ description: 'Include the engine\'s system schemas. Defaults to false.' })),
});
/** Options of `listSchemas()`. */
export type ListSchemasOptions = Static<typeof ListSchemasOptionsSchema> & RuntimeOptions;

/**
 * Schema of the options of `ha.failover()`.
 *
 * ### Examples
 * ```ts
 * await db.ha!.failover({ target: 'postgres://standby:5433/postgres', dryRun: true });
 * ```
 */
export const FailoverOptionsSchema = extendOptions(MutationOptionsSchema, {
  target: Type.Optional(Type.String({ minLength: 1, description: 'The node to promote: a node name or a connection URL, as the engine needs.' })),
  force: Type.Optional(Type.Boolean({ description: 'Fail over even if data may be lost. Defaults to false.' })),
});
/** Options of `ha.failover()`. */
export type FailoverOptions = Static<typeof FailoverOptionsSchema> & RuntimeOptions;

/**
 * Schema of the sync modes, for `ha.setSyncMode()`.
 *
 * ### Examples
 * ```ts
 * Value.Check(SyncModeSchema, 'synchronous'); // true
 * ```
 */
export const SyncModeSchema = literalUnion(Object.values(SyncMode));
