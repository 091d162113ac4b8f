import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { defineEngine, type EngineDefinition } from '@gds/database/engine';
import { issuesOfVariant } from '@gds/testkit';
import { describeEngineDefinition } from '@gds/testkit/jest';
import { MSSQLAvailabilityGroupManager, mssqlEngine, mssqlProvider } from './index.js';
import { MSSQLDatabase } from './mssql-database.js';

const definition = mssqlEngine.definition as EngineDefinition;
const issuesOf = (variant: Partial<EngineDefinition>) => issuesOfVariant(mssqlEngine, variant);

// registration (and the deprecated mssqlProvider alias), package.json's facts, every common
// feature declared, the classes, the extensions (each a method of MSSQLDatabase, each supported),
// no other engine's specialty, the commands' names
describeEngineDefinition(mssqlEngine, {
  packageJson: join(__dirname, '..', 'package.json'),
  facts: { type: 'mssql', packageName: '@gds/mssql', displayName: 'SQL Server', cliName: 'mssql', schemes: ['mssql', 'sqlserver'] },
  databaseClass: MSSQLDatabase,
  haManagerClass: MSSQLAvailabilityGroupManager,
  aliases: { mssqlProvider },
  extensions: [
    ['mssql.shrink', 'maintenance.shrink', 'shrink'],
    ['mssql.checkIntegrity', 'maintenance.checkIntegrity', 'checkIntegrity'],
    ['mssql.recoveryModel', 'recoveryModel', 'setRecoveryModel'],
  ],
  commands: ['recovery-model', 'shrink', 'check', 'backup-history', 'backup-header'],
  notSupported: ['maintenance.vacuum', 'clone', 'undrop', 'timeTravel', 'profiling'],
});

describe('the SQL Server engine definition', () => {
  it('supports differential backups but not incremental ones', () => {
    expect(mssqlEngine.supportsFeature('backup.differential')).toBe(true);
    expect(mssqlEngine.supportsFeature('backup.incremental')).toBe(false);
  });

  it('offers the CLI commands it had (their names are checked above; flags and texts by the CLI tests)', () => {
    const recovery = mssqlEngine.commands[0];
    expect(recovery?.confirm?.('app', ['SIMPLE'], {})).toBe('switch "app" to the SIMPLE recovery model (this breaks its log backup chain)');
    expect(recovery?.confirm?.('app', ['full'], {})).toBeUndefined();
  });

  describe('a variant that does not match its classes is refused (the check runs on MSSQLDatabase and the AG manager)', () => {
    it('backup.incremental flipped to true: refused only by what the checker can see (performBackup serves every backup type)', () => {
      // the hook check cannot tell a full backup hook from an incremental one: this is accepted
      expect(() => defineEngine({ ...definition, packageName: '@gds/mssql-variant', capabilities: { ...definition.capabilities, 'backup.incremental': true } })).not.toThrow();
    });

    it('state.offline declared unsupported while MSSQLDatabase implements it', () => {
      expect(issuesOf({ capabilities: { ...definition.capabilities, 'state.offline': 'not here' } })).toContainEqual({ path: '/capabilities/state.offline', message: 'MSSQLDatabase.performSetOnline is implemented but none of state.offline is declared supported' });
    });

    it('ha.failover declared unsupported while the AG manager implements it; ha without its manager', () => {
      expect(issuesOf({ capabilities: { ...definition.capabilities, 'ha.failover': 'not here' } })).toContainEqual({ path: '/capabilities/ha.failover', message: 'MSSQLAvailabilityGroupManager.performFailover is implemented but none of ha.failover is declared supported' });
      expect(issuesOf({ haManagerClass: undefined })).toContainEqual({ path: '/capabilities/ha', message: 'ha is declared supported but no haManagerClass is given' });
    });

    it('an extension feature put back in the common table, and an extension whose method does not exist', () => {
      const issues = issuesOf({
        capabilities: { ...definition.capabilities, 'maintenance.vacuum': 'SQL Server has no VACUUM' },
        extensions: [...(definition.extensions ?? []), { id: 'mssql.vacuum', feature: 'maintenance.vacuum', method: 'vacuum' as never }],
      });
      expect(issues).toEqual(
        expect.arrayContaining([
          { path: '/capabilities/maintenance.vacuum', message: 'is declared by an extension: leave it out of capabilities' },
          { path: '/extensions/3/method', message: 'MSSQLDatabase.vacuum does not exist' },
        ]),
      );
    });
  });

  it('refuses a name SQL Server cannot hold exactly before a Database object exists', () => {
    expect(() => definition.names.validateDatabaseName('x'.repeat(129))).toThrow(/at most 128/);
    expect(definition.names.quote('a]b')).toBe('[a]]b]');
  });
});
