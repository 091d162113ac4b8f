// The engine-definition checks can fail: a consistent test engine passes every check, and each
// deliberately inconsistent engine, package.json or expectation is named by the check it breaks.
// describeEngineDefinition() runs on the consistent engine at the end (its six tests pass).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Database, FEATURES, registerProvider, unregisterProvider, type Capabilities, type DatabaseConnection, type DatabaseProvider } from '@gds/database';
import { defineEngine } from '@gds/database/engine';
import { describeEngineDefinition } from './describe-engine-definition.js';
import { engineDefinitionProblems, issuesOfVariant, type EngineExpectations } from './engine-definition-checks.js';

class CheckConnection implements DatabaseConnection {
  readonly type = 'checktest';
  readonly endpoint = 'checktest://nowhere';
  async close(): Promise<void> {}
}

class CheckDatabase extends Database {
  protected async fetchMetadata() {
    return { name: this.name, type: 'checktest', additionalAttributes: {} };
  }
  protected async performCreate() {
    return { message: 'created' };
  }
  protected async performDrop() {
    return { message: 'dropped' };
  }
  async tidy(): Promise<void> {}
}

const CAPABILITIES = { ...Object.fromEntries(FEATURES.map((f) => [f, 'not in this test engine'])), create: true, drop: true } as Capabilities;

const engine = defineEngine({
  type: 'checktest',
  packageName: '@gds/checktest',
  displayName: 'Check Test',
  cliName: 'check-test',
  schemes: ['checktest', 'checktest2'],
  capabilities: CAPABILITIES,
  connectionClass: CheckConnection,
  databaseClass: CheckDatabase,
  connect: async () => new CheckConnection(),
  listDatabases: async () => [],
  getServerMetadata: async (c) => ({ type: 'checktest', version: '1', endpoint: c.endpoint, isReplica: false, additionalAttributes: {} }),
  classifyError: () => ({ kind: 'QUERY' }),
  describeStatement: (s) => s.text,
  names: { validateDatabaseName: () => undefined, quote: (n) => `"${n}"` },
  extensions: [{ id: 'checktest.tidy', feature: 'maintenance.tidy', method: 'tidy' }],
  commands: [{ name: 'tidy', description: 'tidy up', run: async () => ({}) }],
});
const checktestProvider = engine;

const PKG = { name: '@gds/checktest', gds: { engine: { type: 'checktest', displayName: 'Check Test', cliName: 'check-test', schemes: ['checktest', 'checktest2'] } } };
const EXPECTED: EngineExpectations = {
  facts: { type: 'checktest', packageName: '@gds/checktest', displayName: 'Check Test', cliName: 'check-test', schemes: ['checktest', 'checktest2'] },
  databaseClass: CheckDatabase,
  aliases: { checktestProvider },
  extensions: [['checktest.tidy', 'maintenance.tidy', 'tidy']],
  commands: ['tidy'],
  notSupported: ['maintenance.vacuum', 'clone'],
};
const NONE = { registration: [], packageJson: [], capabilities: [], classes: [], specialties: [], commands: [] };

/** `engine` with some of its facts or definition changed (what defineEngine would refuse is built by hand). */
function altered(changes: Partial<Record<keyof DatabaseProvider, unknown>>, definition: Record<string, unknown> = {}): DatabaseProvider {
  return { ...engine, ...changes, definition: { ...engine.definition, ...definition } } as DatabaseProvider;
}

registerProvider(engine);
afterAll(() => {
  unregisterProvider('checktest');
});

