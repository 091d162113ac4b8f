/**
 * `@gds/mongodb`: the MongoDB provider of gds. Importing it registers the provider for the
 * `mongodb://` and `mongodb+srv://` schemes:
 *
 * ```ts
 * import '@gds/mongodb';
 * import { DatabaseManager } from '@gds/database';
 * const manager = await DatabaseManager.connect('mongodb://127.0.0.1:27017/?replicaSet=rs0');
 * ```
 *
 * @packageDocumentation
 */
import { registerProvider } from '@gds/database';
import { mongodbProvider } from './mongodb-provider.js';

registerProvider(mongodbProvider);

export { mongodbProvider } from './mongodb-provider.js';
export { MongoDBConnection, driverOptions, driverUrl, type CommandOptions, type DeploymentInfo } from './mongodb-connection.js';
export { MongoDBConfigSchema, parseMongoUrl, resolveConfig, type MongoDBConfig, type MongoDBConfigInput } from './mongodb-config.js';
export { MongoDBDatabase, fromExtendedJson, profilingFrom, type CollectionSummary, type MongoDBDatabaseTypes, type ProfilingStatus } from './mongodb-database.js';
export { MongoDBReplicaSetManager, mergeNodes, setIsHealthy } from './mongodb-ha.js';
export { addMember, effectiveWriteConcern, implicitWriteConcern, initiateConfig, removeMember, syncModeWriteConcern, votingChanges, writeConcernSyncMode, type EffectiveWriteConcern, type MemberSpec } from './mongodb-replset.js';
export { MONGODB_CAPABILITIES } from './mongodb-capabilities.js';
export { MONGODB_ERROR_TABLE, mapMongoError, mongoErrorKind } from './mongodb-errors.js';
export { toMetadata, SYSTEM_DATABASES, type MongoDBDatabaseMetadata } from './mongodb-metadata.js';
export * from './mongodb-options.js';
export { validateDatabaseName, validateCollectionName, databaseNameIssues, quoteName, FORBIDDEN_DATABASE_CHARACTERS } from './mongodb-quote.js';
export { describeCommand, DEFAULT_FIRST_COLLECTION, type Command } from './mongodb-statements.js';
export { MANIFEST_FILE, escapeCollectionName, unescapeCollectionName, readBsonDocuments, BsonFramingError, type BackupManifest, type ManifestCollection, type DumpMetadata } from './mongodb-dump-layout.js';
export { readDumpFolder, renameCollection, RESTORE_PREFIX, REPLACED_PREFIX, type DumpEntry, type DumpFolder } from './mongodb-restore.js';
export { openDump, verifySource, type DumpSource, type SourceCheck } from './mongodb-dump-source.js';
export { readArchive, ARCHIVE_MAGIC, type ArchiveCollection, type ArchiveItem } from './mongodb-archive.js';
export { insertRaw, hasEmptyTimestamp, type RawInsertOptions } from './mongodb-raw-insert.js';
