import { describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { ValidationError } from '@gds/database';
import type { EngineDefinition } from '@gds/database/engine';
import { issuesOfVariant } from '@gds/testkit';
import { describeEngineDefinition } from '@gds/testkit/jest';
import { MySQLDatabase, MySQLReplicationManager, mysqlEngine } from './index.js';
import { MYSQL_COMMANDS } from './mysql-commands.js';
import { existsStatement, killConnection } from './mysql-statements.js';

const definition = mysqlEngine.definition as EngineDefinition;

// registration, package.json's facts, every common feature declared (true or a reason), the
// classes (MySQLReplicationManager), the extensions' methods, no other engine's specialties, the
// commands' names
describeEngineDefinition(mysqlEngine, {
  packageJson: join(__dirname, '..', 'package.json'),
  facts: { type: 'mysql', packageName: '@gds/mysql', displayName: 'MySQL/MariaDB', cliName: 'mysql', schemes: ['mysql', 'mariadb'] },
  databaseClass: MySQLDatabase,
  haManagerClass: MySQLReplicationManager,
  extensions: [
    ['mysql.analyze', 'maintenance.analyze', 'analyze'],
    ['mysql.optimize', 'maintenance.optimize', 'optimize'],
    ['mysql.checkIntegrity', 'maintenance.checkIntegrity', 'checkIntegrity'],
    ['mysql.readOnly', 'mysql.readOnly', 'setReadOnly'],
  ],
  commands: ['analyze', 'optimize', 'check', 'read-only'],
  notSupported: ['clone', 'undrop', 'timeTravel', 'maintenance.vacuum', 'maintenance.shrink', 'recoveryModel', 'profiling'],
});

describe('mysqlEngine (the definition)', () => {
  it('supports every HA feature', () => {
    for (const f of ['ha', 'ha.failover', 'ha.addNode', 'ha.removeNode', 'ha.syncMode'] as const) expect(definition.capabilities[f]).toBe(true);
  });

  it('says why schemas are unsupported: a database is a schema', () => {
    expect(String(definition.capabilities.schemas)).toMatch(/a database is a schema/);
  });

  it('a variant with a capability flipped is refused on these classes (the check runs on them)', () => {
    expect(issuesOfVariant(mysqlEngine, { capabilities: { ...definition.capabilities, 'state.offline': true } })).toContainEqual({
      path: '/capabilities/state.offline',
      message: 'is declared supported but MySQLDatabase.performSetOffline is not implemented',
    });
    expect(issuesOfVariant(mysqlEngine, { capabilities: { ...definition.capabilities, tables: 'no' } })).toContainEqual({
      path: '/capabilities/tables',
      message: 'MySQLDatabase.fetchTables is implemented but none of tables is declared supported',
    });
  });

  it('names: over 64 characters refused before a Database exists; quote doubles backticks', () => {
    expect(() => definition.names.validateDatabaseName('é'.repeat(65))).toThrow(/65 characters long/);
    expect(() => definition.names.validateDatabaseName('é'.repeat(64))).not.toThrow();
    expect(definition.names.quote('a `b`')).toBe('`a ``b```');
    expect(() => definition.names.quote('a\u0000b')).toThrow(ValidationError);
  });

  it('a dry run shows the statement object that runs, with its ? values', () => {
    expect(mysqlEngine.describeStatement(existsStatement("it's"))).toBe("SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ? -- ? = 'it''s'");
    expect(mysqlEngine.describeStatement(killConnection(42))).toBe('KILL CONNECTION 42');
    expect(() => killConnection(1.5)).toThrow(ValidationError);
  });

  it('the CLI commands are the extensions, each calling its method', () => {
    // the names (['analyze', 'optimize', 'check', 'read-only']) are checked by describeEngineDefinition above
    expect(mysqlEngine.commands).toEqual(MYSQL_COMMANDS);
    expect(MYSQL_COMMANDS.find((c) => c.name === 'optimize')?.confirm?.('app', [], {})).toMatch(/rebuilds the tables of "app"/);
  });
});
