import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FEATURES, getProvider, ValidationError, type ValidationIssue } from '@gds/database';
import { defineEngine, type EngineDefinition } from '@gds/database/engine';
import { MySQLDatabase, MySQLReplicationManager, mysqlEngine } from './index.js';
import { MYSQL_COMMANDS } from './mysql-commands.js';
import { existsStatement, killConnection } from './mysql-statements.js';

const definition = mysqlEngine.definition as EngineDefinition;

function issuesOf(fn: () => unknown): readonly ValidationIssue[] {
  try {
    fn();
  } catch (e) {
    expect(ValidationError.isInstance(e)).toBe(true);
    return (e as ValidationError).issues;
  }
  throw new Error('expected defineEngine to refuse the definition');
}

describe('mysqlEngine (the definition)', () => {
  it('is accepted and registered by importing the package', () => {
    expect(getProvider('mysql')).toBe(mysqlEngine);
    expect(mysqlEngine.packageName).toBe('@gds/mysql');
    expect(definition.haManagerClass).toBe(MySQLReplicationManager);
    for (const f of ['ha', 'ha.failover', 'ha.addNode', 'ha.removeNode', 'ha.syncMode'] as const) expect(definition.capabilities[f]).toBe(true);
  });

  it("package.json gds.engine holds the definition's facts", () => {
    const pkg = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { name: string; gds: { engine: Record<string, unknown> } };
    expect(pkg.name).toBe(mysqlEngine.packageName);
    expect(pkg.gds.engine).toEqual({ type: mysqlEngine.type, displayName: mysqlEngine.displayName, cliName: mysqlEngine.cliName, schemes: [...mysqlEngine.schemes] });
    expect(pkg.gds.engine).toEqual({ type: 'mysql', displayName: 'MySQL/MariaDB', cliName: 'mysql', schemes: ['mysql', 'mariadb'] });
  });

  it('declares every common feature (true or a reason); its extensions\' methods exist', () => {
    for (const f of FEATURES) expect(definition.capabilities[f] === true || (typeof definition.capabilities[f] === 'string' && definition.capabilities[f] !== '')).toBe(true);
    expect(Object.keys(definition.capabilities).sort()).toEqual([...FEATURES].sort());
    expect(mysqlEngine.extensions.map((e) => [e.id, e.feature, e.method])).toEqual([
      ['mysql.analyze', 'maintenance.analyze', 'analyze'],
      ['mysql.optimize', 'maintenance.optimize', 'optimize'],
      ['mysql.checkIntegrity', 'maintenance.checkIntegrity', 'checkIntegrity'],
      ['mysql.readOnly', 'mysql.readOnly', 'setReadOnly'],
    ]);
    for (const e of mysqlEngine.extensions) expect(typeof (MySQLDatabase.prototype as unknown as Record<string, unknown>)[e.method]).toBe('function');
    for (const other of ['clone', 'undrop', 'timeTravel', 'maintenance.vacuum', 'maintenance.shrink', 'recoveryModel', 'profiling']) expect(mysqlEngine.supportsFeature(other)).toBe(false);
    expect(String(definition.capabilities.schemas)).toMatch(/a database is a schema/);
  });

  it('a variant with a capability flipped is refused on these classes (the check runs on them)', () => {
    expect(issuesOf(() => defineEngine({ ...definition, capabilities: { ...definition.capabilities, 'state.offline': true } }))).toContainEqual({
      path: '/capabilities/state.offline',
      message: 'is declared supported but MySQLDatabase.performSetOffline is not implemented',
    });
    expect(issuesOf(() => defineEngine({ ...definition, capabilities: { ...definition.capabilities, tables: 'no' } }))).toContainEqual({
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
    expect(MYSQL_COMMANDS.map((c) => c.name)).toEqual(['analyze', 'optimize', 'check', 'read-only']);
    expect(MYSQL_COMMANDS.find((c) => c.name === 'optimize')?.confirm?.('app', [], {})).toMatch(/rebuilds the tables of "app"/);
  });
});
