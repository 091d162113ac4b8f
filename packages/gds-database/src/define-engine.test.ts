import { describe, expect, it } from '@jest/globals';
import { Database, HighAvailabilityManager, ValidationError, type Capabilities, type ValidationIssue } from './index.js';
import { defineEngine, type EngineDefinition, type HATopology, type OperationContext } from './engine.js';
import { MEMORY_CAPABILITIES, MemoryConnection, MemoryDatabase, MemoryHA, memoryProvider, classifyMemoryError } from '../test/memory-provider.js';

/** A Database that implements only the required hooks. */
class Bare extends Database {
  protected async fetchMetadata() {
    return { name: this.name, type: 'sqlite', additionalAttributes: {} };
  }
  protected async performCreate() {
    return { message: 'created' };
  }
  protected async performDrop() {
    return { message: 'dropped' };
  }
}

class BareHA extends HighAvailabilityManager {
  protected async readTopology(): Promise<HATopology> {
    return { configuration: undefined, nodes: [], status: 'unknown', healthy: false };
  }
}

const NONE: Capabilities = Object.fromEntries(
  ['create', 'drop', 'drop.force', 'state.offline', 'access.singleUser', 'access.restrictedUser', 'backup.full', 'backup.differential', 'backup.incremental', 'backup.log', 'backup.verify', 'backup.progress', 'restore', 'restore.pointInTime', 'schemas', 'tables', 'ha', 'ha.failover', 'ha.addNode', 'ha.removeNode', 'ha.syncMode'].map((f) => [f, 'not in this test engine']),
);

function definition(overrides: Partial<EngineDefinition<MemoryConnection, Database>>): EngineDefinition<MemoryConnection, Database> {
  return {
    type: 'bare',
    packageName: '@gds/bare-test',
    displayName: 'Bare',
    cliName: 'bare',
    schemes: ['bare'],
    capabilities: { ...NONE, create: true, drop: true },
    connectionClass: MemoryConnection,
    databaseClass: Bare,
    connect: async () => new MemoryConnection({ databases: new Map(), executed: [], metadataFetches: 0, listQueries: 0, backupDelayMs: 0, isPrimary: true }),
    listDatabases: async () => [],
    getServerMetadata: async (c) => ({ type: 'bare', version: '1', versionNumber: 1, endpoint: c.endpoint, isReplica: false, additionalAttributes: {} }),
    classifyError: classifyMemoryError,
    describeStatement: (s) => s.text,
    names: { validateDatabaseName: () => undefined, quote: (n) => `"${n}"` },
    ...overrides,
  };
}

function issuesOf(fn: () => unknown): readonly ValidationIssue[] {
  try {
    fn();
  } catch (e) {
    expect(ValidationError.isInstance(e)).toBe(true);
    return (e as ValidationError).issues;
  }
  throw new Error('expected defineEngine to refuse the definition');
}

describe('defineEngine refuses an inconsistent engine when it is defined, not at run time', () => {
  it('accepts a consistent definition (the memory test engine)', () => {
    const engine = memoryProvider();
    expect(engine.supportsFeature('backup.full')).toBe(true);
    expect(engine.supportsFeature('ha.failover')).toBe(true);
    expect(engine.supportsFeature('maintenance.vacuum')).toBe(false);
  });

  it.each([
    ['state.offline', 'performSetOnline'],
    ['access.singleUser', 'performSetSingleUserMode'],
    ['access.restrictedUser', 'performSetRestrictedUserMode'],
    ['backup.full', 'performBackup'],
    ['backup.verify', 'performVerifyBackup'],
    ['restore', 'performRestore'],
    ['schemas', 'fetchSchemas'],
    ['tables', 'fetchTables'],
  ])('%s declared supported without %s', (feature, hook) => {
    const issues = issuesOf(() => defineEngine(definition({ capabilities: { ...NONE, create: true, drop: true, [feature]: true } })));
    expect(issues).toContainEqual({ path: `/capabilities/${feature}`, message: `is declared supported but Bare.${hook} is not implemented` });
  });

  it('an implemented hook that is not declared', () => {
    class Lists extends Bare {
      protected override async fetchSchemas(): Promise<string[]> {
        return [];
      }
    }
    const issues = issuesOf(() => defineEngine(definition({ databaseClass: Lists })));
    expect(issues).toContainEqual({ path: '/capabilities/schemas', message: 'Lists.fetchSchemas is implemented but none of schemas is declared supported' });
  });

  it('ha declared without an HA manager class, and an HA change declared without its hook', () => {
    expect(issuesOf(() => defineEngine(definition({ capabilities: { ...NONE, create: true, drop: true, ha: true } })))).toContainEqual({ path: '/capabilities/ha', message: 'ha is declared supported but no haManagerClass is given' });
    const issues = issuesOf(() => defineEngine(definition({ capabilities: { ...NONE, create: true, drop: true, ha: true, 'ha.failover': true }, haManagerClass: BareHA })));
    expect(issues).toContainEqual({ path: '/capabilities/ha.failover', message: 'is declared supported but BareHA.performFailover is not implemented' });
  });

  it('a common feature left out, an engine feature in the common table, an extension whose method is missing', () => {
    const { tables: _omitted, ...withoutTables } = NONE as Record<string, string>;
    const issues = issuesOf(() =>
      defineEngine(definition({ capabilities: { ...withoutTables, create: true, drop: true, 'maintenance.vacuum': 'no' }, extensions: [{ id: 'bare.vacuum', feature: 'maintenance.vacuum', method: 'vacuum' as never }] })),
    );
    expect(issues).toEqual(
      expect.arrayContaining([
        { path: '/capabilities/tables', message: 'must be true or the reason it is not supported' },
        { path: '/capabilities/maintenance.vacuum', message: 'is declared by an extension: leave it out of capabilities' },
        { path: '/extensions/0/method', message: 'Bare.vacuum does not exist' },
      ]),
    );
  });

  it('runs the engine name rules before a Database object exists, and maps errors with the engine table', () => {
    const engine = memoryProvider(new Map(), '@gds/memory-define-test');
    const conn = new MemoryConnection({ databases: new Map(), executed: [], metadataFetches: 0, listQueries: 0, backupDelayMs: 0, isPrimary: true });
    expect(() => engine.createDatabase(conn, 'x'.repeat(64))).toThrow(/longer than 63 bytes/);
    expect(engine.createDatabase(conn, 'app')).toBeInstanceOf(MemoryDatabase);
    const e = engine.mapError(Object.assign(new Error('who are you'), { code: 'AUTH' }), 'connect');
    expect(e.code).toBe('AUTHENTICATION');
    expect(e.message).toBe('connect: who are you');
    expect(e.cause).toBeInstanceOf(Error);
    expect(MEMORY_CAPABILITIES.create).toBe(true);
    expect(MemoryHA.name).toBe('MemoryHA');
  });

  it('refuses a connection of another engine', () => {
    const engine = memoryProvider(new Map(), '@gds/memory-define-test2');
    expect(() => engine.createDatabase({ type: 'postgresql', endpoint: 'x', close: async () => undefined }, 'app')).toThrow(/expected a MemoryConnection, got a postgresql connection/);
  });
});

export type { OperationContext };
