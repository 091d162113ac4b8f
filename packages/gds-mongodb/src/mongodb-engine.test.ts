// The MongoDB engine definition: accepted by defineEngine, the same facts as package.json's
// gds.engine, extensions that name real methods, the check running on MongoDB's own classes (a
// capability flipped without its hook, or a hook left undeclared, is refused), the one error
// table, and the package's public exports pinned.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { getProvider, ValidationError, type ValidationIssue } from '@gds/database';
import { defineEngine, type EngineDefinition } from '@gds/database/engine';
import * as api from './index.js';
import { MONGODB_CAPABILITIES } from './mongodb-capabilities.js';
import { MongoDBDatabase } from './mongodb-database.js';
import { mongodbEngine } from './mongodb-engine.js';
import { classifyMongoError } from './mongodb-errors.js';

const definition = mongodbEngine.definition as EngineDefinition;

function issuesOf(fn: () => unknown): readonly ValidationIssue[] {
  try {
    fn();
  } catch (e) {
    expect(ValidationError.isInstance(e)).toBe(true);
    return (e as ValidationError).issues;
  }
  throw new Error('expected defineEngine to refuse the definition');
}

describe('mongodbEngine', () => {
  it('is accepted and registered by importing the package', () => {
    expect(getProvider('mongodb')).toBe(mongodbEngine);
    expect(api.mongodbProvider).toBe(mongodbEngine);
    expect(mongodbEngine.supportsFeature('profiling')).toBe(true);
    expect(mongodbEngine.supportsFeature('maintenance.vacuum')).toBe(false);
    expect(Object.keys(mongodbEngine.capabilities)).not.toContain('clone');
  });

  it('has the facts package.json declares in gds.engine', () => {
    const pkg = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { name: string; gds: { engine: Record<string, unknown> } };
    expect(pkg.gds.engine).toEqual({ type: mongodbEngine.type, displayName: mongodbEngine.displayName, cliName: mongodbEngine.cliName, schemes: [...mongodbEngine.schemes] });
    expect(mongodbEngine.packageName).toBe(pkg.name);
  });

  it('every extension names a method of MongoDBDatabase, and every command a distinct name', () => {
    expect(mongodbEngine.extensions.length).toBeGreaterThan(0);
    for (const e of mongodbEngine.extensions) expect(typeof (MongoDBDatabase.prototype as unknown as Record<string, unknown>)[e.method]).toBe('function');
    expect(mongodbEngine.commands.map((c) => c.name)).toEqual(['collections', 'profiling']);
  });

  it.each([
    ['state.offline', 'performSetOnline'],
    ['access.singleUser', 'performSetSingleUserMode'],
    ['schemas', 'fetchSchemas'],
  ])('refuses %s declared supported without MongoDBDatabase.%s', (feature, hook) => {
    const issues = issuesOf(() => defineEngine({ ...definition, capabilities: { ...MONGODB_CAPABILITIES, [feature]: true } }));
    expect(issues).toContainEqual({ path: `/capabilities/${feature}`, message: `is declared supported but MongoDBDatabase.${hook} is not implemented` });
  });

  it('refuses an implemented hook left undeclared, and a reason for another engine\'s extension', () => {
    expect(issuesOf(() => defineEngine({ ...definition, capabilities: { ...MONGODB_CAPABILITIES, 'ha.syncMode': 'not today' } }))).toContainEqual({
      path: '/capabilities/ha.syncMode',
      message: 'MongoDBReplicaSetManager.performSetSyncMode is implemented but none of ha.syncMode is declared supported',
    });
    expect(issuesOf(() => defineEngine({ ...definition, capabilities: { ...MONGODB_CAPABILITIES, clone: 'use backup and restore' } }))).toContainEqual({
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
