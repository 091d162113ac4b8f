/**
 * The MongoDB engine: its one definition (what `import '@gds/mongodb'` registers). The core
 * owns the rest: the Database and HA facades, the operation runner, the errors, the CLI's
 * engine commands.
 *
 * @module
 */
import type { ConnectionConfig, ListDatabasesOptions, ServerMetadata } from '@gds/database';
import { defineEngine, openVerified, type DatabaseListing } from '@gds/database/engine';
import type { Document } from 'mongodb';
import { MONGODB_CAPABILITIES } from './mongodb-capabilities.js';
import { MONGODB_COMMANDS } from './mongodb-commands.js';
import type { MongoDBConfigInput } from './mongodb-config.js';
import { MongoDBConnection } from './mongodb-connection.js';
import { MongoDBDatabase } from './mongodb-database.js';
import { classifyMongoError } from './mongodb-errors.js';
import { MongoDBReplicaSetManager } from './mongodb-ha.js';
import { SYSTEM_DATABASES, toMetadata } from './mongodb-metadata.js';
import { ProfilingOptionsSchema } from './mongodb-options.js';
import { quoteName, validateDatabaseName } from './mongodb-quote.js';
import { describeCommand, listDatabases } from './mongodb-statements.js';

/**
 * One `listDatabases` whatever the number of databases. With `withMetadata` the cached
 * metadata holds what that reply has (name, sizeOnDisk, empty); the dbStats counters need one
 * round trip per database, which `db.getMetadata()` makes when asked.
 */
async function listMongoDatabases(connection: MongoDBConnection, options: ListDatabasesOptions): Promise<DatabaseListing[]> {
  const reply = await connection.run(listDatabases(undefined, !options.withMetadata), { signal: options.signal });
  const rows = ((reply.databases as Document[] | undefined) ?? []).filter((d) => options.includeSystem || !SYSTEM_DATABASES.includes(String(d.name)));
  rows.sort((a, b) => (String(a.name) < String(b.name) ? -1 : 1));
  return rows.map((d) => (options.withMetadata ? { name: String(d.name), metadata: toMetadata(d) } : { name: String(d.name) }));
}

/** buildInfo, the deployment kind and hello: version, whether this member is a secondary. */
async function serverMetadata(connection: MongoDBConnection, options?: { signal?: AbortSignal }): Promise<ServerMetadata> {
  const build = await connection.command('admin', { buildInfo: 1 }, { signal: options?.signal });
  const deployment = await connection.deployment(options?.signal);
  const hello = await connection.command('admin', { hello: 1 }, { signal: options?.signal });
  const version = String(build.version ?? '');
  const [major = 0, minor = 0, patch = 0] = version.split('.').map((p) => Number.parseInt(p, 10) || 0);
  return {
    type: 'mongodb',
    version,
    versionNumber: major * 10000 + minor * 100 + patch,
    endpoint: connection.endpoint,
    isReplica: deployment.kind === 'replicaSet' ? hello.isWritablePrimary !== true : false,
    additionalAttributes: { deployment: deployment.kind, setName: deployment.setName, me: deployment.me, maxWireVersion: deployment.maxWireVersion, gitVersion: build.gitVersion },
  };
}

/**
 * The MongoDB engine, registered by `import '@gds/mongodb'`.
 *
 * ### Examples
 * ```ts
 * import { mongodbEngine } from '@gds/mongodb';
 * const conn = await mongodbEngine.connect('mongodb://127.0.0.1:27017');
 * console.log(mongodbEngine.supportsFeature('profiling')); // true
 * ```
 */
export const mongodbEngine = defineEngine({
  type: 'mongodb',
  packageName: '@gds/mongodb',
  displayName: 'MongoDB',
  cliName: 'mongodb',
  schemes: ['mongodb', 'mongodb+srv'],
  capabilities: MONGODB_CAPABILITIES,
  connectionClass: MongoDBConnection,
  databaseClass: MongoDBDatabase,
  haManagerClass: MongoDBReplicaSetManager,
  connect: (target: string | ConnectionConfig) => openVerified(new MongoDBConnection(typeof target === 'string' ? target : (target as MongoDBConfigInput)), (c) => c.command('admin', { ping: 1 })),
  listDatabases: listMongoDatabases,
  getServerMetadata: serverMetadata,
  classifyError: classifyMongoError,
  describeStatement: describeCommand,
  names: { validateDatabaseName, quote: quoteName },
  extensions: [{ id: 'mongodb.profiling', feature: 'profiling', method: 'setProfilingLevel', options: ProfilingOptionsSchema }],
  commands: MONGODB_COMMANDS,
});
