/**
 * `defineEngine()`: turns an engine's {@link EngineDefinition} into the registered engine the
 * core uses, after checking it. A capability declared supported without its implementation (the
 * `Database` or HA hook left as the core's default), or implemented without being declared, is a
 * ValidationError here, when the package is imported, and not at a user's run time.
 *
 * @module
 */
import type { ConnectionConfig, DatabaseConnection } from './connection.js';
import { Database } from './database.js';
import type { EngineDefinition, ErrorClassification } from './engine-definition.js';
import { createError, GdsError, ValidationError, type ValidationIssue } from './errors.js';
import { FEATURES, supportsIn, type Capabilities, type CommonFeature, type Feature } from './features.js';
import { HighAvailabilityManager } from './ha.js';
import type { DatabaseMetadata } from './metadata.js';
import type { DatabaseProvider } from './provider.js';
import { expectConnection } from './provider-helpers.js';
import { validateDatabaseName } from './validation.js';

/** The Database hooks behind each common feature (all of them must be the engine's own when it is declared). */
const DATABASE_HOOKS: Partial<Record<CommonFeature, readonly string[]>> = {
  'state.offline': ['performSetOnline', 'performSetOffline'],
  'access.singleUser': ['performSetSingleUserMode', 'performSetMultiUserMode'],
  'access.restrictedUser': ['performSetRestrictedUserMode'],
  'backup.full': ['performBackup'],
  'backup.differential': ['performBackup'],
  'backup.incremental': ['performBackup'],
  'backup.log': ['performBackup'],
  'backup.verify': ['performVerifyBackup'],
  restore: ['performRestore'],
  'restore.pointInTime': ['performRestore'],
  schemas: ['fetchSchemas'],
  tables: ['fetchTables'],
};

/** The HA manager hooks behind each HA feature. */
const HA_HOOKS: Partial<Record<CommonFeature, readonly string[]>> = {
  'ha.failover': ['performFailover'],
  'ha.addNode': ['performAddNode'],
  'ha.removeNode': ['performRemoveNode'],
  'ha.syncMode': ['performSetSyncMode'],
};

const overrides = (Class: { prototype: object } | undefined, Base: { prototype: object }, hook: string): boolean =>
  Class !== undefined && (Class.prototype as Record<string, unknown>)[hook] !== (Base.prototype as Record<string, unknown>)[hook];

/** Every problem with a definition's capabilities, as validation issues (empty: consistent). */
function capabilityIssues(def: EngineDefinition): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const caps = def.capabilities as Record<string, unknown>;
  for (const f of FEATURES) {
    const v = caps[f];
    if (v !== true && (typeof v !== 'string' || v.trim() === '')) issues.push({ path: `/capabilities/${f}`, message: 'must be true or the reason it is not supported' });
  }
  const extensionFeatures = new Set((def.extensions ?? []).map((e) => e.feature));
  for (const key of Object.keys(caps)) {
    if (!(FEATURES as readonly string[]).includes(key)) issues.push({ path: `/capabilities/${key}`, message: extensionFeatures.has(key) ? 'is declared by an extension: leave it out of capabilities' : 'is not a common feature: declare it as an extension' });
  }
  const declared = (f: CommonFeature) => caps[f] === true;
  const check = (table: Partial<Record<CommonFeature, readonly string[]>>, Class: { prototype: object } | undefined, Base: { prototype: object }, where: string) => {
    const byHook = new Map<string, CommonFeature[]>();
    for (const [f, hooks] of Object.entries(table) as [CommonFeature, readonly string[]][]) {
      for (const hook of hooks) byHook.set(hook, [...(byHook.get(hook) ?? []), f]);
      if (declared(f)) for (const hook of hooks) if (!overrides(Class, Base, hook)) issues.push({ path: `/capabilities/${f}`, message: `is declared supported but ${where}.${hook} is not implemented` });
    }
    for (const [hook, features] of byHook) {
      if (overrides(Class, Base, hook) && !features.some(declared)) issues.push({ path: `/capabilities/${features[0]}`, message: `${where}.${hook} is implemented but none of ${features.join(', ')} is declared supported` });
    }
  };
  check(DATABASE_HOOKS, def.databaseClass, Database, def.databaseClass.name || 'databaseClass');
  if (declared('ha') !== (def.haManagerClass !== undefined)) issues.push({ path: '/capabilities/ha', message: def.haManagerClass ? 'an HA manager class is given but ha is not declared supported' : 'ha is declared supported but no haManagerClass is given' });
  check(HA_HOOKS, def.haManagerClass, HighAvailabilityManager, def.haManagerClass?.name || 'haManagerClass');
  for (const [i, e] of (def.extensions ?? []).entries()) {
    if (!e.id.startsWith(`${def.type}.`)) issues.push({ path: `/extensions/${i}/id`, message: `must start with '${def.type}.'` });
    if (typeof (def.databaseClass.prototype as Record<string, unknown>)[e.method] !== 'function') issues.push({ path: `/extensions/${i}/method`, message: `${def.databaseClass.name}.${e.method} does not exist` });
  }
  return issues;
}

