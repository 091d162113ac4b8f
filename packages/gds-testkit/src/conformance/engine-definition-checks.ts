/**
 * The checks every engine package's definition test makes, as plain functions that return what
 * is wrong (an empty list: nothing): the engine is registered under its type and answers its URL
 * schemes, its facts agree with package.json's `name` and `gds.engine`, every common feature is
 * declared (`true` or a reason) and nothing else is, its classes are the exported ones, each
 * extension names a method that exists, other engines' specialties are absent, and its CLI
 * commands are the ones pinned. `describeEngineDefinition()` (`@gds/testkit/jest`) declares a
 * jest test for each; a runner other than jest can call {@link engineDefinitionProblems} itself.
 *
 * @module
 */
import { FEATURES, getProvider, getProviderForUrl, ValidationError, type DatabaseProvider, type ValidationIssue } from '@gds/database';
import { defineEngine, type EngineDefinition } from '@gds/database/engine';

/** The facts an engine states about itself, as package.json's `name` and `gds.engine` repeat them. */
export interface EngineFacts {
  /** The engine's type (`'postgresql'`). */
  readonly type: string;
  /** The npm package (`'@gds/postgres'`): package.json's `name`. */
  readonly packageName: string;
  /** For people (`'PostgreSQL'`). */
  readonly displayName: string;
  /** The CLI's name (`'postgres'`). */
  readonly cliName: string;
  /** The URL schemes, in the definition's order. */
  readonly schemes: readonly string[];
}

/** An extension as `[id, feature, method]`. */
export type ExtensionFacts = readonly [id: string, feature: string, method: string];

/**
 * What an engine's definition must say, beside what `defineEngine()` already checks.
 *
 * ### Examples
 * ```ts
 * const expected: EngineExpectations = {
 *   facts: { type: 'sqlite', packageName: '@gds/sqlite', displayName: 'SQLite', cliName: 'sqlite', schemes: ['sqlite'] },
 *   databaseClass: SQLiteDatabase,
 *   aliases: { sqliteProvider },
 *   extensions: [['sqlite.vacuum', 'maintenance.vacuum', 'vacuum']],
 *   commands: ['vacuum'],
 *   notSupported: ['clone', 'undrop'],
 * };
 * ```
 */
export interface EngineExpectations {
  /** The engine's facts, pinned: the engine and package.json must both say exactly these. */
  readonly facts: EngineFacts;
  /** The package's exported Database class: the definition's `databaseClass` must be this very class. */
  readonly databaseClass: { readonly prototype: object };
  /** The package's exported HA manager class. Leave it out for an engine without one: the definition must then have none. */
  readonly haManagerClass?: { readonly prototype: object };
  /** Exports that must be the engine object itself, by name (the deprecated `<engine>Provider` alias). Defaults to none. */
  readonly aliases?: Readonly<Record<string, unknown>>;
  /** The engine's extensions in order, as `[id, feature, method]` (`[]` for none). */
  readonly extensions: readonly ExtensionFacts[];
  /** The names of the engine's CLI commands in order (`[]` for none). */
  readonly commands: readonly string[];
  /** Other engines' specialties (extension features) this engine must neither support nor mention. Defaults to none. */
  readonly notSupported?: readonly string[];
}

/** What is wrong with an engine, by check (each list empty when that check passes). */
export interface EngineDefinitionProblems {
  /** Registration: `getProvider(type)`, `getProviderForUrl()` for each scheme, the aliases. */
  readonly registration: readonly string[];
  /** The facts: the engine's against the pinned ones, package.json's `name` and `gds.engine` against the engine's. */
  readonly packageJson: readonly string[];
  /** The capability table: every common feature `true` or a non-empty reason, and no other key. */
  readonly capabilities: readonly string[];
  /** The classes and extensions: the exported classes, the pinned extensions, each method existing and its feature supported. */
  readonly classes: readonly string[];
  /** Other engines' specialties: unsupported and absent from the capabilities. */
  readonly specialties: readonly string[];
  /** The CLI commands: the pinned names, none twice. */
  readonly commands: readonly string[];
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const show = (v: unknown): string => (typeof v === 'function' ? v.name || 'an anonymous class' : JSON.stringify(v) ?? String(v));
const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));
const FACT_KEYS = ['type', 'packageName', 'displayName', 'cliName', 'schemes'] as const;
/** The keys package.json's `gds.engine` holds (the package name is its `name`). */
const GDS_ENGINE_KEYS = ['type', 'displayName', 'cliName', 'schemes'] as const;

function registrationProblems(engine: DatabaseProvider, expected: EngineExpectations): string[] {
  const out: string[] = [];
  const type = expected.facts.type;
  try {
    if (getProvider(type) !== engine) out.push(`getProvider('${type}') is another engine object than this one`);
  } catch (e) {
    out.push(`getProvider('${type}') throws (is the engine registered when its package is imported?): ${messageOf(e)}`);
  }
  for (const scheme of engine.schemes) {
    try {
      if (getProviderForUrl(`${scheme}://localhost/`) !== engine) out.push(`a ${scheme}:// URL goes to another engine`);
    } catch (e) {
      out.push(`a ${scheme}:// URL finds no engine: ${messageOf(e)}`);
    }
  }
  for (const [name, value] of Object.entries(expected.aliases ?? {})) if (value !== engine) out.push(`${name} is not the engine object itself`);
  return out;
}

