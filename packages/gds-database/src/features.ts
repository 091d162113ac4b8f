/**
 * Capabilities: the closed list of operations an engine may or may not support, and the static
 * table each provider declares. `supports(feature)` reads that table; an unsupported operation
 * rejects with {@link UnsupportedOperationError} carrying the table's reason.
 *
 * @module
 */

/**
 * Every capability key gds knows, in a stable order (the capability matrix follows it).
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
  'clone',
  'undrop',
  'timeTravel',
  'maintenance.vacuum',
  'maintenance.shrink',
  'maintenance.checkIntegrity',
  'recoveryModel',
  'profiling',
  'ha',
  'ha.failover',
  'ha.addNode',
  'ha.removeNode',
  'ha.syncMode',
] as const);

/**
 * A capability key, e.g. `'backup.differential'` or `'ha.failover'`.
 *
 * ### Examples
 * ```ts
 * const f: Feature = 'state.offline';
 * ```
 */
export type Feature = (typeof FEATURES)[number];

/**
 * A provider's capability table: `true` for a supported feature, otherwise the reason it is not
 * supported (shown in {@link UnsupportedOperationError}). A feature missing from the table is
 * unsupported with a generic reason.
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
export type Capabilities = Readonly<Partial<Record<Feature, true | string>>>;

/**
 * Whether `feature` is a known capability key (for input from a command line or a config file).
 *
 * ### Examples
 * ```ts
 * isFeature('backup.full'); // true
 * isFeature('fly');         // false
 * ```
 */
export function isFeature(feature: string): feature is Feature {
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
  return entry ?? 'this engine does not provide it';
}
