/**
 * Declares the tests every engine package makes of its definition (the checks of
 * `engine-definition-checks.ts`, one jest test each), so that an engine's own
 * `<engine>-engine.test.ts` keeps only what is its own.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import type { DatabaseProvider } from '@gds/database';
import { engineDefinitionProblems, type EngineDefinitionProblems, type EngineExpectations } from './engine-definition-checks.js';

/**
 * What {@link describeEngineDefinition} checks an engine against.
 *
 * ### Examples
 * ```ts
 * const options: EngineDefinitionOptions = { packageJson: join(__dirname, '..', 'package.json'), ...expected };
 * ```
 */
export interface EngineDefinitionOptions extends EngineExpectations {
  /** The package's package.json, as a path or a file URL (`new URL('../package.json', import.meta.url)`); read when the tests run. */
  readonly packageJson: string | URL;
}

/**
 * Declares a `describe` block of six tests on a registered engine: it is registered under its
 * type and answers its URL schemes (and each alias is the engine itself); its facts are the
 * pinned ones and package.json's `name` and `gds.engine` say the same; every common feature is
 * `true` or a reason and nothing else is in its capabilities; its classes are the exported ones
 * and each extension (pinned) names a method that exists and is supported; other engines'
 * specialties are neither supported nor mentioned; its CLI commands are the pinned ones, none
 * twice. Call it at the top level of the engine's test file, which imports the package's entry
 * point (so that importing registers the engine).
 *
 * ### Examples
 * ```ts
 * import { join } from 'node:path';
 * import { describeEngineDefinition } from '@gds/testkit/jest';
 * import { SQLiteDatabase, sqliteEngine, sqliteProvider } from './index.js';
 *
 * describeEngineDefinition(sqliteEngine, {
 *   packageJson: join(__dirname, '..', 'package.json'),
 *   facts: { type: 'sqlite', packageName: '@gds/sqlite', displayName: 'SQLite', cliName: 'sqlite', schemes: ['sqlite'] },
 *   databaseClass: SQLiteDatabase,
 *   aliases: { sqliteProvider },
 *   extensions: [['sqlite.vacuum', 'maintenance.vacuum', 'vacuum']],
 *   commands: ['vacuum'],
 *   notSupported: ['clone', 'undrop', 'timeTravel'],
 * });
 * ```
 */
export function describeEngineDefinition(engine: DatabaseProvider, options: EngineDefinitionOptions): void {
  const problems = (check: keyof EngineDefinitionProblems): readonly string[] => engineDefinitionProblems(engine, options, JSON.parse(readFileSync(options.packageJson, 'utf8')) as unknown)[check];
  describe(`${options.facts.displayName}: the engine definition (testkit's common checks)`, () => {
    it(`is registered by importing the package, as '${options.facts.type}' and for its URL schemes; each alias is the engine itself`, () => {
      expect(problems('registration')).toEqual([]);
    });
    it("states the pinned facts, and package.json's name and gds.engine say the same", () => {
      expect(problems('packageJson')).toEqual([]);
    });
    it('declares every common feature (true or a reason) and nothing else in capabilities', () => {
      expect(problems('capabilities')).toEqual([]);
    });
    it('uses the exported classes; each pinned extension names a method that exists and is supported', () => {
      expect(problems('classes')).toEqual([]);
    });
    it("neither supports nor mentions other engines' specialties", () => {
      expect(problems('specialties')).toEqual([]);
    });
    it('offers the pinned CLI commands, none twice', () => {
      expect(problems('commands')).toEqual([]);
    });
  });
}
