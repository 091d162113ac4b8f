import { describe, expect, it, jest } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FEATURES, getProvider, ValidationError, type ValidationIssue } from '@gds/database';
import { defineEngine, type EngineCommandContext, type EngineDefinition } from '@gds/database/engine';
import { SQLiteDatabase, sqliteEngine, sqliteProvider } from './index.js';
import { SQLITE_COMMANDS } from './sqlite-commands.js';
import { vacuumInto } from './sqlite-statements.js';

const definition = sqliteEngine.definition as EngineDefinition;

function issuesOf(fn: () => unknown): readonly ValidationIssue[] {
  try {
    fn();
  } catch (e) {
    expect(ValidationError.isInstance(e)).toBe(true);
    return (e as ValidationError).issues;
  }
  throw new Error('expected defineEngine to refuse the definition');
}

describe('sqliteEngine (the definition)', () => {
  it('is accepted and registered by importing the package; the deprecated provider name is the same object', () => {
    expect(getProvider('sqlite')).toBe(sqliteEngine);
    expect(sqliteProvider).toBe(sqliteEngine);
    expect(sqliteEngine.packageName).toBe('@gds/sqlite');
  });

  it("package.json gds.engine holds the definition's facts", () => {
    const pkg = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { name: string; dependencies: Record<string, string>; gds: { engine: Record<string, unknown> } };
    expect(pkg.name).toBe(sqliteEngine.packageName);
    expect(pkg.gds.engine).toEqual({ type: sqliteEngine.type, displayName: sqliteEngine.displayName, cliName: sqliteEngine.cliName, schemes: [...sqliteEngine.schemes] });
    expect(pkg.gds.engine).toEqual({ type: 'sqlite', displayName: 'SQLite', cliName: 'sqlite', schemes: ['sqlite'] });
    // 13.x needs Node 22 and crashes on Node 20: the 12 line, pinned
    expect(pkg.dependencies['better-sqlite3']).toMatch(/^12\.\d+\.\d+$/);
  });

  it('declares every common feature; maintenance operations are extensions whose methods exist', () => {
    expect(Object.keys(definition.capabilities).sort()).toEqual([...FEATURES].sort());
    for (const f of FEATURES) expect(definition.capabilities[f] === true || (typeof definition.capabilities[f] === 'string' && definition.capabilities[f] !== '')).toBe(true);
    expect(sqliteEngine.extensions.map((e) => [e.id, e.feature, e.method])).toEqual([
      ['sqlite.vacuum', 'maintenance.vacuum', 'vacuum'],
      ['sqlite.analyze', 'maintenance.analyze', 'analyze'],
      ['sqlite.optimize', 'maintenance.optimize', 'optimize'],
      ['sqlite.checkIntegrity', 'maintenance.checkIntegrity', 'checkIntegrity'],
      ['sqlite.checkpoint', 'maintenance.checkpoint', 'checkpoint'],
    ]);
    for (const e of sqliteEngine.extensions) expect(typeof (SQLiteDatabase.prototype as unknown as Record<string, unknown>)[e.method]).toBe('function');
    for (const other of ['clone', 'undrop', 'timeTravel', 'maintenance.shrink', 'recoveryModel', 'profiling']) expect(sqliteEngine.supportsFeature(other)).toBe(false);
  });

  it('has no HA, and the reason names the tools that replicate SQLite files; force is refused with why', () => {
    for (const f of ['ha', 'ha.failover', 'ha.addNode', 'ha.removeNode', 'ha.syncMode'] as const) {
      expect(definition.capabilities[f]).toMatch(/Litestream/);
      expect(definition.capabilities[f]).toMatch(/LiteFS/);
      expect(definition.capabilities[f]).toMatch(/rqlite/);
    }
    expect(definition.haManagerClass).toBeUndefined();
    expect(definition.capabilities['drop.force']).toMatch(/another process/);
    for (const f of ['state.offline', 'access.singleUser', 'access.restrictedUser'] as const) expect(typeof definition.capabilities[f]).toBe('string');
  });

  it('a variant with a capability flipped is refused on these classes (the check runs on them)', () => {
    expect(issuesOf(() => defineEngine({ ...definition, capabilities: { ...definition.capabilities, 'state.offline': true } }))).toContainEqual({
      path: '/capabilities/state.offline',
      message: 'is declared supported but SQLiteDatabase.performSetOnline is not implemented',
    });
    expect(issuesOf(() => defineEngine({ ...definition, capabilities: { ...definition.capabilities, tables: 'not today' } }))).toContainEqual({
      path: '/capabilities/tables',
      message: 'SQLiteDatabase.fetchTables is implemented but none of tables is declared supported',
    });
    expect(issuesOf(() => defineEngine({ ...definition, capabilities: { ...definition.capabilities, ha: true } }))).toContainEqual({
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
    expect(sqliteEngine.commands).toEqual(SQLITE_COMMANDS);
    expect(SQLITE_COMMANDS.map((c) => c.name)).toEqual(['vacuum', 'analyze', 'optimize', 'check', 'checkpoint']);
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
