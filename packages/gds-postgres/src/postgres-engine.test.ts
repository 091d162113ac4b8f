import { describe, expect, it, jest } from '@jest/globals';
import { join } from 'node:path';
import { ValidationError } from '@gds/database';
import type { EngineCommandContext, EngineDefinition } from '@gds/database/engine';
import { issuesOfVariant } from '@gds/testkit';
import { describeEngineDefinition } from '@gds/testkit/jest';
import { postgresEngine, postgresProvider, PostgreSQLConnection, PostgreSQLDatabase, PostgreSQLReplicationManager } from './index.js';
import { POSTGRES_COMMANDS } from './postgres-commands.js';
import { dropReplicationSlot, promote, terminateBackend } from './postgres-statements.js';

const definition = postgresEngine.definition as EngineDefinition;

// registration (and the deprecated postgresProvider alias), package.json's facts, every common
// feature declared, the classes, vacuum as an extension whose method exists, no other engine's
// specialties, the commands' names
describeEngineDefinition(postgresEngine, {
  packageJson: join(__dirname, '..', 'package.json'),
  facts: { type: 'postgresql', packageName: '@gds/postgres', displayName: 'PostgreSQL', cliName: 'postgres', schemes: ['postgres', 'postgresql'] },
  databaseClass: PostgreSQLDatabase,
  haManagerClass: PostgreSQLReplicationManager,
  aliases: { postgresProvider },
  extensions: [['postgresql.vacuum', 'maintenance.vacuum', 'vacuum']],
  commands: ['vacuum'],
  notSupported: ['clone', 'undrop', 'timeTravel', 'maintenance.shrink', 'maintenance.checkIntegrity', 'recoveryModel', 'profiling'],
});

describe('postgresEngine (the definition)', () => {
  it('a variant with a capability flipped is refused on these classes (the check runs on them)', () => {
    // addNode: PostgreSQLReplicationManager has no performAddNode
    expect(issuesOfVariant(postgresEngine, { capabilities: { ...definition.capabilities, 'ha.addNode': true } })).toContainEqual({
      path: '/capabilities/ha.addNode',
      message: 'is declared supported but PostgreSQLReplicationManager.performAddNode is not implemented',
    });
    // schemas: PostgreSQLDatabase implements fetchSchemas, so it must be declared
    expect(issuesOfVariant(postgresEngine, { capabilities: { ...definition.capabilities, schemas: 'not today' } })).toContainEqual({
      path: '/capabilities/schemas',
      message: 'PostgreSQLDatabase.fetchSchemas is implemented but none of schemas is declared supported',
    });
    expect(issuesOfVariant(postgresEngine, { extensions: [{ id: 'postgresql.shrink', feature: 'maintenance.shrink', method: 'shrink' as never }] })).toContainEqual({
      path: '/extensions/0/method',
      message: 'PostgreSQLDatabase.shrink does not exist',
    });
  });

  it('names: over 63 bytes refused before a Database exists; quote is the one quoting function', () => {
    expect(() => definition.names.validateDatabaseName('é'.repeat(32))).toThrow(/64 bytes long/);
    expect(() => definition.names.validateDatabaseName('x'.repeat(63))).not.toThrow();
    expect(definition.names.quote('a "b"')).toBe('"a ""b"""');
    expect(() => definition.names.quote('a\u0000b')).toThrow(ValidationError);
  });

  it('a dry run shows the statement object that runs: parameters and the server it runs on', () => {
    expect(postgresEngine.describeStatement(terminateBackend(4242))).toBe('select pg_catalog.pg_terminate_backend($1) -- $1 = 4242');
    expect(terminateBackend(4242).params).toEqual([4242]);
    expect(postgresEngine.describeStatement(dropReplicationSlot("it's"))).toBe("select pg_catalog.pg_drop_replication_slot($1) -- $1 = 'it''s'");
    expect(postgresEngine.describeStatement(promote('postgresql://127.0.0.1:5433/postgres'))).toBe('select pg_catalog.pg_promote(true, 60) -- on postgresql://127.0.0.1:5433/postgres');
    expect(promote('x').text).toBe('select pg_catalog.pg_promote(true, 60)');
  });
});

describe('the HA reads go through readOptionsSchema', () => {
  it('replyTimeoutMs is checked (and unknown keys refused) before anything is sent', async () => {
    // port 1: a read that reached the network would fail with a ConnectionError, not a ValidationError
    const conn = new PostgreSQLConnection('postgres://postgres@127.0.0.1:1/postgres');
    try {
      const ha = postgresEngine.createDatabase(conn, 'app').ha as PostgreSQLReplicationManager;
      expect(ha).toBeInstanceOf(PostgreSQLReplicationManager);
      for (const read of [() => ha.isHealthy({ replyTimeoutMs: 0 }), () => ha.getAllNodes({ replyTimeoutMs: 1.5 }), () => ha.getStatus({ bogus: 1 } as never), () => ha.monitorLag({ replyTimeoutMs: '5' as never })]) {
        await expect(read()).rejects.toBeInstanceOf(ValidationError);
      }
      // a valid replyTimeoutMs passes validation (the core's ReadOptionsSchema alone would refuse the key) and reaches the network
      const reached = await ha.isHealthy({ replyTimeoutMs: 5_000, timeoutMs: 5_000 }).catch((e: unknown) => e);
      expect(ValidationError.isInstance(reached)).toBe(false);
      expect((reached as { code?: string }).code).toBe('CONNECTION');
    } finally {
      await conn.close();
    }
  });
});

describe('POSTGRES_COMMANDS', () => {
  const ctx: EngineCommandContext = { changeOptions: () => ({ dryRun: true }), readOptions: () => ({}) };
  const vacuum = POSTGRES_COMMANDS.find((c) => c.name === 'vacuum')!;

  it('are the definition\'s commands: vacuum, with its flags', () => {
    // the names (['vacuum']) are checked by describeEngineDefinition above
    expect(postgresEngine.commands).toEqual(POSTGRES_COMMANDS);
    expect(vacuum.options?.map(([flags]) => flags)).toEqual(['--full', '--no-analyze', '--freeze', '--verbose', '--table <name...>']);
    expect(vacuum.confirm?.('app', [], { full: true })).toBe('VACUUM FULL "app" (takes exclusive locks while it rewrites tables)');
    expect(vacuum.confirm?.('app', [], {})).toBeUndefined();
  });

  it('vacuum calls db.vacuum with the parsed options (schema.name split once)', async () => {
    const db = { vacuum: jest.fn(async (_options: unknown) => ({ success: true })) };
    await vacuum.run(db as unknown as PostgreSQLDatabase, [], { analyze: false, table: ['orders', 'audit.log.2024'] }, ctx);
    expect(db.vacuum).toHaveBeenCalledWith({ full: false, analyze: false, freeze: false, verbose: false, tables: ['orders', { schema: 'audit', name: 'log.2024' }], dryRun: true });
  });
});