function packageJsonProblems(engine: DatabaseProvider, expected: EngineExpectations, packageJson: unknown): string[] {
  const out: string[] = [];
  const stated = engine as unknown as Record<string, unknown>;
  const facts = expected.facts as unknown as Record<string, unknown>;
  for (const key of FACT_KEYS) if (show(stated[key]) !== show(facts[key])) out.push(`the engine's ${key} is ${show(stated[key])}, expected ${show(facts[key])}`);
  if (!isRecord(packageJson)) return [...out, 'package.json is not an object'];
  if (packageJson.name !== engine.packageName) out.push(`package.json's name is ${show(packageJson.name)} but the definition's packageName is ${show(engine.packageName)}`);
  const gdsEngine = isRecord(packageJson.gds) ? packageJson.gds.engine : undefined;
  if (!isRecord(gdsEngine)) return [...out, 'package.json has no gds.engine object'];
  for (const key of GDS_ENGINE_KEYS) if (show(gdsEngine[key]) !== show(stated[key])) out.push(`package.json's gds.engine.${key} is ${show(gdsEngine[key])} but the definition's is ${show(stated[key])}`);
  for (const key of Object.keys(gdsEngine)) if (!(GDS_ENGINE_KEYS as readonly string[]).includes(key)) out.push(`package.json's gds.engine has ${key}, which is not one of ${GDS_ENGINE_KEYS.join(', ')}`);
  return out;
}

function capabilityProblems(engine: DatabaseProvider): string[] {
  const out: string[] = [];
  const caps = engine.definition.capabilities as Record<string, unknown>;
  for (const f of FEATURES) {
    const v = caps[f];
    if (v !== true && (typeof v !== 'string' || v.trim() === '')) out.push(`capabilities['${f}'] is ${show(v)}: it must be true or the reason it is not supported`);
  }
  for (const key of Object.keys(caps)) if (!(FEATURES as readonly string[]).includes(key)) out.push(`capabilities has '${key}', which is not a common feature (declare it as an extension)`);
  return out;
}

function classProblems(engine: DatabaseProvider, expected: EngineExpectations): string[] {
  const out: string[] = [];
  const def = engine.definition;
  if (def.databaseClass !== expected.databaseClass) out.push(`databaseClass is ${show(def.databaseClass)}, not the exported ${show(expected.databaseClass)}`);
  if (def.haManagerClass !== expected.haManagerClass) out.push(`haManagerClass is ${show(def.haManagerClass)}, expected ${show(expected.haManagerClass)}`);
  const extensions = engine.extensions.map((e) => [e.id, e.feature, e.method]);
  if (show(extensions) !== show(expected.extensions)) out.push(`the extensions are ${show(extensions)}, expected ${show(expected.extensions)}`);
  const prototype = def.databaseClass.prototype as unknown as Record<string, unknown>;
  for (const e of engine.extensions) {
    if (typeof prototype[e.method] !== 'function') out.push(`extension ${e.id}: ${show(def.databaseClass)}.${e.method} is not a method`);
    if (!engine.supportsFeature(e.feature)) out.push(`extension ${e.id}: supportsFeature('${e.feature}') is false`);
  }
  return out;
}

function specialtyProblems(engine: DatabaseProvider, expected: EngineExpectations): string[] {
  const out: string[] = [];
  for (const f of expected.notSupported ?? []) {
    if ((FEATURES as readonly string[]).includes(f)) out.push(`'${f}' is a common feature (every engine declares it): it cannot be another engine's specialty`);
    else if (engine.supportsFeature(f)) out.push(`supportsFeature('${f}') is true`);
    else if (f in engine.capabilities || f in engine.definition.capabilities) out.push(`capabilities mention '${f}' (${show(engine.capabilities[f])})`);
  }
  return out;
}

function commandProblems(engine: DatabaseProvider, expected: EngineExpectations): string[] {
  const out: string[] = [];
  const names = engine.commands.map((c) => c.name);
  if (show(names) !== show(expected.commands)) out.push(`the commands are ${show(names)}, expected ${show(expected.commands)}`);
  for (const name of new Set(names.filter((n, i) => names.indexOf(n) !== i))) out.push(`two commands are named '${name}'`);
  return out;
}

/**
 * Everything that is wrong with `engine` against `expected` and its package's parsed
 * `packageJson`, by check; every list is empty for a consistent engine.
 *
 * ### Examples
 * ```ts
 * const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
 * const problems = engineDefinitionProblems(sqliteEngine, expected, pkg);
 * assert.deepEqual(problems.packageJson, []);
 * ```
 */
export function engineDefinitionProblems(engine: DatabaseProvider, expected: EngineExpectations, packageJson: unknown): EngineDefinitionProblems {
  return {
    registration: registrationProblems(engine, expected),
    packageJson: packageJsonProblems(engine, expected, packageJson),
    capabilities: capabilityProblems(engine),
    classes: classProblems(engine, expected),
    specialties: specialtyProblems(engine, expected),
    commands: commandProblems(engine, expected),
  };
}

/**
 * The issues `defineEngine()` finds in `engine`'s definition with `variant` laid over it, to
 * show that the check runs on the engine's own classes. Throws when `defineEngine()` accepts the
 * variant, and rethrows anything but a ValidationError.
 *
 * ### Examples
 * ```ts
 * expect(issuesOfVariant(sqliteEngine, { capabilities: { ...caps, ha: true } })).toContainEqual({
 *   path: '/capabilities/ha',
 *   message: 'ha is declared supported but no haManagerClass is given',
 * });
 * ```
 */
export function issuesOfVariant(engine: DatabaseProvider, variant: Partial<EngineDefinition>): readonly ValidationIssue[] {
  try {
    defineEngine({ ...engine.definition, ...variant });
  } catch (e) {
    if (ValidationError.isInstance(e)) return (e as ValidationError).issues;
    throw e;
  }
  throw new Error(`expected defineEngine to refuse the variant of '${engine.type}' (${Object.keys(variant).join(', ') || 'nothing'} changed)`);
}
