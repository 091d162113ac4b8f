import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { FEATURES, getProvider, ValidationError, type ValidationIssue } from '@gds/database';
import { defineEngine, type EngineDefinition } from '@gds/database/engine';
import { mssqlEngine, mssqlProvider } from './index.js';
import { MSSQLDatabase } from './mssql-database.js';

const definition = mssqlEngine.definition as EngineDefinition;

function issuesOf(variant: Partial<EngineDefinition>): readonly ValidationIssue[] {
  try {
    defineEngine({ ...definition, ...variant });
  } catch (e) {
    expect(ValidationError.isInstance(e)).toBe(true);
    return (e as ValidationError).issues;
  }
  throw new Error('expected defineEngine to refuse the variant');
}

describe('the SQL Server engine definition', () => {
  it('is accepted and registered by importing the package (the deprecated provider name is the same object)', () => {
    expect(getProvider('mssql')).toBe(mssqlEngine);
    expect(mssqlProvider).toBe(mssqlEngine);
    expect(mssqlEngine.supportsFeature('backup.differential')).toBe(true);
    expect(mssqlEngine.supportsFeature('backup.incremental')).toBe(false);
    // its own extensions, and no other engine's specialty
    for (const f of ['maintenance.shrink', 'maintenance.checkIntegrity', 'recoveryModel']) expect(mssqlEngine.supportsFeature(f)).toBe(true);
    for (const f of ['maintenance.vacuum', 'clone', 'undrop', 'timeTravel', 'profiling']) expect(mssqlEngine.capabilities[f]).toBeUndefined();
  });

  it('package.json gds.engine says what the definition says', () => {
    const pkg = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { name: string; gds: { engine: Record<string, unknown> } };
    expect(pkg.gds.engine).toEqual({ type: mssqlEngine.type, displayName: mssqlEngine.displayName, cliName: mssqlEngine.cliName, schemes: [...mssqlEngine.schemes] });
    expect(pkg.name).toBe(mssqlEngine.packageName);
    expect(pkg.gds.engine).toEqual({ type: 'mssql', displayName: 'SQL Server', cliName: 'mssql', schemes: ['mssql', 'sqlserver'] });
  });

  it('declares every common feature, and each extension names a method of MSSQLDatabase', () => {
    for (const f of FEATURES) expect(mssqlEngine.capabilities[f] === true || typeof mssqlEngine.capabilities[f] === 'string').toBe(true);
    expect(mssqlEngine.extensions.map((e) => e.id)).toEqual(['mssql.shrink', 'mssql.checkIntegrity', 'mssql.recoveryModel']);
    for (const e of mssqlEngine.extensions) expect(typeof (MSSQLDatabase.prototype as unknown as Record<string, unknown>)[e.method]).toBe('function');
  });

  it('offers the CLI commands it had (flags and texts are checked by the CLI tests)', () => {
    expect(mssqlEngine.commands.map((c) => c.name)).toEqual(['recovery-model', 'shrink', 'check', 'backup-history', 'backup-header']);
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