describe('engineDefinitionProblems', () => {
  it('finds nothing wrong with a consistent engine and package.json', () => {
    expect(engineDefinitionProblems(engine, EXPECTED, PKG)).toEqual(NONE);
  });

  it('registration: an engine that is not registered, another object registered under its type, an alias that is a copy', () => {
    const copy = { ...engine };
    expect(engineDefinitionProblems(engine, { ...EXPECTED, aliases: { checktestProvider: copy } }, PKG).registration).toEqual(['checktestProvider is not the engine object itself']);
    expect(engineDefinitionProblems(copy as DatabaseProvider, { ...EXPECTED, aliases: {} }, PKG).registration).toEqual([
      "getProvider('checktest') is another engine object than this one",
      'a checktest:// URL goes to another engine',
      'a checktest2:// URL goes to another engine',
    ]);
    unregisterProvider('checktest');
    try {
      const problems = engineDefinitionProblems(engine, EXPECTED, PKG).registration;
      expect(problems).toHaveLength(3);
      expect(problems[0]).toMatch(/^getProvider\('checktest'\) throws \(is the engine registered when its package is imported\?\): No engine 'checktest' is registered/);
      expect(problems[1]).toMatch(/^a checktest:\/\/ URL finds no engine: /);
    } finally {
      registerProvider(engine);
    }
  });

  it("packageJson: package.json's name, a gds.engine fact, an extra key or no gds.engine; the engine's own facts against the pinned ones", () => {
    const wrong = { name: '@gds/other', gds: { engine: { ...PKG.gds.engine, cliName: 'checks', schemes: ['checktest'], packageName: '@gds/checktest' } } };
    expect(engineDefinitionProblems(engine, EXPECTED, wrong).packageJson).toEqual([
      `package.json's name is "@gds/other" but the definition's packageName is "@gds/checktest"`,
      `package.json's gds.engine.cliName is "checks" but the definition's is "check-test"`,
      `package.json's gds.engine.schemes is ["checktest"] but the definition's is ["checktest","checktest2"]`,
      "package.json's gds.engine has packageName, which is not one of type, displayName, cliName, schemes",
    ]);
    expect(engineDefinitionProblems(engine, EXPECTED, { name: '@gds/checktest' }).packageJson).toEqual(['package.json has no gds.engine object']);
    expect(engineDefinitionProblems(engine, EXPECTED, 'not json').packageJson).toEqual(['package.json is not an object']);
    // the definition and package.json agree, but not with the pinned facts
    expect(engineDefinitionProblems(engine, { ...EXPECTED, facts: { ...EXPECTED.facts, displayName: 'Checks', schemes: ['checktest2', 'checktest'] } }, PKG).packageJson).toEqual([
      `the engine's displayName is "Check Test", expected "Checks"`,
      `the engine's schemes is ["checktest","checktest2"], expected ["checktest2","checktest"]`,
    ]);
  });

  it('capabilities: a common feature missing or with an empty reason, and a key that is no common feature', () => {
    const { 'backup.full': _dropped, ...withoutFull } = CAPABILITIES as Record<string, unknown>;
    const e = altered({}, { capabilities: { ...withoutFull, tables: ' ', clone: true } });
    expect(engineDefinitionProblems(e, EXPECTED, PKG).capabilities).toEqual([
      "capabilities['backup.full'] is undefined: it must be true or the reason it is not supported",
      "capabilities['tables'] is \" \": it must be true or the reason it is not supported",
      "capabilities has 'clone', which is not a common feature (declare it as an extension)",
    ]);
    expect(engineDefinitionProblems(altered({}, { capabilities: { ...CAPABILITIES, restore: false } }), EXPECTED, PKG).capabilities).toEqual([
      "capabilities['restore'] is false: it must be true or the reason it is not supported",
    ]);
  });

  it('classes: another Database class, an HA manager where none is expected, extensions not as pinned, a missing method, an unsupported extension feature', () => {
    class Other extends CheckDatabase {}
    class SomeHA {}
    expect(engineDefinitionProblems(altered({}, { databaseClass: Other, haManagerClass: SomeHA }), EXPECTED, PKG).classes).toEqual([
      'databaseClass is Other, not the exported CheckDatabase',
      'haManagerClass is SomeHA, expected undefined',
    ]);
    expect(engineDefinitionProblems(engine, { ...EXPECTED, haManagerClass: SomeHA }, PKG).classes).toEqual(['haManagerClass is undefined, expected SomeHA']);
    expect(engineDefinitionProblems(engine, { ...EXPECTED, extensions: [['checktest.tidy', 'maintenance.tidy', 'clean']] }, PKG).classes).toEqual([
      'the extensions are [["checktest.tidy","maintenance.tidy","tidy"]], expected [["checktest.tidy","maintenance.tidy","clean"]]',
    ]);
    const missing = altered({ extensions: [{ id: 'checktest.gone', feature: 'maintenance.gone', method: 'gone' }] });
    expect(engineDefinitionProblems(missing, { ...EXPECTED, extensions: [['checktest.gone', 'maintenance.gone', 'gone']] }, PKG).classes).toEqual([
      'extension checktest.gone: CheckDatabase.gone is not a method',
      "extension checktest.gone: supportsFeature('maintenance.gone') is false",
    ]);
  });

  it("specialties: another engine's feature supported or mentioned with a reason, and a common feature named as a specialty", () => {
    const e = altered({ supportsFeature: (f: string) => f === 'clone', capabilities: { ...engine.capabilities, 'maintenance.vacuum': 'use tidy' } });
    expect(engineDefinitionProblems(e, { ...EXPECTED, notSupported: ['maintenance.vacuum', 'clone', 'backup.full'] }, PKG).specialties).toEqual([
      `capabilities mention 'maintenance.vacuum' ("use tidy")`,
      "supportsFeature('clone') is true",
      "'backup.full' is a common feature (every engine declares it): it cannot be another engine's specialty",
    ]);
  });

  it('commands: names not as pinned, and a name used twice', () => {
    const twice = altered({ commands: [...engine.commands, ...engine.commands] });
    expect(engineDefinitionProblems(twice, EXPECTED, PKG).commands).toEqual(['the commands are ["tidy","tidy"], expected ["tidy"]', "two commands are named 'tidy'"]);
  });
});

describe('issuesOfVariant', () => {
  it("returns defineEngine's issues for a refused variant, and throws for an accepted one", () => {
    expect(issuesOfVariant(engine, { capabilities: { ...CAPABILITIES, tables: true } })).toEqual([{ path: '/capabilities/tables', message: 'is declared supported but CheckDatabase.fetchTables is not implemented' }]);
    expect(() => issuesOfVariant(engine, { displayName: 'Checked' })).toThrow("expected defineEngine to refuse the variant of 'checktest' (displayName changed)");
  });

  it('rethrows what is not a ValidationError', () => {
    const boom = new Error('boom');
    const names = { validateDatabaseName: () => undefined, get quote(): never { throw boom; } };
    expect(() => issuesOfVariant(engine, { names })).toThrow(boom);
  });
});

// the jest wrapper, on the consistent engine (its package.json written to a temporary folder)
const dir = mkdtempSync(join(tmpdir(), 'gds-engine-definition-'));
beforeAll(() => writeFileSync(join(dir, 'package.json'), JSON.stringify(PKG)));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
describeEngineDefinition(engine, { packageJson: join(dir, 'package.json'), ...EXPECTED });
