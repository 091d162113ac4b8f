// The MongoDB engine definition: accepted by defineEngine, the same facts as package.json's
// gds.engine, extensions that name real methods (these three from testkit's
// describeEngineDefinition), the check running on MongoDB's own classes (a capability flipped
// without its hook, or a hook left undeclared, is refused), the one error table, and the
// package's public exports pinned.
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { issuesOfVariant } from '@gds/testkit';
import { describeEngineDefinition } from '@gds/testkit/jest';
import * as api from './index.js';
import { MONGODB_CAPABILITIES } from './mongodb-capabilities.js';
import { MongoDBDatabase } from './mongodb-database.js';
import { mongodbEngine } from './mongodb-engine.js';
import { classifyMongoError } from './mongodb-errors.js';

// registration (and the deprecated mongodbProvider alias), package.json's facts, every common
// feature declared, the classes, profiling as an extension naming a method of MongoDBDatabase,
// no VACUUM or clone, every command a distinct name
describeEngineDefinition(mongodbEngine, {
  packageJson: join(__dirname, '..', 'package.json'),
  facts: { type: 'mongodb', packageName: '@gds/mongodb', displayName: 'MongoDB', cliName: 'mongodb', schemes: ['mongodb', 'mongodb+srv'] },
  databaseClass: MongoDBDatabase,
  haManagerClass: api.MongoDBReplicaSetManager,
  aliases: { mongodbProvider: api.mongodbProvider },
  extensions: [['mongodb.profiling', 'profiling', 'setProfilingLevel']],
  commands: ['collections', 'profiling'],
  notSupported: ['maintenance.vacuum', 'clone'],
});

describe('mongodbEngine', () => {
  it.each([
    ['state.offline', 'performSetOnline'],
    ['access.singleUser', 'performSetSingleUserMode'],
    ['schemas', 'fetchSchemas'],
  ])('refuses %s declared supported without MongoDBDatabase.%s', (feature, hook) => {
    const issues = issuesOfVariant(mongodbEngine, { capabilities: { ...MONGODB_CAPABILITIES, [feature]: true } });
    expect(issues).toContainEqual({ path: `/capabilities/${feature}`, message: `is declared supported but MongoDBDatabase.${hook} is not implemented` });
  });

  it('refuses an implemented hook left undeclared, and a reason for another engine\'s extension', () => {
    expect(issuesOfVariant(mongodbEngine, { capabilities: { ...MONGODB_CAPABILITIES, 'ha.syncMode': 'not today' } })).toContainEqual({
      path: '/capabilities/ha.syncMode',
      message: 'MongoDBReplicaSetManager.performSetSyncMode is implemented but none of ha.syncMode is declared supported',
    });
    expect(issuesOfVariant(mongodbEngine, { capabilities: { ...MONGODB_CAPABILITIES, clone: 'use backup and restore' } })).toContainEqual({
      path: '/capabilities/clone',
      message: 'is not a common feature: declare it as an extension',
    });
  });

  it('classifies with one table: kind, code, hint, retryable only from a label, errmsg of a plain reply', () => {
    expect(classifyMongoError({ code: 18, message: 'Authentication failed.' })).toEqual({ kind: 'AUTHENTICATION', code: '18', hint: 'check the user, password, authSource and authMechanism' });
    expect(classifyMongoError({ code: 1234, message: 'x', errorLabels: ['RetryableWriteError'] })).toMatchObject({ kind: 'QUERY', code: '1234', retryable: true });
    expect(classifyMongoError({ code: 26, errmsg: 'ns not found' })).toMatchObject({ kind: 'DATABASE_NOT_FOUND', message: 'ns not found' });
    expect(classifyMongoError('text')).toEqual({ kind: 'QUERY' });
  });

  it('exports what users need and nothing else (update this list on purpose)', () => {
    expect(Object.keys(api).sort()).toEqual([
      'FORBIDDEN_DATABASE_CHARACTERS',
      'InitiateOptionsSchema',
      'ListCollectionsOptionsSchema',
      'MAX_DATABASE_NAME_BYTES',
      'MongoDBBackupOptionsSchema',
      'MongoDBConfigSchema',
      'MongoDBConnection',
      'MongoDBCreateOptionsSchema',
      'MongoDBDatabase',
      'MongoDBFailoverOptionsSchema',
      'MongoDBReplicaSetManager',
      'MongoDBRestoreOptionsSchema',
      'ProfilingOptionsSchema',
      'ReplicaSetMemberSchema',
      'mongodbEngine',
      'mongodbProvider',
      'quoteName',
    ]);
  });
});
