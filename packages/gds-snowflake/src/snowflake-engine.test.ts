import { describe, expect, it } from '@jest/globals';
import type { EngineDefinition } from '@gds/database/engine';
import { issuesOfVariant } from '@gds/testkit';
import { describeEngineDefinition } from '@gds/testkit/jest';
import { snowflakeEngine, snowflakeProvider, SnowflakeDatabase, SnowflakeReplicationManager } from './index.js';
import type { SnowflakeConnection } from './snowflake-connection.js';

const definition = snowflakeEngine.definition as unknown as EngineDefinition<SnowflakeConnection, SnowflakeDatabase>;

// registration (and the deprecated snowflakeProvider alias), the facts and package.json's
// gds.engine (read without importing the package), every common feature declared, its own
// operations only as extensions whose methods exist, other engines' specialties unsupported with
// no reason written here, the CLI commands of its extensions
describeEngineDefinition(snowflakeEngine, {
  packageJson: new URL('../package.json', import.meta.url),
  facts: { type: 'snowflake', packageName: '@gds/snowflake', displayName: 'Snowflake', cliName: 'snowflake', schemes: ['snowflake'] },
  databaseClass: SnowflakeDatabase,
  haManagerClass: SnowflakeReplicationManager,
  aliases: { snowflakeProvider },
  extensions: [
    ['snowflake.clone', 'clone', 'clone'],
    ['snowflake.undrop', 'undrop', 'undrop'],
    ['snowflake.timeTravel', 'timeTravel', 'setRetentionTime'],
  ],
  commands: ['clone', 'undrop', 'retention'],
  notSupported: ['maintenance.vacuum'],
});

describe('the Snowflake engine definition', () => {
  it.each([
    ['state.offline', 'SnowflakeDatabase.performSetOnline'],
    ['access.singleUser', 'SnowflakeDatabase.performSetSingleUserMode'],
    ['backup.verify', 'SnowflakeDatabase.performVerifyBackup'],
    ['ha.syncMode', 'SnowflakeReplicationManager.performSetSyncMode'],
  ])('is refused with %s flipped to true, which its classes do not implement (%s)', (feature, hook) => {
    const issues = issuesOfVariant(snowflakeEngine, { capabilities: { ...definition.capabilities, [feature]: true } });
    expect(issues).toContainEqual({ path: `/capabilities/${feature}`, message: `is declared supported but ${hook} is not implemented` });
  });

  it('is refused when an implemented hook is declared unsupported, or an extension names a missing method', () => {
    expect(issuesOfVariant(snowflakeEngine, { capabilities: { ...definition.capabilities, restore: 'no', 'restore.pointInTime': 'no' } })).toContainEqual({
      path: '/capabilities/restore',
      message: 'SnowflakeDatabase.performRestore is implemented but none of restore, restore.pointInTime is declared supported',
    });
    expect(issuesOfVariant(snowflakeEngine, { extensions: [{ id: 'snowflake.vacuum', feature: 'maintenance.vacuum', method: 'vacuum' as never }] })).toContainEqual({
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
