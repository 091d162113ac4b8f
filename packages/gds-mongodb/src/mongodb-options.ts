/**
 * The option schemas of the MongoDB operations (validated on entry; the docs' option tables are
 * generated from them). Filters and collection options are objects in relaxed Extended JSON
 * (`{ "$date": "2026-01-01T00:00:00Z" }`), so they survive a config file or a command line.
 *
 * @module
 */
import { Type, type Static } from '@gds/database/schema';
import {
  BackupOptionsSchema,
  CreateOptionsSchema,
  MutationOptionsSchema,
  ReadOptionsSchema,
  RestoreOptionsSchema,
  extendOptions,
  type ProgressEvent,
  type RuntimeOptions,
} from '@gds/database';

const collectionName = Type.String({ minLength: 1, maxLength: 255 });
const names = (description: string) => Type.Array(collectionName, { description });
const document = (description: string) => Type.Record(Type.String(), Type.Unknown(), { description });

/**
 * Schema of `create()` options.
 *
 * ### Examples
 * ```ts
 * await db.create({ collection: 'events', collectionOptions: { capped: true, size: 1048576 } });
 * ```
 */
export const MongoDBCreateOptionsSchema = extendOptions(CreateOptionsSchema, {
  collection: Type.Optional(Type.String({ minLength: 1, description: "The first collection, which makes the database exist. Defaults to 'gds_init'." })),
  collectionOptions: Type.Optional(document('Options of the create command for it (capped, size, validator, timeseries, collation...).')),
});
/** Options of `create()`. */
export type MongoDBCreateOptions = Static<typeof MongoDBCreateOptionsSchema> & RuntimeOptions;

/**
 * Schema of `backup()` options (the native dump).
 *
 * ### Examples
 * ```ts
 * await db.backup('/backups/app', { gzip: true, excludeCollections: ['sessions'] });
 * ```
 */
export const MongoDBBackupOptionsSchema = extendOptions(BackupOptionsSchema, {
  gzip: Type.Optional(Type.Boolean({ description: 'Compress every file with gzip (.bson.gz, .metadata.json.gz), as mongodump --gzip. Defaults to false.' })),
  collections: Type.Optional(names('Dump only these collections (and views). Defaults to all but system collections.')),
  excludeCollections: Type.Optional(names('Leave these collections out.')),
  query: Type.Optional(document('A filter (relaxed Extended JSON) applied to every collection named in `collections` (required with it), as mongodump --query.')),
  pointInTime: Type.Optional(Type.Enum(['auto', 'snapshot', 'none'], { description: "Read every collection at one point in time (snapshot read concern): 'auto' on replica sets and sharded clusters, 'snapshot' to require it, 'none' to read each collection as it is. Defaults to 'auto'." })),
  batchSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000, description: 'Documents per cursor batch. Defaults to the server\'s (101 first, then up to 16 MiB).' })),
  overwrite: Type.Optional(Type.Boolean({ description: 'Replace an existing folder at the target. Defaults to false: the backup is refused.' })),
});
/** Options of `backup()`. */
export type MongoDBBackupOptions = Static<typeof MongoDBBackupOptionsSchema> & RuntimeOptions & { onProgress?: (event: ProgressEvent) => void };

const renames = Type.Union([collectionName, Type.Array(collectionName, { minItems: 1 })]);

/**
 * Schema of `restore()` options.
 *
 * ### Examples
 * ```ts
 * await db.restore('/backups/app', { drop: true, nsFrom: 'orders_*', nsTo: 'archive_*' });
 * ```
 */
export const MongoDBRestoreOptionsSchema = extendOptions(RestoreOptionsSchema, {
  drop: Type.Optional(Type.Boolean({ description: 'Drop each restored collection first when it exists, as mongorestore --drop. Defaults to false: non-empty collections are refused.' })),
  collections: Type.Optional(names('Restore only these collections (names as in the dump). Defaults to all.')),
  nsFrom: Type.Optional(renames),
  nsTo: Type.Optional(renames),
  sourceDatabase: Type.Optional(Type.String({ minLength: 1, description: 'Which database folder of the dump to restore, when it holds several. Defaults to the only one.' })),
  batchSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000, description: 'Documents per insert. Defaults to 1000 (and never more than 8 MiB).' })),
  noIndexRestore: Type.Optional(Type.Boolean({ description: 'Do not create the dumped indexes. Defaults to false.' })),
  bypassDocumentValidation: Type.Optional(Type.Boolean({ description: 'Insert documents that fail the collection validator. Defaults to false.' })),
});
/** Options of `restore()`. */
export type MongoDBRestoreOptions = Static<typeof MongoDBRestoreOptionsSchema> & RuntimeOptions & { onProgress?: (event: ProgressEvent) => void };

/**
 * Schema of `listCollections()` options.
 *
 * ### Examples
 * ```ts
 * await db.listCollections({ includeViews: false });
 * ```
 */
