import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { FEATURES, ValidationError, getProvider, type ValidationIssue } from '@gds/database';
import { defineEngine, type EngineDefinition } from '@gds/database/engine';
import { snowflakeEngine, snowflakeProvider, SnowflakeDatabase } from './index.js';
import type { SnowflakeConnection } from './snowflake-connection.js';

const definition = snowflakeEngine.definition as unknown as EngineDefinition<SnowflakeConnection, SnowflakeDatabase>;

function issuesOf(fn: () => unknown): readonly ValidationIssue[] {
  try {
    fn();
  } catch (e) {
    expect(ValidationError.isInstance(e)).toBe(true);
    return (e as ValidationError).issues;
  }
  throw new Error('expected defineEngine to refuse the definition');
}

describe('the Snowflake engine definition', () => {
  it('is accepted and is what importing the package registers (the deprecated provider name is the same object)', () => {
    expect(getProvider('snowflake')).toBe(snowflakeEngine);
    expect(snowflakeProvider).toBe(snowflakeEngine);
    expect(snowflakeEngine).toMatchObject({ type: 'snowflake', packageName: '@gds/snowflake', displayName: 'Snowflake', cliName: 'snowflake', schemes: ['snowflake'] });
  });

  it("matches package.json's gds.engine (read without importing the package)", () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { name: string; gds: { engine: Record<string, unknown> } };
    expect(pkg.name).toBe(snowflakeEngine.packageName);
    expect(pkg.gds.engine).toEqual({ type: snowflakeEngine.type, displayName: snowflakeEngine.displayName, cliName: snowflakeEngine.cliName, schemes: [...snowflakeEngine.schemes] });
  });

  it('declares every common feature, and its own operations only as extensions whose methods exist', () => {
    for (const f of FEATURES) expect([f, typeof definition.capabilities[f]]).toEqual([f, expect.stringMatching(/^(boolean|string)$/)]);
    expect(Object.keys(definition.capabilities).sort()).toEqual([...FEATURES].sort());
    expect(snowflakeEngine.extensions.map((e) => [e.id, e.feature, e.method])).toEqual([
      ['snowflake.clone', 'clone', 'clone'],
      ['snowflake.undrop', 'undrop', 'undrop'],
      ['snowflake.timeTravel', 'timeTravel', 'setRetentionTime'],
    ]);
    for (const e of snowflakeEngine.extensions) {
      expect([e.method, typeof (SnowflakeDatabase.prototype as unknown as Record<string, unknown>)[e.method]]).toEqual([e.method, 'function']);
      expect(snowflakeEngine.supportsFeature(e.feature)).toBe(true);
    }
    // other engines' specialties are not Snowflake's business any more: unsupported, no reason written here
    expect(snowflakeEngine.supportsFeature('maintenance.vacuum')).toBe(false);
    expect(definition.capabilities['maintenance.vacuum']).toBeUndefined();
  });

  it('offers the CLI commands of its extensions', () => {
    expect(snowflakeEngine.commands.map((c) => c.name)).toEqual(['clone', 'undrop', 'retention']);
  });

  it.each([
    ['state.offline', 'SnowflakeDatabase.performSetOnline'],
    ['access.singleUser', 'SnowflakeDatabase.performSetSingleUserMode'],
    ['backup.verify', 'SnowflakeDatabase.performVerifyBackup'],
    ['ha.syncMode', 'SnowflakeReplicationManager.performSetSyncMode'],
  ])('is refused with %s flipped to true, which its classes do not implement (%s)', (feature, hook) => {
    const issues = issuesOf(() => defineEngine({ ...definition, capabilities: { ...definition.capabilities, [feature]: true } }));
    expect(issues).toContainEqual({ path: `/capabilities/${feature}`, message: `is declared supported but ${hook} is not implemented` });
  });

  it('is refused when an implemented hook is declared unsupported, or an extension names a missing method', () => {
    expect(issuesOf(() => defineEngine({ ...definition, capabilities: { ...definition.capabilities, restore: 'no', 'restore.pointInTime': 'no' } }))).toContainEqual({
      path: '/capabilities/restore',
      message: 'SnowflakeDatabase.performRestore is implemented but none of restore, restore.pointInTime is declared supported',
    });
    expect(issuesOf(() => defineEngine({ ...definition, extensions: [{ id: 'snowflake.vacuum', feature: 'maintenance.vacuum', method: 'vacuum' as never }] }))).toContainEqual({
      path: '/extensions/0/method',
      message: 'SnowflakeDatabase.vacuum does not exist',
    });
  });

  it("runs the engine's name rule before a Database exists, and quotes exactly or refuses", () => {
    expect(() => definition.names.validateDatabaseName('x'.repeat(256))).toThrow(/Invalid database name/);
    expect(definition.names.quote('my "odd"; name')).toBe('"my ""odd""; name"');
    expect(() => definition.names.quote('', 'schema name')).toThrow(/Invalid schema name/);
  });
});