function definitionIssues(def: EngineDefinition): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  for (const key of ['type', 'packageName', 'displayName', 'cliName'] as const) if (typeof def[key] !== 'string' || def[key].length === 0) issues.push({ path: `/${key}`, message: 'must be a non-empty string' });
  if (!Array.isArray(def.schemes) || def.schemes.length === 0 || def.schemes.some((s) => !/^[a-z][a-z0-9+.-]*$/.test(s))) issues.push({ path: '/schemes', message: 'must be lower-case URL schemes without ://' });
  for (const key of ['connect', 'listDatabases', 'getServerMetadata', 'classifyError', 'describeStatement'] as const) if (typeof def[key] !== 'function') issues.push({ path: `/${key}`, message: 'must be a function' });
  if (typeof def.names?.validateDatabaseName !== 'function' || typeof def.names?.quote !== 'function') issues.push({ path: '/names', message: 'must have validateDatabaseName() and quote()' });
  return issues;
}

/**
 * The core's mapping of any error into the gds hierarchy with an engine's error table: a gds
 * error as it is; anything else classified, its message prefixed with the operation, `cause`
 * kept (secrets are redacted by GdsError). The registered engine's `mapError` is this.
 *
 * ### Examples
 * ```ts
 * const mapPostgresError = mapErrorWith('postgresql', classifyPostgresError);
 * throw mapPostgresError(e, 'backup');
 * ```
 */
export function mapErrorWith(type: string, classify: (error: unknown) => ErrorClassification): (error: unknown, operation: string) => GdsError {
  return (error, operation) => {
    if (GdsError.isInstance(error)) return error as GdsError;
    const c = classify(error);
    return createError(c.kind, `${operation}: ${c.message ?? messageOf(error)}`, { engine: type, operation, cause: error, serverCode: c.code, hint: c.hint, retryable: c.retryable });
  };
}

/** The message of any thrown value. */
function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  const raw = typeof error === 'object' && error !== null ? (error as { message?: unknown }).message : undefined;
  return typeof raw === 'string' ? raw : String(error);
}

/**
 * Checks `definition` and makes the registered engine. Register it with `registerProvider()` in
 * the package's entry point, so that importing the package registers it.
 *
 * ### Examples
 * ```ts
 * import { registerProvider } from '@gds/database';
 * import { defineEngine } from '@gds/database/engine';
 * export const postgresEngine = defineEngine(definition);
 * registerProvider(postgresEngine);
 * ```
 */
export function defineEngine<C extends DatabaseConnection, D extends Database>(definition: EngineDefinition<C, D>): DatabaseProvider<D> {
  const def = definition as unknown as EngineDefinition;
  const issues = [...definitionIssues(def), ...(def.capabilities ? capabilityIssues(def) : [{ path: '/capabilities', message: 'is required' }])];
  if (issues.length > 0) throw new ValidationError(`Invalid engine definition for '${String(def.type)}'`, issues, { engine: def.type, hint: 'see docs/architecture.md, "Adding an engine"' });
  const capabilities: Capabilities = Object.freeze({ ...def.capabilities, ...Object.fromEntries((def.extensions ?? []).map((e) => [e.feature, true as const])) });
  const own = (connection: DatabaseConnection): C => expectConnection(connection, definition.connectionClass, def.displayName);
  const engine: DatabaseProvider<D> = {
    type: def.type,
    packageName: def.packageName,
    displayName: def.displayName,
    cliName: def.cliName,
    schemes: Object.freeze([...def.schemes]),
    capabilities,
    extensions: Object.freeze([...(def.extensions ?? [])]),
    commands: Object.freeze([...(def.commands ?? [])]),
    definition: def,
    connect: (target: string | ConnectionConfig) => definition.connect(target),
    createDatabase(connection: DatabaseConnection, name: string, metadata?: DatabaseMetadata): D {
      validateDatabaseName(name, def.type);
      def.names.validateDatabaseName(name);
      return new definition.databaseClass(name, own(connection), metadata as never);
    },
    listDatabases: (connection, options) => definition.listDatabases(own(connection), options),
    supportsFeature: (feature: Feature) => supportsIn(capabilities, feature),
    getServerMetadata: (connection, options) => definition.getServerMetadata(own(connection), options),
    mapError: mapErrorWith(def.type, (e) => def.classifyError(e)),
    describeStatement: (s) => def.describeStatement(s),
  };
  return Object.freeze(engine);
}