export const ListCollectionsOptionsSchema = extendOptions(ReadOptionsSchema, {
  includeViews: Type.Optional(Type.Boolean({ description: 'Include views. Defaults to true.' })),
  includeSystem: Type.Optional(Type.Boolean({ description: 'Include system.* collections. Defaults to false.' })),
});
/** Options of `listCollections()`. */
export type ListCollectionsOptions = Static<typeof ListCollectionsOptionsSchema> & RuntimeOptions;

/**
 * Schema of `setProfilingLevel()` options.
 *
 * ### Examples
 * ```ts
 * await db.setProfilingLevel(1, { slowMs: 50, sampleRate: 0.5 });
 * ```
 */
export const ProfilingOptionsSchema = extendOptions(MutationOptionsSchema, {
  slowMs: Type.Optional(Type.Integer({ minimum: 0, description: 'Operations slower than this are slow (server-wide setting). Defaults to the server\'s (100).' })),
  sampleRate: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'Fraction of slow operations profiled. Defaults to the server\'s (1).' })),
  filter: Type.Optional(document('Profile the operations matching this filter instead of the slowMs rule.')),
});
/** Options of `setProfilingLevel()`. */
export type ProfilingOptions = Static<typeof ProfilingOptionsSchema> & RuntimeOptions;

/**
 * Schema of one member given to `createConfiguration()` and `addNode()` (replica-set member fields).
 *
 * ### Examples
 * ```ts
 * await db.ha!.addNode({ name: 'db4:27017', priority: 0, hidden: true });
 * ```
 */
export const ReplicaSetMemberSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, pattern: '^[^\\s/,]+:\\d+$', description: 'host:port of the member.' }),
    priority: Type.Optional(Type.Number({ minimum: 0, maximum: 1000, description: 'Election priority; 0 never becomes primary. Defaults to 1.' })),
    votes: Type.Optional(Type.Integer({ minimum: 0, maximum: 1, description: 'Whether it votes. Defaults to 1.' })),
    hidden: Type.Optional(Type.Boolean({ description: 'Invisible to clients (needs priority 0). Defaults to false.' })),
    arbiterOnly: Type.Optional(Type.Boolean({ description: 'An arbiter: votes, holds no data. Defaults to false.' })),
    secondaryDelaySecs: Type.Optional(Type.Integer({ minimum: 0, description: 'Delay replication by this many seconds (needs priority 0). Defaults to 0.' })),
    buildIndexes: Type.Optional(Type.Boolean({ description: 'Build indexes (false needs priority 0). Defaults to true.' })),
    tags: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'Tags for read preferences and write concerns.' })),
  },
  { additionalProperties: false },
);

/**
 * Schema of `createConfiguration()` options (replSetInitiate).
 *
 * ### Examples
 * ```ts
 * await db.ha!.createConfiguration({ name: 'rs0', members: [{ name: 'db1:27017' }, { name: 'db2:27017' }, { name: 'db3:27017' }] });
 * ```
 */
export const InitiateOptionsSchema = extendOptions(MutationOptionsSchema, {
  name: Type.String({ minLength: 1, description: 'The replica set name (the --replSet the members were started with).' }),
  members: Type.Array(ReplicaSetMemberSchema, { minItems: 1, maxItems: 50, description: 'The members; the server running the command must be one of them.' }),
  settings: Type.Optional(document('Replica set settings (chainingAllowed, electionTimeoutMillis...).')),
});
/** Options of `createConfiguration()`. */
export type InitiateOptions = Static<typeof InitiateOptionsSchema> & RuntimeOptions;

/**
 * Schema of `failover()` options on MongoDB.
 *
 * ### Examples
 * ```ts
 * await db.ha!.failover({ target: 'db2:27017', stepDownSecs: 60, catchUpSecs: 10 });
 * ```
 */
export const MongoDBFailoverOptionsSchema = extendOptions(MutationOptionsSchema, {
  target: Type.Optional(Type.String({ minLength: 1, description: 'host:port of the secondary to elect. Defaults to whichever the election picks.' })),
  force: Type.Optional(Type.Boolean({ description: 'Step down even if no secondary has caught up (writes may roll back). Defaults to false.' })),
  stepDownSecs: Type.Optional(Type.Integer({ minimum: 10, maximum: 3600, description: 'How long the old primary stays ineligible (replSetStepDown). Defaults to 60.' })),
  catchUpSecs: Type.Optional(Type.Integer({ minimum: 0, maximum: 600, description: 'How long to wait for a secondary to catch up before stepping down (secondaryCatchUpPeriodSecs). Defaults to 10.' })),
  waitMs: Type.Optional(Type.Integer({ minimum: 100, description: 'How long to wait for the new primary to be seen. Defaults to 30000.' })),
});
/** Options of `failover()` on MongoDB. */
export type MongoDBFailoverOptions = Static<typeof MongoDBFailoverOptionsSchema> & RuntimeOptions;
