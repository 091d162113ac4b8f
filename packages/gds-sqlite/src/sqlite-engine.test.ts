import { describe, expect, it, jest } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ValidationError } from '@gds/database';
import type { EngineCommandContext, EngineDefinition } from '@gds/database/engine';
import { issuesOfVariant } from '@gds/testkit';
import { describeEngineDefinition } from '@gds/testkit/jest';
import { SQLiteDatabase, sqliteEngine, sqliteProvider } from './index.js';
import { SQLITE_COMMANDS } from './sqlite-commands.js';
import { vacuumInto } from './sqlite-statements.js';

const definition = sqliteEngine.definition as EngineDefinition;

// registration (and the deprecated sqliteProvider alias), package.json's facts, every common
// feature declared, no HA manager class, the maintenance operations as extensions whose methods
// exist, no other engine's specialties, the commands' names
describeEngineDefinition(sqliteEngine, {
  packageJson: join(__dirname, '..', 'package.json'),
  facts: { type: 'sqlite', packageName: '@gds/sqlite', displayName: 'SQLite', cliName: 'sqlite', schemes: ['sqlite'] },
  databaseClass: SQLiteDatabase,
  aliases: { sqliteProvider },
  extensions: [
    ['sqlite.vacuum', 'maintenance.vacuum', 'vacuum'],
    ['sqlite.analyze', 'maintenance.analyze', 'analyze'],
    ['sqlite.optimize', 'maintenance.optimize', 'optimize'],
    ['sqlite.checkIntegrity', 'maintenance.checkIntegrity', 'checkIntegrity'],
    ['sqlite.checkpoint', 'maintenance.checkpoint', 'checkpoint'],
  ],
  commands: ['vacuum', 'analyze', 'optimize', 'check', 'checkpoint'],
  notSupported: ['clone', 'undrop', 'timeTravel', 'maintenance.shrink', 'recoveryModel', 'profiling'],
});

describe('sqliteEngine (the definition)', () => {
  it('package.json pins better-sqlite3 to the 12 line', () => {
    const pkg = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    // 13.x needs Node 22 and crashes on Node 20: the 12 line, pinned
    expect(pkg.dependencies['better-sqlite3']).toMatch(/^12\.\d+\.\d+$/);
  });

  it('has no HA, and the reason names the tools that replicate SQLite files; force is refused with why', () => {
    for (const f of ['ha', 'ha.failover', 'ha.addNode', 'ha.removeNode', 'ha.syncMode'] as const) {
      expect(definition.capabilities[f]).toMatch(/Litestream/);
      expect(definition.capabilities[f]).toMatch(/LiteFS/);
      expect(definition.capabilities[f]).toMatch(/rqlite/);
    }
    // no haManagerClass: checked by describeEngineDefinition above
    expect(definition.capabilities['drop.force']).toMatch(/another process/);
    for (const f of ['state.offline', 'access.singleUser', 'access.restrictedUser'] as const) expect(typeof definition.capabilities[f]).toBe('string');
  });

  it('a variant with a capability flipped is refused on these classes (the check runs on them)', () => {
    expect(issuesOfVariant(sqliteEngine, { capabilities: { ...definition.capabilities, 'state.offline': true } })).toContainEqual({
      path: '/capabilities/state.offline',
      message: 'is declared supported but SQLiteDatabase.performSetOnline is not implemented',
    });
    expect(issuesOfVariant(sqliteEngine, { capabilities: { ...definition.capabilities, tables: 'not today' } })).toContainEqual({
      path: '/capabilities/tables',
      message: 'SQLiteDatabase.fetchTables is implemented but none of tables is declared supported',
    });
    expect(issuesOfVariant(sqliteEngine, { capabilities: { ...definition.capabilities, ha: true } })).toContainEqual({
      path: '/capabilities/ha',
      message: 'ha is declared supported but no haManagerClass is given',
    });
  });

  it('names: file names refused before a Database exists; quote is the one quoting function', () => {
    expect(() => definition.names.validateDatabaseName('../etc/passwd')).toThrow(ValidationError);
    expect(() => definition.names.validateDatabaseName('app')).not.toThrow();
    expect(definition.names.quote('a "b"')).toBe('"a ""b"""');
    expect(() => definition.names.quote('a\u0000b')).toThrow(ValidationError);
  });

  it('a dry run shows the statement object that runs, with its parameter and file', () => {
    const s = vacuumInto("/b/it's.db", '/data/app.db');
    expect(s.params).toEqual(["/b/it's.db"]);
    expect(sqliteEngine.describeStatement(s)).toBe("VACUUM INTO ? -- ?1 = '/b/it''s.db', in /data/app.db");
  });
});

describe('SQLITE_COMMANDS', () => {
  const ctx: EngineCommandContext = { changeOptions: () => ({ dryRun: true }), readOptions: () => ({}) };
  const byName = (n: string) => SQLITE_COMMANDS.find((c) => c.name === n)!;

  it("are the definition's commands, with their flags", () => {
    // the names (['vacuum', 'analyze', 'optimize', 'check', 'checkpoint']) are checked by describeEngineDefinition above
    expect(sqliteEngine.commands).toEqual(SQLITE_COMMANDS);
    expect(byName('check').options?.map(([f]) => f)).toEqual(['--quick', '--max-errors <n>']);
    expect(byName('checkpoint').options?.map(([f]) => f)).toEqual(['--mode <mode>']);
    expect(byName('vacuum').confirm?.('app', [], {})).toMatch(/^VACUUM "app"/);
  });

  it('call the typed methods with the parsed options', async () => {
    const db = { checkIntegrity: jest.fn(async (_o: unknown) => ({ success: true })), checkpoint: jest.fn(async (_o: unknown) => ({ success: true })) };
    await byName('check').run(db as unknown as SQLiteDatabase, [], { quick: true, maxErrors: '5' }, ctx);
    expect(db.checkIntegrity).toHaveBeenCalledWith({ quick: true, maxErrors: 5, dryRun: true });
    await byName('checkpoint').run(db as unknown as SQLiteDatabase, [], { mode: 'truncate' }, ctx);
    expect(db.checkpoint).toHaveBeenCalledWith({ mode: 'truncate', dryRun: true });
  });
});
