/**
 * Capabilities: the closed list of operations an engine may or may not support, and the static
 * table each provider declares. `supports(feature)` reads that table; an unsupported operation
 * rejects with {@link UnsupportedOperationError} carrying the table's reason.
 *
 * @module
 */

/**
 * The common contract: every capability key every engine declares, supported (`true`) or not
 * (the reason), in a stable order (the capability matrix follows it). An engine declares nothing
 * about other engines' specialties: those are its {@link EngineFeature}s.
 *
 * ### Examples
 * ```ts
 * for (const f of FEATURES) console.log(f, db.supports(f));
 * ```
 */
export const FEATURES = Object.freeze([
  'create',
  'drop',
  'drop.force',
  'state.offline',
  'access.singleUser',
  'access.restrictedUser',
  'backup.full',
  'backup.differential',
  'backup.incremental',
  'backup.log',
  'backup.verify',
  'backup.progress',
  'restore',
  'restore.pointInTime',
  'schemas',
  'tables',
  'ha',
  'ha.failover',
  'ha.addNode',
  'ha.removeNode',
  'ha.syncMode',
] as const);

/**
 * A capability key of the common contract, e.g. `'backup.differential'` or `'ha.failover'`.
 *
 * ### Examples
 * ```ts
 * const f: CommonFeature = 'state.offline';
 * ```
 */
export type CommonFeature = (typeof FEATURES)[number];

/**
 * The capability keys of engine extensions gds's engines provide today (an engine declares only
 * its own; any other engine's `supports()` answers false for them). Other engines may add more.
 *
 * ### Examples
 * ```ts
 * if (db.supports('maintenance.vacuum')) console.log('VACUUM is available');
 * ```
 */
export type EngineFeature = 'clone' | 'undrop' | 'timeTravel' | 'maintenance.vacuum' | 'maintenance.shrink' | 'maintenance.checkIntegrity' | 'recoveryModel' | 'profiling';

/**
 * A capability key: one of the common contract, or an engine extension's.
 *
 * ### Examples
 * ```ts
 * const f: Feature = 'maintenance.vacuum';
 * ```
 */
export type Feature = CommonFeature | EngineFeature | (string & {});

/**
 * An engine's capability table: for every {@link CommonFeature}, `true` or the reason it is not
 * supported (shown in {@link UnsupportedOperationError}); engine features appear only as `true`
 * (they come from the engine's extensions). A key missing from the table is unsupported.
 *
 * ### Examples
 * ```ts
 * const capabilities: Capabilities = {
 *   create: true,
 *   drop: true,
 *   'state.offline': 'MongoDB has no per-database state: a database is online while its server is',
 * };
 * ```
 */
export type Capabilities = Readonly<Partial<Record<CommonFeature, true | string>> & Record<string, true | string | undefined>>;

/**
 * Whether `feature` is a key of the common contract (for input from a command line or a config file).
 *
 * ### Examples
 * ```ts
 * isFeature('backup.full'); // true
 * isFeature('fly');         // false
 * ```
 */
export function isFeature(feature: string): feature is CommonFeature {
  return (FEATURES as readonly string[]).includes(feature);
}

/**
 * Whether `capabilities` marks `feature` supported.
 *
 * ### Examples
 * ```ts
 * supportsIn({ create: true }, 'create'); // true
 * ```
 */
export function supportsIn(capabilities: Capabilities, feature: Feature): boolean {
  return capabilities[feature] === true;
}

/**
 * Why `feature` is unsupported according to `capabilities` (undefined when it is supported).
 *
 * ### Examples
 * ```ts
 * unsupportedReason({ undrop: 'no recycle bin' }, 'undrop'); // 'no recycle bin'
 * ```
 */
export function unsupportedReason(capabilities: Capabilities, feature: Feature): string | undefined {
  const entry = capabilities[feature];
  if (entry === true) return undefined;
  return entry ?? 'this engine does not provide it (it is another engine\'s extension, or unknown)';
}
